"""Names of military drone types and electronic-warfare (jamming, counter-drone) systems, in normalised tokens.

News, seizure reports and declarations name such systems by their designation alone: «Герань-2», "Shahed-136",
«Ланцет-3», «Красуха-4», «Р-330Ж», "Leer-3". A model fitted on a corpus knows only the names its writers used, so a
new name next to the words around it read as an unknown code and came out `other`. The tokeniser's ``mark_systems``
option puts a mark token on both sides of each name, one mark per class (:data:`DRONE_MARK` for drone types,
:data:`EW_MARK` for jamming and counter-drone systems), so "a drone type named" is a feature the model has learned
from the names it has seen and reads on the names it has not.

The list is written from public descriptions of the systems. A name that is also an ordinary word or a product name
counts only in its designation form, with the number: «Герань-2», not «герань» (geranium); «Ланцет-3», not «ланцеты»
(medical lancets); «Поле-21», «Леер-3», «Репеллент-1», «Силок-01», not the field, the rail, insect repellent or a
snare. Names that are not ordinary words («Красуха», "Shahed", "ZALA", "DroneGun") count bare or with a number; a name
that is an ordinary word and has no number in use («Ступор», stupor) is not listed. Russian names count in every case
(«сбили 14 «Гераней-2»», «для «Шахедов»», «Красухи-4»), a namesake's case forms only with the number («гераней» is
geraniums). The normaliser's ``join_system_names`` step (:func:`join_spaced_names`) writes a listed name and one of
its type numbers written apart as one designation («Орлан 10» → «Орлан-10», "Switchblade 300", "Shahed 136"), not
before a unit or a count («Герань 2 шт»). Names spaCy splits at a hyphen between letters («Куб-БЛА»,
«Шиповник-Аэро») are left to what the model learned of their words. The token forms are those of
:class:`~pipeline.text.tokenise.SpacyTokeniser`: lower case, a mixed-script token folded to one script (a letter after
the number may come out Latin: «Ланцет-3М» reads ``ланцет-3m``, «РБ-341В» ``рб-341b``).

A model records :data:`SYSTEMS_VERSION`, a hash of these lists, and warns when loaded under other lists.
"""

from __future__ import annotations

import hashlib
import json
import re

from pipeline.text.aircraft import put_marks

DRONE_MARK = "⛯"
EW_MARK = "⌁"
MARKS = {DRONE_MARK: "a drone type named", EW_MARK: "a jamming or counter-drone system named"}

# Letters that may follow the number of a designation, in either script after folding («Ланцет-3М», "Orlan-10E").
_TAIL = r"[a-zа-я0-9]{0,4}(?:-[a-zа-я0-9]{1,4})?"
# Russian case endings: a name is written in every case in news and posts («сбили 14 «Гераней-2»», «для «Шахедов»»).
_M = "(?:а|у|ом|е|ы|ов|ам|ами|ах)?"  # masculine nouns: шахед, шахеда, шахедов …
_F = "(?:а|и|ы|е|у|ой|ам|ами|ах)"  # feminine nouns in -а: красуха, красухи …
_SOFT = "(?:ь|и|ью|ей|ям|ями|ях)"  # feminine nouns in -ь: герань, герани …
_LATIN = "s?"  # "Shaheds"
# (mark, written forms, type numbers, counts bare): a name that is also an ordinary word or a product name counts
# only with one of its type numbers («герань-2», «ланцет-3», «поле-21»; not the aircraft radio «Орлан-85СТ»); the
# others also bare or with any number. The numbers are those :func:`join_spaced_names` joins when written apart
# («Орлан 10», "Shahed 136").
_SHAHED = "101|107|129|131|136|149|171|191|238"
_ENTRIES = (
    ("drone", f"орлан{_M}|orlan", "10|30", False),
    ("drone", f"геран{_SOFT}|geran", "1|2|3", False),
    ("drone", f"ланцет{_M}|lancet", "1|3|51|52", False),
    ("drone", f"элерон{_M}|eleron", "3|10", False),
    ("drone", f"гранат{_M}|granat", "1|2|3|4", False),
    ("drone", f"лелек{_F}|leleka", "100", False),
    ("drone", "switchblade", "300|600", False),
    ("drone", "hermes", "450|900", False),
    ("drone", f"шахед{_M}|shahed{_LATIN}", _SHAHED, True),
    ("drone", f"мохаджер{_M}|mohajer{_LATIN}", "4|6|10", True),
    ("drone", f"иноходец|иноходц{_M}|inokhodets", None, True),
    ("drone", f"суперкам{_M}|supercam{_LATIN}", None, True),
    ("drone", f"байрактар{_M}|bayraktar{_LATIN}", None, True),
    ("drone", f"альтиус{_M}|altius", None, True),
    ("drone", f"тахион{_M}|takhion", None, True),
    ("drone", f"хароп{_M}|harop{_LATIN}", None, True),
    ("drone", f"warmate{_LATIN}|zala|scaneagle{_LATIN}", None, True),
    ("ew", "пол(?:е|я|ю|ем)|pole", "21", False),
    ("ew", f"леер{_M}|leer", "2|3", False),
    ("ew", "борисоглебск(?:а|у|ом|е)?|borisoglebsk", "2", False),
    ("ew", f"репеллент{_M}|repellent", "1", False),
    ("ew", f"силок|силк{_M}|silok", "01|1", False),
    ("ew", f"красух{_F}|krasukha", "2|4", True),
    ("ew", "тирад(?:а|ы|е|у|ой)|tirada", "2", True),
    ("ew", f"пищал{_SOFT}|pishchal", None, True),
    ("ew", "инфаун(?:а|ы|е|у|ой)|infauna", None, True),
    ("ew", "дивноморь(?:е|я|ю|ем)|divnomorye", None, True),
    ("ew", "dronegun|dedrone|aeroscope|skywall|dronebuster|dronesentry|enforceair|sentrycs|dronedefender", None, True),
)
# Index designations: «Р-330Ж» (Житель), «РБ-341В» (Леер-3), «РБ-301Б» (Борисоглебск-2), «1РЛ257» (Красуха-4), «1Л269»
# (Красуха-2); the Mado MD550 engine of the Shahed / Geran. The letters in both scripts, as folding may leave either.
_CODES = {
    "drone": (r"md-?550",),
    "ew": (
        r"(?:р|p|r)-(?:330(?:ж|zh|m|м)?|934(?:б|b)?|378(?:б|b|bm|бм)?)",
        r"(?:рб|pб|rb)-(?:301(?:б|b)|341(?:в|b|v)|531(?:б|b)|636(?:ам2|am2)?|109(?:а|a))",
        r"1(?:рл|pл|rl)257|1(?:л|l)269",
    ),
}
_MARK_OF = {"drone": DRONE_MARK, "ew": EW_MARK}


def _token_pattern(kind: str) -> re.Pattern:
    parts = []
    for k, forms, numbers, bare in _ENTRIES:
        if k != kind:
            continue
        if bare:
            parts.append(rf"(?:{forms})(?:-?\d{{1,3}}{_TAIL})?")
        else:
            parts.append(rf"(?:{forms})-?(?:{numbers})(?!\d){_TAIL}")
    return re.compile("|".join(parts + list(_CODES[kind])))


_PATTERNS = {_MARK_OF[kind]: _token_pattern(kind) for kind in ("drone", "ew")}
# The letters a name can start with, so that most tokens skip the patterns.
_LEADS = frozenset(
    alt[:2] for _, forms, _, _ in _ENTRIES for alt in re.sub(r"\(\?:[^()]*\)\??", "", forms).split("|")
) | frozenset(("р-", "p-", "r-", "рб", "pб", "rb", "1р", "1p", "1r", "1л", "1l", "md"))


def system_mark(token: str) -> str | None:
    """The mark of the system class a normalised token names (:data:`DRONE_MARK`, :data:`EW_MARK`), or ``None``."""
    if token[:2] not in _LEADS:
        return None
    for mark, pattern in _PATTERNS.items():
        if pattern.fullmatch(token):
            return mark
    return None


def mark_systems(tokens) -> tuple[str, ...]:
    """The tokens (a sequence) with a class mark on both sides of each system name (one mark between two)."""
    marks = [system_mark(tok) for tok in tokens]
    return put_marks(tokens, marks) if any(marks) else tuple(tokens)


# A listed name and one of its type numbers written apart, not continued by digits, by a separator and digits or by a
# unit or count ("Lancet 3 mm", «Герань 2 шт», «Поле 21 сорт»).
_COUNTS = (
    r"шт|штук|pcs|pc|pack|packs|упак|уп|пакет\w*|горш\w*|сорт\w*|короб\w*|ед|mm|cm|m|kg|g|ml|l|v|w|мм|см|м|кг|г|мл|л|"
    r"вт|квт|в"
)
_SPACED_RE = re.compile(
    r"(?<![\w\-./])([^\W\d_]{3,14})\s+(\d{1,3})(?!\d|[.,/\-]\d)"
    rf"(?!\s*(?:(?i:{_COUNTS})(?![^\W\d_])|[°%\"]|[xх×*]\s*\d))"
)
_JOINS = [(re.compile(forms), frozenset(numbers.split("|"))) for _, forms, numbers, _ in _ENTRIES if numbers]


def join_spaced_names(text: str, fold=str.lower) -> str:
    """``text`` with each listed system name and its type number written apart joined («Орлан 10» → «Орлан-10»).

    ``fold`` maps a word to its normalised form (the normaliser passes its own look-alike and case repair). Only a
    listed name and one of its own type numbers join ("Switchblade 300", "Shahed 136", «Красуха 4»), and not before
    a unit or a count («Герань 2 шт», "Lancet 3 mm").
    """

    def join(match: re.Match) -> str:
        word, number = match.group(1), match.group(2)
        folded = fold(word)
        if folded[:2] not in _LEADS:
            return match.group(0)
        for pattern, numbers in _JOINS:
            if number in numbers and pattern.fullmatch(folded):
                return f"{word}-{number}"
        return match.group(0)

    return _SPACED_RE.sub(join, text)


def _fingerprint() -> str:
    parts = {
        "entries": sorted([list(e) for e in _ENTRIES], key=str),
        "codes": {k: list(v) for k, v in _CODES.items()},
        "tail": _TAIL,
        "join": _SPACED_RE.pattern,
    }
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


SYSTEMS_VERSION = _fingerprint()
"""A hash of the system name lists; a model trained with ``mark_systems`` records it, and loading it under different
lists warns (the same text would give other features)."""
