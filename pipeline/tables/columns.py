"""Column names: finding the text column(s), making names unique, joining the text of a row."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.errors import InputError
from pipeline.tables.encoding import clean_surrogates

# Column names tried, in order, when the text column is not given (compared case- and space-insensitively).
TEXT_COLUMN_CANDIDATES = (
    "text",
    "описание товара",
    "описание",
    "наименование товара",
    "наименование",
    "g31 1",
    "g31",
    "графа 31",
    "гр 31",
    "description",
    "goods description",
    "description of goods",
    "product description",
    "item description",
    "commodity description",
    "commodity",
    "goods",
    "product name",
    "item name",
    "товар",
)


def column_key(name: str) -> str:
    """A column name as names are compared: underscores read as spaces, spaces collapsed, quotes stripped, case folded.

    ``G31_1`` and ``g31 1``, ``goods_description`` and ``Goods description`` are one name.
    """
    return re.sub(r"[\s_]+", " ", str(name).strip().strip("«»\"'").strip()).strip().casefold()


def find_columns(columns: Sequence[str], wanted: Sequence[str] | None, source: str) -> list[str]:
    """Resolve the text column names against the file's columns (case- and space-insensitive).

    Args:
        columns: the columns present.
        wanted: names asked for; when empty, :data:`TEXT_COLUMN_CANDIDATES` are tried and, failing that, a file
            with one column uses it.
        source: the file, for error messages.

    Raises:
        InputError: listing the columns present when a name is not found.
    """
    by_norm = {column_key(c): c for c in columns}
    if wanted:
        out = []
        for w in wanted:
            hit = by_norm.get(column_key(w))
            if hit is None:
                raise InputError(f"{source}: text column {w!r} not found; columns present: {list(columns)}")
            out.append(hit)
        return out
    for cand in TEXT_COLUMN_CANDIDATES:
        hit = by_norm.get(cand)
        if hit is not None:
            return [hit]
    if len(columns) == 1:
        return [columns[0]]
    raise InputError(
        f"{source}: no text column given and none of the usual names found; use --text-column; "
        f"columns present: {list(columns)}"
    )


def dedupe_columns(names: Sequence[Any]) -> list[str]:
    """Column names made unique: blanks become ``column_N``, repeats ``NAME_2``, ``NAME_3`` … (file order)."""
    cols = [
        (clean_surrogates(str(c)).strip() if c is not None else "") or f"column_{i + 1}" for i, c in enumerate(names)
    ]
    taken = set(cols)
    seen: dict[str, int] = {}
    out = []
    for c in cols:
        if c in seen:
            k = seen[c]
            while True:
                k += 1
                new = f"{c}_{k}"
                if new not in taken:
                    break
            seen[c] = k
            taken.add(new)
            out.append(new)
        else:
            seen[c] = 1
            out.append(c)
    return out


def numbered_columns(n: int) -> list[str]:
    """Names of the columns of a file without a header: ``column_1`` … ``column_N``."""
    return [f"column_{i + 1}" for i in range(n)]


def join_text(values: Iterable[Any]) -> str:
    """Join values with a space: each stripped, ``None`` and empty values left out."""
    parts = []
    for v in values:
        if v is None:
            continue
        s = str(v).strip()
        if s:
            parts.append(s)
    return " ".join(parts)


def row_text(row: dict[str, Any], columns: Sequence[str]) -> str:
    """Join the text columns of a row with a space (missing and ``None`` values count as empty)."""
    return join_text(row.get(c) for c in columns)
