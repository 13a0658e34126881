"""The declared customs code (ТН ВЭД ЕАЭС, HS) read beside the text: normalised, mapped, checked against the label.

* :mod:`.normalise`: a code cell → its 2–10 digits and a status (``ok``, ``normalised``, ``padded``, ``empty``,
  ``invalid: …``);
* :mod:`.table`: the code map, the chapters where a label cannot sit and the CHPL, from ``configs/``;
* :mod:`.evidence`: the added columns ``hs_code``, ``code_label``, ``chpl_tier``, ``code_conflict``, ``code_status``,
  and the review rule (a ``code>text`` line gets ``review=1`` and the code's label as ``candidate``);
* :mod:`.assist`: a line whose text leans to the label its code implies takes that label (``code_assist``);
* :mod:`.columns`: finding the code column of a dump.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

from pipeline.codes.assist import assist_batch, code_assist
from pipeline.codes.columns import CODE_COLUMN_CANDIDATES, find_code_column, resolve_code_column
from pipeline.codes.evidence import (
    AGREE,
    ASSISTED,
    CODE_COLUMNS,
    CODE_OVER_TEXT,
    NO_CODE,
    TEXT_OVER_CODE,
    add_code_columns,
    agreement,
    code_columns,
    conflict,
    count_codes,
    status_kind,
)
from pipeline.codes.normalise import Code, normalise_code, normalise_codes
from pipeline.codes.table import CodeTable, CodeTableError, default_code_table, load_code_table
from pipeline.prediction import Prediction

__all__ = [
    "AGREE",
    "ASSISTED",
    "CODE_COLUMNS",
    "CODE_COLUMN_CANDIDATES",
    "CODE_OVER_TEXT",
    "NO_CODE",
    "TEXT_OVER_CODE",
    "Code",
    "CodeTable",
    "CodeTableError",
    "CodedPrediction",
    "add_code_columns",
    "agreement",
    "assist_batch",
    "code_assist",
    "code_columns",
    "conflict",
    "count_codes",
    "default_code_table",
    "find_code_column",
    "load_code_table",
    "normalise_code",
    "normalise_codes",
    "resolve_code_column",
    "status_kind",
    "with_codes",
]


@dataclass(frozen=True)
class CodedPrediction(Prediction):
    """A :class:`~pipeline.prediction.Prediction` with the code fields (``model.predict(texts, codes=…)``).

    ``review`` and ``candidate`` have the code evidence rule applied; ``hs_code``, ``code_label``, ``chpl_tier``,
    ``code_conflict`` and ``code_status`` are described in :mod:`.evidence`.
    """

    hs_code: str = ""
    code_label: str = ""
    chpl_tier: str = ""
    code_conflict: str = ""
    code_status: str = "empty"


def with_codes(
    predictions: Sequence[Any], codes: Sequence[Any], table: CodeTable | None = None
) -> list[CodedPrediction]:
    """Join predictions (``Prediction`` objects) with their declared codes.

    Raises:
        ValueError: when there are not as many codes as predictions.
    """
    review = [p.review for p in predictions]
    candidates = [p.candidate for p in predictions]
    cols = code_columns([p.label for p in predictions], codes, review, candidates, table)
    out = []
    for i, p in enumerate(predictions):
        base = CodedPrediction(**{f.name: getattr(p, f.name) for f in fields(Prediction)})
        out.append(replace(base, review=review[i], candidate=candidates[i], **{c: cols[c][i] for c in CODE_COLUMNS}))
    return out
