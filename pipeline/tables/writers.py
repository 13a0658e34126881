"""Writing output tables atomically and resumably: CSV/TSV/JSONL (optionally ``.gz``), Parquet and XLSX.

Text formats are appended chunk by chunk to a hidden ``.NAME.partial`` file; Parquet and XLSX chunks are staged as
Parquet parts and put together by the assembler of the format (:data:`ASSEMBLERS`) when the output is committed.
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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.tables.formats import detect_format

# gzip level of compressed text outputs (each chunk is its own member).
GZIP_LEVEL = 6
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _arrow_array(values: list):
    import pyarrow as pa

    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(["" if v is None else str(v) for v in values], type=pa.string())


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
        self.n_parts = 0
        self._fh = None
        if self.stdout:
            self._open_stdout(resume)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp_path = self.path.with_name(f".{self.path.name}.partial")
        self.parts_dir = self.path.with_name(f".{self.path.name}.parts")
        self.staged = self.format in ASSEMBLERS
        if self.staged:
            self._open_parts(resume)
        else:
            self._open_partial(resume)

    def _open_stdout(self, resume: dict | None) -> None:
        if resume is not None:
            raise InputError("cannot resume output written to standard output")
        self.tmp_path = self.parts_dir = None  # type: ignore[assignment]
        self.staged = False
        self._fh = sys.stdout.buffer
        self._write_header()

    def _open_parts(self, resume: dict | None) -> None:
        """Start (or, resuming, go back to the last part of) the staged Parquet parts."""
        if resume is None:
            shutil.rmtree(self.parts_dir, ignore_errors=True)
            self.parts_dir.mkdir(parents=True)
            return
        self.n_parts = int(resume["parts"])
        for part in self.parts_dir.glob("part-*.parquet"):
            if int(part.stem.split("-")[1]) >= self.n_parts:
                part.unlink()

    def _open_partial(self, resume: dict | None) -> None:
        """Start (or, resuming, cut back to the saved offset) the partial text file."""
        if resume is None:
            self._fh = open(self.tmp_path, "wb")
            self._write_header()
            return
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
            data = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
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
            ASSEMBLERS[self.format](self)
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

    def parts(self) -> list[Path]:
        """The staged Parquet parts, in order."""
        return [self.parts_dir / f"part-{i:06d}.parquet" for i in range(self.n_parts)]


def assemble_parquet(writer: ChunkWriter) -> None:
    """Join the staged parts into one Parquet file (a column whose type differs between parts becomes text)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = writer.parts()
    types: dict[str, set] = {c: set() for c in writer.columns}
    for part in parts:
        for f in pq.read_schema(part):
            if not pa.types.is_null(f.type):
                types[f.name].add(f.type)
    schema = pa.schema([(c, next(iter(t)) if len(t) == 1 else pa.string()) for c, t in types.items()])
    with pq.ParquetWriter(writer.tmp_path, schema) as out:
        for part in parts:
            table = pq.read_table(part)
            arrays = []
            for f in schema:
                col = table.column(f.name)
                if col.type != f.type:
                    col = _to_type(col, f.type)
                arrays.append(col)
            out.write_table(pa.Table.from_arrays(arrays, schema=schema))


def assemble_xlsx(writer: ChunkWriter) -> None:
    """Write the staged parts to an XLSX workbook, going on to new sheets past :attr:`ChunkWriter.XLSX_MAX_ROWS`."""
    import openpyxl
    import pyarrow.parquet as pq

    wb = openpyxl.Workbook(write_only=True)
    max_rows = writer.XLSX_MAX_ROWS
    sheet, rows_in_sheet = None, max_rows
    for part in writer.parts():
        for batch in pq.ParquetFile(part).iter_batches():
            for r in batch.to_pylist():
                if rows_in_sheet >= max_rows:
                    # Excel's limit: the rows go on in a new sheet (labels, labels_2, ...), none is dropped.
                    writer.sheets += 1
                    sheet = wb.create_sheet("labels" if writer.sheets == 1 else f"labels_{writer.sheets}")
                    sheet.append(writer.columns)
                    rows_in_sheet = 1
                sheet.append([_xlsx_value(r.get(c)) for c in writer.columns])
                rows_in_sheet += 1
    if sheet is None:
        writer.sheets = 1
        wb.create_sheet("labels").append(writer.columns)
    wb.save(writer.tmp_path)


# The output formats staged as Parquet parts, each with the function that writes the final file from them.
ASSEMBLERS: dict[str, Callable[[ChunkWriter], None]] = {"parquet": assemble_parquet, "xlsx": assemble_xlsx}


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
