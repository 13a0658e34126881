"""The public reader: :class:`TableReader` picks the format reader of a file and streams its rows in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.tables.formats import detect_format
from pipeline.tables.readers import ReadOptions, Row, open_reader

# Rows per chunk when none is asked for.
DEFAULT_CHUNK_ROWS = 10_000


@dataclass
class Chunk:
    r"""A block of input rows.

    Attributes:
        rows: the input rows, each a dict of column → value, unchanged.
        lines: the line (text formats) or row (spreadsheets, Parquet) number each row starts on, 1-based.
        errors: per row, ``None`` or why the row could not be read cleanly (the row is still passed on).
        raw: per row, ``None`` for a clean row, else the row's raw content as read from the file (the physical
            lines of a CSV record or a JSONL line, undecodable bytes as ``\xNN``; the cells of a sheet row as
            JSON, formulas included), for the errors file.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[str | None] = field(default_factory=list)
    raw: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


class TableReader:
    """Stream the rows of one input file.

    Args:
        path: the input file.
        encoding: force an encoding (text formats); detected when ``None``.
        delimiter: force a CSV delimiter; detected when ``None`` (``.tsv`` means tab).
        sheet: spreadsheet sheet name or 0-based index; the first sheet when ``None``.
        header: whether the first CSV line holds column names (``.txt`` files never have one).

    Attributes:
        format, gzipped, encoding, delimiter: what was detected or forced.
        fallback_encoding: the encoding of lines not valid in ``encoding`` (see
            :func:`~pipeline.tables.encoding.detect_encodings`); ``None`` when the whole file is decoded in
            ``encoding`` (forced, or UTF-16/32).
        columns: the column names in file order (for JSONL: every key of every line, in first-seen order).

    Raises:
        InputError: for a missing, unreadable or binary file.
    """

    def __init__(
        self,
        path: str | Path,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | int | None = None,
        header: bool = True,
    ):
        self.path = Path(path)
        if str(path) == "-":
            raise InputError("-: standard input is read by predict (spool it with tables.spool_stdin first)")
        if not self.path.is_file():
            raise InputError(f"{self.path}: file not found")
        self.format, self.gzipped = detect_format(self.path)
        self.sheet = sheet
        self.header = header and self.format != "txt"
        options = ReadOptions(self.format, self.gzipped, encoding, delimiter, sheet, self.header)
        self._reader = open_reader(self.path, options)
        self.encoding = self._reader.encoding
        self.fallback_encoding = self._reader.fallback_encoding
        self.delimiter = self._reader.delimiter
        self.columns: list[str] = self._reader.columns

    @property
    def bytes_read(self) -> int:
        """Bytes of the input file consumed so far by the current read (compressed bytes for ``.gz``)."""
        return self._reader.bytes_read

    @property
    def bytes_total(self) -> int:
        """Size of the input file in bytes."""
        return self._reader.bytes_total

    @property
    def rows_total(self) -> int | None:
        """Number of data rows when the format records it (Parquet, XLS/ODS; XLSX when its dimensions are stored)."""
        return self._reader.rows_total

    def _iter_records(self) -> Iterator[Row]:
        """The format reader's rows (a subclass may wrap them: ``pipeline.run.inputs`` does)."""
        return self._reader.iter_rows()

    def iter_chunks(self, chunk_size: int = DEFAULT_CHUNK_ROWS, skip_chunks: int = 0) -> Iterator[Chunk]:
        """Yield the file's rows in chunks of at most ``chunk_size`` rows, in file order.

        Args:
            chunk_size: rows per chunk.
            skip_chunks: read but do not yield the first chunks (to resume a run; chunk boundaries depend only
                on ``chunk_size``).
        """
        chunk = Chunk()
        index = 0
        for row, line, err, raw in self._iter_records():
            if index < skip_chunks:
                chunk.lines.append(line)
                if len(chunk.lines) >= chunk_size:
                    chunk.lines.clear()
                    index += 1
                continue
            chunk.rows.append(row)
            chunk.lines.append(line)
            chunk.errors.append(err)
            chunk.raw.append(raw if err else None)
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = Chunk()
                index += 1
        if chunk.rows:
            yield chunk

    def records(self) -> Iterator[Row]:
        """Yield ``(row, line, error, raw)`` for every row; ``raw`` may be given for clean rows too (text formats)."""
        return self._iter_records()

    def iter_rows(self) -> Iterator[tuple[dict[str, Any], int, str | None]]:
        """Yield ``(row, line, error)`` for every row."""
        for chunk in self.iter_chunks():
            yield from zip(chunk.rows, chunk.lines, chunk.errors)
