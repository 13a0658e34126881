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
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEXT_FORMATS = ("csv", "tsv", "txt", "jsonl")
ALL_FORMATS = TEXT_FORMATS + ("xlsx", "parquet")
DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 1 << 16
MAX_FIELD_CHARS = 1_000_000
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
    """Return ``(format, gzipped)`` from a file name (``.csv``, ``.tsv``, ``.txt``, ``.jsonl``/``.ndjson``,
    ``.xlsx``, ``.parquet``, each text format optionally ``.gz``).

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


def _has_surrogates(s: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in s)


def _clean_surrogates(s: str) -> str:
    return "".join("\ufffd" if "\udc80" <= ch <= "\udcff" else ch for ch in s)


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
        return io.TextIOWrapper(raw, encoding=self.encoding, errors="surrogateescape", newline="")

    def _csv_reader(self, fh):
        csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
        return csv.reader(fh, delimiter=self.delimiter, strict=False)

    def _read_csv_header(self) -> None:
        with self._text_handle() as fh:
            reader = self._csv_reader(fh)
            first = next(reader, None)
        if first is None:
            self.columns = ["text"] if not self.header else []
            return
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
            self.columns = [
                str(c).strip() if c not in (None, "") else f"column_{i + 1}" for i, c in enumerate(first)
            ]
        else:
            self.columns = [f"column_{i + 1}" for i in range(len(first))]

    def iter_chunks(self, chunk_size: int = 10_000) -> Iterator[Chunk]:
        """Yield the file's rows in chunks of at most ``chunk_size`` rows, in file order."""
        gen = {
            "csv": self._iter_csv,
            "tsv": self._iter_csv,
            "txt": self._iter_txt,
            "jsonl": self._iter_jsonl,
            "xlsx": self._iter_xlsx,
            "parquet": self._iter_parquet,
        }[self.format]
        chunk = Chunk()
        for row, line, err in gen():
            chunk.rows.append(row)
            chunk.lines.append(line)
            chunk.errors.append(err)
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = Chunk()
        if chunk.rows:
            yield chunk

    def iter_rows(self) -> Iterator[tuple[dict[str, Any], int, str | None]]:
        """Yield ``(row, line, error)`` for every row."""
        for chunk in self.iter_chunks():
            yield from zip(chunk.rows, chunk.lines, chunk.errors)

    def _iter_csv(self):
        cols = self.columns
        n_cols = len(cols)
        with self._text_handle() as fh:
            reader = self._csv_reader(fh)
            if self.header:
                next(reader, None)
            prev_end = reader.line_num
            while True:
                try:
                    fields = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    start = prev_end + 1
                    prev_end = reader.line_num
                    yield dict.fromkeys(cols, ""), start, f"malformed: {exc}"
                    continue
                start = prev_end + 1
                prev_end = reader.line_num
                if not fields:
                    yield dict.fromkeys(cols, ""), start, None
                    continue
                err = None
                if any(_has_surrogates(f) for f in fields):
                    err = f"undecodable bytes for encoding {self.encoding}"
                    fields = [_clean_surrogates(f) for f in fields]
                if any(len(f) > MAX_FIELD_CHARS for f in fields):
                    err = f"field longer than {MAX_FIELD_CHARS} characters"
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
                if _has_surrogates(line):
                    yield dict.fromkeys(cols), lineno, f"undecodable bytes for encoding {self.encoding}"
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield dict.fromkeys(cols), lineno, f"malformed JSON: {exc.msg}"
                    continue
                if not isinstance(obj, dict):
                    yield dict.fromkeys(cols), lineno, "malformed: JSON line is not an object"
                    continue
                yield obj, lineno, None

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


class AtomicWriter:
    """Write rows to ``path`` through a temporary file that is renamed into place by :meth:`commit`.

    Args:
        path: the output file; its extension chooses the format (``.csv``/``.tsv``/``.jsonl``/``.parquet``/
            ``.xlsx``, text formats optionally ``.gz``).
        columns: the output columns, in order.
        delimiter: CSV delimiter (``,`` by default, tab for ``.tsv``).
        encoding: text encoding of CSV/JSONL output.
    """

    def __init__(self, path: str | Path, columns: Sequence[str], delimiter: str | None = None,
                 encoding: str = "utf-8"):
        self.path = Path(path)
        self.format, self.gzipped = detect_format(self.path)
        if self.format == "txt":
            self.format = "csv"
        self.columns = list(columns)
        self.delimiter = delimiter or ("\t" if self.format == "tsv" else ",")
        self.encoding = encoding
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp_path = self.path.with_name(f".{self.path.name}.partial")
        self._fh = None
        self._csv = None
        self._pq_writer = None
        self._xlsx = None
        self.rows_written = 0
        self._open()

    def _open(self) -> None:
        if self.format in ("csv", "tsv", "jsonl"):
            raw = gzip.open(self.tmp_path, "wb") if self.gzipped else open(self.tmp_path, "wb")
            self._fh = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
            if self.format != "jsonl":
                self._csv = csv.writer(self._fh, delimiter=self.delimiter, lineterminator="\n")
                self._csv.writerow(self.columns)
        elif self.format == "xlsx":
            import openpyxl

            self._xlsx = openpyxl.Workbook(write_only=True)
            self._sheet = self._xlsx.create_sheet("labels")
            self._sheet.append(self.columns)

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        """Append rows (dicts keyed by column name; JSONL keeps every key of each row)."""
        if self.format in ("csv", "tsv"):
            cols = self.columns
            self._csv.writerows([["" if r.get(c) is None else r.get(c) for c in cols] for r in rows])
        elif self.format == "jsonl":
            self._fh.write("".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows))
        elif self.format == "xlsx":
            for r in rows:
                self._sheet.append([_xlsx_value(r.get(c)) for c in self.columns])
        else:
            self._write_parquet(rows)
        self.rows_written += len(rows)

    def _write_parquet(self, rows: Sequence[dict[str, Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = {c: [r.get(c) for r in rows] for c in self.columns}
        if self._pq_writer is None:
            table = pa.table({c: _arrow_array(v) for c, v in data.items()})
            self._pq_schema = table.schema
            self._pq_writer = pq.ParquetWriter(self.tmp_path, self._pq_schema)
        else:
            arrays = []
            for c in self.columns:
                typ = self._pq_schema.field(c).type
                try:
                    arrays.append(pa.array(data[c], type=typ))
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    raise InputError(f"column {c!r} changes type between chunks; cannot write Parquet") from None
            table = pa.table(dict(zip(self.columns, arrays)), schema=self._pq_schema)
        self._pq_writer.write_table(table)

    def commit(self) -> Path:
        """Close the temporary file and rename it to the output path."""
        self._close()
        os.replace(self.tmp_path, self.path)
        return self.path

    def _close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self.format == "parquet":
            if self._pq_writer is None:
                import pyarrow as pa
                import pyarrow.parquet as pq

                pq.write_table(pa.table({c: pa.array([], type=pa.string()) for c in self.columns}), self.tmp_path)
            else:
                self._pq_writer.close()
                self._pq_writer = None
        if self._xlsx is not None:
            self._xlsx.save(self.tmp_path)
            self._xlsx = None

    def abort(self) -> None:
        """Drop the temporary file."""
        try:
            self._close()
        finally:
            if self.tmp_path.exists():
                self.tmp_path.unlink()

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


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
