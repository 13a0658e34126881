"""Tables of a summary, built from :class:`~pipeline.summarise.aggregate.Aggregates`, and their CSV files."""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import LABELS
from pipeline.summarise.aggregate import DUAL_USE, MALFORMED_DATE, MISSING_DATE, Aggregates, Cell

PLURAL = {"importer": "importers", "exporter": "exporters", "country": "countries"}
VALUE_HEADER = ["value", "value_rows", "value_missing", "value_malformed"]


@dataclass
class Table:
    """One table: ``name`` (its CSV file is ``NAME.csv``), a ``title``, the ``header`` and the ``rows``."""

    name: str
    title: str
    header: list[str]
    rows: list[list[Any]]

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by the header."""
        return [dict(zip(self.header, r)) for r in self.rows]


def label_order(labels) -> list[str]:
    """Labels in the model's order, any other value after them in sorted order."""
    known = [lb for lb in LABELS if lb in labels]
    return known + sorted(set(labels) - set(known))


def _cell_values(c: Cell, with_value: bool) -> list[Any]:
    return [c.rows] + ([round(c.value, 2), c.valued, c.missing, c.malformed] if with_value else [])


def _label_key_table(name: str, title: str, key: str, cells: dict, with_value: bool) -> Table:
    order = {lb: i for i, lb in enumerate(label_order({lb for lb, _ in cells}))}
    items = sorted(cells.items(), key=lambda kv: (order[kv[0][0]], -kv[1].rows, kv[0][1]))
    header = ["label", key, "rows"] + (VALUE_HEADER if with_value else [])
    return Table(name, title, header, [[lb, k, *_cell_values(c, with_value)] for (lb, k), c in items])


def _labels_table(agg: Aggregates, with_value: bool, with_date: bool) -> Table:
    header = ["label", "rows", "share"] + (VALUE_HEADER if with_value else [])
    header += ["date_missing", "date_malformed"] if with_date else []
    header += ["military_flagged"]
    rows = []
    total = Cell()
    for lb in label_order(agg.by_label):
        c = agg.by_label[lb]
        for attr in ("rows", "value", "valued", "missing", "malformed"):
            setattr(total, attr, getattr(total, attr) + getattr(c, attr))
        dates = [agg.dates[lb]["missing"], agg.dates[lb]["malformed"]] if with_date else []
        share = round(c.rows / agg.rows, 4) if agg.rows else 0.0
        rows.append([lb, c.rows, share, *_cell_values(c, with_value)[1:], *dates, agg.military[lb]])
    dates = [sum(d["missing"] for d in agg.dates.values()), sum(d["malformed"] for d in agg.dates.values())]
    rows.append(
        [
            "total",
            total.rows,
            1.0 if agg.rows else 0.0,
            *_cell_values(total, with_value)[1:],
            *(dates if with_date else []),
            sum(agg.military.values()),
        ]
    )
    return Table("labels", "Rows and value per label", header, rows)


def month_sort_key(month: str) -> tuple[int, str]:
    """Months in time order, then the rows without a date."""
    return (month in (MISSING_DATE, MALFORMED_DATE), month)


def _month_tables(agg: Aggregates, with_value: bool) -> list[Table]:
    items = sorted(
        agg.label_month.items(),
        key=lambda kv: (month_sort_key(kv[0][1]), LABELS.index(kv[0][0]) if kv[0][0] in LABELS else 99, kv[0][0]),
    )
    header = ["month", "label", "rows"] + (VALUE_HEADER if with_value else [])
    per_month = Table(
        "label_month",
        "Rows and value per label and month",
        header,
        [[m, lb, *_cell_values(c, with_value)] for (lb, m), c in items],
    )
    mil = []
    for month in sorted(agg.month_military, key=month_sort_key):
        rows, dual, flagged, flagged_dual = agg.month_military[month]
        mil.append([month, rows, dual, flagged, flagged_dual, round(flagged / rows, 4) if rows else 0.0])
    military = Table(
        "military_by_month",
        "Military end-use flag per month",
        ["month", "rows", "dual_use_rows", "military_flagged", "military_flagged_dual_use", "military_share"],
        mil,
    )
    return [per_month, military]


def slug(name: str) -> str:
    """A file-name-safe form of a column name."""
    return re.sub(r"[^\w]+", "_", name.casefold()).strip("_") or "column"


def _military_tables(agg: Aggregates) -> list[Table]:
    """The flagged rows per label, and per the words that raised the flag when the labels carry them."""
    tables = [
        Table(
            "military",
            "Military end-use flagged rows per label",
            ["label", "rows", "military_flagged", "military_share"],
            [
                [lb, agg.by_label[lb].rows, agg.military[lb], round(agg.military[lb] / agg.by_label[lb].rows, 4)]
                for lb in label_order(agg.by_label)
            ],
        )
    ]
    if agg.roles["military_wording"]:
        tables.append(
            Table(
                "military_wording",
                "Military end-use flags by the words that raised them",
                ["military_wording", "military_flagged", "military_flagged_dual_use"],
                [[shown, n, dual] for n, dual, shown in sorted(agg.wording.values(), key=lambda e: (-e[0], e[2]))],
            )
        )
    return tables


def build_tables(agg: Aggregates) -> list[Table]:
    """All the tables of a summary, in the order the page shows them."""
    r = agg.roles
    with_value, with_date = bool(r["value"]), bool(r["date"])
    tables = [_labels_table(agg, with_value, with_date), *_military_tables(agg)]
    if with_date:
        tables += _month_tables(agg, with_value)
    if r["brand"] or r["manufacturer"]:
        tables.append(
            _label_key_table("label_brand", "Rows and value per label and brand", "brand", agg.label_brand, with_value)
        )
    for role, cells in (
        ("importer", agg.label_importer),
        ("exporter", agg.label_exporter),
        ("country", agg.label_country),
    ):
        if r[role]:
            tables.append(
                _label_key_table(
                    f"dual_use_{PLURAL[role]}", f"Dual-use rows per {role} ({r[role]})", role, cells, with_value
                )
            )
    for col, cells in agg.label_by.items():
        tables.append(
            _label_key_table(f"by_{slug(col)}", f"Rows and value per label and {col}", col, cells, with_value)
        )
    if r["code_conflict"]:
        tables.append(
            Table(
                "code_conflicts",
                "Code conflicts per label (text>code, code>text)",
                ["label", "code_conflict", "rows"],
                [
                    [lb, k, n]
                    for (lb, k), n in sorted(
                        agg.conflicts.items(), key=lambda kv: (label_order(agg.by_label).index(kv[0][0]), kv[0][1])
                    )
                ],
            )
        )
    if r["review"]:
        tables.append(
            Table(
                "review",
                "Review queue (review=1) by candidate class",
                ["candidate", "rows"],
                [[k, n] for k, n in agg.review.most_common()],
            )
        )
    if r["status"]:
        tables.append(
            Table("statuses", "Rows per status", ["status", "rows"], [[k, n] for k, n in agg.statuses.most_common()])
        )
    tables.append(_top_table(agg))
    return tables


def _top_table(agg: Aggregates) -> Table:
    lines = agg.top_lines()
    extra = [k for k, _ in agg._top_fields]
    header = ["rank", "line", "label", "score", "military_marker", *extra]
    rows = [
        [i, t["line"], t["label"], round(t["score"], 4), t["military_marker"], *(t.get(k, "") for k in extra)]
        for i, t in enumerate(lines, 1)
    ]
    return Table("top_flagged", f"The {len(rows)} highest-scoring dual-use lines", header, rows)


def dual_use_totals(agg: Aggregates) -> Cell:
    """Rows and value of all dual-use labels together."""
    total = Cell()
    for lb in DUAL_USE & set(agg.by_label):
        c = agg.by_label[lb]
        for attr in ("rows", "value", "valued", "missing", "malformed"):
            setattr(total, attr, getattr(total, attr) + getattr(c, attr))
    return total


def write_csv(table: Table, out_dir: Path) -> Path:
    """Write ``NAME.csv`` (UTF-8 with BOM, for Excel) atomically: a temporary file renamed into place."""
    path = out_dir / f"{table.name}.csv"
    tmp = out_dir / f".{table.name}.csv.partial"
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(table.header)
        writer.writerows(table.rows)
    os.replace(tmp, path)
    return path
