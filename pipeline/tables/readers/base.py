"""The interface every format reader implements, and the limits they share."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

# Longest field kept; longer ones are cut and the row gets a status (read as ``base.MAX_FIELD_CHARS`` at run time).
MAX_FIELD_CHARS = 1_000_000

# What a reader yields per row: the row (column -> value), the line or row number it starts on (1-based), why it
# could not be read cleanly (or None), and its raw content for the errors file (may be None for a clean row).
Row = tuple[dict[str, Any], int, "str | None", "str | None"]


@dataclass(frozen=True)
class ReadOptions:
    """How to read one file.

    Attributes:
        format: the format (see :data:`pipeline.tables.formats.ALL_FORMATS`).
        gzipped: whether the file is gzip-compressed (text formats).
        encoding: a forced encoding (text formats), or ``None`` to detect it.
        delimiter: a forced CSV delimiter, or ``None`` to detect it.
        sheet: spreadsheet sheet name or 0-based index; the first sheet when ``None``.
        header: whether the first line or row holds column names.
    """

    format: str
    gzipped: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | int | None = None
    header: bool = True


class FormatReader:
    """Rows of one file in one format; subclasses register for the formats in :attr:`formats`.

    A reader learns its :attr:`columns` when constructed and yields :data:`Row` tuples from :meth:`iter_rows`,
    as many times as asked, each time from the start of the file.

    Attributes:
        name: the reader's short name (``csv``, ``txt``, ``jsonl``, ``xlsx``, ``calamine``, ``parquet``).
        columns: the column names in file order.
        encoding, fallback_encoding, delimiter: what a text reader detected or was given (``None`` otherwise).
    """

    name: ClassVar[str] = ""
    formats: ClassVar[tuple[str, ...]] = ()
    encoding: str | None = None
    fallback_encoding: str | None = None
    delimiter: str | None = None

    def __init__(self, path: Path, options: ReadOptions):
        self.path = path
        self.options = options
        self.columns: list[str] = []

    def iter_rows(self) -> Iterator[Row]:
        """Yield ``(row, line, error, raw)`` for every row, in file order."""
        raise NotImplementedError

    @property
    def bytes_read(self) -> int:
        """Bytes of the file consumed so far by the current read (0 when the format does not tell)."""
        return 0

    @property
    def bytes_total(self) -> int:
        """Size of the file in bytes."""
        return self.path.stat().st_size

    @property
    def rows_total(self) -> int | None:
        """Number of data rows when the format records it, else ``None``."""
        return None


def json_raw(values: Sequence[Any]) -> str:
    """Cells as a JSON list: the raw content of a sheet row for the errors file."""
    return json.dumps(list(values), ensure_ascii=False, default=str)
