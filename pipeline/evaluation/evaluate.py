"""Evaluation of a model on labelled data: read the gold file, predict, and measure (:mod:`.metrics`).

:func:`run_evaluation` returns an :class:`Evaluation`: the metrics with bootstrap intervals, slices by language,
military end-use flag and any column, precision–recall and calibration data, and the errors, most confident first.
:func:`pipeline.api.evaluate` reads a labelled file in any format ``predict`` reads and optionally writes the HTML
report (:mod:`pipeline.report.evaluation`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.codes import agreement
from pipeline.codes.assist import assist_batch
from pipeline.config import LABELS
from pipeline.errors import bad_rows_message
from pipeline.evaluation.metrics import (
    add_intervals,
    average_precision,
    bootstrap_intervals,
    calibration,
    classification_metrics,
    prevalence_projection,
    slice_metrics,
)
from pipeline.model.core import STATUS_EMPTY, DualUseModel, PredictionBatch
from pipeline.model.decision import code_assist_rule, code_line_rule, long_line_rule, pool_rule, prose_rule
from pipeline.model.destination_rule import destination_rule
from pipeline.tables import InputError, TableReader, find_columns, row_text

LANGS = ("ru", "en", "mixed")
# A text counts as Russian when at least this share of its words are written in Cyrillic (tuned on the corpora:
# Russian declarations carry Latin brand and model names, "mixed" lines mix Russian and English words).
RU_WORD_SHARE = 0.4
_WORD = re.compile(r"[^\W\d_]{2,}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MAX_LISTED_ERRORS = 20
CODE_SLICE = "code agreement"


def detect_lang(text: str) -> str:
    """Guess ``ru``, ``en`` or ``mixed`` from the script of the words of ``text``.

    Words of two letters or more are counted; a text with no Cyrillic word is ``en``, one with at least
    :data:`RU_WORD_SHARE` Cyrillic words is ``ru``, anything in between is ``mixed``.
    """
    words = _WORD.findall(text or "")
    if not words:
        return "en"
    cyr = sum(1 for w in words if _CYRILLIC.search(w))
    if cyr == 0:
        return "en"
    return "ru" if cyr / len(words) >= RU_WORD_SHARE else "mixed"


def evaluate_texts(model: DualUseModel, texts: Sequence[str], gold: Sequence[str]) -> dict[str, Any]:
    """Predict ``texts`` with ``model`` and score against ``gold`` (see :func:`classification_metrics`)."""
    batch = model.predict_batch(list(texts))
    return classification_metrics(list(gold), batch.labels)


@dataclass
class LabelledData:
    """Rows of a labelled file read for evaluation.

    Attributes:
        path: the file.
        texts, gold, lines: text, gold label and line (or row) number of each row.
        columns: every input column's values, one list per column (for slices).
        text_columns, label_column: the columns used.
    """

    path: str
    texts: list[str] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    columns: dict[str, list[Any]] = field(default_factory=dict)
    text_columns: list[str] = field(default_factory=list)
    label_column: str = "label"

    def column(self, name: str) -> list[Any] | None:
        """The values of column ``name`` (case- and space-insensitive), or ``None`` when absent."""
        try:
            (hit,) = find_columns(list(self.columns), [name], self.path)
        except InputError:
            return None
        return self.columns[hit]


def read_labelled(
    data: str | Path,
    text_column: Sequence[str] | str | None = None,
    label_column: str = "label",
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
) -> LabelledData:
    """Read a labelled file in any format ``predict`` reads (CSV/TSV/TXT/JSONL/XLSX/Parquet, ``.gz``).

    Raises:
        InputError: when a column is missing, or naming every row (up to 20) that is malformed or whose label
            is not one of :data:`~pipeline.config.LABELS`.
    """
    reader = TableReader(data, encoding=encoding, delimiter=delimiter, sheet=sheet)
    wanted = [text_column] if isinstance(text_column, str) else (list(text_column) if text_column else None)
    text_cols = find_columns(reader.columns, wanted, str(data))
    try:
        (label_col,) = find_columns(reader.columns, [label_column], str(data))
    except InputError:
        raise InputError(
            f"{data}: label column {label_column!r} not found (use --label-column); columns present: {reader.columns}"
        ) from None
    out = LabelledData(
        str(data), columns={c: [] for c in reader.columns}, text_columns=text_cols, label_column=label_col
    )
    errors: list[str] = []
    for row, line, err in reader.iter_rows():
        label = "" if row.get(label_col) is None else str(row.get(label_col)).strip()
        if err:
            errors.append(f"{data}, line {line}: {err}")
        elif label not in LABELS:
            errors.append(
                f"{data}, line {line}, column {label_col!r}: unknown label {label!r}; expected one of {list(LABELS)}"
            )
        out.texts.append(row_text(row, text_cols))
        out.gold.append(label)
        out.lines.append(line)
        for c in reader.columns:
            out.columns[c].append(row.get(c))
    if errors:
        raise InputError(bad_rows_message(errors, MAX_LISTED_ERRORS))
    if not out.texts:
        raise InputError(f"{data}: no rows")
    return out


@dataclass
class Evaluation:
    """Everything :func:`evaluate` computed, for the report writer.

    Attributes:
        metrics: the JSON-serialisable result (what :func:`evaluate` returns).
        data: the labelled rows.
        batch: the model's predictions (with its thresholds applied when ``metrics["thresholds"]`` is set).
        errors: the misclassified rows, most confident first: ``{"line", "text", "gold", "predicted", "score",
            "review", "candidate", "lang"}``.
        lang: the language of each row (column or detected).
    """

    metrics: dict[str, Any]
    data: LabelledData
    batch: PredictionBatch
    errors: list[dict[str, Any]]
    lang: list[str]


def military_flag_metrics(data: LabelledData, batch: PredictionBatch) -> dict[str, Any] | None:
    """The military flag against a gold ``marker`` column (0/1): counts, precision, recall and the wrong lines.

    ``None`` when the data has no such column. Rows whose ``marker`` is neither 0 nor 1 are left out (``n`` counts
    the rest). ``false_flag_lines`` (with the wording that raised each flag) and ``missed_lines`` list the first
    :data:`MAX_LISTED_ERRORS` of each, in file order.
    """
    gold = data.column("marker")
    rows = [(i, str(v).strip()) for i, v in enumerate(gold or []) if v is not None and str(v).strip() in ("0", "1")]
    if not rows:
        return None
    wording = batch.marker_wording or [""] * len(batch)
    true = [i for i, g in rows if g == "1" and batch.markers[i]]
    false = [i for i, g in rows if g == "0" and batch.markers[i]]
    missed = [i for i, g in rows if g == "1" and not batch.markers[i]]
    flagged, marked = len(true) + len(false), len(true) + len(missed)
    return {
        "n": len(rows),
        "gold_marked": marked,
        "flagged": flagged,
        "true_flags": len(true),
        "false_flags": len(false),
        "missed": len(missed),
        "precision": round(len(true) / flagged, 4) if flagged else None,
        "recall": round(len(true) / marked, 4) if marked else None,
        "false_flag_lines": [
            {"line": data.lines[i], "text": data.texts[i], "wording": wording[i]} for i in false[:MAX_LISTED_ERRORS]
        ],
        "missed_lines": [{"line": data.lines[i], "text": data.texts[i]} for i in missed[:MAX_LISTED_ERRORS]],
    }


def _marker_keys(data: LabelledData, batch: PredictionBatch) -> tuple[str, list[str]]:
    gold = data.column("marker")
    if gold is not None and any(str(v).strip() in ("0", "1") for v in gold if v is not None):
        return "marker (gold)", [str(v).strip() if v is not None else "" for v in gold]
    return "military_marker (predicted)", [str(int(m)) for m in batch.markers]


def run_evaluation(
    data: LabelledData,
    model: DualUseModel,
    by: Sequence[str] = (),
    n_boot: int = 1000,
    seed: int = 0,
    apply_thresholds: bool = True,
    prevalence: float | None = None,
    codes: Sequence[Any] | None = None,
) -> Evaluation:
    """Predict the rows of ``data`` and compute every metric, slice, curve summary and the error list.

    With ``prevalence``, precision is also projected to a dump with that share of dual-use lines
    (:func:`prevalence_projection`). With ``codes`` (the declared code of each row), the metrics are also sliced by
    agreement of text and code (``code agreement``: ``agree``, ``text>code``, ``code>text``, ``no code``).

    Raises:
        InputError: when a ``by`` column is not in the data.
    """
    batch = model.predict_batch(data.texts, apply_thresholds=apply_thresholds)
    assisted = 0
    if codes is not None and apply_thresholds:
        assisted = assist_batch(batch, codes, code_assist_rule(model.meta))
    labels = list(LABELS)
    metrics = classification_metrics(data.gold, batch.labels, labels)
    add_intervals(metrics, bootstrap_intervals(data.gold, batch.labels, labels, n_boot=n_boot, seed=seed))
    if prevalence is not None:
        metrics["at_prevalence"] = prevalence_projection(metrics["confusion"], labels, prevalence)

    nonempty = [i for i, s in enumerate(batch.statuses) if s != STATUS_EMPTY]
    gold_ne = [data.gold[i] for i in nonempty]
    proba_ne = batch.proba[nonempty]
    metrics["average_precision"] = average_precision(gold_ne, proba_ne, batch.classes)
    metrics["calibration"] = calibration(gold_ne, proba_ne, batch.classes)
    metrics["empty_rows"] = len(data.texts) - len(nonempty)

    lang, lang_source = _languages(data)
    slices = _slices(data, batch, lang, by, codes)
    metrics["slices"] = slices
    metrics["military_flag"] = military_flag_metrics(data, batch)
    metrics["lang_source"] = lang_source
    metrics["thresholds"] = model.thresholds if apply_thresholds else {}
    metrics.update(_decision_rules(model.meta, bool(metrics["thresholds"]), model.peer))
    if codes is not None:
        metrics["code_assist"] = {"threshold": code_assist_rule(model.meta), "lines": assisted}
    review = [i for i in range(len(batch)) if batch.review[i] and batch.labels[i] == "other"]  # not code-assisted
    metrics["review"] = {
        "n": len(review),
        "candidate_correct": sum(1 for i in review if data.gold[i] == batch.candidates[i]),
        "gold_dual_use": sum(1 for i in review if data.gold[i] != "other"),
    }
    errors = _errors(data, batch, lang)
    errors.sort(key=lambda e: (-e["score"], e["line"]))
    metrics["n_errors"] = len(errors)
    metrics["top_errors"] = errors[:10]
    metrics["data"] = data.path
    metrics["text_columns"] = data.text_columns
    metrics["model"] = str(model.path) if model.path else None
    metrics["model_sha256"] = model.meta.get("model_sha256")
    return Evaluation(metrics=metrics, data=data, batch=batch, errors=errors, lang=lang)


def _decision_rules(meta: dict, active: bool, peer=None) -> dict[str, Any]:
    """The decision rules the labels were given with (``None`` where not applied).

    The character peer's blend (``peer``, applied with or without thresholds), the long-line, model-code, pooling and
    prose rules, the keyword assist and agreement, the bare-word rule (with the count of class terms it spares) and
    the ground, counter-drone cue and destination rules.
    """
    rules: dict[str, Any] = {"peer": peer.summary() if peer is not None else None}
    for key, rule in (("long_line_rule", long_line_rule(meta)), ("code_line_rule", code_line_rule(meta))):
        words, threshold = rule
        rules[key] = {"words": words, "threshold": threshold} if active and words > 0 and threshold > 0 else None
    pool = pool_rule(meta)
    rules["pool_below"] = pool if active and pool > 0 else None
    words, scale = prose_rule(meta)
    rules["prose_rule"] = {"function_words": words, "other_scale": scale} if active and words > 0 else None
    keywords = bool(meta.get("keyword_rules"))
    for key in ("prose_keywords", "keyword_agree", "keyword_terms", "bare_words"):
        value = meta.get(key) or 0
        rules[key] = value if active and keywords and value > 0 else None
    terms = len(meta.get("class_terms") or {})
    rules["class_terms"] = terms if rules["bare_words"] and terms else None
    rules["ground_rule"] = True if active and meta.get("ground_rule") else None
    rules["counter_cue_rule"] = True if active and meta.get("counter_cue_rule") and words > 0 else None
    destination = destination_rule(meta)
    rules["aircraft_destination"] = destination if active and destination > 0 else None
    return rules


def _languages(data: LabelledData) -> tuple[list[str], str]:
    """Each row's language, from a ``lang`` column when it holds only known values, else from the script."""
    lang_col = data.column("lang")
    if lang_col is not None and all(str(v).strip() in LANGS for v in lang_col if v is not None):
        return [str(v).strip() if v is not None else "" for v in lang_col], "column"
    return [detect_lang(t) for t in data.texts], "detected"


def _slices(
    data: LabelledData, batch: PredictionBatch, lang: list[str], by: Sequence[str], codes: Sequence[Any] | None
) -> dict[str, Any]:
    """Metrics sliced by language, military flag, each ``by`` column and (with ``codes``) code agreement."""
    labels = list(LABELS)
    marker_name, marker_keys = _marker_keys(data, batch)
    slices = {
        "lang": slice_metrics(data.gold, batch.labels, lang, labels),
        marker_name: slice_metrics(data.gold, batch.labels, marker_keys, labels),
    }
    for col in by:
        values = data.column(col)
        if values is None:
            raise InputError(f"{data.path}: --by column {col!r} not found; columns present: {list(data.columns)}")
        slices[col] = slice_metrics(data.gold, batch.labels, values, labels)
    if codes is not None:
        slices[CODE_SLICE] = slice_metrics(data.gold, batch.labels, agreement(batch.labels, codes), labels)
    return slices


def _errors(data: LabelledData, batch: PredictionBatch, lang: list[str]) -> list[dict[str, Any]]:
    """The misclassified rows (sorted by the caller)."""
    return [
        {
            "line": data.lines[i],
            "text": data.texts[i],
            "gold": data.gold[i],
            "predicted": batch.labels[i],
            "score": round(float(batch.scores[i]), 4),
            "review": int(batch.review[i]),
            "candidate": batch.candidates[i],
            "lang": lang[i],
        }
        for i in range(len(batch))
        if batch.labels[i] != data.gold[i]
    ]
