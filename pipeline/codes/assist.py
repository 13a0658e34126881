"""Code assist: a line whose text leans to the dual-use label its declared code implies takes that label.

The text alone labels a line, and a class threshold keeps a dual-use label for lines the text is sure of. But a
declaration states its code, and a line like "ailerons" or «закрылок» declared under 8807 is an aircraft part even
when the text scores it only 0.38. With ``code_assist`` = ``a`` (the model's ``[training] code_assist``), a line the
thresholds labelled ``other`` whose valid code implies a dual-use label ``L`` (the code map, longest prefix) and whose
text scores ``L`` at least ``a`` is labelled ``L``, with ``review=1`` and ``candidate = L``: the label rests on the
code, and a reviewer sees it. A line whose text gives ``L`` less than ``a`` keeps ``other`` (with ``code>text`` and
review, as before), so balloons under 8801 or rocket engines under 8412 do not become aircraft parts by their code.
The code never takes a label away: a misdeclared drone is still caught by its text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pipeline.codes.normalise import normalise_code
from pipeline.codes.table import CodeTable, default_code_table
from pipeline.config import STATUS_OK, STATUS_TRUNCATED

# A function that returns the class probabilities of the given row indices and the class order of its columns.
ProbaOf = Callable[[list[int]], tuple[np.ndarray, Sequence[str]]]


def code_assist(
    labels: Sequence[str],
    statuses: Sequence[str],
    codes: Sequence[Any],
    proba_of: ProbaOf,
    threshold: float,
    table: CodeTable | None = None,
) -> dict[int, tuple[str, float]]:
    """The lines the code assist relabels: row index → ``(label, score)``.

    Args:
        labels: each line's label (thresholds applied).
        statuses: each line's status; only ``ok`` and ``truncated`` lines are assisted.
        codes: each line's declared code cell, as read.
        proba_of: class probabilities of some rows (called once, with the candidate rows only).
        threshold: the lowest text probability of the code's label; ``0`` switches the assist off.
        table: the code tables (default: the bundled ones).
    """
    if threshold <= 0:
        return {}
    if len(codes) != len(labels):
        raise ValueError(f"{len(codes)} codes for {len(labels)} texts: give one code (or None) per text")
    table = table or default_code_table()
    implied: dict[int, str] = {}
    for i, (label, status, cell) in enumerate(zip(labels, statuses, codes)):
        if label != "other" or status not in (STATUS_OK, STATUS_TRUNCATED):
            continue
        code = normalise_code(cell)
        if code.valid:
            target = table.implied(code.digits).label
            if target:
                implied[i] = target
    if not implied:
        return {}
    rows = list(implied)
    proba, classes = proba_of(rows)
    classes = list(classes)
    out = {}
    for k, i in enumerate(rows):
        target = implied[i]
        if target in classes and float(proba[k, classes.index(target)]) >= threshold:
            out[i] = (target, float(proba[k, classes.index(target)]))
    return out


def assist_batch(batch, codes: Sequence[Any], threshold: float) -> int:
    """Apply the code assist to a :class:`~pipeline.prediction.PredictionBatch` in place; returns the count."""
    hits = code_assist(batch.labels, batch.statuses, codes, lambda rows: (batch.proba[rows], batch.classes), threshold)
    for i, (label, score) in hits.items():
        batch.labels[i] = label
        batch.scores[i] = score
        batch.review[i] = 1
        batch.candidates[i] = label
    return len(hits)
