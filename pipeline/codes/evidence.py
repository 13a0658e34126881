"""The declared code as evidence beside the text: the added columns, the conflict and the review rule.

For each line, with ``label`` the text's label (the model's, thresholds applied):

* ``hs_code``: the normalised code (empty when the cell was empty or invalid, ``code_status`` says which);
* ``code_label``: the dual-use label the code implies (code map, longest prefix), ``""`` for none;
* ``chpl_tier``: the Common High Priority List tier of the code's HS-6, ``""`` when not on the list;
* ``code_conflict``: ``text>code`` when the text is dual-use and the code implies another label (and does not also
  hold the text's), or the code is in a chapter or heading where the text's label cannot sit; ``code>text`` when
  the code implies a dual-use label and the text says ``other``; ``""`` when they agree or the code says nothing;
* ``code_status``: ``ok``, ``normalised``, ``padded``, ``empty`` or ``invalid: …`` (see :mod:`.normalise`).

Evidence rule: a ``code>text`` line goes to review (``review=1``, ``candidate`` = the code's label); its ``label``
never changes, so the text still decides and a misdeclared line stays caught.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from pipeline.codes.normalise import STATUS_PADDED, Code, normalise_code
from pipeline.codes.table import CodeTable, default_code_table

CODE_COLUMNS = ("hs_code", "code_label", "chpl_tier", "code_conflict", "code_status")
TEXT_OVER_CODE = "text>code"
CODE_OVER_TEXT = "code>text"
# Slices of ``dualuse evaluate --code-column``.
AGREE, NO_CODE = "agree", "no code"
# The summary's count of lines labelled with the code assist (a dual-use label that is the code's, with review=1).
ASSISTED = "code-assisted"


def conflict(label: str, code: Code, table: CodeTable) -> tuple[str, str]:
    """``(code_label, code_conflict)`` of one line whose text says ``label``."""
    if not code.valid:
        return "", ""
    implied = table.implied(code.digits)
    if label == "other":
        return implied.label, CODE_OVER_TEXT if implied.label else ""
    if implied.label:
        agrees = label == implied.label or label in implied.also
        return implied.label, "" if agrees else TEXT_OVER_CODE
    # A restored leading zero may be a typo's doing: only the code map speaks for such a code.
    if code.status != STATUS_PADDED and table.cannot_sit(code.digits, label):
        return "", TEXT_OVER_CODE
    return "", ""


def code_columns(
    labels: Sequence[str],
    codes: Sequence[Any],
    review: list[int] | None = None,
    candidates: list[str] | None = None,
    table: CodeTable | None = None,
) -> dict[str, list]:
    """The code columns of a batch, and the evidence rule applied to ``review``/``candidates`` in place.

    Args:
        labels: the text's label of each line.
        codes: the code cell of each line, as read.
        review: the model's ``review`` column (updated in place), or ``None`` when the output has none.
        candidates: the model's ``candidate`` column (updated in place), or ``None``.
        table: the code tables (default: the bundled ones).

    Returns:
        Column name → one value per line, for :data:`CODE_COLUMNS`.
    """
    if len(codes) != len(labels):
        raise ValueError(f"{len(codes)} codes for {len(labels)} texts: give one code (or None) per text")
    table = table or default_code_table()
    out: dict[str, list] = {c: [] for c in CODE_COLUMNS}
    for i, (label, cell) in enumerate(zip(labels, codes)):
        code = normalise_code(cell)
        code_label, clash = conflict(label, code, table)
        out["hs_code"].append(code.digits)
        out["code_label"].append(code_label)
        out["chpl_tier"].append(table.chpl_tier(code.digits) if code.valid else "")
        out["code_conflict"].append(clash)
        out["code_status"].append(code.status)
        if clash == CODE_OVER_TEXT and review is not None and candidates is not None:
            review[i] = 1
            candidates[i] = code_label
    return out


def add_code_columns(columns: dict[str, list], codes: Sequence[Any], table: CodeTable | None = None) -> dict[str, list]:
    """Add the code columns to labelled columns (as :func:`pipeline.run.labelling.label_texts` returns) in place."""
    review, candidates = columns.get("review"), columns.get("candidate")
    columns.update(code_columns(columns["label"], codes, review, candidates, table))
    return columns


def status_kind(status: str) -> str:
    """``invalid`` for every ``invalid: …`` status, else the status (for counting)."""
    return status.split(":", 1)[0]


def count_codes(conflicts: Counter, statuses: Counter, columns: dict[str, list]) -> None:
    """Add the conflicts (by direction), code-assisted lines and code statuses (by kind) of columns to the counters.

    A code-assisted line (:data:`ASSISTED`, see :mod:`.assist`) is dual-use, labelled as its code implies, with
    ``review=1``; without review columns none is counted.
    """
    conflicts.update(c for c in columns["code_conflict"] if c)
    if "review" in columns:
        conflicts[ASSISTED] += sum(
            1
            for label, review, code_label in zip(columns["label"], columns["review"], columns["code_label"])
            if review and label != "other" and label == code_label
        )
    statuses.update(status_kind(s) for s in columns["code_status"])


def agreement(labels: Sequence[str], codes: Sequence[Any], table: CodeTable | None = None) -> list[str]:
    """Per line: ``agree``, ``text>code``, ``code>text`` or ``no code`` (empty or invalid code)."""
    table = table or default_code_table()
    out = []
    for label, cell in zip(labels, codes):
        code = normalise_code(cell)
        out.append(NO_CODE if not code.valid else (conflict(label, code, table)[1] or AGREE))
    return out
