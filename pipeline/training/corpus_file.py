"""Reading and validating corpus files: any table ``predict`` reads, checked row by row.

A corpus file has at least the columns ``text,label,lang``; optional columns are ``source`` (defaults to the file
name), ``group`` (lines of one group always share a split), ``marker`` (gold military end-use flag, 0/1), ``style``
and ``split`` (pins a line to ``train``/``dev``/``test``). It is read by :class:`~pipeline.tables.TableReader`, so
it may be a CSV/TSV in any delimiter and encoding predict detects, XLSX, XLS/ODS, JSONL or Parquet.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import LABELS
from pipeline.errors import CorpusError, InputError, bad_rows_message
from pipeline.tables import TableReader, field_count

LANGS = ("ru", "en", "mixed")
SPLITS = ("train", "dev", "test")
REQUIRED_COLUMNS = ("text", "label", "lang")


@dataclass
class Corpus:
    """Labelled lines, one entry per line in every list.

    Attributes:
        text, label, lang, source, group, style, split_pin: the corpus columns (``split_pin`` is ``""`` when the
            line is not pinned); ``marker`` is the gold flag or -1 when unknown.
        file, line: where each line came from.
    """

    text: list[str] = field(default_factory=list)
    label: list[str] = field(default_factory=list)
    lang: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    group: list[str] = field(default_factory=list)
    marker: list[int] = field(default_factory=list)
    style: list[str] = field(default_factory=list)
    split_pin: list[str] = field(default_factory=list)
    file: list[str] = field(default_factory=list)
    line: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.text)

    def subset(self, idx: Iterable[int]) -> Corpus:
        """Return a new corpus holding the lines at ``idx``, in that order."""
        idx = list(idx)
        return Corpus(**{name: [getattr(self, name)[i] for i in idx] for name in self.__dataclass_fields__})

    def extend(self, other: Corpus) -> None:
        """Append the lines of ``other``."""
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))

    def sha256(self) -> str:
        """Hash of the text, label and group of every line, in order (identifies the training data)."""
        h = hashlib.sha256()
        for t, lab, g in zip(self.text, self.label, self.group):
            h.update(f"{t}\x1f{lab}\x1f{g}\x1e".encode())
        return h.hexdigest()


def expand_paths(patterns: Sequence[str]) -> list[Path]:
    """Expand glob patterns into a sorted, de-duplicated list of files.

    Raises:
        CorpusError: when a pattern matches nothing.
    """
    files: list[Path] = []
    for pattern in patterns:
        hits = sorted(glob.glob(pattern, recursive=True)) if any(c in pattern for c in "*?[") else [pattern]
        hits = [h for h in hits if Path(h).is_file()]
        if not hits:
            raise CorpusError(f"corpus path {pattern!r} matches no file")
        files.extend(Path(h) for h in hits)
    seen: set[Path] = set()
    return [f for f in files if not (f.resolve() in seen or seen.add(f.resolve()))]


def read_corpus_file(
    path: str | Path, text_column: str = "text", label_column: str = "label", max_errors: int = 20
) -> Corpus:
    """Read and validate one corpus file.

    Args:
        path: any table ``predict`` reads (:class:`~pipeline.tables.TableReader`): CSV/TSV in any delimiter and
            encoding it detects, XLSX, XLS/ODS, JSONL, Parquet, text formats optionally ``.gz``.
        text_column: column holding the text.
        label_column: column holding the gold label.
        max_errors: how many bad rows to list in the error message.

    Raises:
        CorpusError: listing every bad row (up to ``max_errors``) by file, line and column.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: corpus file not found")
    try:
        reader = TableReader(path)
    except InputError as exc:
        raise CorpusError(str(exc)) from exc
    header = reader.columns
    missing = [c for c in (text_column, label_column, "lang") if c not in header]
    if missing:
        raise CorpusError(f"{path}: missing column(s) {missing}; columns present: {header}")
    corpus = Corpus()
    errors: list[str] = []
    for row, start, err, raw in reader.records():
        if _blank(row, raw):
            continue  # a blank line, as csv.DictReader skips them
        problem = _read_problem(err)
        if problem:
            errors.append(f"{path}, line {start}: {problem}")
            continue
        values = {k: _cell(v) for k, v in row.items()}
        errors.extend(_check_row(values, f"{path}, line {start}", text_column, label_column))
        _append_row(corpus, values, path, start, text_column, label_column)
    if errors:
        raise CorpusError(bad_rows_message(errors, max_errors))
    if not corpus.text:
        raise CorpusError(f"{path}: no rows")
    return corpus


def _blank(row: dict[str, Any], raw: str | None) -> bool:
    """A row read from a blank line (or an empty sheet row): no value and no raw content."""
    return not (raw or "").strip() and all(v is None or v == "" for v in row.values())


def _read_problem(err: str | None) -> str | None:
    """Why a row the reader could not read cleanly is a bad corpus row, or ``None`` (clean, recoded or short)."""
    if err is None or err.startswith("recoded from"):
        return None
    counts = field_count(err)
    if counts is not None:
        found, expected = counts
        # Missing trailing fields read as empty (the row is then checked as usual), as csv.DictReader reads them.
        return "more fields than the header has" if found > expected else None
    return err


def _cell(value: Any) -> str:
    """A cell as stripped text (``None`` is empty; a whole float such as a sheet's 1.0 is written as 1)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _check_row(values: dict[str, str], where: str, text_column: str, label_column: str) -> list[str]:
    """The problems of one row, each naming ``where`` (file and line) and the column."""
    errors = []
    label, lang = values.get(label_column, ""), values.get("lang", "")
    if not values.get(text_column, ""):
        errors.append(f"{where}, column {text_column!r}: empty text")
    if label not in LABELS:
        errors.append(f"{where}, column {label_column!r}: unknown label {label!r}")
    if lang not in LANGS:
        errors.append(f"{where}, column 'lang': {lang!r} is not one of {LANGS}")
    marker = values.get("marker", "")
    if marker not in ("", "0", "1"):
        errors.append(f"{where}, column 'marker': {marker!r} is not 0 or 1")
    pin = values.get("split", "")
    if pin not in ("",) + SPLITS:
        errors.append(f"{where}, column 'split': {pin!r} is not one of {SPLITS}")
    return errors


def _append_row(
    corpus: Corpus, values: dict[str, str], path: Path, start: int, text_column: str, label_column: str
) -> None:
    marker = values.get("marker", "")
    corpus.text.append(values[text_column])
    corpus.label.append(values[label_column])
    corpus.lang.append(values["lang"])
    corpus.source.append(values.get("source", "") or path.stem)
    corpus.group.append(values.get("group", "") or f"{path.stem}:{start}")
    corpus.marker.append(int(marker) if marker in ("0", "1") else -1)
    corpus.style.append(values.get("style", ""))
    corpus.split_pin.append(values.get("split", ""))
    corpus.file.append(str(path))
    corpus.line.append(start)


def read_corpus(paths: Sequence[str | Path], text_column: str = "text", label_column: str = "label") -> Corpus:
    """Read and validate several corpus files (glob patterns allowed) into one :class:`Corpus`."""
    corpus = Corpus()
    for path in expand_paths([str(p) for p in paths]):
        corpus.extend(read_corpus_file(path, text_column, label_column))
    return corpus
