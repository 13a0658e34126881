"""``dualuse summarise``: what is in a labelled dump, as tables, charts and one self-contained HTML page.

:func:`summarise` reads any file ``dualuse predict`` writes (CSV/TSV/JSONL, ``.gz``, XLSX/XLS/ODS, Parquet) in
chunks, in one pass, with memory bounded by the number of distinct labels, months, brands, importers ... and not
by the number of rows; writes the tables as CSV files, the figures as PNG files and ``summary.html`` into a folder;
and returns a :class:`Summary`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.summarise.aggregate import MALFORMED_DATE, MISSING_DATE, Aggregates
from pipeline.summarise.roles import Roles, detect_roles
from pipeline.summarise.tables import Table, build_tables, dual_use_totals, write_csv
from pipeline.tables import InputError, TableReader

HTML_FILE = "summary.html"
JSON_FILE = "summary.json"

__all__ = ["HTML_FILE", "Summary", "summarise"]


@dataclass
class Summary:
    """What :func:`summarise` found and wrote.

    Attributes:
        input: the labelled file; ``output``: the folder written.
        roles: the column chosen for each role and how (``given`` or ``detected``).
        headline: the headline counts (rows, dual-use rows and value, military-flagged, review queue, months,
            missing and malformed dates and values, rows the reader could not read cleanly).
        tables: every table (each also ``NAME.csv`` in ``output``); ``figures``: the figures drawn.
        html: the path of ``summary.html``; ``files``: every file written; ``notes``: what could not be done.
    """

    input: Path
    output: Path
    roles: Roles
    headline: dict[str, Any]
    tables: list[Table]
    figures: list = field(default_factory=list)
    html: Path | None = None
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def table(self, name: str) -> Table | None:
        """The table called ``name``, or ``None``."""
        return next((t for t in self.tables if t.name == name), None)


def _headline(agg: Aggregates) -> dict[str, Any]:
    dual = dual_use_totals(agg)
    months = sorted(m for _, m in agg.label_month if m not in (MISSING_DATE, MALFORMED_DATE))
    return {
        "rows": agg.rows,
        "unreadable_rows": agg.unreadable,
        "dual_use_rows": dual.rows,
        "dual_use_value": round(dual.value, 2) if agg.roles["value"] else None,
        "military_flagged": sum(agg.military.values()),
        "review_queue": sum(agg.review.values()),
        "first_month": months[0] if months else None,
        "last_month": months[-1] if months else None,
        "months": len(set(months)),
        "date_missing": sum(d["missing"] for d in agg.dates.values()) if agg.roles["date"] else None,
        "date_malformed": sum(d["malformed"] for d in agg.dates.values()) if agg.roles["date"] else None,
        "value_missing": sum(c.missing for c in agg.by_label.values()) if agg.roles["value"] else None,
        "value_malformed": sum(c.malformed for c in agg.by_label.values()) if agg.roles["value"] else None,
        "labels": {lb: c.rows for lb, c in agg.by_label.items()},
    }


def aggregate(readers: Sequence[TableReader], roles: Roles, chunk_size: int = 10_000) -> Aggregates:
    """Read every row of the readers once, in order, and accumulate the summary's counts.

    The line of a row in a second or later sheet is counted on from the rows of the sheets before it.
    """
    agg = Aggregates(roles)
    add = agg.add
    offset = 0
    for reader in readers:
        for chunk in reader.iter_chunks(chunk_size):
            for row, line, err in zip(chunk.rows, chunk.lines, chunk.errors):
                add(row, line + offset, err)
        offset = agg.rows
    return agg


def _readers(path: Path, encoding: str | None, delimiter: str | None, sheet: str | int | None) -> list[TableReader]:
    """One reader, or for an XLSX that predict split over sheets (``labels``, ``labels_2``, ...) one per sheet."""
    first = TableReader(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    if first.format != "xlsx" or sheet is not None:
        return [first]
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    names = wb.sheetnames
    wb.close()
    more = [n for n in names[1:] if names[0] == "labels" and n.startswith("labels_")]
    return [first] + [TableReader(path, sheet=n) for n in more]


def summarise(
    labelled: str | Path,
    output: str | Path,
    by: Sequence[str] = (),
    value_column: str | None = None,
    date_column: str | None = None,
    importer_column: str | None = None,
    exporter_column: str | None = None,
    country_column: str | None = None,
    brand_column: str | None = None,
    text_column: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    chunk_size: int = 10_000,
    charts: bool = True,
) -> Summary:
    """Summarise a labelled file into the folder ``output``.

    Args:
        labelled: a file written by ``dualuse predict`` (any of its formats).
        output: the folder to write (created; files of an earlier summary in it are replaced).
        by: extra columns to count per label (one ``by_COLUMN.csv`` table each).
        value_column: the value column; detected from the usual names when ``None`` (so are the next five).
        date_column: the date column.
        importer_column: the importer (consignee) column.
        exporter_column: the exporter (shipper) column.
        country_column: the origin country column.
        brand_column: the brand column (default: ``brand``, else ``manufacturer``, when present).
        text_column: the goods text shown beside the top lines.
        encoding: force the input encoding (as for ``dualuse predict``; detected when ``None``).
        delimiter: force the CSV delimiter.
        sheet: the spreadsheet sheet (default: the first, and the ``labels_N`` sheets predict continues on).
        chunk_size: rows read at a time.
        charts: draw the figures (matplotlib); without them the page has the tables only.

    Returns:
        The :class:`Summary`.

    Raises:
        InputError: a missing or unreadable file, a file without a ``label`` column, a column given that is absent.
    """
    labelled, out_dir = Path(labelled), Path(output)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder")
    readers = _readers(labelled, encoding, delimiter, sheet)
    given = {
        "value": value_column,
        "date": date_column,
        "importer": importer_column,
        "exporter": exporter_column,
        "country": country_column,
        "brand": brand_column,
        "text": text_column,
    }
    roles = detect_roles(readers[0].columns, given, by, source=str(labelled))
    agg = aggregate(readers, roles, chunk_size)
    out_dir.mkdir(parents=True, exist_ok=True)
    return _write(Summary(labelled, out_dir, roles, _headline(agg), build_tables(agg)), agg, charts)


def _write(summary: Summary, agg: Aggregates, charts: bool) -> Summary:
    """Write the tables, the figures, ``summary.html`` and ``summary.json`` into ``summary.output``."""
    out_dir, roles = summary.output, summary.roles
    summary.files = [write_csv(t, out_dir) for t in summary.tables]
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        charts = False
        summary.notes.append("matplotlib is not installed (pip install 'dualuse[report]'): no figures drawn")
    if charts:
        from pipeline.summarise.charts import draw_charts

        summary.figures = draw_charts(agg, out_dir)
        summary.files += [f.path for f in summary.figures]
    from pipeline.summarise.render import render_html

    summary.html = _write_text(out_dir / HTML_FILE, render_html(summary))
    meta = {
        "input": str(summary.input),
        "roles": roles.columns,
        "how": roles.how,
        "by": roles.by,
        "headline": summary.headline,
    }
    summary.files += [summary.html, _write_text(out_dir / JSON_FILE, json.dumps(meta, ensure_ascii=False, indent=2))]
    return summary


def _write_text(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
