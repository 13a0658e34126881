"""One reader class per input format behind :class:`~pipeline.tables.readers.base.FormatReader`.

:data:`READERS` maps each format to its reader; a new format is a new module here with a ``FormatReader``
subclass listing its formats, added to :data:`READER_CLASSES` (and its extension to
:mod:`pipeline.tables.formats`).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.tables.readers.base import FormatReader, ReadOptions, Row
from pipeline.tables.readers.block import BlockReader
from pipeline.tables.readers.csv import CsvReader
from pipeline.tables.readers.jsonl import JsonlReader
from pipeline.tables.readers.parquet import ParquetReader
from pipeline.tables.readers.sheets import CalamineReader, XlsxReader
from pipeline.tables.readers.text import TxtReader

READER_CLASSES: tuple[type[FormatReader], ...] = (
    CsvReader,
    TxtReader,
    JsonlReader,
    XlsxReader,
    CalamineReader,
    ParquetReader,
)
READERS: dict[str, type[FormatReader]] = {fmt: cls for cls in READER_CLASSES for fmt in cls.formats}


def open_reader(path: Path, options: ReadOptions) -> FormatReader:
    """The reader of ``options.format`` over ``path`` (columns read, encoding detected)."""
    return READERS[options.format](path, options)


__all__ = ["READERS", "BlockReader", "FormatReader", "ReadOptions", "Row", "open_reader"]
