"""Write ``entities_gold.csv``: lines with their gold manufacturer, brand, model, quantity and unit.

The lines are made from hand-written templates (graph 31 of a declaration, invoices, shorthand, news-like sentences,
lines without entities) filled with a hand-written product list, in seeded random combinations; brand names are
written in their usual, Cyrillic and look-alike spellings (``DJl``, ``ДЖИАЙ``, Cyrillic letters inside Latin
names). The hand-written free lines of ``entities_free.csv`` are appended as they are. Rerun to reproduce:

    python corpora/entities/make_gold.py
"""

# ruff: noqa: E501 - one product a line reads best

from __future__ import annotations

import csv
import random
from pathlib import Path

HERE = Path(__file__).parent
FIELDS = ["text", "manufacturer", "brand", "model", "quantity", "unit", "style"]

# (Russian noun, English noun, brand, spellings of the brand, model, manufacturer as the gazetteer names it)
PRODUCTS = [
    (
        "квадрокоптер",
        "quadcopter",
        "DJI",
        ["DJI", "ДЖИАЙ", "DJl", "DJІ", "ДЖИ-АЙ"],
        "Mavic 3T",
        "SZ DJI Technology Co., Ltd.",
    ),
    ("квадрокоптер", "drone", "DJI", ["DJI", "DJl", "Д Ж И А Й"], "Matrice 350 RTK", "SZ DJI Technology Co., Ltd."),
    (
        "БПЛА сельскохозяйственный",
        "agricultural drone",
        "DJI",
        ["DJI", "ДЖИАЙ"],
        "Agras T50",
        "SZ DJI Technology Co., Ltd.",
    ),
    ("квадрокоптер", "drone", "Autel", ["Autel", "АУТЕЛ", "Autel Robotics"], "EVO Max 4T", "Autel Robotics Co. Ltd."),
    ("квадрокоптер", "drone", "Parrot", ["Parrot", "ПАРРОТ"], "Anafi USA", "Parrot Drones SAS"),
    ("полетный контроллер", "flight controller", "Holybro", ["Holybro", "ХОЛИБРО"], "Pixhawk 6X", "Holybro"),
    (
        "моторы бесколлекторные",
        "brushless motors",
        "T-Motor",
        ["T-Motor", "Т-МОТОР", "TMotor"],
        "F90",
        "Jiangxi Xintuo Enterprise Co. Ltd.",
    ),
    ("FPV камера", "FPV camera", "Caddx", ["Caddx", "CADDX", "КАДДКС"], "Ratel 2", "Caddx Technology"),
    ("видеопередатчик", "video transmitter", "TBS", ["TBS", "Team BlackSheep"], "Unify Pro32", "Team BlackSheep"),
    ("пульт управления", "radio transmitter", "Radiomaster", ["Radiomaster", "РАДИОМАСТЕР"], "TX16S", "Radiomaster"),
    ("регулятор оборотов", "ESC", "Hobbywing", ["Hobbywing", "ХОББИВИНГ"], "XRotor 60A", "Hobbywing Technology"),
    ("FPV очки", "FPV goggles", "Skyzone", ["Skyzone", "СКАЙЗОН"], "SKY04X", "Skyzone"),
    (
        "подавитель дронов",
        "drone jammer",
        "DroneShield",
        ["DroneShield", "ДРОНШИЛД"],
        "DroneGun Mk4",
        "DroneShield Ltd",
    ),
    ("детектор дронов", "drone detector", "Aaronia", ["Aaronia", "ААРОНИЯ"], "AARTOS X7", "Aaronia AG"),
    (
        "защищенный ноутбук",
        "rugged laptop",
        "Panasonic",
        ["Panasonic", "ПАНАСОНИК", "PANASОNIC"],
        "Toughbook CF-33",
        "Panasonic Connect Co. Ltd.",
    ),
    ("защищенный планшет", "rugged tablet", "Getac", ["Getac", "ГЕТАК"], "F110 G6", "Getac Technology Corporation"),
    (
        "защищенный ноутбук",
        "rugged laptop",
        "Durabook",
        ["Durabook", "ДЮРАБУК"],
        "S14I",
        "Twinhead International Corp.",
    ),
    ("защищенный ноутбук", "rugged laptop", "Dell", ["Dell", "ДЕЛЛ"], "Latitude 7330 Rugged", "Dell Technologies"),
    ("терминал сбора данных", "mobile computer", "Zebra", ["Zebra", "ЗЕБРА"], "TC58", "Zebra Technologies"),
    ("модуль ГНСС", "GNSS module", "u-blox", ["u-blox", "ublox", "Ю-БЛОКС"], "ZED-F9P", "u-blox AG"),
    ("навигатор", "GPS navigator", "Garmin", ["Garmin", "ГАРМИН", "Gаrmin"], "GPSMAP 67i", "Garmin Ltd."),
    ("приемник ГНСС", "GNSS receiver", "Septentrio", ["Septentrio", "СЕПТЕНТРИО"], "mosaic-X5", "Septentrio NV"),
    ("приемник ГНСС", "GNSS receiver", "Trimble", ["Trimble", "ТРИМБЛ"], "R12i", "Trimble Inc."),
    (
        "инерциальная система",
        "inertial navigation system",
        "SBG Systems",
        ["SBG", "SBG Systems"],
        "Ellipse-D",
        "SBG Systems SAS",
    ),
    ("датчик инерциальный", "IMU", "VectorNav", ["VectorNav", "ВЕКТОРНАВ"], "VN-200", "VectorNav Technologies"),
    ("модуль ГНСС", "GNSS board", "Unicore", ["Unicore", "ЮНИКОР"], "UM982", "Unicore Communications"),
    (
        "лопатка турбины двигателя",
        "turbine blade for engine",
        "CFM",
        ["CFM", "CFM International"],
        "CFM56-7B",
        "CFM International",
    ),
    ("двигатель вертолетный", "helicopter engine", "Safran", ["Safran", "САФРАН"], "Arriel 2D", "Safran SA"),
    ("ответчик", "transponder", "Honeywell", ["Honeywell", "ХОНЕЙВЕЛЛ"], "KT 74", "Honeywell International Inc."),
    ("ноутбук", "laptop", "Lenovo", ["Lenovo", "ЛЕНОВО"], "ThinkPad E14", "Lenovo Group Ltd."),
    ("смартфон", "smartphone", "Samsung", ["Samsung", "САМСУНГ"], "Galaxy A35", "Samsung Electronics"),
    ("радиостанция", "two-way radio", "Baofeng", ["Baofeng", "БАОФЕНГ"], "UV-5R", "Baofeng Electronics"),
    ("радиостанция", "radio", "Motorola", ["Motorola", "МОТОРОЛА"], "DP4400e", "Motorola Solutions"),
    (
        "камера видеонаблюдения",
        "surveillance camera",
        "Hikvision",
        ["Hikvision", "ХИКВИЖН"],
        "DS-2CD2043G2",
        "Hangzhou Hikvision Digital Technology",
    ),
    ("смартфон", "smartphone", "Xiaomi", ["Xiaomi", "СЯОМИ"], "Redmi Note 13", "Xiaomi Corporation"),
]
UNITS_RU = [("шт", "шт"), ("ШТ", "шт"), ("штук", "шт"), ("компл", "компл"), ("шт.", "шт")]
UNITS_EN = [("pcs", "pcs"), ("PCS", "pcs"), ("units", "units"), ("sets", "sets"), ("pc", "pcs")]
STATED_MAKERS = {
    "DJI": "SZ DJI TECHNOLOGY CO., LTD", "Autel": "AUTEL ROBOTICS CO., LTD", "Getac": "GETAC TECHNOLOGY CORP",
    "u-blox": "U-BLOX AG", "Garmin": "GARMIN INTERNATIONAL INC", "Panasonic": "PANASONIC CONNECT CO., LTD",
}  # fmt: skip
NO_ENTITY = [
    "Футболки мужские хлопковые",
    "Запасные части прочие для оборудования",
    "Cotton T-shirts, assorted colours",
    "Образцы продукции без коммерческой ценности",
    "Кабель силовой медный в ПВХ изоляции",
    "Spare parts for industrial sewing machines",
    "Documents and catalogues",
    "Пластиковые контейнеры для хранения",
]


def rows(rng: random.Random):
    """The template lines with their gold values."""
    for _ in range(270):
        noun_ru, noun_en, brand, forms, model, maker = rng.choice(PRODUCTS)
        form = rng.choice(forms)
        qty = str(rng.choice([1, 2, 3, 5, 8, 10, 12, 20, 25, 40, 50, 100, 150, 200, 500]))
        style = rng.choice(["dt31", "dt31_fields", "shorthand", "invoice", "invoice_fields", "news", "mixed"])
        u_ru, g_ru = rng.choice(UNITS_RU)
        u_en, g_en = rng.choice(UNITS_EN)
        gold = {"manufacturer": maker, "brand": brand, "model": model, "quantity": qty, "unit": g_ru}
        if style == "dt31":
            text = f"{noun_ru.upper()} {form} {model.upper()}, НОВЫЙ, {qty} {u_ru.upper()}"
            gold["model"] = model.upper()
            gold["unit"] = g_ru
        elif style == "dt31_fields":
            stated = STATED_MAKERS.get(brand, maker.upper())
            text = (
                f"{noun_ru.upper()}, ИЗГОТОВИТЕЛЬ {stated}, ТОВАРНЫЙ ЗНАК {form.upper()}, "
                f"МОДЕЛЬ {model.upper()}, КОЛ-ВО {qty} {u_ru.upper()}"
            )
            gold.update(manufacturer=stated, model=model.upper())
        elif style == "shorthand":
            text = f"{noun_ru.split()[0][:6]}. {form} {model} - {qty}{u_ru}"
        elif style == "invoice":
            text = f"{noun_en.capitalize()} {form} {model}, {qty} {u_en}"
            gold["unit"] = g_en
        elif style == "invoice_fields":
            text = f"{noun_en.capitalize()}; Brand: {form}; Model: {model}; Qty: {qty} {u_en}"
            gold["unit"] = g_en
        elif style == "news":
            text = f"Customs records show that {qty} {form} {model} {noun_en}s reached Moscow via a reseller in 2023"
            gold.update(unit="")
        else:
            text = f"{noun_ru} {form} {model} ({noun_en}) x {qty} {u_en}"
            gold["unit"] = g_en
        yield {"text": text, **gold, "style": style}
    for line in NO_ENTITY:
        yield {"text": line, "manufacturer": "", "brand": "", "model": "", "quantity": "", "unit": "", "style": "none"}


def main() -> None:
    """Write the gold file."""
    out = list(rows(random.Random(13)))
    free = HERE / "entities_free.csv"
    with free.open(encoding="utf-8", newline="") as fh:
        out += [dict(r, style=r.get("style") or "free") for r in csv.DictReader(fh)]
    with (HERE / "entities_gold.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(out)
    print(f"{len(out)} lines -> {HERE / 'entities_gold.csv'}")


if __name__ == "__main__":
    main()
