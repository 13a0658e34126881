"""The counter-drone cue rule of a model's decision: prose ``counter_drone`` lines with no cue of one to review.

See :mod:`pipeline.text.counter_cues` for the cues, and ``[training] counter_cue_rule`` of the config.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from pipeline.text.counter_cues import has_counter_cue


def cue_review(
    texts: Sequence[str],
    prose: np.ndarray | None,
    proba: np.ndarray,
    decided: tuple[np.ndarray, np.ndarray, np.ndarray, list[str]],
    classes: Sequence[str],
    meta: dict,
    normalise: Callable[[str], str],
) -> None:
    """Send prose lines labelled ``counter_drone`` whose text holds no counter-drone cue to review as ``other``.

    ``prose``: which lines read as running prose (the prose rule's lines; ``None``: no prose rule, and no line
    qualifies). A qualifying line keeps ``counter_drone`` as ``candidate`` with ``review=1`` when the model's meta has
    ``counter_cue_rule`` and :func:`pipeline.text.counter_cues.has_counter_cue` finds nothing in its normalised text:
    a ruling's amplifier, antenna or scanner read as a jammer through the words of radio engineering alone.
    ``decided``: ``(best, scores, review, candidates)``, changed in place.
    """
    classes = list(classes)
    if prose is None or not meta.get("counter_cue_rule") or "counter_drone" not in classes or "other" not in classes:
        return
    best, scores, review, candidates = decided
    counter, other = classes.index("counter_drone"), classes.index("other")
    for i in np.flatnonzero((best == counter) & prose).tolist():
        if not has_counter_cue(normalise(texts[i])):
            review[i], candidates[i] = 1, "counter_drone"
            best[i], scores[i] = other, proba[i, other]
