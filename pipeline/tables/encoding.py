"""Text encodings: detection (UTF-8/16/32, cp1251, KOI8-R, cp866), per-line decoding, binary sniffing, stdin.

Undecodable bytes are read as U+DC00 + byte (the codec error handler :data:`DECODE_ERRORS`), so a reader can find
them per row, report them and replace them.
"""

from __future__ import annotations

import codecs
import gzip
import math
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

# Bytes read to detect the encoding, the delimiter and binary content.
SAMPLE_BYTES = 1 << 20
# Single-byte encodings a line that is not UTF-8 is tried in (Russian data: Windows, KOI8-R, DOS).
CYRILLIC_ENCODINGS = ("cp1251", "koi8-r", "cp866")
# Undecodable bytes are read as U+DC00 + byte (like "surrogateescape", for every byte value and codec).
DECODE_ERRORS = "dualuse-escape"
# First code point of the lone surrogates undecodable bytes become (U+DC00 + byte).
ESCAPE_BASE = 0xDC00
# Bytes of the lines that are not UTF-8 given to the single-byte guess.
GUESS_SAMPLE_BYTES = 1 << 16
# Bytes looked at for the NUL pattern of UTF-16 text without a BOM.
UTF16_SAMPLE_BYTES = 1 << 14
# UTF-16 without a BOM: at least this share of the byte pairs has a NUL on one side, at most the other on the other.
UTF16_NUL_SHARE = 0.2
UTF16_OTHER_NUL_SHARE = 0.02
# Cost (in log-frequency units) of a character that is no Russian letter or typography, and of a mixed-case word.
FOREIGN_CHAR_COST = 12.0
MIXED_CASE_WORD_COST = 6.0
# charset-normalizer's single-byte choice is taken when it scores within this margin of the best.
HINT_MARGIN = 0.5
# Binary content: more NUL bytes than max(MIN, sample / NUL_RATIO), or control bytes than max(MIN, sample / ...).
BINARY_MIN_BYTES = 8
BINARY_NUL_RATIO = 1000
BINARY_CONTROL_RATIO = 50
# Bytes of standard input looked at to name its format, and the copy buffer.
STDIN_HEAD_BYTES = 4096
COPY_BUFFER_BYTES = 1 << 20


def _escape_decode_errors(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: each undecodable byte becomes U+DC00 + byte (found and reported per row later)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(chr(ESCAPE_BASE + b) for b in bad), exc.end


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
            total -= FOREIGN_CHAR_COST
    if not n:
        return 0.0
    for w in _WORD.findall(text):
        if not w.isascii() and not (w.islower() or w.isupper() or w.istitle()):
            total -= MIXED_CASE_WORD_COST
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
        if name in scores and scores[name] >= scores[best] - HINT_MARGIN:
            return name
    return best


def _utf16_by_nuls(sample: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when NUL bytes sit on one side of the byte pairs (UTF-16 text without a BOM)."""
    head = sample[:UTF16_SAMPLE_BYTES]
    if len(head) < 4 or b"\x00" not in head:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    pairs = len(head) // 2
    for enc, nuls, other in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= UTF16_NUL_SHARE * pairs and other <= UTF16_OTHER_NUL_SHARE * pairs:
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
    bad = b"\n".join(ln for ln, k in zip(lines, kinds) if k < 0)[:GUESS_SAMPLE_BYTES]
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


def signature(sample: bytes) -> str | None:
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
    what = signature(sample)
    if what:
        return what
    if encoding and codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return None
    # A few NULs are a damaged row (read, with its status); many are a binary file.
    if sample.count(0) > max(BINARY_MIN_BYTES, len(sample) // BINARY_NUL_RATIO):
        return "binary data (NUL bytes)"
    control = len(sample) - len(sample.translate(None, _CONTROL))
    if control > max(BINARY_MIN_BYTES, len(sample) // BINARY_CONTROL_RATIO):
        return "binary data (control bytes)"
    return None


# Undecodable bytes become the lone surrogates U+DC00..U+DCFF (see DECODE_ERRORS).
_SURROGATE = re.compile("[\udc00-\udcff]")
has_surrogate = _SURROGATE.search


def has_surrogates(s: str) -> bool:
    """Whether ``s`` holds undecodable bytes (read as U+DC00 + byte)."""
    return has_surrogate(s) is not None


def clean_surrogates(s: str) -> str:
    """``s`` with every undecodable byte replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", s)


def escape_raw(text: str) -> str:
    r"""The raw content of a row for the errors file: undecodable bytes (U+DC00 + byte) shown as ``\xNN``."""
    if has_surrogate(text) is None:
        return text
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - ESCAPE_BASE:02x}", text)


class LineDecoder:
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
        """Decode one line (``first``: the file's first, which may start with a BOM); return ``(text, note)``."""
        if first and self.bom and data.startswith(codecs.BOM_UTF8):
            data = data[len(codecs.BOM_UTF8) :]
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


def split_cr(text: str) -> list[str]:
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
        shutil.copyfileobj(stream, out, COPY_BUFFER_BYTES)
    with open(tmp, "rb") as fh:
        head = fh.read(STDIN_HEAD_BYTES)
    suffix = ".csv"
    text_head = head
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(tmp, "rb") as gz:
                text_head = gz.read(STDIN_HEAD_BYTES)
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
