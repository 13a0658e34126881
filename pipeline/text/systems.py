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
that is an ordinary word and has no number in use («Ступор», stupor) is not listed.
Names spaCy splits at a hyphen between letters («Куб-БЛА», «Шиповник-Аэро») and words written apart from their
number («Орлан 10») are left to what the model learned of their words. The token forms are those of
:class:`~pipeline.text.tokenise.SpacyTokeniser`: lower case, a mixed-script token folded to one script (a letter after
the number may come out Latin: «Ланцет-3М» reads ``ланцет-3m``, «РБ-341В» ``рб-341b``).

A model records :data:`SYSTEMS_VERSION`, a hash of these lists, and warns when loaded under other lists.
"""

from __future__ import annotations

import hashlib
import json
import re

DRONE_MARK = "⛯"
EW_MARK = "⌁"
MARKS = {DRONE_MARK: "a drone type named", EW_MARK: "a jamming or counter-drone system named"}

# Letters that may follow the number of a designation, in either script after folding («Ланцет-3М», "Orlan-10E").
_TAIL = r"[a-zа-я0-9]{0,4}(?:-[a-zа-я0-9]{1,4})?"
# Ordinary words or product names: only with their type numbers («герань-2», «ланцет-3», «поле-21»; not the
# aircraft radio «Орлан-85СТ»).
_NUMBERED = {
    DRONE_MARK: {
        "орлан orlan": "10|30",
        "герань geran": "1|2|3",
        "ланцет lancet": "1|3|51|52",
        "элерон eleron": "3|10",
        "гранат granat": "1|2|3|4",
        "лелека leleka": "100",
        "switchblade": "300|600",
        "hermes": "450|900",
    },
    EW_MARK: {
        "поле pole": "21",
        "леер leer": "2|3",
        "борисоглебск borisoglebsk": "2",
        "репеллент repellent": "1",
        "силок silok": "01|1",
    },
}
# Never ordinary words: bare or with a number.
_NAMES = {
    DRONE_MARK: (
        "shahed шахед mohajer мохаджер inokhodets иноходец zala supercam суперкам bayraktar байрактар scaneagle "
        "altius альтиус тахион takhion"
    ),
    EW_MARK: (
        "красуха krasukha тирада tirada пищаль pishchal инфауна infauna дивноморье divnomorye "
        "dronegun dedrone aeroscope skywall dronebuster dronesentry enforceair sentrycs dronedefender"
    ),
}
# Index designations of jamming systems: «Р-330Ж» (Житель), «РБ-341В» (Леер-3), «РБ-301Б» (Борисоглебск-2),
# «1РЛ257» (Красуха-4), «1Л269» (Красуха-2). The letters are given in both scripts, as folding may leave either.
_EW_CODES = (
    r"(?:р|p|r)-(?:330(?:ж|zh|m|м)?|934(?:б|b)?|378(?:б|b|bm|бм)?)",
    r"(?:рб|pб|rb)-(?:301(?:б|b)|341(?:в|b|v)|531(?:б|b)|636(?:ам2|am2)?|109(?:а|a))",
    r"1(?:рл|pл|rl)257|1(?:л|l)269",
)


def _alternation(words: str) -> str:
    return "|".join(sorted((re.escape(w) for w in words.split()), key=len, reverse=True))


_PATTERNS = {
    mark: re.compile(
        "|".join(
            [rf"(?:{_alternation(words)})-(?:{numbers})(?!\d){_TAIL}" for words, numbers in _NUMBERED[mark].items()]
            + [rf"(?:{_alternation(_NAMES[mark])})(?:-\d{{1,3}}{_TAIL})?"]
            + (list(_EW_CODES) if mark == EW_MARK else [])
        )
    )
    for mark in (DRONE_MARK, EW_MARK)
}
# The letters a name can start with, so that most tokens skip the patterns.
_LEADS = frozenset(
    w[:2] for words in (*(k for group in _NUMBERED.values() for k in group), *_NAMES.values()) for w in words.split()
) | frozenset(("р-", "p-", "r-", "рб", "pб", "rb", "1р", "1p", "1r", "1л", "1l"))


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
    if not any(marks):
        return tuple(tokens)
    out: list[str] = []
    for tok, mark in zip(tokens, marks):
        if mark:
            if not out or out[-1] != mark:
                out.append(mark)
            out.extend((tok, mark))
        else:
            out.append(tok)
    return tuple(out)


def _fingerprint() -> str:
    parts = {
        "numbered": {m: sorted([sorted(w.split()), n] for w, n in group.items()) for m, group in _NUMBERED.items()},
        "names": {m: sorted(w.split()) for m, w in _NAMES.items()},
        "codes": list(_EW_CODES),
        "tail": _TAIL,
    }
    blob = json.dumps(parts, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:16]


SYSTEMS_VERSION = _fingerprint()
"""A hash of the system name lists; a model trained with ``mark_systems`` records it, and loading it under different
lists warns (the same text would give other features)."""
