"""Reading and writing shipment dumps: CSV/TSV/TXT, JSONL, XLSX, XLS/ODS and Parquet, gzip for the text formats.

Readers stream: :meth:`TableReader.iter_chunks` yields :class:`Chunk` objects of at most ``chunk_size`` rows, each
row a dict of the input columns unchanged, with the line (or row) number it started on and, for a row that could
not be read cleanly, the reason and the row's raw content. Encodings (UTF-8, UTF-8 with BOM, UTF-16, cp1251,
KOI8-R, cp866) and CSV delimiters (``,`` ``;`` tab ``|``) are detected from the first bytes and can be forced; a
file mixing UTF-8 and a single-byte Cyrillic encoding is decoded line by line, and the lines not in the file's
main encoding get the status ``recoded from ENCODING``. Binary files are refused. Writers write to a temporary
file and rename it into place only when complete.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import InputError

TEXT_FORMATS = ("csv", "tsv", "txt", "jsonl")
SHEET_FORMATS = ("xlsx", "xls", "ods")
ALL_FORMATS = TEXT_FORMATS + SHEET_FORMATS + ("parquet",)
DELIMITERS = (",", ";", "\t", "|")
# Bytes read to detect the encoding, the delimiter and binary content.
SAMPLE_BYTES = 1 << 20
# Single-byte encodings a line that is not UTF-8 is tried in (Russian data: Windows, KOI8-R, DOS).
CYRILLIC_ENCODINGS = ("cp1251", "koi8-r", "cp866")
# Undecodable bytes are read as U+DC00 + byte (like "surrogateescape", for every byte value and codec).
DECODE_ERRORS = "dualuse-escape"
MAX_FIELD_CHARS = 1_000_000
# A quoted field may span lines; a quote still open after this many lines is taken as broken quoting.
MAX_RECORD_LINES = 200
# Column names tried, in order, when the text column is not given (compared case- and space-insensitively).
TEXT_COLUMN_CANDIDATES = (
    "text",
    "описание товара",
    "описание",
    "наименование товара",
    "наименование",
    "g31_1",
    "графа 31",
    "description",
    "goods description",
    "product description",
    "item description",
    "commodity",
    "товар",
)



def detect_format(path: str | Path) -> tuple[str, bool]:
    """Return ``(format, gzipped)`` from a file name.

    Known: ``.csv``, ``.tsv``, ``.txt``, ``.jsonl``/``.ndjson``, ``.xlsx``, ``.xls``, ``.ods``, ``.parquet``, each
    text format optionally ``.gz``.

    Raises:
        InputError: for an unknown extension.
    """
    name = Path(path).name.lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = {"ndjson": "jsonl", "json": "jsonl", "pq": "parquet", "tab": "tsv"}.get(ext, ext)
    if fmt not in ALL_FORMATS:
        raise InputError(
            f"{path}: unknown file type {ext!r}; use one of .csv .tsv .txt .jsonl .xlsx .xls .ods .parquet (.gz)"
        )
    if gz and fmt not in TEXT_FORMATS:
        raise InputError(f"{path}: only text formats can be gzipped")
    return fmt, gz


def _open_binary(path: Path, gz: bool):
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _escape_decode_errors(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each undecodable byte becomes U+DC00 + byte (found and reported per row later)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(0xDC00 + b) for b in bad), exc.end


codecs.register_error(DECODE_ERRORS, _escape_decode_errors)

# Russian letter frequencies (per cent): a right decoding of Russian text scores high, a wrong one low.
_RU_FREQ = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        (10.97, 8.45, 8.01, 7.35, 6.70, 6.26, 5.47, 4.73, 4.54, 4.40, 3.49, 3.21, 2.98, 2.81, 2.62, 2.01, 1.90)
        + (1.74, 1.70, 1.65, 1.59, 1.44, 1.21, 0.97, 0.94, 0.73, 0.64, 0.48, 0.36, 0.32, 0.26, 0.04, 0.04),
    )
)
_RU_LOG = {k: math.log(v / 100) for k, v in _RU_FREQ.items()}
_NEUTRAL = frozenset("«»№—–…“”„‘’\xa0")
_WORD = re.compile(r"[^\W\d_]+")


def _cyrillic_score(text: str) -> float:
    """How much ``text`` looks like Russian: mean log frequency of its non-ASCII characters (higher is better).

    Characters that are not Russian letters or usual typography cost a lot, and so do words of mixed case
    (``нОУТБУК`` is KOI8-R read as cp1251). ASCII counts for nothing, so decodings of one byte string compare.
    """
    n = 0
    total = 0.0
    for ch in text:
        if ch.isascii():
            continue
        n += 1
        lp = _RU_LOG.get(ch.lower())
        if lp is not None:
            total += lp
        elif ch not in _NEUTRAL:
            total -= 12.0
    if not n:
        return 0.0
    for w in _WORD.findall(text):
        if not w.isascii() and not (w.islower() or w.isupper() or w.istitle()):
            total -= 6.0
    return total / n


def _best_single_byte(data: bytes, candidates: Sequence[str] = CYRILLIC_ENCODINGS) -> str:
    """The single-byte encoding under which ``data`` reads most like Russian."""
    return max(candidates, key=lambda enc: _cyrillic_score(data.decode(enc, errors="replace")))


def _guess_single_byte(data: bytes) -> str:
    """Whole-file guess among :data:`CYRILLIC_ENCODINGS`.

    The encoding under which the bytes read most like Russian (:func:`_cyrillic_score`); charset-normalizer's
    choice when it reads nearly as well (short or repetitive samples, where letter frequencies say little).
    """
    from charset_normalizer import from_bytes

    scores = {enc: _cyrillic_score(data.decode(enc, errors="replace")) for enc in CYRILLIC_ENCODINGS}
    best = max(scores, key=scores.get)
    try:
        hint = from_bytes(data, cp_isolation=[e.replace("-", "_") for e in CYRILLIC_ENCODINGS]).best()
    except Exception:  # noqa: BLE001 - a detector failure only means no hint
        hint = None
    if hint is not None:
        name = codecs.lookup(hint.encoding).name
        if name in scores and scores[name] >= scores[best] - 0.5:
            return name
    return best


def _utf16_by_nuls(sample: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NUL bytes sit on one side of the byte pairs (UTF-16 text without a BOM)."""
    head = sample[: 1 << 14]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    pairs = len(head) // 2
    for enc, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= 0.2 * pairs and other <= 0.02 * pairs:
            try:
                codecs.getincrementaldecoder(enc)().decode(head[: len(head) // 2 * 2], final=False)
            except UnicodeDecodeError:
                continue
            return enc
    return None


def _utf8_status(line: bytes) -> int:
    """1 when ``line`` is UTF-8 with non-ASCII characters, 0 when plain ASCII, -1 when not valid UTF-8."""
    if line.isascii():
        return 0
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return -1
    return 1


def detect_encodings(sample: bytes) -> tuple[str, str | None]:
    """Guess the main encoding of a file and the encoding of its lines that are not in it.

    The main encoding is UTF-8 when at least as many lines of the sample are UTF-8 with non-ASCII characters as
    are not valid UTF-8; else the single-byte Cyrillic encoding those lines read best in.

    Returns:
        ``(encoding, fallback)``. ``encoding`` is ``utf-8-sig``, ``utf-16``/``utf-16-le``/``utf-16-be``,
        ``utf-32``, ``utf-8`` (also for plain ASCII) or one of :data:`CYRILLIC_ENCODINGS`. ``fallback`` is, for
        a UTF-8 file, the single-byte encoding of its lines that are not UTF-8 when the sample holds some (else
        ``"auto"``: such lines are then guessed one by one) and, for a single-byte file, ``"utf-8"`` (its lines
        that are valid UTF-8 are read so); ``None`` (no line-by-line decoding) for UTF-16/32.
    """
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32", None
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", None
    utf16 = _utf16_by_nuls(sample)
    if utf16:
        return utf16, None
    bom = sample.startswith(codecs.BOM_UTF8)
    lines = sample.split(b"\n")
    if len(lines) > 1 and len(sample) >= SAMPLE_BYTES:
        lines.pop()  # the last line may be cut in the middle of a character
    kinds = [_utf8_status(ln) for ln in lines]
    bad = b"\n".join(ln for ln, k in zip(lines, kinds) if k < 0)[: 1 << 16]
    # The main encoding is the one most lines with non-ASCII characters are in (UTF-8 on a tie).
    if bom or kinds.count(1) >= kinds.count(-1):
        return ("utf-8-sig" if bom else "utf-8"), (_guess_single_byte(bad) if bad else "auto")
    return _guess_single_byte(bad), "utf-8"


def detect_encoding(sample: bytes) -> str:
    """Guess the main encoding of a byte sample (see :func:`detect_encodings`)."""
    return detect_encodings(sample)[0]


# Leading bytes of binary formats someone may give a text-file name.
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx, .ods or .docx file?)"),
    (b"\xd0\xcf\x11\xe0", "an OLE2 file (an .xls or .doc file?)"),
    (b"PAR1", "a Parquet file"),
    (b"\x1f\x8b", "gzip-compressed data (name the file .gz)"),
    (b"BZh91AY&SY", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"7z\xbc\xaf", "a 7z archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "an executable"),
)
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\x0b\x0c\x1a\x1b")


def _signature(sample: bytes) -> str | None:
    """What a known binary file signature at the start of ``sample`` says the file is, or ``None``."""
    for magic, what in _MAGIC:
        if sample.startswith(magic):
            return what
    return None


def sniff_binary(sample: bytes, encoding: str | None = None) -> str | None:
    """Why ``sample`` is not text (a known file signature, NUL bytes, many control bytes), or ``None``.

    Args:
        sample: the first bytes of the file.
        encoding: its detected or forced encoding (UTF-16/32 text legitimately holds NUL bytes).
    """
    what = _signature(sample)
    if what:
        return what
    if encoding and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return None
    # A few NULs are a damaged row (read, with its status); many are a binary file.
    if sample.count(0) > max(8, len(sample) // 1000):
        return "binary data (NUL bytes)"
    control = len(sample) - len(sample.translate(None, _CONTROL))
    if control > max(8, len(sample) // 50):
        return "binary data (control bytes)"
    return None


def _escape_raw(text: str) -> str:
    r"""The raw content of a row for the errors file: undecodable bytes (U+DC00 + byte) shown as ``\xNN``."""
    if _has_surrogate(text) is None:
        return text
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)


class _LineDecoder:
    """Decode the physical lines of a text file one by one.

    Lines that are valid in the main encoding are read in it. In a UTF-8 file, a line that is not UTF-8 but has
    more valid multi-byte characters than stray bytes is UTF-8 with stray bytes (they become U+DC00 + byte: the
    row's status says undecodable); any other such line is read in the fallback encoding (or, with none, the
    single-byte Cyrillic encoding it reads best in) and gets the note ``recoded from ENCODING``. In a single-byte
    file, a line that is valid UTF-8 with non-ASCII characters and reads better so is read as UTF-8 (noted).
    """

    def __init__(self, encoding: str, fallback: str | None):
        self.bom = encoding == "utf-8-sig"
        self.encoding = "utf-8" if self.bom else encoding
        self.fallback = fallback

    def __call__(self, data: bytes, first: bool) -> tuple[str, str | None]:
        if first and self.bom and data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        enc = self.encoding
        if enc == "utf-8":
            try:
                return data.decode("utf-8"), None
            except UnicodeDecodeError:
                pass
            if self.fallback != "utf-8":
                text = data.decode("utf-8", errors="replace")
                stray = text.count("\ufffd")
                multi = sum(1 for ch in text if ord(ch) > 0x7F) - stray
                if multi <= stray:
                    other = _best_single_byte(data) if self.fallback == "auto" else self.fallback
                    return data.decode(other, errors=DECODE_ERRORS), f"recoded from {other}"
            return data.decode("utf-8", errors=DECODE_ERRORS), None
        if self.fallback == "utf-8" and not data.isascii():
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                if _cyrillic_score(text) > _cyrillic_score(data.decode(enc, errors="replace")):
                    return text, "recoded from utf-8"
        return data.decode(enc, errors=DECODE_ERRORS), None


_CR_INSIDE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _split_cr(text: str) -> list[str]:
    r"""Split a line read up to ``\n`` at bare CRs too (as a text file opened with ``newline=""`` reads)."""
    core = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith(("\n", "\r")) else text
    if "\r" not in core:
        return [text]
    return _CR_INSIDE.findall(text)


def spool_stdin(stream=None) -> Path:
    """Copy standard input to a temporary file named by what its first bytes look like; return its path.

    The format is taken from the content: gzip, XLSX, ODS, XLS and Parquet by their signatures, JSONL when the
    first character is ``{``, CSV otherwise. The caller deletes the file's folder.
    """
    stream = stream if stream is not None else sys.stdin.buffer
    folder = Path(tempfile.mkdtemp(prefix="dualuse-stdin-"))
    tmp = folder / "stdin"
    with open(tmp, "wb") as out:
        shutil.copyfileobj(stream, out, 1 << 20)
    with open(tmp, "rb") as fh:
        head = fh.read(4096)
    suffix = ".csv"
    text_head = head
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(tmp, "rb") as gz:
                text_head = gz.read(4096)
        except (OSError, EOFError):
            text_head = b""
    if head.startswith(b"PK\x03\x04"):
        suffix = ".ods" if b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet" in head else ".xlsx"
    elif head.startswith(b"\xd0\xcf\x11\xe0"):
        suffix = ".xls"
    elif head.startswith(b"PAR1"):
        suffix = ".parquet"
    else:
        enc = detect_encoding(text_head)
        start = text_head.decode(enc, errors="replace").lstrip("\ufeff \t\r\n")
        suffix = ".jsonl" if start.startswith("{") else ".csv"
        if head.startswith(b"\x1f\x8b"):
            suffix += ".gz"
    path = tmp.rename(folder / f"stdin{suffix}")
    return path


def detect_delimiter(text: str) -> str:
    """Guess the CSV delimiter from the first lines: the candidate with the most consistent, non-zero count."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
    # The header (or first) line decides when only one candidate occurs in it: quoted fields further down may
    # hold any of the others.
    present = [d for d in DELIMITERS if d in lines[0]]
    if len(present) == 1:
        return present[0]
    try:
        return csv.Sniffer().sniff("\n".join(lines[:20]), delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        pass
    best, best_key = ",", (-1, -1)
    for d in DELIMITERS:
        counts = [ln.count(d) for ln in lines]
        if counts[0] == 0:
            continue
        key = (sum(c == counts[0] for c in counts), counts[0])
        if key > best_key:
            best, best_key = d, key
    return best


def _norm_name(name: str) -> str:
    return re.sub(r"\s+", " ", str(name).strip().strip("«»\"'").strip()).casefold()


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
    by_norm = {_norm_name(c): c for c in columns}
    if wanted:
        out = []
        for w in wanted:
            hit = by_norm.get(_norm_name(w))
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


# Undecodable bytes become the lone surrogates U+DC00..U+DCFF (see DECODE_ERRORS).
_SURROGATE = re.compile("[\udc00-\udcff]")
_has_surrogate = _SURROGATE.search
# Any lone surrogate, as JSON's "\ud83d" escapes give: such text cannot be written as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_surrogates(s: str) -> bool:
    return _has_surrogate(s) is not None


def _clean_surrogates(s: str) -> str:
    return _SURROGATE.sub("\ufffd", s)


def _clean_lone_surrogates(value: Any) -> Any:
    """``value`` (a parsed JSON value) with every lone surrogate in its strings and keys replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_clean_lone_surrogates(k): _clean_lone_surrogates(v) for k, v in value.items()}
    return value


def dedupe_columns(names: Sequence[Any]) -> list[str]:
    """Column names made unique: blanks become ``column_N``, repeats ``NAME_2``, ``NAME_3`` … (file order)."""
    cols = [
        (_clean_surrogates(str(c)).strip() if c is not None else "") or f"column_{i + 1}" for i, c in enumerate(names)
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


def _json_raw(values: Sequence[Any]) -> str:
    return json.dumps(list(values), ensure_ascii=False, default=str)


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
        fallback_encoding: the encoding of lines not valid in ``encoding`` (see :func:`detect_encodings`);
            ``None`` when the whole file is decoded in ``encoding`` (forced, or UTF-16/32).
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
            raise InputError("-: standard input is read by predict (spool it with tables.core.spool_stdin first)")
        if not self.path.is_file():
            raise InputError(f"{self.path}: file not found")
        self.format, self.gzipped = detect_format(self.path)
        self.encoding = encoding
        self.fallback_encoding: str | None = None
        self.delimiter = delimiter
        self.sheet = sheet
        self.header = header and self.format != "txt"
        self.columns: list[str] = []
        if self.format in TEXT_FORMATS:
            try:
                with _open_binary(self.path, self.gzipped) as fh:
                    sample = fh.read(SAMPLE_BYTES)
            except (OSError, EOFError) as exc:
                raise InputError(f"{self.path}: cannot read: {exc}") from exc
            if self.encoding is None:
                binary = _signature(sample)
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
                    f"{self.path}: this is {binary}, not {self.format.upper()} text; refusing to read it "
                    "(give a file of the type its name says)"
                )
            if self.format in ("csv", "tsv"):
                if self.delimiter is None:
                    text = sample[: 1 << 16].decode(self._codec, errors="replace")
                    self.delimiter = "\t" if self.format == "tsv" else detect_delimiter(text)
                self._read_csv_header()
            elif self.format == "txt":
                self.columns = ["text"]
            else:
                self._read_jsonl_header()
        elif self.format == "xlsx":
            self._read_xlsx_header()
        elif self.format in ("xls", "ods"):
            self._read_calamine_header()
        else:
            import pyarrow.parquet as pq

            try:
                self.columns = list(pq.ParquetFile(self.path).schema_arrow.names)
            except Exception as exc:
                raise InputError(f"{self.path}: not a readable Parquet file: {exc}") from exc

    @property
    def _codec(self) -> str:
        """The Python codec of :attr:`encoding` for whole-text decoding (``utf-8-sig`` strips a BOM)."""
        return self.encoding or "utf-8"

    def _open_raw(self):
        return _open_binary(self.path, self.gzipped)

    def _lines(self) -> Iterator[tuple[int, str, str | None]]:
        r"""Yield ``(line number, line with its end, note)`` for every physical line of a text file.

        Lines end at ``\n``, ``\r\n`` or a bare ``\r``. ``note`` is ``recoded from ENCODING`` for a line
        read in another encoding than the file's (see :class:`_LineDecoder`), else ``None``.
        """
        raw = self._open_raw()
        # The compressed (or plain) byte position, for progress on inputs of unknown row count.
        self._raw = raw.fileobj if self.gzipped else raw
        with raw:
            if self.fallback_encoding is None:
                # Whole-file decoding: a forced encoding, UTF-16/32.
                fh = io.TextIOWrapper(raw, encoding=self._codec, errors=DECODE_ERRORS, newline="")
                yield from ((n, line, None) for n, line in enumerate(fh, start=1))
                return
            decode = _LineDecoder(self.encoding, self.fallback_encoding)
            n = 0
            for data in raw:
                text, note = decode(data, n == 0)
                for line in _split_cr(text):
                    n += 1
                    yield n, line, note

    @property
    def bytes_read(self) -> int:
        """Bytes of the input file consumed so far by the current read (compressed bytes for ``.gz``)."""
        raw = self.__dict__.get("_raw")
        try:
            return raw.tell() if raw is not None and not raw.closed else 0
        except (OSError, ValueError):
            return 0

    @property
    def bytes_total(self) -> int:
        """Size of the input file in bytes."""
        return self.path.stat().st_size

    @property
    def rows_total(self) -> int | None:
        """Number of data rows when the format records it (Parquet, XLS/ODS; XLSX when its dimensions are stored)."""
        if self.format == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(self.path).metadata.num_rows
        if self.format == "xlsx":
            wb, ws = self._open_sheet()
            try:
                n = ws.max_row
            finally:
                wb.close()
            return None if n is None else max(0, n - int(self.header))
        if self.format in ("xls", "ods"):
            wb, ws = self._open_calamine()
            try:
                return max(0, ws.height - int(self.header))
            finally:
                wb.close()
        return None

    def _csv_records(self, lines) -> Iterator[tuple[list[str], int, str | None, str]]:
        """Yield ``(fields, first_line, error, raw)`` for every CSV record, recovering from broken quoting.

        Physical lines are joined only while a quoted field is open. A quote still open after
        :data:`MAX_RECORD_LINES` lines (or at the end of the file), or a joined record with the wrong number of
        fields, means the first line had a stray quote: it is reported malformed on its own and reading resumes
        at the next line, so one bad quote cannot swallow the rows after it. ``raw`` is the record's text; the
        error of a clean record read in another encoding is its ``recoded from …`` note.
        """
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        feeder = _Feeder()
        reader = csv.reader(feeder, delimiter=self.delimiter, strict=False)
        complete = _record_regex(self.delimiter).fullmatch
        n_cols = len(self.columns) if self.columns else 0
        pending: deque[tuple[int, str, str | None]] = deque()

        def next_line():
            if pending:
                return pending.popleft()
            return next(lines, None)

        while True:
            first = next_line()
            if first is None:
                return
            start, line, note = first
            group = [first]
            record = line
            broken = False
            if '"' in line:
                while not complete(record.rstrip("\r\n")):
                    if len(group) >= MAX_RECORD_LINES or len(record) > MAX_FIELD_CHARS:
                        broken = True
                        break
                    nxt = next_line()
                    if nxt is None:
                        broken = True
                        break
                    group.append(nxt)
                    record += nxt[1]
                    note = note or nxt[2]
            if broken:
                pending.extendleft(reversed(group[1:]))
                feeder.item = line.rstrip("\r\n")
                yield next(reader, []), start, "malformed: unclosed quote", _record_raw(line)
                continue
            feeder.item = record.rstrip("\r\n")
            try:
                fields = next(reader, [])
            except csv.Error as exc:
                reader = csv.reader(feeder, delimiter=self.delimiter, strict=False)
                yield [], start, f"malformed: {exc}", _record_raw(record)
                continue
            if len(group) > 1 and n_cols and len(fields) != n_cols:
                # The quote was stray: the joined lines are separate rows.
                pending.extendleft(reversed(group[1:]))
                feeder.item = line.rstrip("\r\n")
                yield next(reader, []), start, "malformed: unclosed quote", _record_raw(line)
                continue
            yield fields, start, note, _record_raw(record)

    def _read_csv_header(self) -> None:
        first = next(self._csv_records(self._lines()), None)
        if first is None:
            self.columns = ["text"] if not self.header else []
            return
        first = first[0]
        if self.header:
            self.columns = dedupe_columns(first)
        else:
            self.columns = [f"column_{i + 1}" for i in range(len(first))] if len(first) > 1 else ["text"]

    def _read_jsonl_header(self) -> None:
        """Columns: every key of every JSON object line, in first-seen order (the whole file is scanned once)."""
        cols: dict[str, None] = {}
        loads = json.loads
        for _, line, _ in self._lines():
            if "{" not in line:
                continue
            try:
                obj = loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict) and obj.keys() - cols.keys():
                if "\\u" in line:
                    obj = _clean_lone_surrogates(obj)
                cols.update(dict.fromkeys(obj))
        self.columns = list(cols)

    def _open_sheet(self):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(f"{self.path}: not a readable XLSX file: {exc}") from exc
        return wb, self._pick_sheet(wb, wb.sheetnames)

    def _pick_sheet(self, wb, names: list[str]):
        if self.sheet is None:
            index = 0
        elif isinstance(self.sheet, int) or (isinstance(self.sheet, str) and self.sheet.isdigit()):
            index = int(self.sheet)
            if index >= len(names):
                wb.close()
                raise InputError(f"{self.path}: no sheet number {index}; sheets: {names}")
        elif self.sheet in names:
            index = names.index(self.sheet)
        else:
            wb.close()
            raise InputError(f"{self.path}: no sheet {self.sheet!r}; sheets: {names}")
        if hasattr(wb, "worksheets"):
            return wb.worksheets[index]
        return wb.get_sheet_by_index(index)

    def _set_sheet_columns(self, first: Sequence[Any] | None) -> None:
        if first is None:
            self.columns = []
        elif self.header:
            self.columns = dedupe_columns(["" if c is None else c for c in first])
        else:
            self.columns = [f"column_{i + 1}" for i in range(len(first))]

    def _read_xlsx_header(self) -> None:
        wb, ws = self._open_sheet()
        try:
            first = next(ws.iter_rows(values_only=True), None)
        finally:
            wb.close()
        self._set_sheet_columns(first)

    def _open_calamine(self):
        try:
            from python_calamine import CalamineWorkbook
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise InputError(f"{self.path}: reading .{self.format} needs python-calamine") from exc
        try:
            wb = CalamineWorkbook.from_path(str(self.path))
            names = list(wb.sheet_names)
            return wb, self._pick_sheet(wb, names)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"{self.path}: not a readable .{self.format} file: {exc}") from exc

    def _read_calamine_header(self) -> None:
        wb, ws = self._open_calamine()
        try:
            first = next(iter(ws.iter_rows()), None)
        finally:
            wb.close()
        self._set_sheet_columns(first)

    def iter_chunks(self, chunk_size: int = 10_000, skip_chunks: int = 0) -> Iterator[Chunk]:
        """Yield the file's rows in chunks of at most ``chunk_size`` rows, in file order.

        Args:
            chunk_size: rows per chunk.
            skip_chunks: read but do not yield the first chunks (to resume a run; chunk boundaries depend only
                on ``chunk_size``).
        """
        gen = {
            "csv": self._iter_csv,
            "tsv": self._iter_csv,
            "txt": self._iter_txt,
            "jsonl": self._iter_jsonl,
            "xlsx": self._iter_xlsx,
            "xls": self._iter_calamine,
            "ods": self._iter_calamine,
            "parquet": self._iter_parquet,
        }[self.format]
        chunk = Chunk()
        index = 0
        for row, line, err, raw in gen():
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

    def iter_rows(self) -> Iterator[tuple[dict[str, Any], int, str | None]]:
        """Yield ``(row, line, error)`` for every row."""
        for chunk in self.iter_chunks():
            yield from zip(chunk.rows, chunk.lines, chunk.errors)

    def _iter_csv(self):
        cols = self.columns
        n_cols = len(cols)
        enc = self.encoding
        records = self._csv_records(self._lines())
        if self.header:
            next(records, None)
        for fields, start, err, raw in records:
            if not fields:
                yield dict.fromkeys(cols, ""), start, err, raw
                continue
            if any(map(_has_surrogate, fields)):
                if err is None or err.startswith("recoded"):
                    err = f"undecodable bytes for encoding {enc}"
                fields = [_clean_surrogates(f) for f in fields]
            if max(map(len, fields)) > MAX_FIELD_CHARS:
                err = err or f"field longer than {MAX_FIELD_CHARS} characters"
                fields = [f[:MAX_FIELD_CHARS] for f in fields]
            if len(fields) != n_cols:
                if err is None or err.startswith("recoded"):
                    err = f"malformed: {len(fields)} fields, expected {n_cols}"
                fields = (fields + [""] * n_cols)[:n_cols]
            yield dict(zip(cols, fields)), start, err, raw

    def _iter_txt(self):
        for lineno, line, note in self._lines():
            text = line.rstrip("\r\n")
            err = note
            if _has_surrogates(text):
                err = f"undecodable bytes for encoding {self.encoding}"
                raw = text
                text = _clean_surrogates(text)
            else:
                raw = text
            yield {"text": text}, lineno, err, _escape_raw(raw) if err else None

    def _iter_jsonl(self):
        cols = self.columns
        for lineno, line, note in self._lines():
            if not line.strip():
                yield dict.fromkeys(cols), lineno, "empty line", line
                continue
            err = note
            raw = line.rstrip("\r\n")
            if _has_surrogates(line):
                err = f"undecodable bytes for encoding {self.encoding}"
                line = _clean_surrogates(line)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield dict.fromkeys(cols), lineno, f"malformed JSON: {exc.msg}", _escape_raw(raw)
                continue
            if not isinstance(obj, dict):
                yield dict.fromkeys(cols), lineno, "malformed: JSON line is not an object", _escape_raw(raw)
                continue
            if "\\u" in line and _LONE_SURROGATE.search(json.dumps(obj, ensure_ascii=False)):
                # Not Unicode text (no UTF-8 form): replaced by U+FFFD, as undecodable bytes are.
                obj = _clean_lone_surrogates(obj)
                err = err or "malformed: lone surrogate escape (\\uD800-\\uDFFF) in a JSON string"
            for k, v in obj.items():
                if isinstance(v, str) and len(v) > MAX_FIELD_CHARS:
                    obj[k] = v[:MAX_FIELD_CHARS]
                    err = err or f"field longer than {MAX_FIELD_CHARS} characters"
            yield obj, lineno, err, _escape_raw(raw) if err else None

    def _iter_xlsx(self):
        """Rows of the sheet with cached values; a formula cell without one gets a status naming the formula."""
        import openpyxl

        wb, ws = self._open_sheet()
        # The same sheet read for its formulas, in step, to tell a formula never calculated from an empty cell.
        fwb = openpyxl.load_workbook(self.path, read_only=True, data_only=False)
        fws = fwb[ws.title]
        cols = self.columns
        n_cols = len(cols)
        try:
            formulas = fws.iter_rows(values_only=True)
            for rowno, values in enumerate(ws.iter_rows(values_only=True), start=1):
                fvalues = next(formulas, ())
                if rowno == 1 and self.header:
                    continue
                values = list(values)
                err = raw = None
                uncached = [
                    (cols[i] if i < n_cols else f"column_{i + 1}", f)
                    for i, (v, f) in enumerate(zip(values, fvalues))
                    if v is None and isinstance(f, str) and f.startswith("=")
                ]
                if uncached:
                    where = ", ".join(f"{c!r} ({f})" for c, f in uncached[:3])
                    err = f"formula without a cached value in {where}: open and save the file in Excel"
                    raw = _json_raw(f if v is None else v for v, f in zip(values, fvalues))
                if len(values) > n_cols and any(v not in (None, "") for v in values[n_cols:]):
                    err = err or f"malformed: {len(values)} cells, the header has {n_cols}"
                    raw = raw or _json_raw(values)
                values = values[:n_cols] + [None] * max(0, n_cols - len(values))
                yield dict(zip(cols, values)), rowno, err, raw
        finally:
            wb.close()
            fwb.close()

    def _iter_calamine(self):
        """Rows of an .xls or .ods sheet (cached values of formula cells; empty cells read as ``""``)."""
        wb, ws = self._open_calamine()
        cols = self.columns
        n_cols = len(cols)
        try:
            for rowno, values in enumerate(ws.iter_rows(), start=1):
                if rowno == 1 and self.header:
                    continue
                values = [int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 2**53 else v for v in values]
                err = raw = None
                if len(values) > n_cols and any(v not in (None, "") for v in values[n_cols:]):
                    err = f"malformed: {len(values)} cells, the header has {n_cols}"
                    raw = _json_raw(values)
                values = values[:n_cols] + [""] * max(0, n_cols - len(values))
                yield dict(zip(cols, values)), rowno, err, raw
        finally:
            wb.close()

    def _iter_parquet(self):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(self.path)
        rowno = 0
        for batch in pf.iter_batches(batch_size=10_000):
            for row in batch.to_pylist():
                rowno += 1
                yield row, rowno, None, None


def _record_raw(text: str) -> str:
    r"""The raw text of a CSV record for the errors file (line end dropped, undecodable bytes as ``\xNN``)."""
    return _escape_raw(text.rstrip("\r\n"))


class BlockReader(TableReader):
    """The CSV rows of one block of bytes cut from a larger CSV file at line ends (the Dask engine reads so).

    Rows are read exactly as :class:`TableReader` reads a file: broken quoting, undecodable bytes, lines in
    another encoding, over-long fields and wrong field counts give an error message instead of stopping the
    read. Line numbers count from the start of the block. A quoted field running over a block boundary is
    reported malformed; read such files one block per file.

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
        self.path = None  # type: ignore[assignment]
        self.format, self.gzipped = "csv", False
        self.encoding, self.delimiter, self.sheet = encoding, delimiter, None
        self.fallback_encoding = fallback_encoding
        self.header = header
        self.columns = list(columns)
        self._data = data

    def _open_raw(self):
        return io.BytesIO(self._data)

    @property
    def bytes_total(self) -> int:
        """Size of the block in bytes."""
        return len(self._data)

    def rows(self) -> Iterator[tuple[dict[str, Any], int, str | None]]:
        """Yield ``(row, line, error)`` for every row of the block."""
        return ((row, line, err) for row, line, err, _ in self._iter_csv())


class _Feeder:
    """A one-item iterator a ``csv.reader`` reads one record at a time from (it stops after each record)."""

    item: str | None = None

    def __iter__(self):
        return self

    def __next__(self) -> str:
        item = self.item
        if item is None:
            raise StopIteration
        self.item = None
        return item


_RECORD_RE_CACHE: dict[str, re.Pattern] = {}


def _record_regex(delimiter: str) -> re.Pattern:
    """A regex matching one complete CSV record (as Python's lenient ``csv`` reads it): no quote left open."""
    rx = _RECORD_RE_CACHE.get(delimiter)
    if rx is None:
        d = re.escape(delimiter)
        field = rf'(?:"(?:[^"]|"")*"(?!")[^{d}\r\n]*|[^{d}"\r\n][^{d}\r\n]*|)'
        rx = _RECORD_RE_CACHE[delimiter] = re.compile(rf"{field}(?:{d}{field})*", re.DOTALL)
    return rx


def row_text(row: dict[str, Any], columns: Sequence[str]) -> str:
    """Join the text columns of a row with a space (missing and ``None`` values count as empty)."""
    parts = []
    for c in columns:
        v = row.get(c)
        if v is None:
            continue
        s = str(v).strip()
        if s:
            parts.append(s)
    return " ".join(parts)


def _arrow_array(values: list):
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(["" if v is None else str(v) for v in values], type=pa.string())


_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xlsx_value(v: Any) -> Any:
    if isinstance(v, str):
        return _ILLEGAL_XLSX.sub(" ", v)
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return v


class ChunkWriter:
    """Write chunks of rows to ``path`` so that an interrupted run can be resumed, then rename into place.

    Text formats (CSV/TSV/JSONL, optionally ``.gz``) are appended to ``.NAME.partial``; each chunk of a ``.gz``
    file is its own gzip member, so the file can be cut back to any chunk boundary. Parquet and XLSX chunks
    are staged as Parquet parts in ``.NAME.parts/`` and assembled by :meth:`commit`. :attr:`state` is what a
    resumed writer needs to continue after the last chunk written.

    Args:
        path: the output file; its extension chooses the format.
        columns: the output columns, in order.
        delimiter: CSV delimiter (``,`` by default, tab for ``.tsv``).
        encoding: text encoding of CSV/JSONL output; ``utf-8-sig`` writes one byte-order mark at the start (what
            Excel needs to read UTF-8).
        resume: a :attr:`state` saved by an earlier writer of the same file: continue after it.

    The path ``-`` writes CSV to standard output as the chunks come (nothing to rename, no resume).
    """

    # Rows of one XLSX sheet, the header row included (Excel's limit); longer outputs go on to further sheets.
    XLSX_MAX_ROWS = 1_048_576

    def __init__(
        self,
        path: str | Path,
        columns: Sequence[str],
        delimiter: str | None = None,
        encoding: str = "utf-8",
        resume: dict | None = None,
    ):
        self.path = Path(path)
        self.stdout = str(path) == "-"
        self.format, self.gzipped = ("csv", False) if self.stdout else detect_format(self.path)
        if self.format == "txt":
            self.format = "csv"
        self.columns = list(columns)
        self.delimiter = delimiter or ("\t" if self.format == "tsv" else ",")
        if len(self.delimiter) != 1:
            raise InputError(f"output delimiter {self.delimiter!r}: must be a single character")
        self.bom = codecs.lookup(encoding).name == "utf-8-sig"
        self.encoding = "utf-8" if self.bom else encoding
        self.sheets = 0
        if self.stdout:
            if resume is not None:
                raise InputError("cannot resume output written to standard output")
            self.tmp_path = self.parts_dir = None  # type: ignore[assignment]
            self.staged = False
            self._fh = sys.stdout.buffer
            self.n_parts = 0
            self._write_header()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp_path = self.path.with_name(f".{self.path.name}.partial")
        self.parts_dir = self.path.with_name(f".{self.path.name}.parts")
        self.staged = self.format in ("parquet", "xlsx")
        self._fh = None
        self.n_parts = 0
        if self.staged:
            if resume is None:
                shutil.rmtree(self.parts_dir, ignore_errors=True)
                self.parts_dir.mkdir(parents=True)
            else:
                self.n_parts = int(resume["parts"])
                for part in self.parts_dir.glob("part-*.parquet"):
                    if int(part.stem.split("-")[1]) >= self.n_parts:
                        part.unlink()
        elif resume is None:
            self._fh = open(self.tmp_path, "wb")
            self._write_header()
        else:
            if not self.tmp_path.is_file():
                raise InputError(f"cannot resume: {self.tmp_path} is missing")
            self._fh = open(self.tmp_path, "r+b")
            self._fh.truncate(int(resume["offset"]))
            self._fh.seek(int(resume["offset"]))

    @property
    def state(self) -> dict:
        """Where the output stands after the last chunk written."""
        if self.stdout:
            return {}
        if self.staged:
            return {"parts": self.n_parts}
        return {"offset": self._fh.tell()}

    def _write_header(self) -> None:
        if self.format != "jsonl":
            self._write_bytes(self._csv_text([self.columns]), bom=self.bom)

    def _csv_text(self, rows: list[list]) -> str:
        buf = io.StringIO()
        csv.writer(buf, delimiter=self.delimiter, lineterminator="\n").writerows(rows)
        if "\r" not in buf.getvalue():
            return buf.getvalue()
        # csv quotes a field holding "\n" but not one holding a bare "\r" unless "\r" is in the line terminator:
        # write such rows with "\r\n" (every field with "\r" or "\n" quoted), then end the record with "\n".
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=self.delimiter, lineterminator="\r\n")
        out = []
        for row in rows:
            writer.writerow(row)
            out.append(buf.getvalue()[:-2] + "\n")
            buf.seek(0)
            buf.truncate()
        return "".join(out)

    def _write_bytes(self, text: str, bom: bool = False) -> None:
        data = (codecs.BOM_UTF8 if bom else b"") + text.encode(self.encoding, errors="replace")
        if self.gzipped:
            data = gzip.compress(data, compresslevel=6, mtime=0)
        self._fh.write(data)
        self._fh.flush()

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append one chunk of rows (dicts keyed by column name) and make it durable for a resume."""
        if not rows:
            return
        if self.staged:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.table({c: _arrow_array([r.get(c) for r in rows]) for c in self.columns})
            pq.write_table(table, self.parts_dir / f"part-{self.n_parts:06d}.parquet")
            self.n_parts += 1
        elif self.format == "jsonl":
            self._write_bytes("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows))
        else:
            cols = self.columns
            # csv writes None as an empty field
            self._write_bytes(self._csv_text([list(map(r.get, cols)) for r in rows]))

    def commit(self) -> Path:
        """Finish the file and rename it to the output path."""
        if self.stdout:
            self._fh.flush()
            self._fh = None
            return self.path
        if self.staged:
            if self.format == "parquet":
                self._assemble_parquet()
            else:
                self._assemble_xlsx()
            shutil.rmtree(self.parts_dir, ignore_errors=True)
        else:
            self._fh.close()
            self._fh = None
        os.replace(self.tmp_path, self.path)
        return self.path

    def close(self, keep: bool = False) -> None:
        """Stop writing; keep the partial output for a resume, or delete it."""
        if self.stdout:
            if self._fh is not None:
                self._fh.flush()
                self._fh = None
            return
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if not keep:
            if self.tmp_path.exists():
                self.tmp_path.unlink()
            shutil.rmtree(self.parts_dir, ignore_errors=True)

    def _parts(self) -> list[Path]:
        return [self.parts_dir / f"part-{i:06d}.parquet" for i in range(self.n_parts)]

    def _assemble_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        parts = self._parts()
        types: dict[str, set] = {c: set() for c in self.columns}
        for part in parts:
            for f in pq.read_schema(part):
                if not pa.types.is_null(f.type):
                    types[f.name].add(f.type)
        schema = pa.schema([(c, next(iter(t)) if len(t) == 1 else pa.string()) for c, t in types.items()])
        with pq.ParquetWriter(self.tmp_path, schema) as out:
            for part in parts:
                table = pq.read_table(part)
                arrays = []
                for f in schema:
                    col = table.column(f.name)
                    if col.type != f.type:
                        col = _to_type(col, f.type)
                    arrays.append(col)
                out.write_table(pa.Table.from_arrays(arrays, schema=schema))

    def _assemble_xlsx(self) -> None:
        import openpyxl
        import pyarrow.parquet as pq

        wb = openpyxl.Workbook(write_only=True)
        sheet, rows_in_sheet = None, self.XLSX_MAX_ROWS
        for part in self._parts():
            for batch in pq.ParquetFile(part).iter_batches():
                for r in batch.to_pylist():
                    if rows_in_sheet >= self.XLSX_MAX_ROWS:
                        # Excel's limit: the rows go on in a new sheet (labels, labels_2, ...), none is dropped.
                        self.sheets += 1
                        sheet = wb.create_sheet("labels" if self.sheets == 1 else f"labels_{self.sheets}")
                        sheet.append(self.columns)
                        rows_in_sheet = 1
                    sheet.append([_xlsx_value(r.get(c)) for c in self.columns])
                    rows_in_sheet += 1
        if sheet is None:
            self.sheets = 1
            wb.create_sheet("labels").append(self.columns)
        wb.save(self.tmp_path)


def _to_type(col, typ):
    """Cast an Arrow column to ``typ`` (strings: any value turned into text)."""
    import pyarrow as pa

    if pa.types.is_null(col.type):
        return pa.nulls(len(col), type=typ)
    try:
        return col.cast(typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        if pa.types.is_string(typ):
            return pa.array([None if v is None else str(v) for v in col.to_pylist()], type=pa.string())
        raise InputError(f"a column changes type between chunks ({col.type} vs {typ}); cannot write Parquet") from None
