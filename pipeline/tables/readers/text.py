"""What the text formats share: byte sources, encoding detection and binary refusal, lines decoded one by one."""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from pipeline.errors import InputError
from pipeline.tables.encoding import (
    DECODE_ERRORS,
    SAMPLE_BYTES,
    LineDecoder,
    clean_surrogates,
    detect_encodings,
    escape_raw,
    has_surrogates,
    signature,
    sniff_binary,
    split_cr,
)
from pipeline.tables.formats import open_binary
from pipeline.tables.readers.base import FormatReader, ReadOptions, Row


class FileSource:
    """The bytes of a file, decompressed when it is a ``.gz``."""

    def __init__(self, path: Path, gzipped: bool):
        self.path = path
        self.gzipped = gzipped

    def open(self):
        """A binary file object over the (decompressed) bytes."""
        return open_binary(self.path, self.gzipped)

    def position(self, raw):
        """The object whose ``tell()`` says how far reading got (the compressed file for ``.gz``)."""
        return raw.fileobj if self.gzipped else raw

    @property
    def size(self) -> int:
        """Size of the file in bytes."""
        return self.path.stat().st_size


class BytesSource:
    """Bytes held in memory (a block cut from a larger file)."""

    def __init__(self, data: bytes):
        self.data = data

    def open(self):
        """A binary file object over the bytes."""
        return io.BytesIO(self.data)

    def position(self, raw):
        """The object whose ``tell()`` says how far reading got."""
        return raw

    @property
    def size(self) -> int:
        """Number of bytes."""
        return len(self.data)


class TextReader(FormatReader):
    """A text format: the encoding is detected (or forced), binary content refused, lines decoded one by one.

    Args:
        path: the file (``None`` when ``source`` holds bytes of no file).
        options: how to read it.
        source: where the bytes come from; the file at ``path`` when ``None``.
        columns: the columns when already known (a block of a file read before): nothing is detected then, the
            encoding, ``fallback_encoding`` and delimiter of ``options`` are used as they are.
        fallback_encoding: with ``columns``, the file's fallback encoding (see :func:`detect_encodings`).

    Raises:
        InputError: for an unreadable or binary file, or an unknown encoding.
    """

    def __init__(
        self,
        path: Path | None,
        options: ReadOptions,
        source: FileSource | BytesSource | None = None,
        columns: Sequence[str] | None = None,
        fallback_encoding: str | None = None,
    ):
        super().__init__(path, options)  # type: ignore[arg-type]
        self.source = source if source is not None else FileSource(path, options.gzipped)  # type: ignore[arg-type]
        self.header = options.header
        self.encoding = options.encoding
        self.delimiter = options.delimiter
        self._raw = None
        if columns is not None:
            self.fallback_encoding = fallback_encoding
            self.columns = list(columns)
            return
        sample = self._sample()
        self._set_encoding(sample)
        self.columns = self._read_columns(sample)

    def _sample(self) -> bytes:
        try:
            with self.source.open() as fh:
                return fh.read(SAMPLE_BYTES)
        except (OSError, EOFError) as exc:
            raise InputError(f"{self.path}: cannot read: {exc}") from exc

    def _set_encoding(self, sample: bytes) -> None:
        """Detect (or check the forced) encoding; refuse binary content."""
        if self.encoding is None:
            binary = signature(sample)
            if binary is None:
                self.encoding, self.fallback_encoding = detect_encodings(sample)
                binary = sniff_binary(sample, self.encoding)
        else:
            try:
                self.encoding = codecs.lookup(self.encoding).name if self.encoding != "utf-8-sig" else "utf-8-sig"
            except LookupError as exc:
                raise InputError(f"unknown encoding {self.encoding!r}") from exc
            binary = sniff_binary(sample, self.encoding)
        if binary:
            raise InputError(
                f"{self.path}: this is {binary}, not {self.options.format.upper()} text; refusing to read it "
                "(give a file of the type its name says)"
            )

    def _read_columns(self, sample: bytes) -> list[str]:
        """The column names, read once the encoding is known."""
        raise NotImplementedError

    @property
    def _codec(self) -> str:
        """The Python codec of :attr:`encoding` for whole-text decoding (``utf-8-sig`` strips a BOM)."""
        return self.encoding or "utf-8"

    def _lines(self) -> Iterator[tuple[int, str, str | None]]:
        r"""Yield ``(line number, line with its end, note)`` for every physical line.

        Lines end at ``\n``, ``\r\n`` or a bare ``\r``. ``note`` is ``recoded from ENCODING`` for a line
        read in another encoding than the file's (see :class:`~pipeline.tables.encoding.LineDecoder`), else
        ``None``.
        """
        raw = self.source.open()
        # The compressed (or plain) byte position, for progress on inputs of unknown row count.
        self._raw = self.source.position(raw)
        with raw:
            if self.fallback_encoding is None:
                # Whole-file decoding: a forced encoding, UTF-16/32.
                fh = io.TextIOWrapper(raw, encoding=self._codec, errors=DECODE_ERRORS, newline="")
                yield from ((n, line, None) for n, line in enumerate(fh, start=1))
                return
            decode = LineDecoder(self.encoding, self.fallback_encoding)
            n = 0
            for data in raw:
                text, note = decode(data, n == 0)
                for line in split_cr(text):
                    n += 1
                    yield n, line, note

    @property
    def bytes_read(self) -> int:
        """Bytes consumed so far by the current read (compressed bytes for ``.gz``)."""
        raw = self._raw
        try:
            return raw.tell() if raw is not None and not raw.closed else 0
        except (OSError, ValueError):
            return 0

    @property
    def bytes_total(self) -> int:
        """Size of the input in bytes."""
        return self.source.size


class TxtReader(TextReader):
    """Plain text: one row per line, in the single column ``text`` (never a header)."""

    name = "txt"
    formats = ("txt",)

    def _read_columns(self, sample: bytes) -> list[str]:
        return ["text"]

    def iter_rows(self) -> Iterator[Row]:
        """Yield ``(row, line, error, raw)`` for every line."""
        for lineno, line, note in self._lines():
            text = line.rstrip("\r\n")
            err = note
            if has_surrogates(text):
                err = f"undecodable bytes for encoding {self.encoding}"
                raw = text
                text = clean_surrogates(text)
            else:
                raw = text
            yield {"text": text}, lineno, err, escape_raw(raw) if err else None
