"""Manufacturer, brand, model, quantity and unit of the goods a line declares.

:class:`EntityExtractor` reads, on the normalised text (look-alike letters and case folded, so ``ДЖИАЙ``, ``DJl``
and ``DJI`` are one brand):

- the fields of graph 31 and of invoices: «ИЗГОТОВИТЕЛЬ …», «ТОВАРНЫЙ ЗНАК …», «МАРКА …», «МОДЕЛЬ …», «АРТИКУЛ …»,
  «КОЛ-ВО … ШТ», ``Brand:``, ``Model:``, ``MFR``, ``P/N``;
- brands of the gazetteer ``configs/brands.csv`` (:mod:`pipeline.entities.gazetteer`, spaCy ``PhraseMatcher``); a
  brand right after «для», "for", «под», "compatible with" names what the goods fit, not their maker, and is skipped;
- the model code next to a brand (``Mavic 3T``, ``FZ-55``, ``F110 G6``, ``ZED-F9P``): up to four tokens after the
  brand that are codes (with a digit, not a spec such as ``5.8G`` or ``IP66``), series of that brand or suffixes
  (``Pro``, ``RTK``);
- the quantity with its unit (``10 шт``, ``3 pcs``, ``5 units``, ``2 sets``, ``200 компл``; «КОЛ-ВО» first).

Precedence: a stated field beats the gazetteer; model: «МОДЕЛЬ» field, then the code next to the brand, then
«АРТИКУЛ»/``P/N``; manufacturer: the stated maker, else the gazetteer's maker of the brand. Values are written as
they appear in the line (brands by their gazetteer name). Entities never change the label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.config import ENTITY_COLUMNS
from pipeline.entities import patterns as P
from pipeline.entities.gazetteer import Brand, Gazetteer, fold_mixed
from pipeline.text.align import char_map, original_span

# Distinct lines whose entities extract_many keeps (dumps repeat lines; the cache is emptied when full).
CACHE_LINES = 50_000
_FOR = re.compile(r"(?<!\w)(?:для|for|под|к|fits|fit|compatible with|совместим\w* с)\s+(?:\S+\s+)?$")
_FIELD_HINT = re.compile(
    r"изготов|производит|manufact|mfr|mfg|maker|знак|марк|brand|trade|модел|model|mod\.|"
    r"артикул|арт\.|p/n|pn|part|номер|tm"
)


@dataclass
class Entities:
    """What a line states about its goods (``""`` where it states nothing)."""

    manufacturer: str = ""
    brand: str = ""
    model: str = ""
    quantity: str = ""
    unit: str = ""

    def as_dict(self) -> dict[str, str]:
        """The fields as a plain dict, in :data:`ENTITY_COLUMNS` order."""
        return {c: getattr(self, c) for c in ENTITY_COLUMNS}


class EntityExtractor:
    """Extracts :class:`Entities` from lines (see the module docstring).

    Args:
        gazetteer: the brands; the bundled ``configs/brands.csv`` when ``None``.
    """

    def __init__(self, gazetteer: Gazetteer | None = None):
        self.gazetteer = gazetteer or Gazetteer()
        self.normaliser = self.gazetteer.normaliser
        self._cache: dict[str | None, tuple[str, ...]] = {}

    def extract(self, text: str | None) -> Entities:
        """The entities of one line."""
        text = "" if text is None else str(text)[:5000]
        norm = fold_mixed(self.normaliser(text))
        out = Entities()
        if not norm:
            return out
        back = _Back(norm, text)
        self._quantity(norm, out)
        fields = _FIELD_HINT.search(norm) is not None
        if fields:
            self._fields(norm, back, out)
        brand = None
        if self.gazetteer.may_match(norm):
            brand = self._brand(norm, back, out)
        if not out.manufacturer and out.brand:
            found = brand if brand is not None and brand.name == out.brand else self.gazetteer.lookup(out.brand)
            if found is not None:
                out.manufacturer = found.manufacturer
        if not out.model and fields:
            m = P.PART_FIELD.search(norm)
            if m and any(ch.isdigit() for ch in m.group("v")):
                out.model = back(m.start("v"), m.end("v"))
        return out

    def extract_many(self, texts: Sequence[str | None]) -> dict[str, list[str]]:
        """The entity columns of many lines (column → one value per line); a repeated line is read once."""
        rows = []
        cache = self._cache
        for t in texts:
            row = cache.get(t)
            if row is None:
                row = tuple(self.extract(t).as_dict().values())
                if len(cache) >= CACHE_LINES:
                    cache.clear()
                cache[t] = row
            rows.append(row)
        return {c: [r[k] for r in rows] for k, c in enumerate(ENTITY_COLUMNS)}

    def _quantity(self, norm: str, out: Entities) -> None:
        m = P.QUANTITY_FIELD.search(norm)
        if m is None:
            found = list(P.QUANTITY.finditer(norm))
            m = found[-1] if found else None
        if m is not None:
            out.quantity = re.sub(r"[\s,]", "", m.group("q"))
            unit = m.group("u")
            out.unit = P.UNITS.get(unit, unit) if unit else ""

    def _fields(self, norm: str, back, out: Entities) -> None:
        m = P.MANUFACTURER_FIELD.search(norm)
        if m and not P.ABSENT.match(m.group("v").strip()):
            out.manufacturer = back(m.start("v"), m.end("v")).rstrip(" ,.")
        m = P.BRAND_FIELD.search(norm)
        if m:
            g = "v" if m.group("v") is not None else "w"
            value = m.group(g).strip()
            if not P.ABSENT.match(value):
                known = self.gazetteer.lookup(value)
                out.brand = known.name if known else back(m.start(g), m.end(g)).rstrip(" ,.")
        m = P.MODEL_FIELD.search(norm)
        if m:
            g = next(k for k in ("v", "w", "x") if m.group(k) is not None)
            if not P.ABSENT.match(m.group(g).strip()):
                out.model = _cut_model(norm, m.start(g), m.end(g), back)

    def _brand(self, norm: str, back, out: Entities) -> Brand | None:
        chosen = None
        for brand, start, end in self.gazetteer.matches(norm):
            if _FOR.search(norm[:start]):
                continue
            chosen = (brand, start, end)
            break
        if chosen is None:
            return None
        brand, start, end = chosen
        if not out.brand:
            out.brand = brand.name
        if not out.model and out.brand == brand.name:
            out.model = _model_after(norm, end, brand, back)
        return brand


class _Back:
    """Maps a span of normalised text to the original text it came from (the normalised text where it cannot)."""

    def __init__(self, norm: str, text: str):
        self.norm, self.text = norm, text
        self.mapping: list[int] | None = None
        self.identity: bool | None = None

    def __call__(self, start: int, end: int) -> str:
        while end > start and self.norm[end - 1] == " ":
            end -= 1
        if self.identity is None:
            # Plain lines only had their case folded: the span is the same in the original.
            self.identity = len(self.norm) == len(self.text) and self.norm == self.text.lower()
        if self.identity:
            return " ".join(self.text[start:end].split())
        if self.mapping is None:
            self.mapping = char_map(self.norm, self.text)
        got = original_span((start, end), self.mapping)
        value = self.text[got[0] : got[1]] if got else self.norm[start:end]
        return " ".join(value.split())


def _cut_model(norm: str, start: int, end: int, back) -> str:
    """A stated model value, stopped before a quantity and cut to five tokens."""
    q = P.QUANTITY.search(norm, start, end)
    if q:
        end = q.start()
    toks = list(P.MODEL_TOKEN.finditer(norm, start, end))[:5]
    return back(toks[0].start(), toks[-1].end()) if toks else ""


def _is_series(tok: str, brand: Brand) -> bool:
    return any(
        tok == s or tok.startswith(s + "-") or (tok.startswith(s) and any(c.isdigit() for c in tok[len(s) :]))
        for s in brand.series
    )


def _model_after(norm: str, end: int, brand: Brand, back) -> str:
    """The model code right after a brand mention (``""`` when none)."""
    picked: list[re.Match] = []
    pos = end
    for m in P.MODEL_TOKEN.finditer(norm, end):
        gap = norm[pos : m.start()]
        if any(c in gap for c in ',;()"«»') or len(picked) >= P.MAX_MODEL_TOKENS:
            break
        tok = m.group(0)
        code = any(c.isdigit() for c in tok) and not P.SPEC.match(tok) and norm[m.end() : m.end() + 1] != '"'

        if code and P.QUANTITY.match(norm, m.start()):
            break
        if not (code or _is_series(tok, brand) or (picked and tok in P.SUFFIXES)):
            break
        picked.append(m)
        pos = m.end()
    if not picked:
        return ""
    return back(picked[0].start(), picked[-1].end())


_DEFAULT: EntityExtractor | None = None


def extract(text: str | None) -> Entities:
    """The entities of one line with the bundled gazetteer (the extractor is built once)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = EntityExtractor()
    return _DEFAULT.extract(text)


def extract_many(texts: Sequence[str | None]) -> dict[str, list[str]]:
    """The entity columns of many lines with the bundled gazetteer."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = EntityExtractor()
    return _DEFAULT.extract_many(texts)
