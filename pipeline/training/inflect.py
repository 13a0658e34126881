"""Russian phrases put in the plural, for training copies: «ударопрочный ноутбук» → «ударопрочные ноутбуки».

Declarations, lists and news name goods in the singular and the plural alike, but a writing pass tends to keep one
number for a phrase, so a word pair seen only in the singular with a dual-use label and in the plural only in
`other` lines ("ударопрочные" only in «ударопрочные чехлы») reads as evidence of `other` in the plural. A training copy
with the nominative singular nouns, adjectives and participles of its first phrase put in the plural (pymorphy3
``inflect``) shows the model both numbers with the line's label. Only singular to plural: a plural adjective agrees
with a noun of any gender, while the way back would need the noun's gender. Words in other cases (the genitive of
«лопатка турбины») are left as they are, so the phrase still agrees. Only the first phrase of a line changes
(:func:`pluralise`).
"""

from __future__ import annotations

import re
from functools import lru_cache

_CYRILLIC_WORD = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*")
_TOKEN = re.compile(r"[А-Яа-яЁё]+(?:-[А-Яа-яЁё]+)*|[^\W_]+|[,:;()\[\]«»\"—–]|\s-\s")
_PUNCT = re.compile(r"[,:;()\[\]«»\"—–]|\s-\s")
_PARTS = frozenset({"NOUN", "ADJF", "PRTF"})
_SKIP = frozenset({"Fixd", "Pltm", "Abbr", "Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Init"})
_MIN_SCORE = 0.3


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def plural_word(word: str) -> str | None:
    """The nominative plural of a nominative singular noun, adjective or participle (lower case), or a marker.

    ``""`` for a word a phrase passes over (an abbreviation, a name, a word pymorphy3 does not know: «бпла», «гнсс»),
    ``None`` for any other word, which ends the phrase.
    """
    morph = _morph()
    if len(word) < 2 or not morph.word_is_known(word):
        return ""
    parses = morph.parse(word)
    if any(_SKIP & p.tag.grammemes for p in parses[:1]):
        return ""
    best = next((p for p in parses if p.tag.case == "nomn" and p.score >= _MIN_SCORE), None)
    if best is None or best.tag.POS not in _PARTS or best.tag.number != "sing" or "Sgtm" in best.tag:
        return None
    out = best.inflect({"plur", "nomn"})
    if out is None or out.word == word:
        return None
    return out.word.replace("ё", "е") if "ё" not in word else out.word


def _cased(new: str, old: str) -> str:
    if old.isupper() and len(old) > 1:
        return new.upper()
    if old[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


def pluralise(text: str) -> str:
    """``text`` with its first Russian phrase of nominative singular nouns, adjectives and participles in the plural.

    The phrase runs from the first Russian word to the first punctuation mark or the first Russian word of another
    form; Latin words, figures, abbreviations and names inside it are passed over («Ноутбук Getac B360 защищенный»,
    «БПЛА мультироторный»): the head of a goods line names the goods, and the attributes further on («взлетная масса
    9,2 кг») stay as written. Case kept; a text whose first Russian words are of another form comes back unchanged.
    """
    out, pos, seen = [], 0, False
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        if _PUNCT.fullmatch(word):
            if seen:
                break
            continue
        if not _CYRILLIC_WORD.fullmatch(word):
            continue
        seen = True
        new = plural_word(word.lower())
        if new is None:
            break
        if new:
            out.append(text[pos : m.start()])
            out.append(_cased(new, word))
            pos = m.end()
    out.append(text[pos:])
    return "".join(out)
