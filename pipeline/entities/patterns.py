"""Regular expressions for the fields of graph 31 and of invoices, quantities with units, and model codes.

All patterns run on normalised text (lower case, look-alike letters repaired; see :mod:`pipeline.text.normalise`).
"""

from __future__ import annotations

import re

# Field keywords of graph 31 and of English invoices, by the entity they introduce.
_MANUFACTURER_KW = r"изготовитель|производитель|manufacturer|manufactured by|mfr|mfg|maker"
_BRAND_KW = r"товарный знак|торговая марка|марка|brand|trademark|trade mark|tm"
_MODEL_KW = r"модель|model no\.?|model number|model|mod\."
_PART_KW = r"артикул|арт\.|p/n|pn|part no\.?|part number|part #|каталожный номер|кат\. ?номер"
_QTY_KW = r"кол-во|количество|кол\.|qty|quantity"
_ANY_KW = "|".join([_MANUFACTURER_KW, _BRAND_KW, _MODEL_KW, _PART_KW, _QTY_KW])
_KW_AHEAD = rf"(?:[,;.]?\s*(?:{_ANY_KW})\b)"

UNITS = {
    "шт": "шт", "шт.": "шт", "штук": "шт", "штуки": "шт", "штука": "шт", "sht": "шт",
    "pcs": "pcs", "pcs.": "pcs", "pc": "pcs", "pieces": "pcs", "piece": "pcs", "ea": "pcs",
    "units": "units", "unit": "units", "sets": "sets", "set": "sets",
    "компл": "компл", "компл.": "компл", "комплект": "компл", "комплекта": "компл", "комплектов": "компл",
    "к-т": "компл", "kompl": "компл", "ед": "ед", "ед.": "ед", "пар": "пар", "пары": "пар", "pairs": "pairs",
}  # fmt: skip
_UNIT_RE = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
# A count, its thousands grouped by spaces or commas (``1 200``, ``1,200``: a count before a unit is never a fraction).
_NUMBER = r"\d{1,3}(?:[ \u00a0,]\d{3})+(?!\d)|\d+"

QUANTITY = re.compile(rf"(?<![\w.,/\-])(?P<q>{_NUMBER})\s?(?:x\s?)?(?P<u>{_UNIT_RE})(?![\w])")
QUANTITY_FIELD = re.compile(rf"(?:{_QTY_KW})\s*[:.\-=]?\s*(?P<q>{_NUMBER})(?:\s?(?P<u>{_UNIT_RE})(?![\w]))?")
# A value runs to the next field keyword, a semicolon, a bracket, the end, or a comma that does not introduce a
# company-form suffix (``CO., LTD``).
_COMPANY_FORM = r"ltd|co|inc|llc|gmbh|corp|limited|ag|sas|nv|plc|sa|bv|kk|oy|ab|pte|pty|s\.a|ооо|оао|зао|ао"
_VALUE_END = rf"(?=\s*(?:;|\(|\)|$|,(?!\s*(?:{_COMPANY_FORM})\b)|{_KW_AHEAD}))"

MANUFACTURER_FIELD = re.compile(rf"(?<!\w)(?:{_MANUFACTURER_KW})(?!\w)\s*[:\-—]?\s*(?P<v>[^;()]+?){_VALUE_END}")
BRAND_FIELD = re.compile(
    rf"(?<!\w)(?:{_BRAND_KW})(?!\w)\s*[:\-—]\s*(?P<v>[^,;()]+?){_VALUE_END}"
    rf"|(?<!\w)(?:товарный знак|торговая марка|марка)(?!\w)\s+(?P<w>[^,;()]+?){_VALUE_END}"
)
MODEL_FIELD = re.compile(
    rf"(?<!\w)(?:{_MODEL_KW})(?!\w)\s*[:#\-—]\s*(?P<v>[^,;()]+?){_VALUE_END}"
    rf"|(?<!\w)модель(?!\w)\s+(?P<w>[^,;()]+?){_VALUE_END}"
    rf"|(?<!\w)model(?!\w)\s+(?P<x>(?=[^,;()]*\d)[^,;()]+?){_VALUE_END}"
)
PART_FIELD = re.compile(rf"(?<!\w)(?:{_PART_KW})(?!\w)\s*[:#.\-—]?\s*(?P<v>[\w][\w.\-/]*)")
ABSENT = re.compile(r"^(?:отсутствует|отсутств\.?|нет|без\b.*|не указан.*|n/?a|none|no brand|unbranded|-+)$")

# Tokens that describe a spec, not a model (``5.8g``, ``1300kv``, ``12v``, ``ip66``, ``128gb``, ``4k``).
SPEC = re.compile(
    r"^(?:\d+(?:[.,]\d+)?(?:gb|tb|mb|mah|ah|ghz|mhz|ггц|мгц|kv|w|вт|v|в|mm|мм|см|cm|km|км|kg|кг|м|m|ft|dbi|ch|"
    r"мп|mp|fps|mil|м/с|км/ч|\")|\d+(?:[.,]\d+)g|ip\d\d|mil-std-?\d+\w*|\d+x[\d.]+\w*|\d+%|\d+/\d+(?:gb)?|\d+[.,]\d+)$"
)
SUFFIXES = frozenset(
    "pro max plus classic enterprise advanced thermal rtk mini ultra lite se cine hd oem slim mk extreme "
    "nano evo air combo kit standard rugged basic mk2 mk3 dual t".split()
)
MODEL_TOKEN = re.compile(r"[\w][\w.\-/+]*[\w]|\w")
MAX_MODEL_TOKENS = 4
