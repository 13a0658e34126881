"""Parquet files, read in record batches."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.errors import InputError
from pipeline.tables.readers.base import FormatReader, ReadOptions, Row

# Rows per record batch read.
BATCH_ROWS = 10_000


class ParquetReader(FormatReader):
    """Parquet files: the columns of the schema, the row count from the metadata."""

    name = "parquet"
    formats = ("parquet",)

    def __init__(self, path: Path, options: ReadOptions):
        super().__init__(path, options)
        import pyarrow.parquet as pq

        try:
            self.columns = list(pq.ParquetFile(self.path).schema_arrow.names)
        except Exception as exc:
            raise InputError(f"{self.path}: not a readable Parquet file: {exc}") from exc

    @property
    def rows_total(self) -> int:
        """Rows recorded in the file's metadata."""
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.path).metadata.num_rows

    def iter_rows(self) -> Iterator[Row]:
        """Yield ``(row, row number, None, None)`` for every row."""
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(self.path)
        rowno = 0
        for batch in pf.iter_batches(batch_size=BATCH_ROWS):
            for row in batch.to_pylist():
                rowno += 1
                yield row, rowno, None, None
