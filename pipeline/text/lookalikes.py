"""Look-alike letters: Latin, Cyrillic and Greek letters that look the same, put back into a word's own script.

``KBAДPOKOПTEP`` → ``квадрокоптер``, ``drоne`` (Cyrillic ``о``) → ``drone``, ``ΚΒΑДΡΟ`` → ``квадро``, the digit
``0`` for ``о`` in Cyrillic words (``Мин0бороны``). Used by :class:`pipeline.text.normalise.Normaliser`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Latin letter -> Cyrillic letter that looks the same, and the reverse.
_LAT_TO_CYR = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т",
    "X": "Х", "Y": "У", "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "k": "к",
}  # fmt: skip
_CYR_TO_LAT = {cyr: lat for lat, cyr in _LAT_TO_CYR.items()}
_CYR_TO_LAT.update({"ё": "e", "Ё": "E", "і": "i", "І": "I", "ј": "j"})

_LOOKALIKE_LAT = frozenset(_LAT_TO_CYR)
_LOOKALIKE_CYR = frozenset(_LAT_TO_CYR.values())

# Greek letter -> the Latin and the Cyrillic letter it looks like (a space when there is none). A Greek letter in
# neither table (Σ, Ω, μ, β …) is never rewritten. Every capital left out has its small letter left out too, so
# that folding case never turns a kept letter into one that would be rewritten.
_GREEK = {
    "Α": "AА", "Β": "BВ", "Ε": "EЕ", "Ζ": "Z ", "Η": "HН", "Ι": "IІ", "Κ": "KК", "Μ": "MМ", "Ν": "N ", "Ο": "OО",
    "Ρ": "PР", "Τ": "TТ", "Υ": "YУ", "Χ": "XХ", "Γ": " Г", "Δ": " Д", "Λ": " Л", "Π": " П", "Φ": " Ф",
    "α": "aа", "ι": "i ", "κ": "kк", "λ": " л", "ν": "v ", "ο": "oо", "π": " п", "ρ": "pр", "τ": " т", "υ": "u ",
    "φ": " ф", "χ": "xх",
}  # fmt: skip
_GREEK_TO_LAT = {g: pair[0] for g, pair in _GREEK.items() if pair[0] != " "}
_GREEK_TO_CYR = {g: pair[1] for g, pair in _GREEK.items() if pair[1] != " "}
# Greek capitals that look like a letter of one script only tell the word's script, as Д or D do (Δ does not: ΔP,
# ΔT are Latin); a small letter tells what its capital tells, so that the decision does not change with case.
_GREEK_CYR_ONLY = frozenset("ΓΛΠΦ")
_GREEK_LAT_ONLY = frozenset("ΖΝ")
_TO_CYR = {**_LAT_TO_CYR, **_GREEK_TO_CYR}
_TO_LAT = {**_CYR_TO_LAT, **_GREEK_TO_LAT}
_GREEK_RE = re.compile(r"[\u0370-\u03ff]")
_GREEK_WORD_RE = re.compile(r"(?<!\w)[\d\u0370-\u03ff]*[\u0370-\u03ff][\d\u0370-\u03ff]*(?!\w)")
_LAT_CYR_LETTER = re.compile(r"[A-Za-z\u0400-\u04ff]").search

# A zero between two Cyrillic letters is the letter О typed as a digit: «Мин0бороны», «КВАДР0КОПТЕР».
_ZERO_IN_CYRILLIC = re.compile(r"(?<=[\u0400-\u04ff])0+(?=[\u0400-\u04ff])")
# In a Cyrillic word whose only digits are zeros, a zero at either end of the letters is an О too: «0БОРОНЫ»,
# «ИНФ0РМАЦИ0НН0».
_ZERO_BESIDE_CYRILLIC = re.compile(r"(?<=[\u0400-\u04ff])0+|0+(?=[\u0400-\u04ff])")


def _zero_to_o(match: re.Match) -> str:
    text, start, end = match.string, match.start(), match.end()
    beside = text[start - 1] if start else text[end]
    return ("О" if beside.isupper() else "о") * (end - start)


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_latin(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _repair_zeros(word: str) -> str:
    """Zeros typed for ``О`` in a Cyrillic word: between letters, or at either end when the word has no other digit."""
    word = _ZERO_IN_CYRILLIC.sub(_zero_to_o, word)
    if "0" in word and not any(ch.isdigit() and ch != "0" for ch in word):
        if sum(1 for ch in word if _is_cyrillic(ch)) >= 3:
            word = _ZERO_BESIDE_CYRILLIC.sub(_zero_to_o, word)
    return word


def fix_lookalikes(word: str) -> str:
    """Rewrite look-alike letters in one word into the word's own script.

    A word holding a Cyrillic letter with no Latin twin (``Д``, ``П``, ``Л`` …) is Russian: its Latin and Greek
    look-alikes become Cyrillic. A word holding a Latin letter with no Cyrillic twin (``D``, ``R``, ``S`` …) is Latin:
    its Cyrillic and Greek look-alikes become Latin. Greek look-alikes (``Α``, ``Κ``, ``ο``, ``ν`` …) in a word with
    Latin or Cyrillic letters take the word's script (``Γ``, ``Λ``, ``Π``, ``Φ`` tell Cyrillic, ``Ν``, ``Ζ`` Latin);
    a Greek letter without a twin in it (``Σ``, ``μ``, ``Δ`` in ``ΔP``) stays.
    A word made only of Latin and Cyrillic look-alikes follows its majority script, and a code
    with digits (``М300`` with a Cyrillic ``М``) becomes Latin, since model codes are written in Latin letters. A
    zero between Cyrillic letters is the letter ``о`` (``Мин0бороны``), and so is a zero at either end of the
    letters of a Cyrillic word of three or more letters with no other digit (``ИНФ0РМАЦИ0НН0``).

    Args:
        word: a run of word characters.

    Returns:
        The word in one script, or unchanged when it has a single script or cannot be decided.
    """
    if word.isascii():
        return word
    if "0" in word:
        word = _ZERO_IN_CYRILLIC.sub(_zero_to_o, word)
    seen = _scripts_of(word)
    target = _target_script(seen)
    if target is None:
        return word
    if target == "cyr":
        table = _TO_CYR if seen.n_lat or seen.has_greek else None
    else:
        table = _TO_LAT if seen.n_cyr or seen.has_greek else None
    if table is not None:
        word = "".join(table.get(ch, ch) for ch in word)
    return _repair_zeros(word) if target == "cyr" and "0" in word else word


@dataclass
class _Scripts:
    """What the letters of one word tell about its script."""

    n_lat: int = 0
    n_cyr: int = 0
    lat_only: bool = False  # a Latin letter with no Cyrillic twin, or a Greek one that only Latin has
    cyr_only: bool = False  # a Cyrillic letter with no Latin twin, or a Greek one that only Cyrillic has
    has_digit: bool = False
    has_greek: bool = False


def _scripts_of(word: str) -> _Scripts:
    seen = _Scripts()
    for ch in word:
        if _is_latin(ch):
            seen.n_lat += 1
            seen.lat_only |= ch not in _LOOKALIKE_LAT
        elif _is_cyrillic(ch):
            seen.n_cyr += 1
            seen.cyr_only |= ch not in _LOOKALIKE_CYR
        elif ch.isdigit():
            seen.has_digit = True
        elif "\u0370" <= ch <= "\u03ff":
            seen.has_greek = True
            cap = ch.upper()
            seen.cyr_only |= cap in _GREEK_CYR_ONLY
            seen.lat_only |= cap in _GREEK_LAT_ONLY
    return seen


def _target_script(seen: _Scripts) -> str | None:
    """``"cyr"``, ``"lat"``, or ``None`` when the word is Greek only or has letters only one script has of both."""
    if not seen.n_lat and not seen.n_cyr:
        # Greek words and lone Greek letters are fix_greek's.
        return None
    if seen.cyr_only != seen.lat_only:
        return "cyr" if seen.cyr_only else "lat"
    if seen.lat_only and seen.cyr_only:
        return None
    if seen.n_lat and seen.n_cyr:
        return "lat" if seen.has_digit or seen.n_lat > seen.n_cyr else "cyr"
    if seen.n_cyr:
        return "lat" if seen.has_digit else "cyr"
    return "lat"


def _greek_word(match: re.Match, to_cyrillic: bool) -> str:
    word = match.group(0)
    letters = [ch for ch in word if ch.isalpha()]
    if len(letters) < 2 or not all(ch in _GREEK for ch in letters):
        # Real Greek words and lone letters (α-частица, λ-зонд) stay.
        return word
    # A letter of one script only decides (so that some letter is always rewritten and the word is no longer all
    # Greek), then digits (a model code: Latin), then the text's script.
    caps = {ch.upper() for ch in letters}
    if caps & _GREEK_CYR_ONLY or any(ch not in _GREEK_TO_LAT for ch in letters):
        to_cyr = True
    elif caps & _GREEK_LAT_ONLY or any(ch not in _GREEK_TO_CYR for ch in letters):
        to_cyr = False
    else:
        to_cyr = to_cyrillic and not any(ch.isdigit() for ch in word)
    table = _GREEK_TO_CYR if to_cyr else _GREEK_TO_LAT
    return "".join(table.get(ch, ch) for ch in word)


def fix_greek(text: str) -> str:
    """Rewrite words made only of Greek look-alike letters in Latin or Cyrillic text.

    ``ΤΟΡ`` among Russian words becomes ``ТОР``; ``ΜΑΧ`` among English words becomes ``MAX``. Greek look-alikes
    inside a Latin or Cyrillic word are repaired word by word by :func:`fix_lookalikes`. Greek words with a letter
    that has no twin (``Σ``, ``Ω``, ``Δ``), lone Greek letters (``α``, ``λ-зонд``, ``μ`` in ``5 μ``) and texts without
    Latin or Cyrillic letters are left alone.

    Args:
        text: text after NFKC.

    Returns:
        The text with its Greek look-alikes rewritten.
    """
    if not _GREEK_RE.search(text) or not _LAT_CYR_LETTER(text):
        return text
    n_cyr = sum(1 for ch in text if _is_cyrillic(ch))
    n_lat = sum(1 for ch in text if _is_latin(ch))
    to_cyrillic = n_cyr >= n_lat
    return _GREEK_WORD_RE.sub(lambda m: _greek_word(m, to_cyrillic), text)
