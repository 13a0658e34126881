"""The CSV rows of one block of bytes cut from a larger CSV file (what the Dask engine reads)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from pipeline.tables.readers.base import ReadOptions
from pipeline.tables.readers.csv import CsvReader
from pipeline.tables.readers.text import BytesSource


class BlockReader(CsvReader):
    """The CSV rows of one block of bytes cut from a larger CSV file at line ends (the Dask engine reads so).

    Rows are read exactly as :class:`~pipeline.tables.TableReader` reads a file: broken quoting, undecodable
    bytes, lines in another encoding, over-long fields and wrong field counts give an error message instead of
    stopping the read. Line numbers count from the start of the block. A quoted field running over a block
    boundary is reported malformed; read such files one block per file.

    Args:
        data: the bytes of the block (whole lines).
        columns: the column names of the file.
        encoding: the file's encoding.
        delimiter: the file's delimiter.
        header: whether the block starts with the header line (the first block of a file with a header).
        fallback_encoding: the file's fallback encoding (:attr:`TableReader.fallback_encoding`).
    """

    def __init__(
        self,
        data: bytes,
        columns: Sequence[str],
        encoding: str,
        delimiter: str,
        header: bool,
        fallback_encoding: str | None = None,
    ):
        options = ReadOptions("csv", encoding=encoding, delimiter=delimiter, header=header)
        super().__init__(None, options, BytesSource(data), columns, fallback_encoding)

    def rows(self) -> Iterator[tuple[dict[str, Any], int, str | None]]:
        """Yield ``(row, line, error)`` for every row of the block."""
        return ((row, line, err) for row, line, err, _ in self.iter_rows())
