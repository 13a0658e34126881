"""The destination rule of a model's decision: ``other`` lines declared for manned aircraft to ``aircraft_parts``.

See :mod:`pipeline.text.destination` for what the rule reads in a line, and ``[training] aircraft_destination`` of the
config.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from pipeline.text.destination import declares_aircraft


def destination_rule(meta: dict) -> float:
    """The least ``aircraft_parts`` score the destination rule asks (``[training] aircraft_destination``; 0: off)."""
    return float(meta.get("aircraft_destination") or 0.0)


def destination_assist(
    texts: Sequence[str],
    proba: np.ndarray,
    decided: tuple[np.ndarray, np.ndarray, np.ndarray, list[str]],
    classes: Sequence[str],
    meta: dict,
    normalise: Callable[[str], str],
) -> None:
    """Give ``aircraft_parts`` (with ``review=1``) to lines left ``other`` that declare their goods for manned aircraft.

    A line qualifies when :func:`pipeline.text.destination.declares_aircraft` reads its normalised text as declared
    for manned aviation and none of the label guide's exceptions, ``aircraft_parts`` is its best class but ``other``
    and scores at least :func:`destination_rule` of the model's meta (``proba``: the scores after the prose rule).
    ``decided``: ``(best, scores, review, candidates)``, changed in place.
    """
    at = destination_rule(meta)
    classes = list(classes)
    if at <= 0 or "aircraft_parts" not in classes or "other" not in classes:
        return
    best, scores, review, candidates = decided
    parts, other = classes.index("aircraft_parts"), classes.index("other")
    rivals = proba.copy()
    rivals[:, other] = -1.0
    backed = (best == other) & (rivals.argmax(axis=1) == parts) & (proba[:, parts] >= at)
    for i in np.flatnonzero(backed).tolist():
        if declares_aircraft(normalise(texts[i])):
            best[i], scores[i], review[i], candidates[i] = parts, proba[i, parts], 1, "aircraft_parts"
