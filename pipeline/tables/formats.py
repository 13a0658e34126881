"""File formats by name: which formats are read and written, and what a file name says it is."""

from __future__ import annotations

import gzip
from pathlib import Path

from pipeline.errors import InputError

TEXT_FORMATS = ("csv", "tsv", "txt", "jsonl")
SHEET_FORMATS = ("xlsx", "xls", "ods")
ALL_FORMATS = TEXT_FORMATS + SHEET_FORMATS + ("parquet",)
# Other extensions of the formats.
EXTENSION_ALIASES = {"ndjson": "jsonl", "json": "jsonl", "pq": "parquet", "tab": "tsv"}
GZIP_SUFFIX = ".gz"


def detect_format(path: str | Path) -> tuple[str, bool]:
    """Return ``(format, gzipped)`` from a file name.

    Known: ``.csv``, ``.tsv``, ``.txt``, ``.jsonl``/``.ndjson``, ``.xlsx``, ``.xls``, ``.ods``, ``.parquet``, each
    text format optionally ``.gz``.

    Raises:
        InputError: for an unknown extension.
    """
    name = Path(path).name.lower()
    gz = name.endswith(GZIP_SUFFIX)
    if gz:
        name = name[: -len(GZIP_SUFFIX)]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = EXTENSION_ALIASES.get(ext, ext)
    if fmt not in ALL_FORMATS:
        raise InputError(
            f"{path}: unknown file type {ext!r}; use one of .csv .tsv .txt .jsonl .xlsx .xls .ods .parquet (.gz)"
        )
    if gz and fmt not in TEXT_FORMATS:
        raise InputError(f"{path}: only text formats can be gzipped")
    return fmt, gz


def open_binary(path: Path, gz: bool):
    """Open ``path`` for reading bytes, decompressing a ``.gz`` file."""
    return gzip.open(path, "rb") if gz else open(path, "rb")
