"""The tables behind code evidence, read from ``configs/`` (shipped in the package; see ``corpora/build_code_map.py``).

* ``code_map.csv`` (``prefix,label,also,note``): the dual-use label a code implies; longest prefix wins; an empty
  label implies nothing; ``also`` lists labels the prefix holds too without a conflict;
* ``code_exclusions.csv`` (``prefix,labels,note``): chapters and headings where a dual-use label cannot sit;
* ``chpl.csv`` (``hs6,tier,description``): the Common High Priority List.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.config import LABELS, bundled_path

CODE_MAP_FILE = "code_map.csv"
EXCLUSIONS_FILE = "code_exclusions.csv"
CHPL_FILE = "chpl.csv"
DUAL_USE = tuple(lab for lab in LABELS if lab != "other")


class CodeTableError(ValueError):
    """A code table in ``configs/`` is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Implied:
    """What a code implies: ``label`` (``""`` for nothing), the labels it ``also`` holds, and the matching prefix."""

    label: str = ""
    also: frozenset[str] = frozenset()
    prefix: str = ""


@dataclass
class CodeTable:
    """The code map, the exclusions and the CHPL, with prefix lookups."""

    implied_by: dict[str, Implied] = field(default_factory=dict)
    excluded: dict[str, frozenset[str]] = field(default_factory=dict)
    chpl: dict[str, str] = field(default_factory=dict)

    def implied(self, code: str) -> Implied:
        """The longest prefix of ``code`` in the code map (an empty :class:`Implied` when none matches)."""
        for n in range(len(code), 1, -1):
            hit = self.implied_by.get(code[:n])
            if hit is not None:
                return hit
        return Implied()

    def cannot_sit(self, code: str, label: str) -> str:
        """The exclusion prefix that says ``label`` cannot sit under ``code``, or ``""``."""
        for n in range(len(code), 1, -1):
            labels = self.excluded.get(code[:n])
            if labels is not None and label in labels:
                return code[:n]
        return ""

    def chpl_tier(self, code: str) -> str:
        """The CHPL tier of the code's HS-6 (``""`` for a shorter code or one not on the list)."""
        return self.chpl.get(code[:6], "") if len(code) >= 6 else ""


def _rows(path: Path, columns: tuple[str, ...]):
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise CodeTableError(f"{path}: missing column(s) {missing}")
            yield from enumerate(reader, start=2)
    except OSError as exc:
        raise CodeTableError(f"{path}: cannot read the code table ({exc.strerror})") from None


def _prefix(path: Path, line: int, value: str) -> str:
    prefix = (value or "").replace(".", "").strip()
    if not prefix.isdigit() or not 2 <= len(prefix) <= 10:
        raise CodeTableError(f"{path}, line {line}: prefix {value!r} is not 2-10 digits")
    return prefix


def _labels(path: Path, line: int, value: str) -> frozenset[str]:
    labels = frozenset(v.strip() for v in (value or "").split("|") if v.strip())
    bad = sorted(labels - set(DUAL_USE))
    if bad:
        raise CodeTableError(f"{path}, line {line}: unknown label(s) {bad}; expected some of {list(DUAL_USE)}")
    return labels


def load_code_table(folder: str | Path | None = None) -> CodeTable:
    """Read the three tables from ``folder`` (default: the bundled ``configs/``).

    Raises:
        CodeTableError: naming the file and line of a malformed row.
    """
    folder = Path(folder) if folder is not None else bundled_path("configs")
    table = CodeTable()
    path = folder / CODE_MAP_FILE
    for line, row in _rows(path, ("prefix", "label", "also")):
        label = (row["label"] or "").strip()
        if label and label not in DUAL_USE:
            raise CodeTableError(f"{path}, line {line}: label {label!r} is not one of {list(DUAL_USE)} (or empty)")
        prefix = _prefix(path, line, row["prefix"])
        table.implied_by[prefix] = Implied(label, _labels(path, line, row["also"]), prefix)
    path = folder / EXCLUSIONS_FILE
    for line, row in _rows(path, ("prefix", "labels")):
        table.excluded[_prefix(path, line, row["prefix"])] = _labels(path, line, row["labels"])
    path = folder / CHPL_FILE
    for line, row in _rows(path, ("hs6", "tier")):
        hs6 = _prefix(path, line, row["hs6"])
        if len(hs6) != 6:
            raise CodeTableError(f"{path}, line {line}: hs6 {row['hs6']!r} is not 6 digits")
        table.chpl[hs6] = row["tier"].strip()
    return table


@lru_cache(maxsize=1)
def default_code_table() -> CodeTable:
    """The bundled tables, read once per process."""
    return load_code_table()
