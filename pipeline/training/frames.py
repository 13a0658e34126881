"""Declaration frames for training copies: fields around a description that say nothing about the goods.

Graph 31 and trade-data rows surround a description with maker, mark, model, quantity, origin and disclaimer fields.
In the corpus such fields stand mostly in lines of some labels and not others, so a linear model learns them as
evidence ("SHENZHEN … TECHNOLOGY CO., LTD" and a model code read as `drone`, «НЕ ЯВЛЯЕТСЯ …» as `other`) and a real
dump, where every line carries them, loses recall and gains false labels. A framed copy of every training line, of
every label, makes the fields evidence of nothing. Makers, marks and codes are generated from syllables and patterns,
so no invented name becomes a word the model knows.
"""

from __future__ import annotations

import random

_CITIES = ["DONGGUAN", "YIWU", "HANGZHOU", "SUZHOU", "FOSHAN", "QINGDAO", "TIANJIN", "SHANGHAI", "BEIJING", "CHENGDU",
           "WUHAN", "JINAN", "HEFEI", "CHANGSHA", "ZHONGSHAN", "HONG KONG", "WENZHOU", "NANJING"]  # fmt: skip
_SYLLABLES = ["fang", "jun", "lian", "tian", "hong", "sheng", "rui", "kang", "wei", "jin", "long", "chang", "feng",
              "yuan", "tong", "hai", "jia", "qi", "lan", "an", "zhi", "cheng", "yu", "hao"]  # fmt: skip
_SECTORS = ["TECHNOLOGY", "ELECTRONICS", "INDUSTRIAL", "TRADING", "MACHINERY", "IMPORT & EXPORT", "INTELLIGENT",
            "NEW MATERIAL", "HOUSEHOLD PRODUCTS", "HARDWARE", "SUPPLY CHAIN", "PRECISION", "INTERNATIONAL"]  # fmt: skip
_SUFFIXES = ["CO., LTD", "CO.,LTD.", "LIMITED", "CO. LTD", "GROUP CO., LTD"]
_RU_NAMES = ["ТЕХНОТРЕЙД", "АЛЬФА", "ВЕКТОР", "СТРОЙМАРКЕТ", "ГЛОБАЛ ЛОГИСТИК", "ИМПЭКС", "СЕВЕРСНАБ", "РЕСУРС",
             "ТОРГОВЫЙ ДОМ ВОСТОК", "ЛИДЕР", "ЭНЕРГОКОМПЛЕКТ", "ПРОФИТ"]  # fmt: skip
_EU = ["GmbH", "s.r.o.", "Ltd.", "S.p.A.", "B.V.", "Sp. z o.o.", "A.S."]
_COUNTRIES = {
    "ru": ["КИТАЙ", "КНР", "ГЕРМАНИЯ", "ТУРЦИЯ", "ИНДИЯ", "ВЬЕТНАМ", "КОРЕЯ", "ИТАЛИЯ", "ПОЛЬША", "ЯПОНИЯ"],
    "en": ["CHINA", "PRC", "GERMANY", "TURKEY", "INDIA", "VIETNAM", "KOREA", "ITALY", "POLAND", "JAPAN"],
}
_FIELDS = {
    "ru": {
        "maker": ["ИЗГОТОВИТЕЛЬ {maker}", "ПРОИЗВОДИТЕЛЬ: {maker}", "изготовитель: {maker}", "ПРОИЗВ. {maker}"],
        "mark": ["ТОВАРНЫЙ ЗНАК {mark}", "ТОВАРНЫЙ ЗНАК ОТСУТСТВУЕТ", "МАРКА {mark}", "ТМ {mark}", "БРЕНД {mark}"],
        "model": ["МОДЕЛЬ {code}", "АРТИКУЛ {code}", "АРТ. {code}", "МОДЕЛЬ ОТСУТСТВУЕТ", "КАТ. № {code}"],
        "qty": ["КОЛ-ВО {n} ШТ", "{n} ШТ.", "{n} КОМПЛ.", "В КОЛИЧЕСТВЕ {n} ШТ", "{n} ШТ", "КОЛИЧЕСТВО: {n} ШТ."],
        "origin": ["СТРАНА ПРОИСХОЖДЕНИЯ {country}", "ПРОИСХОЖДЕНИЕ: {country}", "СТРАНА: {country}"],
        "state": ["НОВЫЙ", "НОВЫЕ, В ЗАВОДСКОЙ УПАКОВКЕ", "БЕЗ УПАКОВКИ", "УПАКОВАН В {n} КОРОБОК",
                  "ВЕС НЕТТО {kg} КГ", "ДАТА ИЗГОТОВЛЕНИЯ {year}", "ГОД ВЫПУСКА {year}", "СЕР. № {code}",
                  "НЕ БЫВШИЙ В УПОТРЕБЛЕНИИ"],
        "disclaimer": ["НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ", "НЕ ВОЕННОГО НАЗНАЧЕНИЯ", "ГРАЖДАНСКОГО НАЗНАЧЕНИЯ",
                       "НЕ ЯВЛЯЕТСЯ ЛОМОМ ЭЛЕКТРООБОРУДОВАНИЯ", "НЕ СОДЕРЖИТ ШИФРОВАЛЬНЫХ (КРИПТОГРАФИЧЕСКИХ) СРЕДСТВ",
                       "НЕ ЯВЛЯЕТСЯ ОТХОДАМИ", "НЕ ДЛЯ МЕДИЦИНСКИХ ЦЕЛЕЙ", "НЕ СОДЕРЖИТ ДРАГМЕТАЛЛОВ"],
    },
    "en": {
        "maker": ["MANUFACTURER: {maker}", "MFR {maker}", "SUPPLIER {maker}", "SELLER: {maker}", "by {maker}"],
        "mark": ["BRAND {mark}", "BRAND: NO BRAND", "TRADEMARK {mark}", "BRAND NAME: {mark}", "NO BRAND"],
        "model": ["MODEL {code}", "P/N {code}", "ART. {code}", "ITEM NO. {code}", "REF {code}"],
        "qty": ["{n} PCS", "QTY {n}", "{n} UNITS", "{n} SETS", "{n} CTNS", "QTY: {n} PCS", "{n} PIECES"],
        "origin": ["MADE IN {country}", "COUNTRY OF ORIGIN: {country}", "ORIGIN {country}"],
        "state": ["NEW", "ORIGINAL PACKAGING", "NET WEIGHT {kg} KG", "GROSS WEIGHT {kg} KGS", "INVOICE NO. {code}",
                  "PO {year}{n}", "BRAND NEW", "S/N {code}"],
        "disclaimer": ["NOT FOR MILITARY USE", "FOR CIVIL USE ONLY", "NON-MILITARY", "NO ENCRYPTION",
                       "NON-HAZARDOUS", "NOT DANGEROUS GOODS", "FOR COMMERCIAL USE"],
    },
}  # fmt: skip


def maker_name(rng: random.Random, lang: str) -> str:
    """An invented company name: a Chinese trading company, a Russian ООО or a European firm."""
    kind = rng.random()
    syll = "".join(rng.choice(_SYLLABLES) for _ in range(rng.choice([2, 2, 3]))).upper()
    if kind < 0.6:
        city = rng.choice(_CITIES) + " " if rng.random() < 0.8 else ""
        return f"{city}{syll} {rng.choice(_SECTORS)} {rng.choice(_SUFFIXES)}"
    if kind < 0.8 and lang == "ru":
        return f"{rng.choice(['ООО', 'АО', 'ООО ТД'])} «{rng.choice(_RU_NAMES)}»"
    return f"{syll.capitalize()} {rng.choice(_EU)}"


def model_code(rng: random.Random) -> str:
    """An invented model, article or part code: ``KT-205C``, ``Q7``, ``ZJ4410-02``."""
    letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(rng.choice([1, 2, 2, 3])))
    digits = str(rng.randint(1, 99999))
    tail = rng.choice(["", "", "A", "C", "S", "-02", " PRO", "/B"])
    return f"{letters}{rng.choice(['-', '', ' '])}{digits}{tail}"


def declaration_frame(text: str, lang: str, rng: random.Random) -> str:
    """``text`` inside 2-5 invented fields of a declaration in language ``lang``, before or after it."""
    fields = _FIELDS[lang]
    kinds = rng.sample(list(fields), rng.randint(2, 5))
    values = {
        "maker": maker_name(rng, lang),
        "mark": "".join(rng.choice(_SYLLABLES) for _ in range(2)).upper(),
        "code": model_code(rng),
        "n": rng.choice([1, 2, 3, 5, 10, 12, 20, 24, 50, 100, 200, 500, 1000]),
        "country": rng.choice(_COUNTRIES[lang]),
        "kg": f"{rng.randint(1, 900)}{rng.choice(['', ',5', '.2', ',75'])}",
        "year": rng.randint(2019, 2025),
    }
    parts = [rng.choice(fields[k]).format(**values) for k in kinds]
    joiner = rng.choice([", ", "; ", " ", ". "])
    if rng.random() < 0.5:
        text = text.upper()
    if rng.random() < 0.2:
        return f"{joiner.join(parts)}: {text}"
    return f"{text.rstrip('. ')}{rng.choice([', ', '. ', ' - ', '; '])}{joiner.join(parts)}"
