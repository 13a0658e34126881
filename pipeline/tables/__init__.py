"""Reading and writing tables: every input format, encoding detection, atomic chunked writers.

Readers stream: :meth:`TableReader.iter_chunks` yields :class:`Chunk` objects of at most ``chunk_size`` rows, each
row a dict of the input columns unchanged, with the line (or row) number it started on and, for a row that could
not be read cleanly, the reason and the row's raw content. Encodings (UTF-8, UTF-8 with BOM, UTF-16, cp1251,
KOI8-R, cp866) and CSV delimiters (``,`` ``;`` tab ``|``) are detected from the first bytes and can be forced; a
file mixing UTF-8 and a single-byte Cyrillic encoding is decoded line by line, and the lines not in the file's
main encoding get the status ``recoded from ENCODING``. Binary files are refused. Writers write to a temporary
file and rename it into place only when complete.

Layout: :mod:`~pipeline.tables.formats` (formats by file name), :mod:`~pipeline.tables.encoding` (encodings,
binary sniffing, standard input), :mod:`~pipeline.tables.columns` (column names, the text of a row),
:mod:`~pipeline.tables.readers` (one reader class per format, chosen by :data:`~pipeline.tables.readers.READERS`),
:mod:`~pipeline.tables.reader` (the :class:`TableReader` facade), :mod:`~pipeline.tables.writers` (the writer).
"""

from pipeline.errors import InputError
from pipeline.tables.columns import TEXT_COLUMN_CANDIDATES, dedupe_columns, find_columns, join_text, row_text
from pipeline.tables.encoding import (
    CYRILLIC_ENCODINGS,
    DECODE_ERRORS,
    SAMPLE_BYTES,
    detect_encoding,
    detect_encodings,
    sniff_binary,
    spool_stdin,
)
from pipeline.tables.formats import ALL_FORMATS, SHEET_FORMATS, TEXT_FORMATS, detect_format
from pipeline.tables.reader import Chunk, TableReader
from pipeline.tables.readers import READERS, BlockReader, FormatReader, ReadOptions
from pipeline.tables.readers.csv import DELIMITERS, MAX_RECORD_LINES, detect_delimiter, field_count
from pipeline.tables.writers import ChunkWriter

__all__ = [
    "ALL_FORMATS",
    "CYRILLIC_ENCODINGS",
    "DECODE_ERRORS",
    "DELIMITERS",
    "MAX_RECORD_LINES",
    "READERS",
    "SAMPLE_BYTES",
    "SHEET_FORMATS",
    "TEXT_COLUMN_CANDIDATES",
    "TEXT_FORMATS",
    "BlockReader",
    "Chunk",
    "ChunkWriter",
    "FormatReader",
    "InputError",
    "ReadOptions",
    "TableReader",
    "dedupe_columns",
    "detect_delimiter",
    "detect_encoding",
    "detect_encodings",
    "detect_format",
    "field_count",
    "find_columns",
    "join_text",
    "row_text",
    "sniff_binary",
    "spool_stdin",
]
