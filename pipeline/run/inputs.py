"""The files of a labelling run: an input reader that survives a cut ``.gz``, and checks on the output path."""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
import weakref
import zlib
from pathlib import Path

from pipeline.tables import InputError, TableReader

# What reading a cut or corrupt gzip stream raises.
_TRUNCATION_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
TRUNCATED_ROW_STATUS = "malformed: the input ends inside or right after this row (truncated file)"


class TruncationTolerantReader(TableReader):
    """A :class:`TableReader` that stops at a cut gzip stream instead of failing, keeping the rows before the cut.

    The last row read before the cut may itself be cut short: it gets :data:`TRUNCATED_ROW_STATUS`.
    :attr:`truncated` says why reading stopped (``None`` when the input was read to its end).
    """

    truncated: str | None = None

    def _guard(self, rows):
        # A plain input cannot be cut this way, unless it is what could be read of a cut .gz (see _open_reader).
        if not (self.gzipped or self.truncated):
            yield from rows
            return
        held = None
        try:
            for item in rows:
                if held is not None:
                    yield held
                held = item
        except _TRUNCATION_ERRORS as exc:
            self.truncated = f"{self.path}: the compressed input ends early or is corrupt ({exc})"
        if held is not None:
            # (row, line, error, …): the reader may pass more than the error after the line
            yield held if not self.truncated else (*held[:2], held[2] or TRUNCATED_ROW_STATUS, *held[3:])

    def _iter_records(self):
        return self._guard(super()._iter_records())


def _readable_prefix(path: Path, target: Path) -> str:
    """Write the bytes a cut or corrupt gzip file still yields to ``target``; return why decompression stopped."""
    with open(path, "rb") as src, open(target, "wb") as out:
        d = zlib.decompressobj(wbits=31)
        try:
            while True:
                block = src.read(1 << 20)
                if not block:
                    break
                while block:
                    out.write(d.decompress(block))
                    if d.eof:  # a gzip file may hold several members, one after the other
                        block = d.unused_data
                        d = zlib.decompressobj(wbits=31)
                    else:
                        block = b""
            out.write(d.flush())
            return "compressed file ended before the end-of-stream marker was reached"
        except zlib.error as exc:
            return str(exc)


def open_reader(path: Path, **kwargs) -> TruncationTolerantReader:
    """Open the input; a ``.gz`` cut so early that its header cannot be read is read from its readable prefix.

    The prefix goes to a temporary folder that is removed when the reader is.
    """
    try:
        return TruncationTolerantReader(path, **kwargs)
    except (*_TRUNCATION_ERRORS, InputError) as exc:
        # The reader may pass the decompression error on as the cause of an InputError.
        cause = exc if isinstance(exc, _TRUNCATION_ERRORS) else exc.__cause__
        if not path.name.lower().endswith(".gz") or not isinstance(cause, _TRUNCATION_ERRORS):
            raise
    folder = tempfile.mkdtemp(prefix="dualuse-")
    try:
        prefix = Path(folder) / path.name[:-3]
        why = _readable_prefix(path, prefix)
        if prefix.stat().st_size == 0:
            raise InputError(f"{path}: not a readable gzip file ({why})")
        reader = TruncationTolerantReader(prefix, **kwargs)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    weakref.finalize(reader, shutil.rmtree, folder, True)
    reader.truncated = f"{path}: the compressed input ends early or is corrupt ({why})"
    return reader


def check_output_path(input_path: str | Path, output_path: str | Path, overwrite: bool = False) -> None:
    """Refuse an output that would destroy the input, or overwrite a file, or cannot be written.

    Raises:
        InputError: when the output is the input (same path or same file), is a folder, exists and ``overwrite``
            is false, or its folder is not writable.
    """
    if str(output_path) == "-":
        return
    output_path, input_path = Path(output_path), Path(input_path)
    if output_path.is_dir():
        raise InputError(f"output {output_path} is a folder; give a file name (e.g. {output_path / 'labelled.csv'})")
    if output_path.resolve() == input_path.resolve() or (
        output_path.exists() and input_path.exists() and os.path.samefile(output_path, input_path)
    ):
        raise InputError(f"output {output_path} is the input file; writing it would destroy the input")
    if output_path.exists() and not overwrite:
        raise InputError(f"output {output_path} already exists; use --force to overwrite it")
    folder = output_path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK):
        raise InputError(f"cannot write {output_path}: folder {folder} is not writable")


class NoWriter:
    """Stands in for the errors side file when the output goes to standard output."""

    state: dict = {}

    def write(self, rows) -> None:
        """Drop the rows (the output's status column already says why they failed)."""

    def close(self, keep: bool = False) -> None:
        """Nothing to close."""
