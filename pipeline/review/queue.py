"""The review queue: the lines of a labelled file, scored by a model and ordered by what a decision teaches."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.tables import TableReader, find_columns, row_text

ORDERS = ("margin", "flagged", "input")
# Columns `dualuse predict` and the optional enrichers write that a card shows when the file has them.
CARD_COLUMNS = (
    "military_wording", "explanation", "manufacturer", "brand", "model", "quantity", "unit",
    "hs_code", "code_label", "chpl_tier", "code_conflict",
)  # fmt: skip
PREDICT_COLUMNS = (
    "label", "score", "military_marker", "military_wording", "status", "review", "candidate", "familiarity",
)  # fmt: skip


@dataclass
class Item:
    """One line of the labelled file.

    Attributes:
        id: the line's index among the file's rows (0-based), the id the app uses.
        line: the line (or row) number in the file.
        text: the description text (the text columns joined).
        file: what the labelled file says: ``label``, ``score``, ``military_marker``, ``status`` …, as read.
        extra: the card columns present (:data:`CARD_COLUMNS`), non-empty values only.
        label, score, runner_up, runner_up_score, margin, marker, review, candidate, familiarity: the current
            model's prediction (set by :func:`score_items`); ``margin`` is the gap between the two best
            probabilities (small: the model hesitates, so a decision teaches most).
    """

    id: int
    line: int
    text: str
    file: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    label: str = "other"
    score: float = 0.0
    runner_up: str = ""
    runner_up_score: float = 0.0
    margin: float = 1.0
    marker: int = 0
    review: int = 0
    candidate: str = ""
    familiarity: float = 1.0

    @property
    def flagged(self) -> bool:
        """Whether the model flags the line: a dual-use label, a review candidate or a military marker."""
        return self.label != "other" or bool(self.review) or bool(self.marker)

    def card(self) -> dict[str, Any]:
        """The fields the page shows, as plain JSON-able values."""
        return {
            "id": self.id, "line": self.line, "text": self.text, "label": self.label, "score": round(self.score, 4),
            "runner_up": self.runner_up, "runner_up_score": round(self.runner_up_score, 4),
            "margin": round(self.margin, 4), "marker": self.marker, "review": self.review,
            "candidate": self.candidate, "familiarity": round(self.familiarity, 3),
            "file_label": self.file.get("label", ""), "status": self.file.get("status", ""), "extra": self.extra,
        }  # fmt: skip


def _str(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _added(columns: Sequence[str], name: str) -> str | None:
    """The column predict wrote for ``name``: ``dualuse_NAME`` when the input had its own ``NAME``."""
    if f"dualuse_{name}" in columns:
        return f"dualuse_{name}"
    return name if name in columns else None


@dataclass
class LabelledFile:
    """What :func:`read_labelled` read.

    Attributes:
        items: the lines with text, in file order.
        no_text: how many rows had no text (they cannot be decided and are not queued).
        text_columns: the text column(s) used.
        path: the file.
    """

    items: list[Item]
    no_text: int
    text_columns: list[str]
    path: Path


def read_labelled(path: str | Path, text_columns: Sequence[str] | None = None, **reader_kwargs: Any) -> LabelledFile:
    """Read a file written by ``dualuse predict`` (any format its readers take) into queue items.

    Args:
        path: the labelled file.
        text_columns: the description column(s); the usual names are tried when empty.
        reader_kwargs: passed to :class:`pipeline.tables.TableReader` (``encoding``, ``delimiter``, ``sheet``).

    Raises:
        pipeline.tables.InputError: for an unreadable file or a missing text column.
    """
    reader = TableReader(path, **reader_kwargs)
    cols = find_columns(reader.columns, text_columns, str(path))
    predicted = {name: c for name in PREDICT_COLUMNS if (c := _added(reader.columns, name))}
    shown = {name: c for name in CARD_COLUMNS if (c := _added(reader.columns, name))}
    items: list[Item] = []
    no_text = 0
    for index, (row, line, _err) in enumerate(reader.iter_rows()):
        # Undecodable bytes arrive as lone surrogates; the store is UTF-8, so they become U+FFFD.
        text = row_text(row, cols).encode("utf-8", "replace").decode("utf-8")
        if not text:
            no_text += 1
            continue
        item = Item(id=index, line=line, text=text)
        item.file = {name: _str(row.get(c)) for name, c in predicted.items()}
        item.extra = {name: v for name, c in shown.items() if (v := _str(row.get(c)))}
        items.append(item)
    return LabelledFile(items=items, no_text=no_text, text_columns=cols, path=Path(path))


def score_items(model, items: Sequence[Item], batch_size: int = 10_000) -> None:
    """Set each item's prediction, runner-up and margin from ``model`` (one batch pass over the texts)."""
    classes = model.classes
    for start in range(0, len(items), batch_size):
        chunk = items[start : start + batch_size]
        batch = model.predict_batch([it.text for it in chunk])
        for i, it in enumerate(chunk):
            proba = batch.proba[i]
            order = proba.argsort()[::-1]
            it.label, it.score = batch.labels[i], float(batch.scores[i])
            it.marker, it.review, it.candidate = int(batch.markers[i]), int(batch.review[i]), batch.candidates[i]
            it.familiarity = 1.0 if batch.familiarity is None else float(batch.familiarity[i])
            it.margin = float(proba[order[0]] - proba[order[1]]) if len(order) > 1 else 1.0
            runner = next((j for j in order if classes[j] != it.label), order[-1])
            it.runner_up, it.runner_up_score = classes[runner], float(proba[runner])


def order_items(items: Sequence[Item], order: str = "margin") -> list[int]:
    """The ids of ``items`` in review order.

    Args:
        items: scored items.
        order: ``margin`` (the default: smallest gap between the two best labels first, as uncertainty sampling
            does; ties go to flagged lines, then higher scores); ``flagged`` (lines the model flags, by score,
            highest first, then the rest by margin); ``input`` (file order).

    Raises:
        ValueError: for an unknown order.
    """
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; use one of {', '.join(ORDERS)}")
    if order == "input":
        ranked = list(items)
    elif order == "margin":
        ranked = sorted(items, key=lambda it: (round(it.margin, 6), not it.flagged, -it.score, it.id))
    else:
        ranked = sorted(items, key=lambda it: (not it.flagged, -it.score if it.flagged else it.margin, it.id))
    return [it.id for it in ranked]
