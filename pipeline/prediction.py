"""What the model answers: one :class:`Prediction` per text, or a column-wise :class:`PredictionBatch`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one text.

    Attributes:
        label: one of the six labels (``other`` when the row could not be classified or fell below its class
            threshold).
        score: probability-like confidence of ``label`` in [0, 1]; 0.0 when ``status`` is ``empty``.
        military_marker: 1 when the text names a military end use, else 0.
        military_wording: the words of the text that raised ``military_marker``, as written (``""`` without it).
        status: ``ok``, ``truncated`` (classified on the first ``max_chars`` characters) or ``empty``.
        review: 1 when the best class was below its threshold and the line was relabelled ``other``, or the line
            is ``other`` but too unfamiliar to the model to trust that (see :mod:`pipeline.features.familiarity`).
        candidate: the class the line nearly had (or leans to) when ``review`` is 1, else ``""``.
        familiarity: the share of the text's words the model saw in training.
        entities: ``manufacturer``, ``brand``, ``model``, ``quantity``, ``unit`` when asked for
            (``model.predict(texts, entities=True)``, see :mod:`pipeline.entities`), else ``None``.
    """

    label: str
    score: float
    military_marker: int
    status: str
    review: int = 0
    candidate: str = ""
    familiarity: float = 1.0
    entities: dict[str, str] | None = None
    military_wording: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict."""
        return asdict(self)


@dataclass
class PredictionBatch:
    """Column-wise predictions for many texts (what file labelling uses).

    Attributes:
        labels, scores, markers, statuses, review, candidates: one entry per input text.
        proba: the full probability matrix (rows × ``classes``); rows of empty texts are all zero.
        classes: the label order of ``proba``'s columns.
        familiarity: per text, the share of its words the model saw in training (1.0 for texts without words).
        marker_wording: per text, the words that raised its military marker, as written (``""`` without one).
    """

    labels: list[str]
    scores: np.ndarray
    markers: np.ndarray
    statuses: list[str]
    review: np.ndarray
    candidates: list[str]
    proba: np.ndarray
    classes: list[str]
    familiarity: np.ndarray | None = None
    marker_wording: list[str] | None = None

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> Prediction:
        return Prediction(
            self.labels[i],
            float(self.scores[i]),
            int(self.markers[i]),
            self.statuses[i],
            int(self.review[i]),
            self.candidates[i],
            1.0 if self.familiarity is None else round(float(self.familiarity[i]), 4),
            military_wording="" if self.marker_wording is None else self.marker_wording[i],
        )

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def top_k(self, k: int) -> list[list[tuple[str, float]]]:
        """The ``k`` best labels with their scores for each row."""
        order = np.argsort(-self.proba, axis=1)[:, :k]
        return [[(self.classes[j], float(self.proba[r, j])) for j in row] for r, row in enumerate(order)]
