"""Spreadsheets: XLSX through openpyxl, XLS and ODS through python-calamine; the sheet is chosen by name or index."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.tables.columns import dedupe_columns, numbered_columns
from pipeline.tables.readers.base import FormatReader, ReadOptions, Row, json_raw

# Floats with an integral value below this are read as int (what the cell shows; exact in a double).
EXACT_INT_LIMIT = 2**53


def pick_sheet(wb, names: list[str], sheet: str | int | None, path: Path):
    """The sheet named or numbered ``sheet`` (the first when ``None``); the workbook is closed on an error."""
    if sheet is None:
        index = 0
    elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit()):
        index = int(sheet)
        if index >= len(names):
            wb.close()
            raise InputError(f"{path}: no sheet number {index}; sheets: {names}")
    elif sheet in names:
        index = names.index(sheet)
    else:
        wb.close()
        raise InputError(f"{path}: no sheet {sheet!r}; sheets: {names}")
    if hasattr(wb, "worksheets"):
        return wb.worksheets[index]
    return wb.get_sheet_by_index(index)


class SheetReader(FormatReader):
    """A spreadsheet: the first row holds the column names when ``header`` is true."""

    def __init__(self, path: Path, options: ReadOptions):
        super().__init__(path, options)
        self.header = options.header
        wb, ws = self._open()
        try:
            first = self._first_row(ws)
        finally:
            wb.close()
        if first is None:
            self.columns = []
        elif self.header:
            self.columns = dedupe_columns(["" if c is None else c for c in first])
        else:
            self.columns = numbered_columns(len(first))

    def _open(self):
        """``(workbook, sheet)``."""
        raise NotImplementedError

    def _first_row(self, ws) -> Sequence[Any] | None:
        raise NotImplementedError

    def _extra_cells(self, values: list) -> str | None:
        """The status of a row with non-empty cells right of the header's last column."""
        n_cols = len(self.columns)
        if len(values) > n_cols and any(v not in (None, "") for v in values[n_cols:]):
            return f"malformed: {len(values)} cells, the header has {n_cols}"
        return None


class XlsxReader(SheetReader):
    """XLSX sheets with cached values; a formula cell without one gets a status naming the formula."""

    name = "xlsx"
    formats = ("xlsx",)

    def _open(self):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as exc:
            raise InputError(f"{self.path}: not a readable XLSX file: {exc}") from exc
        return wb, pick_sheet(wb, wb.sheetnames, self.options.sheet, self.path)

    def _first_row(self, ws):
        return next(ws.iter_rows(values_only=True), None)

    @property
    def rows_total(self) -> int | None:
        """Data rows when the sheet's dimensions are stored."""
        wb, ws = self._open()
        try:
            n = ws.max_row
        finally:
            wb.close()
        return None if n is None else max(0, n - int(self.header))

    def iter_rows(self) -> Iterator[Row]:
        """Yield ``(row, row number, error, raw)`` for every data row of the sheet."""
        import openpyxl

        wb, ws = self._open()
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
                err, raw = self._uncached(values, fvalues)
                extra = self._extra_cells(values)
                if extra:
                    err = err or extra
                    raw = raw or json_raw(values)
                values = values[:n_cols] + [None] * max(0, n_cols - len(values))
                yield dict(zip(cols, values)), rowno, err, raw
        finally:
            wb.close()
            fwb.close()

    def _uncached(self, values: list, fvalues: Sequence[Any]) -> tuple[str | None, str | None]:
        """The status and raw cells of a row holding formulas without a cached value, or ``(None, None)``."""
        cols = self.columns
        n_cols = len(cols)
        uncached = [
            (cols[i] if i < n_cols else f"column_{i + 1}", f)
            for i, (v, f) in enumerate(zip(values, fvalues))
            if v is None and isinstance(f, str) and f.startswith("=")
        ]
        if not uncached:
            return None, None
        where = ", ".join(f"{c!r} ({f})" for c, f in uncached[:3])
        err = f"formula without a cached value in {where}: open and save the file in Excel"
        return err, json_raw(f if v is None else v for v, f in zip(values, fvalues))


class CalamineReader(SheetReader):
    """XLS and ODS sheets (cached values of formula cells; empty cells read as ``""``)."""

    name = "calamine"
    formats = ("xls", "ods")

    def _open(self):
        try:
            from python_calamine import CalamineWorkbook
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise InputError(f"{self.path}: reading .{self.options.format} needs python-calamine") from exc
        try:
            wb = CalamineWorkbook.from_path(str(self.path))
            names = list(wb.sheet_names)
            return wb, pick_sheet(wb, names, self.options.sheet, self.path)
        except InputError:
            raise
        except Exception as exc:
            raise InputError(f"{self.path}: not a readable .{self.options.format} file: {exc}") from exc

    def _first_row(self, ws):
        return next(iter(ws.iter_rows()), None)

    @property
    def rows_total(self) -> int:
        """Data rows of the sheet."""
        wb, ws = self._open()
        try:
            return max(0, ws.height - int(self.header))
        finally:
            wb.close()

    def iter_rows(self) -> Iterator[Row]:
        """Yield ``(row, row number, error, raw)`` for every data row of the sheet."""
        wb, ws = self._open()
        cols = self.columns
        n_cols = len(cols)
        try:
            for rowno, values in enumerate(ws.iter_rows(), start=1):
                if rowno == 1 and self.header:
                    continue
                values = [
                    int(v) if isinstance(v, float) and v.is_integer() and abs(v) < EXACT_INT_LIMIT else v
                    for v in values
                ]
                err = self._extra_cells(values)
                raw = json_raw(values) if err else None
                values = values[:n_cols] + [""] * max(0, n_cols - len(values))
                yield dict(zip(cols, values)), rowno, err, raw
        finally:
            wb.close()
