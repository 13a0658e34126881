"""Streaming aggregation of a labelled file: one pass, state bounded by the number of distinct keys, not rows.

Every row is counted: a row without a parseable date is counted under the month ``(missing date)`` or ``(malformed
date)``, a row without a parseable value adds to ``value_missing`` or ``value_malformed`` of its groups and
nothing to their totals.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import POSITIVE_LABELS
from pipeline.summarise.roles import Roles, cell_text, parse_flag, parse_month, parse_score, parse_value

MISSING_DATE = "(missing date)"
MALFORMED_DATE = "(malformed date)"
NONE = "(none)"
TOP_LINES = 50
TEXT_CHARS = 600
DUAL_USE = frozenset(POSITIVE_LABELS)


class Cell:
    """Rows and value of one group.

    Attributes:
        rows: rows counted; ``value``: the sum of their parsed values; ``valued``, ``missing``, ``malformed``: rows
            with a parsed, an empty and an unreadable value.
    """

    __slots__ = ("rows", "value", "valued", "missing", "malformed")

    def __init__(self) -> None:
        self.rows = self.valued = self.missing = self.malformed = 0
        self.value = 0.0

    def add(self, value: float | str) -> None:
        """Count one row with its parsed value (a float, ``"missing"`` or ``"malformed"``)."""
        self.rows += 1
        if value.__class__ is float:
            self.value += value
            self.valued += 1
        elif value == "missing":
            self.missing += 1
        else:
            self.malformed += 1


def _cells() -> defaultdict[Any, Cell]:
    return defaultdict(Cell)


@dataclass
class Aggregates:
    """Everything the tables and charts need, accumulated row by row with :meth:`add`.

    Attributes:
        rows: rows read; ``unreadable``: rows the reader could not read cleanly (still counted everywhere).
        by_label: label → :class:`Cell`; ``label_month``, ``label_brand``, ``label_importer``, ``label_exporter``,
            ``label_country``: (label, key) → :class:`Cell` (the last three for dual-use rows only);
            ``label_by``: column → (label, key) → :class:`Cell`.
        dates: label → Counter of ``ok``, ``missing``, ``malformed``.
        military: label → flagged rows; ``month_military``: month → [rows, dual-use rows, flagged, flagged dual-use];
        ``wording``: the words that raised the flag (``military_wording``, case and spacing folded) → [flagged rows,
        flagged dual-use rows, the first spelling met].
        review: candidate → rows with ``review=1``; ``conflicts``: (label, code_conflict) → rows;
        statuses: status → rows; ``top``: a heap of the highest-scoring dual-use lines.
    """

    roles: Roles
    rows: int = 0
    unreadable: int = 0
    by_label: defaultdict = field(default_factory=_cells)
    label_month: defaultdict = field(default_factory=_cells)
    label_brand: defaultdict = field(default_factory=_cells)
    label_importer: defaultdict = field(default_factory=_cells)
    label_exporter: defaultdict = field(default_factory=_cells)
    label_country: defaultdict = field(default_factory=_cells)
    label_by: dict = field(default_factory=dict)
    dates: defaultdict = field(default_factory=lambda: defaultdict(Counter))
    military: Counter = field(default_factory=Counter)
    month_military: defaultdict = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0, 0]))
    wording: dict = field(default_factory=dict)
    review: Counter = field(default_factory=Counter)
    conflicts: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    top: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self.label_by = {col: _cells() for col in self.roles.by}
        r = self.roles
        self._top_fields = [
            (k, r[k])
            for k in (
                "text",
                "military_wording",
                "brand",
                "manufacturer",
                "model",
                "explanation",
                "importer",
                "exporter",
                "country",
                "date",
                "value",
                "hs_code",
                "code_conflict",
                "status",
            )
            if r[k]
        ]

    def add(self, row: dict[str, Any], line: int, error: str | None) -> None:
        """Count one row (``line``: its line or row number in the file; ``error``: the reader's complaint)."""
        r = self.roles
        self.rows += 1
        if error:
            self.unreadable += 1
        label = cell_text(row.get(r["label"])) or NONE
        value = parse_value(row.get(r["value"])) if r["value"] else "missing"
        self.by_label[label].add(value)
        dual = label in DUAL_USE
        flagged = bool(r["military_marker"]) and parse_flag(row.get(r["military_marker"]))
        if flagged:
            self.military[label] += 1
            if r["military_wording"]:
                self._add_wording(cell_text(row.get(r["military_wording"])), dual)
        if r["status"]:
            self.statuses[cell_text(row.get(r["status"])) or NONE] += 1
        if r["review"] and parse_flag(row.get(r["review"])):
            self.review[(cell_text(row.get(r["candidate"])) if r["candidate"] else "") or NONE] += 1
        if r["date"]:
            self._add_month(label, parse_month(row.get(r["date"])), value, dual, flagged)
        brand = r["brand"] or r["manufacturer"]
        if brand:
            self.label_brand[(label, cell_text(row.get(brand)) or NONE)].add(value)
        if r["code_conflict"]:
            self.conflicts[(label, cell_text(row.get(r["code_conflict"])) or NONE)] += 1
        for col, cells in self.label_by.items():
            cells[(label, cell_text(row.get(col)) or NONE)].add(value)
        if dual:
            for role, cells in (
                ("importer", self.label_importer),
                ("exporter", self.label_exporter),
                ("country", self.label_country),
            ):
                if r[role]:
                    cells[(label, cell_text(row.get(r[role])) or NONE)].add(value)
            self._add_top(row, line, label, value, flagged)

    def _add_wording(self, wording: str, dual: bool) -> None:
        shown = " ".join(wording.split()) or NONE
        entry = self.wording.setdefault(shown.casefold(), [0, 0, shown])
        entry[0] += 1
        entry[1] += dual

    def _add_month(self, label: str, month: str | None, value: float | str, dual: bool, flagged: bool) -> None:
        if month:
            self.dates[label]["ok"] += 1
        else:
            self.dates[label]["missing" if month == "" else "malformed"] += 1
            month = MISSING_DATE if month == "" else MALFORMED_DATE
        self.label_month[(label, month)].add(value)
        m = self.month_military[month]
        m[0] += 1
        m[1] += dual
        m[2] += flagged
        m[3] += dual and flagged

    def _add_top(self, row: dict[str, Any], line: int, label: str, value: float | str, flagged: bool) -> None:
        score = parse_score(row.get(self.roles["score"])) if self.roles["score"] else 0.0
        key = (score, -line)
        if len(self.top) >= TOP_LINES and key <= self.top[0][:2]:
            return
        item = {k: cell_text(row.get(col))[:TEXT_CHARS] for k, col in self._top_fields}
        item.update(line=line, label=label, score=score, military_marker=int(flagged))
        entry = (score, -line, item)
        if len(self.top) < TOP_LINES:
            heapq.heappush(self.top, entry)
        else:
            heapq.heapreplace(self.top, entry)

    def top_lines(self) -> list[dict[str, Any]]:
        """The highest-scoring dual-use lines, best first (ties: earlier line first)."""
        return [e[2] for e in sorted(self.top, key=lambda e: (-e[0], -e[1]))]
