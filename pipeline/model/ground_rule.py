"""The ground rule of a model's decision: ``aircraft_parts`` lines of ground machines and ground equipment to review.

See :mod:`pipeline.text.ground` for what the rule reads in a line, and ``[training] ground_rule`` of the config.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from pipeline.text.ground import ground_reason


def ground_review(
    texts: Sequence[str],
    proba: np.ndarray,
    decided: tuple[np.ndarray, np.ndarray, np.ndarray, list[str]],
    classes: Sequence[str],
    meta: dict,
    normalise: Callable[[str], str],
) -> None:
    """Send ``aircraft_parts`` lines of ground machines and ground equipment to review as ``other``.

    A line qualifies when :func:`pipeline.text.ground.ground_reason` names its text a ground machine's engine or
    aviation's ground equipment, tools or consumables, and the model's meta has ``ground_rule``. It keeps
    ``aircraft_parts`` as ``candidate`` with ``review=1``; ``decided``: ``(best, scores, review, candidates)``,
    changed in place.
    """
    classes = list(classes)
    if not meta.get("ground_rule") or "aircraft_parts" not in classes or "other" not in classes:
        return
    best, scores, review, candidates = decided
    parts, other = classes.index("aircraft_parts"), classes.index("other")
    for i in np.flatnonzero(best == parts).tolist():
        if ground_reason(normalise(texts[i])):
            review[i], candidates[i] = 1, "aircraft_parts"
            best[i], scores[i] = other, proba[i, other]
