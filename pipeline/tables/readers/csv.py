"""CSV and TSV: delimiter detection, records that recover from broken quoting, per-row statuses."""

from __future__ import annotations

import csv
import re
import sys
from collections import deque
from collections.abc import Iterator

import pipeline.tables.readers.base as base
from pipeline.tables.columns import dedupe_columns, numbered_columns
from pipeline.tables.encoding import clean_surrogates, escape_raw, has_surrogate
from pipeline.tables.readers.base import Row
from pipeline.tables.readers.text import TextReader

DELIMITERS = (",", ";", "\t", "|")
# A quoted field may span lines; a quote still open after this many lines is taken as broken quoting.
MAX_RECORD_LINES = 200
# Bytes of the sample, and lines of it, the delimiter is guessed from; lines given to csv.Sniffer.
DELIMITER_SAMPLE_BYTES = 1 << 16
DELIMITER_SAMPLE_LINES = 50
SNIFFER_LINES = 20
# The largest field size Python's csv module accepts on every platform.
CSV_FIELD_SIZE_LIMIT = min(sys.maxsize, 2**31 - 1)
UNCLOSED_QUOTE = "malformed: unclosed quote"
_FIELD_COUNT = re.compile(r"malformed: (\d+) fields, expected (\d+)")


def field_count_error(found: int, expected: int) -> str:
    """The status of a record with the wrong number of fields."""
    return f"malformed: {found} fields, expected {expected}"


def field_count(error: str | None) -> tuple[int, int] | None:
    """``(found, expected)`` when ``error`` is a :func:`field_count_error`, else ``None``."""
    m = _FIELD_COUNT.fullmatch(error or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def detect_delimiter(text: str) -> str:
    """Guess the CSV delimiter from the first lines: the candidate with the most consistent, non-zero count."""
    lines = [ln for ln in text.splitlines()[:DELIMITER_SAMPLE_LINES] if ln.strip()]
    if not lines:
        return ","
    # The header (or first) line decides when only one candidate occurs in it: quoted fields further down may
    # hold any of the others.
    present = [d for d in DELIMITERS if d in lines[0]]
    if len(present) == 1:
        return present[0]
    try:
        return csv.Sniffer().sniff("\n".join(lines[:SNIFFER_LINES]), delimiters="".join(DELIMITERS)).delimiter
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


def _record_raw(text: str) -> str:
    r"""The raw text of a CSV record for the errors file (line end dropped, undecodable bytes as ``\xNN``)."""
    return escape_raw(text.rstrip("\r\n"))


class CsvReader(TextReader):
    """CSV and TSV files (``.tsv`` means tab; any other delimiter is detected or forced)."""

    name = "csv"
    formats = ("csv", "tsv")

    def _read_columns(self, sample: bytes) -> list[str]:
        if self.delimiter is None:
            text = sample[:DELIMITER_SAMPLE_BYTES].decode(self._codec, errors="replace")
            self.delimiter = "\t" if self.options.format == "tsv" else detect_delimiter(text)
        first = next(self._csv_records(self._lines()), None)
        if first is None:
            return ["text"] if not self.header else []
        fields = first[0]
        if self.header:
            return dedupe_columns(fields)
        return numbered_columns(len(fields)) if len(fields) > 1 else ["text"]

    def _csv_records(self, lines) -> Iterator[tuple[list[str], int, str | None, str]]:
        """Yield ``(fields, first_line, error, raw)`` for every CSV record, recovering from broken quoting.

        Physical lines are joined only while a quoted field is open. A quote still open after
        :data:`MAX_RECORD_LINES` lines (or at the end of the file), or a joined record with the wrong number of
        fields, means the first line had a stray quote: it is reported malformed on its own and reading resumes
        at the next line, so one bad quote cannot swallow the rows after it. ``raw`` is the record's text; the
        error of a clean record read in another encoding is its ``recoded from …`` note.
        """
        csv.field_size_limit(CSV_FIELD_SIZE_LIMIT)
        feeder = _Feeder()
        reader = csv.reader(feeder, delimiter=self.delimiter, strict=False)
        n_cols = len(self.columns) if self.columns else 0
        pending: deque[tuple[int, str, str | None]] = deque()
        while True:
            first = pending.popleft() if pending else next(lines, None)
            if first is None:
                return
            start, line, _ = first
            group, record, note, broken = self._join_quoted(first, pending, lines)
            if not broken:
                feeder.item = record.rstrip("\r\n")
                try:
                    fields = next(reader, [])
                except csv.Error as exc:
                    reader = csv.reader(feeder, delimiter=self.delimiter, strict=False)
                    yield [], start, f"malformed: {exc}", _record_raw(record)
                    continue
                # A joined record with the wrong field count: the quote was stray, the lines are separate rows.
                broken = len(group) > 1 and n_cols and len(fields) != n_cols
                if not broken:
                    yield fields, start, note, _record_raw(record)
                    continue
            pending.extendleft(reversed(group[1:]))
            feeder.item = line.rstrip("\r\n")
            yield next(reader, []), start, UNCLOSED_QUOTE, _record_raw(line)

    def _join_quoted(self, first, pending: deque, lines) -> tuple[list, str, str | None, bool]:
        """Join lines to ``first`` while a quoted field is open; return ``(lines, record, note, broken)``."""
        complete = _record_regex(self.delimiter).fullmatch
        _, record, note = first
        group = [first]
        if '"' not in record:
            return group, record, note, False
        while not complete(record.rstrip("\r\n")):
            if len(group) >= MAX_RECORD_LINES or len(record) > base.MAX_FIELD_CHARS:
                return group, record, note, True
            nxt = pending.popleft() if pending else next(lines, None)
            if nxt is None:
                return group, record, note, True
            group.append(nxt)
            record += nxt[1]
            note = note or nxt[2]
        return group, record, note, False

    def iter_rows(self) -> Iterator[Row]:
        """Yield ``(row, line, error, raw)`` for every record (``raw`` is given for clean records too)."""
        cols = self.columns
        n_cols = len(cols)
        enc = self.encoding
        max_chars = base.MAX_FIELD_CHARS
        records = self._csv_records(self._lines())
        if self.header:
            next(records, None)
        for fields, start, err, raw in records:
            if not fields:
                yield dict.fromkeys(cols, ""), start, err, raw
                continue
            if any(map(has_surrogate, fields)):
                if err is None or err.startswith("recoded"):
                    err = f"undecodable bytes for encoding {enc}"
                fields = [clean_surrogates(f) for f in fields]
            if max(map(len, fields)) > max_chars:
                err = err or f"field longer than {max_chars} characters"
                fields = [f[:max_chars] for f in fields]
            if len(fields) != n_cols:
                if err is None or err.startswith("recoded"):
                    err = field_count_error(len(fields), n_cols)
                fields = (fields + [""] * n_cols)[:n_cols]
            yield dict(zip(cols, fields)), start, err, raw
