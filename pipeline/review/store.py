"""The corrections store: one corpus-format CSV row per decision, appended, flushed and fsynced at once.

The store is a corpus file as :func:`~pipeline.training.corpus.read_corpus_file` reads it
(``text,label,lang,marker,source,group``), so ``dualuse train --paths.corpus '[..., "corrections.csv"]'``
takes it as it is. Four more columns, which the corpus reader ignores or honours as documented, say where each
decision came from:

- ``split`` is always ``train``: a correction is pinned to the fitted lines (the corpus reader's ``split`` pin), so
  no decision is held out in a test split where the next model would never learn from it;
- ``origin`` is ``FILE:LINE`` of the labelled line the decision was taken on;
- ``predicted`` is the label the model gave when the decision was taken;
- ``decided_at`` is the UTC time of the decision (ISO 8601).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from pipeline.config import LABELS

STORE_COLUMNS = ("text", "label", "lang", "marker", "source", "group", "split", "origin", "predicted", "decided_at")
SOURCE = "review"


class StoreError(ValueError):
    """The store file cannot be used (another file's columns, a bad row); the message names the file and line."""


@dataclass(frozen=True)
class Decision:
    """One decided line as written to the store."""

    text: str
    label: str
    lang: str
    marker: int
    origin: str
    predicted: str = ""
    decided_at: str = ""

    def row(self) -> list[str]:
        """The store row, in :data:`STORE_COLUMNS` order."""
        group = f"{SOURCE}:{hashlib.sha1(self.text.encode('utf-8')).hexdigest()[:12]}"
        when = self.decided_at or datetime.now(timezone.utc).isoformat(timespec="seconds")
        return [self.text, self.label, self.lang, str(self.marker), SOURCE, group, "train", self.origin,
                self.predicted, when]  # fmt: skip


def _csv_bytes(row: list[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerow(row)  # "\r\n" ends a row, so a lone "\r" in a text gets quoted
    return buf.getvalue().encode("utf-8")


def _records_with_ends(data: bytes) -> list[tuple[list[str], int]]:
    """Parse CSV bytes into ``(record, byte offset just after it)`` pairs; a last record cut short is dropped."""
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    consumed = [0]

    def feed():
        for line in lines:
            consumed[0] += len(line)
            yield line.decode("utf-8", errors="replace")

    out = []
    try:
        for record in csv.reader(feed(), strict=True):
            out.append((record, consumed[0]))
    except csv.Error as exc:
        if consumed[0] < len(data):
            raise StoreError(f"malformed CSV after byte {out[-1][1] if out else 0}: {exc}") from exc
        return out  # an open quote at the very end: the last write was cut short
    if out and not data.endswith(b"\n"):
        out.pop()  # no newline at the end: the last write was cut short (a crash), so it is not a decision
    return out


class CorrectionStore:
    """Append-only corpus-format CSV of decisions, with undo of this session's appends.

    Args:
        path: the CSV file; created with its header when missing. A row cut short by a crash is removed on opening.

    Attributes:
        decisions: every decision in the file, oldest first (previous sessions included).

    Raises:
        StoreError: when the file holds other columns or a row with an unknown label.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.decisions: list[Decision] = []
        self._offsets: list[int] = []  # byte offset where each decision's row starts
        if self.path.exists() and self.path.stat().st_size:
            self._load()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("wb") as fh:
                fh.write(_csv_bytes(list(STORE_COLUMNS)))
                fh.flush()
                os.fsync(fh.fileno())
        self._fh = self.path.open("r+b")
        self._fh.seek(0, os.SEEK_END)

    def _load(self) -> None:
        data = self.path.read_bytes()
        if data.startswith(b"\xef\xbb\xbf"):
            raise StoreError(f"{self.path}: starts with a byte-order mark; the store is written without one")
        try:
            records = _records_with_ends(data)
        except StoreError as exc:
            raise StoreError(f"{self.path}: {exc}") from exc
        if not records or tuple(records[0][0]) != STORE_COLUMNS:
            head = records[0][0] if records else []
            raise StoreError(f"{self.path}: not a review store; columns {head}, expected {list(STORE_COLUMNS)}")
        start = records[0][1]
        for n, (rec, end) in enumerate(records[1:], start=2):
            if len(rec) != len(STORE_COLUMNS) or rec[1] not in LABELS or rec[3] not in ("0", "1"):
                raise StoreError(f"{self.path}, record {n}: not a well-formed decision: {rec}")
            self.decisions.append(Decision(rec[0], rec[1], rec[2], int(rec[3]), rec[7], rec[8], rec[9]))
            self._offsets.append(start)
            start = end
        if start < len(data):  # a partial row from a crash: cut it off so the next append starts a clean line
            with self.path.open("r+b") as fh:
                fh.truncate(start)
                fh.flush()
                os.fsync(fh.fileno())

    def append(self, decision: Decision) -> Decision:
        """Write one decision, flush and fsync it; returns it with its timestamp filled in."""
        row = decision.row()
        decision = Decision(decision.text, decision.label, decision.lang, decision.marker, decision.origin,
                            decision.predicted, row[-1])  # fmt: skip
        offset = self._fh.seek(0, os.SEEK_END)
        self._fh.write(_csv_bytes(row))
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.decisions.append(decision)
        self._offsets.append(offset)
        return decision

    def pop(self) -> Decision:
        """Remove the last decision from the file (truncate, flush, fsync) and return it."""
        if not self.decisions:
            raise StoreError(f"{self.path}: no decision to undo")
        offset = self._offsets.pop()
        self._fh.truncate(offset)
        self._fh.seek(offset)
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return self.decisions.pop()

    def label_counts(self) -> dict[str, int]:
        """Decisions per label, every label present (zero when none)."""
        counts = Counter(d.label for d in self.decisions)
        return {label: counts.get(label, 0) for label in LABELS}

    def close(self) -> None:
        """Close the file."""
        self._fh.close()
