"""Aircraft type and aero-engine designations, recognised in normalised tokens.

The label guide puts items made for a named aircraft type under ``aircraft_parts`` («комплектующие к истребителю
МиГ-29», "Su-34 hydraulic actuator", «агрегаты Ми-8АМТШ»). A model fitted on a corpus learns only the type names its
writers happened to use, so a new type name next to a part word ("Rafale M88-2 turbine disc") read as an unknown code
and came out `other`. :func:`is_aircraft_type` knows the designation families from public aircraft and engine
nomenclature (Soviet and Russian design bureaus, Airbus and Boeing airliners, US, European and Chinese military types,
civil helicopters, aero-engines) and the aircraft makers as declarations write them (misspelt, transliterated, in a
Russian case, joined to the type: "Cesna", «Сикорского», «Боинг-737-800»), and the tokeniser's ``mark_aircraft``
option puts a mark token, :data:`MARK`, on both sides of each designation, so the model also sees "a type name next to
«фонарь»" and "next to canopy" as features of their own.

The patterns read tokens as :class:`~pipeline.text.tokenise.SpacyTokeniser` gives them: lower case, look-alike letters
folded (a mixed-script designation comes out in one script: «ТВ3-117» reads ``tb3-117``, «МиГ-29СМТ» ``миг-29cmt``).
Number lists keep ordinary model codes out: ``a320`` is the airliner, ``a320m-k`` a motherboard; ``c-130`` and
``f-16`` match, ``c-300`` and ``t-10`` do not.

Declarations often write the type with a space («лопасть Ми 8 МТВ», "Bell 407 seat"): :func:`join_spaced_types`,
the normaliser's optional ``join_aircraft_types`` step, writes such a family word and type number as one designation
(«Ми-8 МТВ», "Bell-407"), for the families whose bare word is not an ordinary word or abbreviation before numbers
(not «ТУ», technical specifications, nor "an", "be", "PA", "PC"). Western codes written apart join as the list
writes them ("AW 139" → "AW139", "A 330 200" → "A330-200", "Boeing 737 800" → "Boeing 737-800"); a one-letter family
("A 330", "L 410") only in capitals and not on a line of letter-and-number sizes, "Mi" and «Ми» not on a line that
names a phone (Xiaomi's Mi 8), and no number before a unit or a size ("L 410 mm", "A 220 V", "H 135 x 200").
A model records :data:`DESIGNATIONS_VERSION`, a hash of these lists, and warns when loaded under other lists.
"""

from __future__ import annotations

import hashlib
import json
import re

MARK = "✈"

# family prefixes (Cyrillic and Latin, with their look-alike foldings) -> the type numbers in use
_BUREAUS = {
    ("миг", "mig"): "9|15|17|19|21|23|25|27|29|31|35|41",
    ("су", "su", "cy"): "7|9|15|17|22|24|25|26|27|28|29|30|32|33|34|35|37|47|57|75|80",
    ("ту", "tu", "ty"): "16|22|95|104|114|124|134|142|144|154|160|204|214|334",
    ("ил", "il"): "2|14|18|38|62|76|78|80|86|96|103|112|114|276",
    ("ан",): "2|3|12|22|24|26|28|30|32|38|70|72|74|124|140|148|158|178|188|225",
    # Latin: not the sizes of AN hose fittings ("AN-12 fitting")
    ("an", "ah"): "2|22|26|30|38|70|72|74|124|140|148|158|178|188|225",
    ("ми", "mi", "mu"): "2|6|8|10|14|17|24|26|28|34|35|38|171|172",
    ("ка", "ka"): "25|26|27|28|29|31|32|50|52|60|62|226",
    ("як", "yak", "jak"): "3|9|11|12|18|28|40|42|52|54|55|130|141|152|242",
    ("бе", "be"): "12|103|200",
    ("л", "l"): "13|29|39|59|159|410|610",
    ("мс", "mc", "ms"): "21",
    ("ssj", "sj", "сср"): "100",
    ("rrj",): "95",
    ("bell", "белл"): "47|204|205|206|212|214|222|230|407|412|427|429|430|505|525",
    ("dhc",): "2|3|4|5|6|7|8",
    ("pa",): "18|23|24|28|31|32|34|44|46",
    # aero-engines
    ("тв3", "tv3", "tb3", "тв2", "tv2", "tb2", "тв7", "tv7", "tb7"): "117",
    ("аи",): "9|20|24|25|222|450",
    ("ai",): "222|450",
    ("д",): "18|30|36|136|436",
    ("d",): "136|436",
    ("пс", "ps", "nc"): "90",
    ("нк", "nk", "hk"): "8|12|25|32|86|93",
    ("рд", "rd", "pd"): "33|93",
    ("ал", "al"): "31|41",
    ("вк", "vk", "bk"): "117|2500|800",
    ("гтд", "gtd"): "350",
    ("р",): "11|13|25|27|29|33|35|95|195",  # «Р-95Ш», «Р-13-300»; not the Latin "R-22" refrigerant
    ("аш", "ash"): "62|82",
    ("твд",): "10|20|1500",
    # US, European and Chinese military types
    ("f",): "4|5|14|15|16|18|22|35|104|111|117",
    ("f/a",): "18",
    ("a",): "10|29|37",  # not "A-4" paper
    ("а",): "50|100",
    ("t",): "28|33|37|38",  # not Torx bits ("T-45") nor the Cyrillic «Т-72» tanks
    ("p",): "3|8|51",  # not the "P-38" can opener
    ("b",): "52",
    ("c",): "17|27|130|141|160|295|390",
    ("kc",): "10|46|135|390",
    ("ch", "сн"): "46|47|53",
    ("uh",): "1|60|72",
    ("ah",): "1|64",
    ("mh",): "6|47|53|60",
    ("hh", "sh"): "60",
    ("mv", "cv", "v"): "22",
    ("ov",): "10",
    ("oh",): "6|58",
    ("mq",): "1|9",
    ("rq",): "4|11",
    ("atr",): "42|72",
    ("crj",): "100|200|700|900|1000",
    ("erj",): "135|140|145|170|175|190|195",
    ("arj",): "21",
    ("bae",): "125|146",
    ("mb",): "326|339",
    ("cl",): "215|415|600|601|604|605|650",
    ("pc",): "6|7|9|12|21|24",
    ("do",): "228|328",
}
# Families that need their hyphen although their prefix has two letters ("PC-12", not the "PC12" of connectors).
_HYPHEN_ONLY = frozenset(("pc", "do", "mb", "oh", "cl"))
# Variant letters with an optional digit («Ту-22М3», «Су-30СМ2»), then a dash number ("CL-600-2B19", "PA-28-181").
_SUFFIX = r"(?:[a-zа-я]{1,5}\d?)?(?:-\d{1,3}(?:[a-zа-я]{1,3}\d{0,2})?)?"
# A one-letter family needs its hyphen ("a-10", not the "A10" of phones and processors).
_FAMILY_RE = "|".join(
    rf"(?:{'|'.join(re.escape(p) for p in prefixes)})"
    rf"{'-' if len(prefixes[0]) == 1 or prefixes[0] in _HYPHEN_ONLY else '-?'}(?:{numbers})"
    for prefixes, numbers in _BUREAUS.items()
)
_CODES = (
    r"a3(?:00|10|18|19|20|21|30|40|50|80)(?:neo|ceo|xwb)?(?:-\d{3}[a-z]{0,3})?",  # Airbus, not a320m-k boards
    r"a220(?:-\d{3})?",
    r"(?:b-?)?7[0-8]7-\d{1,3}[a-z]{0,3}|b-?7[0-8]7(?:max\d?)?",  # Boeing 737-800, B737
    r"e1[79]5|e190|c919|md-(?:11|8\d|90)|dc-(?:9|10)",  # not "E2" classes, "DC9V" supplies
    r"r44|r66|as3(?:32|50|55|65)|ec1(?:20|30|35|45|55)|ec225|h1(?:20|25|30|35|45|55|60|75)|h225",
    r"aw-?1(?:01|09|19|39|49|69|89)|bk-?117|bo-?105|s-(?:61|64|70|76|92)",  # not R22 refrigerant, Garmin S70
    r"as-3(?:32|50|55|65)|ec-1(?:20|30|35|45|55)|r-(?:44|66)|sr2[02]|da(?:20|40|42|62)",
    r"cfm56|leap-1[abc]|pt6[a-z]?|tpe331|v2500|cf6|cf34|ge90|genx|jt8d|jt9d|rb211|pw1\d{2,3}[a-z]?|pw4\d{3}",
    # military engines with their maker's letters ("J85-GE-21", "T56-A-15"), business and helicopter engines, the
    # piston aero-engines of Lycoming and Continental ("IO-540")
    r"(?:j79|j85|t58|t64|t700|f110|f404|f414|ct7)-ge|t56-a|t5[35]-l|(?:f100|f119|f135)-pw|j52-p",
    r"ae(?:1107|2100|3007)[a-z]?|tfe731|arriel|arrius|makila|ardiden|rtm322|jt15d|cf700|pw2\d{2}[a-z]?",
    r"t?io-(?:235|320|360|470|520|540|550)|o-(?:235|320|360|470|540)",
)
_DESIGNATION = re.compile(rf"(?:(?:{_FAMILY_RE})|{'|'.join(_CODES)}){_SUFFIX}")
# Makers as declarations write them: the usual spellings, common misspellings and transliterations ("boing",
# "cesna", "sikorski", «сесна», «эйрбас»); a maker's name on a line is as much an aircraft mark as its type number.
_LATIN_MAKERS = """airbus airbas airbuss eirbus erbus boeing boing boieng boeng cessna cesna cessena cesnna embraer
    embrear embraier embrayer learjet gulfstream gulfstrim pilatus beechcraft beachcraft sukhoi suhoi
    sukhoy superjet antonov antonow ilyushin iljushin ilushin tupolev tupolew kamov sikorsky sikorski
    sikorskiy sikorskij sikorskii eurocopter eurokopter agustawestland agusta ansat tecnam aerospatiale
    rafale gripen eurofighter lockheed lokheed lockhead northrop mcdonnell grumman aermacchi hawker
    beriev mooney socata dornier lycoming kfir bombardier bombardie bombadier dassault fokker comac
    mikoyan pratt"""
# Cyrillic makers with their case forms (:func:`_case_forms`); the indeclinable ones stand alone.
_CYRILLIC_MAKERS = """бериев локхид грумман эйрбас аэробус эрбас аирбас боинг боенг цессна сессна цесна сесна эмбраер
    эмбраэр эмбрайер суперджет ильюшин туполев камов ансат сикорский сикорски еврокоптер фоккер пилатус бичкрафт
    лирджет нортроп текнам"""
_INDECLINABLE = "дорнье бомбардье дассо"


def _case_forms(word: str) -> set[str]:
    """A Cyrillic maker name and its Russian case forms («боинг»: «боинга», «боингу» …; «цессна»: «цессны» …)."""
    if word.endswith("ий"):
        stem = word[:-2]
        return {word} | {stem + end for end in ("ого", "ому", "им", "ом")}
    if word.endswith("а"):
        stem = word[:-1]
        return {word} | {stem + end for end in ("ы", "е", "у", "ой")}
    if word.endswith("и"):
        return {word}
    plural = "и" if word[-1] in "гкх" else "ы"
    return {word} | {word + end for end in ("а", "у", "ом", "е", plural, "ов")}


_MAKERS = frozenset(
    _LATIN_MAKERS.split()
    + _INDECLINABLE.split()
    + [form for word in _CYRILLIC_MAKERS.split() for form in _case_forms(word)]
)
# A maker joined to its type by a hyphen: «боинг-737-800», "cessna-172", "airbus-a320".
_MAKER_JOINED = re.compile(r"([^\W\d_]+)-(\w.*)")


# The letters a designation can start with, so that most tokens (serial numbers, words) skip the long pattern.
_LEAD = re.compile(r"[a-zа-я/]*")
_LEADS = frozenset(_LEAD.match(p).group(0) for prefixes in _BUREAUS for p in prefixes) | frozenset(
    "a b e c md dc r as ec h aw bk bo s cfm leap pt tpe v cf ge genx jt rb pw sr da j t f ct ae tfe rtm io tio o "
    "arriel arrius makila ardiden".split()
)


def is_aircraft_type(token: str) -> bool:
    """Whether a normalised token names an aircraft type, an aero-engine type or an aircraft maker."""
    if token in _MAKERS:
        return True
    joined = _MAKER_JOINED.fullmatch(token) if "-" in token else None
    if joined and joined.group(1) in _MAKERS:
        rest = joined.group(2)
        return rest[:1].isdigit() or is_aircraft_type(rest)
    lead = _LEAD.match(token).group(0)
    if lead not in _LEADS and (lead or token[:1] != "7"):
        return False
    return _DESIGNATION.fullmatch(token) is not None


# Family words that take a type number after a space; the numbers are the family's own. "Mi" and «Ми» only on lines
# that do not read as Xiaomi's phones and gadgets (:data:`_PHONE_RE`).
_SPACED_WORDS = frozenset(
    "миг mig су su ил il ан ми mi ка ka як yak бе tu bell белл dhc rrj ssj мс mc atr crj erj л l".split()
)
_SPACED_NUMBERS = {
    word: frozenset(numbers.split("|"))
    for prefixes, numbers in _BUREAUS.items()
    for word in prefixes
    if word in _SPACED_WORDS
}
# Western codes listed without a hyphen (:data:`_CODES`): "AW 139" → "AW139", "A 330" → "A330".
_TIGHT_NUMBERS = {
    word: frozenset(numbers.split("|"))
    for word, numbers in {
        "a": "220|300|310|318|319|320|321|330|340|350|380",
        "b": "707|717|727|737|747|757|767|777|787",
        "aw": "101|109|119|139|149|169|189",
        "r": "44|66",
        "ec": "120|130|135|145|155|225",
        "h": "120|125|130|135|145|155|160|175|225",
        "as": "332|350|355|365",
        "bk": "117",
        "bo": "105",
    }.items()
}
_TIGHT_NUMBERS["а"] = _TIGHT_NUMBERS["a"]  # a Cyrillic capital А in «А 320»
# A family word alone (not the end of a longer word or code), one space, a type number not continued by digits, by a
# separator and digits («ТУ 16-538», "Bell 407.5") or by a unit ("L 410 mm", "A 220 V"); letters may follow («Ми 8МТВ»).
_UNITS = "mm|cm|m|kg|g|v|w|kw|hz|ohm|mah|ah|pcs|л|мм|см|м|кг|г|вт|квт|гц|ом|мач|шт"
_UNIT = rf"(?!\s*(?:(?i:{_UNITS})\b|В\b|[°%\"]|[xх×*]\s*\d))"
_SPACED_RE = re.compile(rf"(?<![\w\-./])([^\W\d_]{{1,4}})\s+(\d{{1,3}})(?!\d|[.,/\-]\d){_UNIT}")
# An Airbus or Boeing type and its series written apart ("A330 200", "B 787 9", "Boeing 737 800" → "A330-200" …), the
# family letter in either script: «А 330 200» with a Cyrillic А is joined to «А330» first.
_SERIES_RE = re.compile(
    rf"(?<![\w\-./])((?:[aа]3[0-8][0189]|[aа]220|[bв]?7[0-8]7)(?:neo|ceo|max)?)\s+(\d{{1,4}})(?![\w.,/\-]){_UNIT}", re.I
)
_SERIES_HINT = re.compile(r"[37][0-8][0-9]\S*\s+\d")  # cheap test before the series pattern
_SERIES = frozenset("100 200 300 400 500 600 700 800 900 1000".split())
_SHORT_SERIES = frozenset("8 9 10".split())  # 747-8, 777-9, 787-10
_BOEING_BEFORE = re.compile(r"(?:boeing|боинг)\s*$", re.I)
_PHONE_GUARDED = frozenset(("mi", "ми"))  # Xiaomi's «Ми 8» / "Mi 8" phones
_PHONE_RE = re.compile(
    r"xiaomi|redmi|poco|сяоми|ксиаоми|ксяоми|шаоми|phone|смартфон|телефон|android|\d\s*(?:gb|гб)\b|"
    r"\b(?:band|pad|note|lite|pro|ultra|tv|box|watch)\b",
    re.I,
)
# Sizes written as letter and number ("L 410 W 300 H 200"): a one-letter family is not joined on such lines.
_DIMENSION_RE = re.compile(r"(?<![\w.])[lwhdbtвшгд]\s*[=:]?\s*\d", re.I)


def join_spaced_types(text: str, fold=str.lower) -> str:
    """``text`` with each family word and type number written apart joined («Ми 8» → «Ми-8», "AW 139" → "AW139").

    ``fold`` maps a word to the form the families are listed in (the normaliser passes its own look-alike and case
    repair, so that the decision is the one a second pass over the normalised text would take). A one-letter family
    ("A 330", "L 410") joins only in capitals and not on a line of letter-and-number sizes; "Mi" and «Ми» not on a line
    that names a phone.
    """
    phone: list[bool] = []
    dimensions: list[bool] = []

    def join(match: re.Match) -> str:
        word, number = match.group(1), match.group(2)
        folded = fold(word)
        if len(word) == 1:
            if not word.isupper():
                return match.group(0)
            if not dimensions:
                dimensions.append(len(_DIMENSION_RE.findall(text)) >= 2)
            if dimensions[0]:
                return match.group(0)
        if folded in _PHONE_GUARDED:
            if not phone:
                phone.append(_PHONE_RE.search(text) is not None)
            if phone[0]:
                return match.group(0)
        if number in _TIGHT_NUMBERS.get(folded, ()):
            return f"{word}{number}"
        if number in _SPACED_NUMBERS.get(folded, ()):
            return f"{word}-{number}"
        return match.group(0)

    def series(match: re.Match) -> str:
        kind, number = match.group(1), match.group(2)
        short = number in _SHORT_SERIES and kind.lower().lstrip("bв")[:3] in ("747", "777", "787")
        if number not in _SERIES and not short:
            return match.group(0)
        if kind[:1] in "7" and not _BOEING_BEFORE.search(text, 0, match.start()):
            return match.group(0)
        return f"{kind}-{number}"

    text = _SPACED_RE.sub(join, text)
    return _SERIES_RE.sub(series, text) if _SERIES_HINT.search(text) else text


def put_marks(tokens, marks) -> tuple[str, ...]:
    """The tokens with each token's mark (``None``: no mark) on both sides of it, one mark between two alike."""
    out: list[str] = []
    for tok, mark in zip(tokens, marks):
        if mark:
            if not out or out[-1] != mark:
                out.append(mark)
            out.extend((tok, mark))
        else:
            out.append(tok)
    return tuple(out)


def mark_aircraft(tokens) -> tuple[str, ...]:
    """The tokens (a sequence) with :data:`MARK` on both sides of each aircraft designation (one between two)."""
    flags = [MARK if is_aircraft_type(tok) else None for tok in tokens]
    return put_marks(tokens, flags) if any(flags) else tuple(tokens)


def _fingerprint() -> str:
    # Every list and pattern that decides what is marked or joined, in a canonical order.
    parts = {
        "bureaus": sorted([list(prefixes), numbers] for prefixes, numbers in _BUREAUS.items()),
        "suffix": _SUFFIX,
        "hyphen_only": sorted(_HYPHEN_ONLY),
        "codes": list(_CODES),
        "makers": sorted(_MAKERS),
        "maker_joined": _MAKER_JOINED.pattern,
        "spaced_words": sorted(_SPACED_WORDS),
        "spaced_re": _SPACED_RE.pattern,
        "tight": sorted([word, sorted(numbers)] for word, numbers in _TIGHT_NUMBERS.items()),
        "series": [_SERIES_RE.pattern, sorted(_SERIES), sorted(_SHORT_SERIES)],
        "guards": [_PHONE_RE.pattern, sorted(_PHONE_GUARDED), _DIMENSION_RE.pattern],
    }
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


DESIGNATIONS_VERSION = _fingerprint()
"""A hash of the designation lists and join rules; a model trained with ``mark_aircraft`` or ``join_aircraft_types``
records it, and loading it under different lists warns (the same text would give other features)."""
