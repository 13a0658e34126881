"""Reading and writing shipment dumps: CSV/TSV/TXT, JSONL, XLSX and Parquet, gzip for the text formats.

Readers stream: :meth:`TableReader.iter_chunks` yields :class:`Chunk` objects of at most ``chunk_size`` rows, each
row a dict of the input columns unchanged, with the line (or row) number it started on and, for a row that could
not be read cleanly, the reason. Encodings (UTF-8, UTF-8 with BOM, cp1251, cp866) and CSV delimiters
(``,`` ``;`` tab ``|``) are detected from the first bytes and can be forced. Writers write to a temporary file
and rename it into place only when complete.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import shutil
import sys
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEXT_FORMATS = ("csv", "tsv", "txt", "jsonl")
ALL_FORMATS = TEXT_FORMATS + ("xlsx", "parquet")
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 16
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


class InputError(ValueError):
    """An input file cannot be read as asked (format, encoding, missing column); the message says why."""


def detect_format(path: str | Path) -> tuple[str, bool]:
    """Return ``(format, gzipped)`` from a file name.

    Known: ``.csv``, ``.tsv``, ``.txt``, ``.jsonl``/``.ndjson``, ``.xlsx``, ``.parquet``, each text format
    optionally ``.gz``.

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
        raise InputError(f"{path}: unknown file type {ext!r}; use one of .csv .tsv .txt .jsonl .xlsx .parquet (.gz)")
    if gz and fmt not in TEXT_FORMATS:
        raise InputError(f"{path}: only text formats can be gzipped")
    return fmt, gz


def _open_binary(path: Path, gz: bool):
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _cyrillic_score(text: str) -> float:
    """Share of letters that are common lower-case Russian letters (high for a right Cyrillic decoding)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    common = set("оеаинтсрвлкмдпуяызбгчйхжшюцщэфъь")
    return sum(ch.lower() in common for ch in letters) / len(letters)


def detect_encoding(sample: bytes) -> str:
    """Guess the encoding of a byte sample: ``utf-8-sig``, ``utf-8``, ``cp1251`` or ``cp866``."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best, best_score = "cp1251", -1.0
    for enc in ("cp1251", "cp866"):
        score = _cyrillic_score(sample.decode(enc, errors="replace"))
        if score > best_score:
            best, best_score = enc, score
    return best


def detect_delimiter(text: str) -> str:
    """Guess the CSV delimiter from the first lines: the candidate with the most consistent, non-zero count."""
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if not lines:
        return ","
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
    """A block of input rows.

    Attributes:
        rows: the input rows, each a dict of column → value, unchanged.
        lines: the line (text formats) or row (XLSX, Parquet) number each row starts on, 1-based.
        errors: per row, ``None`` or why the row could not be read cleanly (the row is still passed on).
    """

    rows: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


# Undecodable bytes read with errors="surrogateescape" become the lone surrogates U+DC80..U+DCFF.
_SURROGATE = re.compile("[\udc80-\udcff]")
_has_surrogate = _SURROGATE.search


def _has_surrogates(s: str) -> bool:
    return _has_surrogate(s) is not None


def _clean_surrogates(s: str) -> str:
    return _SURROGATE.sub("\ufffd", s)


class TableReader:
    """Stream the rows of one input file.

    Args:
        path: the input file.
        encoding: force an encoding (text formats); detected when ``None``.
        delimiter: force a CSV delimiter; detected when ``None`` (``.tsv`` means tab).
        sheet: XLSX sheet name or 0-based index; the first sheet when ``None``.
        header: whether the first CSV line holds column names (``.txt`` files never have one).

    Attributes:
        format, gzipped, encoding, delimiter: what was detected or forced.
        columns: the column names in file order.
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
        if not self.path.is_file():
            raise InputError(f"{self.path}: file not found")
        self.format, self.gzipped = detect_format(self.path)
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self.header = header and self.format != "txt"
        self.columns: list[str] = []
        if self.format in ("csv", "tsv", "txt", "jsonl"):
            with _open_binary(self.path, self.gzipped) as fh:
                sample = fh.read(SAMPLE_BYTES)
            if self.encoding is None:
                self.encoding = detect_encoding(sample)
            else:
                try:
                    codecs.lookup(self.encoding)
                except LookupError as exc:
                    raise InputError(f"unknown encoding {self.encoding!r}") from exc
            if self.format in ("csv", "tsv"):
                if self.delimiter is None:
                    text = sample.decode(self.encoding, errors="replace")
                    self.delimiter = "\t" if self.format == "tsv" else detect_delimiter(text)
                self._read_csv_header()
            elif self.format == "txt":
                self.columns = ["text"]
            else:
                self._read_jsonl_header()
        elif self.format == "xlsx":
            self._read_xlsx_header()
        else:
            import pyarrow.parquet as pq

            try:
                self.columns = list(pq.ParquetFile(self.path).schema_arrow.names)
            except Exception as exc:
                raise InputError(f"{self.path}: not a readable Parquet file: {exc}") from exc

    def _text_handle(self):
        raw = _open_binary(self.path, self.gzipped)
        # The compressed (or plain) byte position, for progress on inputs of unknown row count.
        self._raw = raw.fileobj if self.gzipped else raw
        return io.TextIOWrapper(raw, encoding=self.encoding, errors="surrogateescape", newline="")

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
        """Number of data rows when the format records it (Parquet; XLSX when its dimensions are stored)."""
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
        return None

    def _csv_records(self, fh) -> Iterator[tuple[list[str], int, str | None]]:
        """Yield ``(fields, first_line, error)`` for every CSV record, recovering from broken quoting.

        Physical lines are joined only while a quoted field is open. A quote still open after
        :data:`MAX_RECORD_LINES` lines (or at the end of the file), or a joined record with the wrong number of
        fields, means the first line had a stray quote: it is reported malformed on its own and reading resumes
        at the next line, so one bad quote cannot swallow the rows after it.
        """
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        feeder = _Feeder()
        reader = csv.reader(feeder, delimiter=self.delimiter, strict=False)
        complete = _record_regex(self.delimiter).fullmatch
        n_cols = len(self.columns) if self.columns else 0
        pending: deque[tuple[int, str]] = deque()
        source = enumerate(fh, start=1)

        def next_line():
            if pending:
                return pending.popleft()
            return next(source, None)

        while True:
            first = next_line()
            if first is None:
                return
            start, line = first
            lines = [first]
            record = line
            broken = False
            if '"' in line:
                while not complete(record.rstrip("\r\n")):
                    if len(lines) >= MAX_RECORD_LINES or len(record) > MAX_FIELD_CHARS:
                        broken = True
                        break
                    nxt = next_line()
                    if nxt is None:
                        broken = True
                        break
                    lines.append(nxt)
                    record += nxt[1]
            if broken:
                pending.extendleft(reversed(lines[1:]))
                feeder.item = line.rstrip("\r\n")
                yield next(reader, []), start, "malformed: unclosed quote"
                continue
            feeder.item = record.rstrip("\r\n")
            try:
                fields = next(reader, [])
            except csv.Error as exc:
                reader = csv.reader(feeder, delimiter=self.delimiter, strict=False)
                yield [], start, f"malformed: {exc}"
                continue
            if len(lines) > 1 and n_cols and len(fields) != n_cols:
                # The quote was stray: the joined lines are separate rows.
                pending.extendleft(reversed(lines[1:]))
                feeder.item = line.rstrip("\r\n")
                yield next(reader, []), start, "malformed: unclosed quote"
                continue
            yield fields, start, None

    def _read_csv_header(self) -> None:
        with self._text_handle() as fh:
            first = next(self._csv_records(fh), None)
        if first is None:
            self.columns = ["text"] if not self.header else []
            return
        first = first[0]
        if self.header:
            cols = [_clean_surrogates(c).strip() or f"column_{i + 1}" for i, c in enumerate(first)]
            seen: dict[str, int] = {}
            for i, c in enumerate(cols):
                if c in seen:
                    seen[c] += 1
                    cols[i] = f"{c}_{seen[c]}"
                else:
                    seen[c] = 1
            self.columns = cols
        else:
            self.columns = [f"column_{i + 1}" for i in range(len(first))] if len(first) > 1 else ["text"]

    def _read_jsonl_header(self) -> None:
        cols: list[str] = []
        with self._text_handle() as fh:
            for n, line in enumerate(fh):
                if n >= 100:
                    break
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(obj, dict):
                    cols.extend(k for k in obj if k not in cols)
        self.columns = cols

    def _open_sheet(self):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(f"{self.path}: not a readable XLSX file: {exc}") from exc
        if self.sheet is None:
            return wb, wb.worksheets[0]
        if isinstance(self.sheet, int) or (isinstance(self.sheet, str) and self.sheet.isdigit()):
            idx = int(self.sheet)
            if idx >= len(wb.worksheets):
                raise InputError(f"{self.path}: no sheet number {idx}; sheets: {wb.sheetnames}")
            return wb, wb.worksheets[idx]
        if self.sheet not in wb.sheetnames:
            raise InputError(f"{self.path}: no sheet {self.sheet!r}; sheets: {wb.sheetnames}")
        return wb, wb[self.sheet]

    def _read_xlsx_header(self) -> None:
        wb, ws = self._open_sheet()
        try:
            first = next(ws.iter_rows(values_only=True), None)
        finally:
            wb.close()
        if first is None:
            self.columns = []
            return
        if self.header:
            self.columns = [str(c).strip() if c not in (None, "") else f"column_{i + 1}" for i, c in enumerate(first)]
        else:
            self.columns = [f"column_{i + 1}" for i in range(len(first))]

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
            "parquet": self._iter_parquet,
        }[self.format]
        chunk = Chunk()
        index = 0
        for row, line, err in gen():
            if index < skip_chunks:
                chunk.lines.append(line)
                if len(chunk.lines) >= chunk_size:
                    chunk.lines.clear()
                    index += 1
                continue
            chunk.rows.append(row)
            chunk.lines.append(line)
            chunk.errors.append(err)
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
        with self._text_handle() as fh:
            records = self._csv_records(fh)
            if self.header:
                next(records, None)
            for fields, start, err in records:
                if not fields:
                    yield dict.fromkeys(cols, ""), start, err
                    continue
                if any(map(_has_surrogate, fields)):
                    err = err or f"undecodable bytes for encoding {enc}"
                    fields = [_clean_surrogates(f) for f in fields]
                if max(map(len, fields)) > MAX_FIELD_CHARS:
                    err = err or f"field longer than {MAX_FIELD_CHARS} characters"
                    fields = [f[:MAX_FIELD_CHARS] for f in fields]
                if len(fields) != n_cols:
                    if err is None:
                        err = f"malformed: {len(fields)} fields, expected {n_cols}"
                    fields = (fields + [""] * n_cols)[:n_cols]
                yield dict(zip(cols, fields)), start, err

    def _iter_txt(self):
        with self._text_handle() as fh:
            for lineno, line in enumerate(fh, start=1):
                text = line.rstrip("\r\n")
                err = None
                if _has_surrogates(text):
                    err = f"undecodable bytes for encoding {self.encoding}"
                    text = _clean_surrogates(text)
                yield {"text": text}, lineno, err

    def _iter_jsonl(self):
        cols = self.columns
        with self._text_handle() as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    yield dict.fromkeys(cols), lineno, "empty line"
                    continue
                err = None
                if _has_surrogates(line):
                    err = f"undecodable bytes for encoding {self.encoding}"
                    line = _clean_surrogates(line)
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield dict.fromkeys(cols), lineno, f"malformed JSON: {exc.msg}"
                    continue
                if not isinstance(obj, dict):
                    yield dict.fromkeys(cols), lineno, "malformed: JSON line is not an object"
                    continue
                for k, v in obj.items():
                    if isinstance(v, str) and len(v) > MAX_FIELD_CHARS:
                        obj[k] = v[:MAX_FIELD_CHARS]
                        err = err or f"field longer than {MAX_FIELD_CHARS} characters"
                yield obj, lineno, err

    def _iter_xlsx(self):
        wb, ws = self._open_sheet()
        cols = self.columns
        n_cols = len(cols)
        try:
            for rowno, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if rowno == 1 and self.header:
                    continue
                values = list(values)[:n_cols] + [None] * max(0, n_cols - len(values))
                yield dict(zip(cols, values)), rowno, None
        finally:
            wb.close()

    def _iter_parquet(self):
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(self.path)
        rowno = 0
        for batch in pf.iter_batches(batch_size=10_000):
            for row in batch.to_pylist():
                rowno += 1
                yield row, rowno, None


class BlockReader(TableReader):
    """The CSV rows of one block of bytes cut from a larger CSV file at line ends (the Dask engine reads so).

    Rows are read exactly as :class:`TableReader` reads a file: broken quoting, undecodable bytes, over-long
    fields and wrong field counts give an error message instead of stopping the read. Line numbers count from the
    start of the block. A quoted field running over a block boundary is reported malformed; read such files one
    block per file.

    Args:
        data: the bytes of the block (whole lines).
        columns: the column names of the file.
        encoding: the file's encoding.
        delimiter: the file's delimiter.
        header: whether the block starts with the header line (the first block of a file with a header).
    """

    def __init__(self, data: bytes, columns: Sequence[str], encoding: str, delimiter: str, header: bool):
        self.path = None  # type: ignore[assignment]
        self.format, self.gzipped = "csv", False
        self.encoding, self.delimiter, self.sheet = encoding, delimiter, None
        self.header = header
        self.columns = list(columns)
        self._data = data

    def _text_handle(self):
        self._raw = io.BytesIO(self._data)
        return io.TextIOWrapper(self._raw, encoding=self.encoding, errors="surrogateescape", newline="")

    @property
    def bytes_total(self) -> int:
        """Size of the block in bytes."""
        return len(self._data)

    def rows(self) -> Iterator[tuple[dict[str, Any], int, str | None]]:
        """Yield ``(row, line, error)`` for every row of the block."""
        return self._iter_csv()


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
