"""A review session: the queue, the decisions, skip and undo, and progress, shared by the app's requests."""

from __future__ import annotations

import dataclasses
import threading
from collections import defaultdict
from typing import Any

from pipeline.config import LABELS
from pipeline.evaluation.evaluate import detect_lang
from pipeline.review.queue import Item, LabelledFile, order_items, score_items
from pipeline.review.store import CorrectionStore, Decision


class ReviewError(ValueError):
    """A request the session refuses; ``status`` is the HTTP status the app answers with."""

    status = 400


class UnknownItem(ReviewError):
    """No line of the labelled file has this id."""

    status = 404


class Conflict(ReviewError):
    """The line was already decided, or there is nothing to undo or retrain on."""

    status = 409


class ReviewSession:
    """The state of one review: items, queue order, store and the actions of this session (for undo).

    Args:
        labelled: the lines read from the labelled file.
        store: the corrections store (decisions of earlier sessions are skipped: resume).
        model: the model that scores the queue (runner-up and margin need its class probabilities).
        order: the queue order (:data:`pipeline.review.queue.ORDERS`).

    Every public method takes :attr:`lock`, so requests served from several threads see one consistent state.
    """

    def __init__(self, labelled: LabelledFile, store: CorrectionStore, model, order: str = "margin"):
        self.lock = threading.RLock()
        self.labelled = labelled
        self.store = store
        self.order = order
        self.origin_file = labelled.path.name
        self.items: dict[int, Item] = {it.id: it for it in labelled.items}
        self.by_text: dict[str, list[int]] = defaultdict(list)
        for it in labelled.items:
            self.by_text[it.text].append(it.id)
        self.decided_texts = {d.text for d in store.decisions}
        self.decided_origins = {d.origin for d in store.decisions}
        self.skipped: list[int] = []
        self.actions: list[tuple[str, int]] = []
        self.session_decisions = 0
        self.model_version = 1
        self.retrain_status: dict[str, Any] = {"state": "idle", "runs": 0, "message": ""}
        order_items([], order)  # validates the order before the scoring work
        score_items(model, labelled.items)
        self.queue: list[int] = []
        self._reorder()

    def origin(self, item: Item) -> str:
        """Where a line comes from, as the store records it: ``FILE:LINE``."""
        return f"{self.origin_file}:{item.line}"

    def _open(self, item: Item) -> bool:
        return item.text not in self.decided_texts and self.origin(item) not in self.decided_origins

    def _reorder(self) -> None:
        skipped = set(self.skipped)
        ranked = order_items([it for it in self.items.values() if self._open(it)], self.order)
        self.queue = [i for i in ranked if i not in skipped] + [i for i in self.skipped if self._open(self.items[i])]

    def _item(self, item_id: Any) -> Item:
        if isinstance(item_id, bool) or not isinstance(item_id, int) or item_id not in self.items:
            raise UnknownItem(f"unknown id {item_id!r}: no line of {self.origin_file} has it")
        return self.items[item_id]

    def _front(self, item_id: int) -> None:
        self.queue = [item_id] + [i for i in self.queue if i != item_id]

    def state(self) -> dict[str, Any]:
        """The card on screen (``None`` when the queue is empty), progress and retraining status."""
        with self.lock:
            card = self.items[self.queue[0]].card() if self.queue else None
            return {"card": card, "progress": self.progress(), "retrain": dict(self.retrain_status),
                    "model_version": self.model_version, "can_undo": bool(self.actions)}  # fmt: skip

    def progress(self) -> dict[str, Any]:
        """Decided lines (store and this session), lines left, skipped, per-label counts of the store."""
        with self.lock:
            done = sum(1 for it in self.items.values() if not self._open(it))
            return {
                "decided": len(self.store.decisions), "session": self.session_decisions, "queue": len(self.queue),
                "lines": len(self.items), "done_in_file": done, "skipped": len(self.skipped),
                "no_text": self.labelled.no_text, "per_label": self.store.label_counts(),
            }  # fmt: skip

    def decide(self, item_id: int, label: str, marker: int) -> Decision:
        """Record a decision: append it to the store (fsynced) and drop the line and its exact duplicates.

        Raises:
            UnknownItem: for an id no line has.
            Conflict: when the line (or its text) was already decided.
            ReviewError: for a label not among the six or a marker other than 0/1.
        """
        if label not in LABELS:
            raise ReviewError(f"unknown label {label!r}; use one of {', '.join(LABELS)}")
        if marker not in (0, 1) or isinstance(marker, bool):
            raise ReviewError(f"marker must be 0 or 1, not {marker!r}")
        with self.lock:
            item = self._item(item_id)
            if not self._open(item):
                raise Conflict(f"line {item.line} (id {item_id}) is already decided")
            decision = self.store.append(
                Decision(item.text, label, detect_lang(item.text), marker, self.origin(item), item.label)
            )
            self.decided_texts.add(item.text)
            self.decided_origins.add(decision.origin)
            gone = set(self.by_text[item.text])
            self.queue = [i for i in self.queue if i not in gone]
            self.skipped = [i for i in self.skipped if i not in gone]
            self.actions.append(("decide", item_id))
            self.session_decisions += 1
            return decision

    def skip(self, item_id: int) -> None:
        """Put an undecided line at the end of the queue (for this session: skips are not stored)."""
        with self.lock:
            item = self._item(item_id)
            if not self._open(item):
                raise Conflict(f"line {item.line} (id {item_id}) is already decided")
            self.skipped = [i for i in self.skipped if i != item_id] + [item_id]
            self.queue = [i for i in self.queue if i != item_id] + [item_id]
            self.actions.append(("skip", item_id))

    def undo(self) -> dict[str, Any]:
        """Undo this session's last decision or skip; the line comes back on screen.

        Raises:
            Conflict: when this session has nothing to undo.
        """
        with self.lock:
            if not self.actions:
                raise Conflict("nothing to undo in this session")
            kind, item_id = self.actions.pop()
            if kind == "decide":
                d = self.store.pop()
                self.decided_texts.discard(d.text)
                self.decided_origins.discard(d.origin)
                self.session_decisions -= 1
                self._reorder()
            else:
                self.skipped = [i for i in self.skipped if i != item_id]
            self._front(item_id)
            return {"undone": kind, "id": item_id}

    def rescore(self, model) -> None:
        """Score every line with a new model (outside the lock) and re-order the queue with it."""
        with self.lock:
            fresh = [dataclasses.replace(it) for it in self.items.values()]
        score_items(model, fresh)
        with self.lock:
            current = self.queue[0] if self.queue else None
            self.items = {it.id: it for it in fresh}
            self._reorder()
            if current is not None and current in self.queue:
                self._front(current)  # the card on screen stays; the lines after it follow the new model
            self.model_version += 1
