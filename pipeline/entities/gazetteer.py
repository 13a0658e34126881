"""The brand gazetteer (``configs/brands.csv``) matched with spaCy's ``PhraseMatcher`` on normalised text.

Each row names a brand, its manufacturer, the category of its goods, its other spellings (``|``-separated: Cyrillic
spellings and look-alike forms such as ``ДЖИАЙ``, ``DJl``) and its product series (``Mavic|Matrice``). Aliases and
text go through the same :class:`~pipeline.text.normalise.Normaliser`, which folds Latin/Cyrillic look-alike letters and
case, so ``DJI``, ``DJІ`` (Ukrainian І), ``ДЖИАЙ`` and ``DJl`` are one brand.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import bundled_path
from pipeline.text.normalise import Normaliser

BRANDS_FILE = bundled_path("configs", "brands.csv")
_WORD = re.compile(r"\w+")
_LATIN = re.compile(r"[a-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Cyrillic letters that look like Latin ones, for words the normaliser leaves in two scripts (``djі``, Ukrainian і).
_MIXED_TO_LATIN = str.maketrans("аевкмнорстухіјѕ", "aebkmhopctyxijs")


def _latin_if_mixed(match: re.Match) -> str:
    word = match.group(0)
    if _LATIN.search(word) and _CYRILLIC.search(word):
        return word.translate(_MIXED_TO_LATIN)
    return word


def fold_mixed(normalised: str) -> str:
    """Words of normalised text that still mix Latin and Cyrillic letters, in Latin (same length, char for char)."""
    return _WORD.sub(_latin_if_mixed, normalised) if _CYRILLIC.search(normalised) else normalised


@dataclass(frozen=True)
class Brand:
    """One gazetteer row."""

    name: str
    manufacturer: str
    category: str
    series: tuple[str, ...]


class Gazetteer:
    """Brands and their spellings, matched on normalised text.

    Args:
        path: the CSV file (``brand,manufacturer,category,aliases,series``); the bundled one when ``None``.
        normaliser: the normaliser applied to aliases and texts (the default settings when ``None``).
    """

    def __init__(self, path: str | Path | None = None, normaliser: Normaliser | None = None):
        self.path = Path(path) if path is not None else BRANDS_FILE
        self.normaliser = normaliser or Normaliser()
        self.brands: list[Brand] = []
        self.aliases: dict[str, int] = {}
        with open(self.path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                name = (row.get("brand") or "").strip()
                if not name:
                    continue
                series = tuple({w for s in (row.get("series") or "").split("|") for w in self.normaliser(s).split()})
                maker = (row.get("manufacturer") or "").strip()
                self.brands.append(Brand(name, maker, row.get("category", ""), series))
                for alias in [name, *(row.get("aliases") or "").split("|")]:
                    key = fold_mixed(self.normaliser(alias.strip()))
                    if key:
                        self.aliases.setdefault(key, len(self.brands) - 1)
        # First words of the aliases: a line without any of them cannot hold a brand (a cheap test before spaCy).
        self.first_words = frozenset(m.group(0) for a in self.aliases for m in [_WORD.search(a)] if m)
        self._nlp = None
        self._matcher = None

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_nlp"] = state["_matcher"] = None
        return state

    def lookup(self, text: str) -> Brand | None:
        """The brand whose alias is exactly ``text`` (any spelling), or ``None``."""
        i = self.aliases.get(fold_mixed(self.normaliser(text)))
        return None if i is None else self.brands[i]

    def may_match(self, normalised: str) -> bool:
        """Whether a normalised text holds the first word of some alias."""
        return any(w in self.first_words for w in _WORD.findall(normalised))

    def _build(self) -> None:
        import spacy
        from spacy.matcher import PhraseMatcher

        nlp = spacy.blank("xx")
        matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
        by_brand: dict[int, list[str]] = {}
        for alias, i in self.aliases.items():
            by_brand.setdefault(i, []).append(alias)
        for i, aliases in by_brand.items():
            matcher.add(str(i), list(nlp.tokenizer.pipe(aliases)))
        self._nlp, self._matcher = nlp, matcher

    def matches(self, normalised: str) -> list[tuple[Brand, int, int]]:
        """Brand mentions in a normalised text: ``(brand, start char, end char)``, longest first where they overlap."""
        if self._matcher is None:
            self._build()
        doc = self._nlp.make_doc(normalised)
        found = []
        for match_id, start, end in self._matcher(doc):
            span = doc[start:end]
            found.append((self.brands[int(self._nlp.vocab.strings[match_id])], span.start_char, span.end_char))
        found.sort(key=lambda m: (m[1], -(m[2] - m[1])))
        out: list[tuple[Brand, int, int]] = []
        for m in found:
            if not out or m[1] >= out[-1][2]:
                out.append(m)
        return out
