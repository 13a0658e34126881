"""JSON Lines: one JSON object per line; the columns are every key of every line, in first-seen order."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pipeline.tables.readers.base as base
from pipeline.tables.encoding import clean_surrogates, escape_raw, has_surrogates
from pipeline.tables.readers.base import Row
from pipeline.tables.readers.text import TextReader

# Any lone surrogate, as JSON's "\ud83d" escapes give: such text cannot be written as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_lone_surrogates(value: Any) -> Any:
    """``value`` (a parsed JSON value) with every lone surrogate in its strings and keys replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_clean_lone_surrogates(k): _clean_lone_surrogates(v) for k, v in value.items()}
    return value


class JsonlReader(TextReader):
    """JSON Lines files (``.jsonl``, ``.ndjson``, ``.json``); a line that is no JSON object gets a status."""

    name = "jsonl"
    formats = ("jsonl",)

    def _read_columns(self, sample: bytes) -> list[str]:
        """Every key of every JSON object line, in first-seen order (the whole file is scanned once)."""
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
        return list(cols)

    def iter_rows(self) -> Iterator[Row]:
        """Yield ``(row, line, error, raw)`` for every line (``raw`` is given for clean lines too)."""
        cols = self.columns
        for lineno, line, note in self._lines():
            if not line.strip():
                yield dict.fromkeys(cols), lineno, "empty line", line
                continue
            err = note
            raw = line.rstrip("\r\n")
            if has_surrogates(line):
                err = f"undecodable bytes for encoding {self.encoding}"
                line = clean_surrogates(line)
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                yield dict.fromkeys(cols), lineno, f"malformed JSON: {exc.msg}", escape_raw(raw)
                continue
            if not isinstance(obj, dict):
                yield dict.fromkeys(cols), lineno, "malformed: JSON line is not an object", escape_raw(raw)
                continue
            if "\\u" in line and _LONE_SURROGATE.search(json.dumps(obj, ensure_ascii=False)):
                # Not Unicode text (no UTF-8 form): replaced by U+FFFD, as undecodable bytes are.
                obj = _clean_lone_surrogates(obj)
                err = err or "malformed: lone surrogate escape (\\uD800-\\uDFFF) in a JSON string"
            err = _cut_long_values(obj, err)
            yield obj, lineno, err, escape_raw(raw)


def _cut_long_values(obj: dict[str, Any], err: str | None) -> str | None:
    """Cut string values longer than ``MAX_FIELD_CHARS`` in place; return the row's error."""
    max_chars = base.MAX_FIELD_CHARS
    for k, v in obj.items():
        if isinstance(v, str) and len(v) > max_chars:
            obj[k] = v[:max_chars]
            err = err or f"field longer than {max_chars} characters"
    return err
