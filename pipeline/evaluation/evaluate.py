"""Evaluation of a model on labelled data.

Per-class precision, recall, F1 and support with seeded bootstrap confidence intervals; macro and micro
averages; the "any dual-use class vs other" precision and recall (what lands in an analyst's review queue); the
confusion matrix; slices by language, military end-use flag and any column; precision–recall and calibration
data; and the list of errors, most confident first. :func:`evaluate` reads a labelled file in any format
``predict`` reads and optionally writes an HTML report (see :mod:`pipeline.report.evaluation`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import LABELS
from pipeline.model.core import STATUS_EMPTY, DualUseModel, PredictionBatch
from pipeline.tables import InputError, TableReader, find_columns, row_text

LANGS = ("ru", "en", "mixed")
# A text counts as Russian when at least this share of its words are written in Cyrillic (tuned on the corpora:
# Russian declarations carry Latin brand and model names, "mixed" lines mix Russian and English words).
RU_WORD_SHARE = 0.4
_WORD = re.compile(r"[^\W\d_]{2,}")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MAX_LISTED_ERRORS = 20


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


def _dual_use_counts(conf: np.ndarray, other: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, predicted positives and gold positives of "any dual-use class vs other".

    ``conf`` is ``(..., k, k)`` with gold rows and predicted columns; a dual-use line predicted as another
    dual-use class still counts as caught (it enters the review queue).
    """
    pos = np.ones(conf.shape[-1], dtype=bool)
    pos[other] = False
    tp = conf[..., pos, :][..., :, pos].sum(axis=(-1, -2))
    pred_pos = conf[..., :, pos].sum(axis=(-1, -2))
    gold_pos = conf[..., pos, :].sum(axis=(-1, -2))
    return tp, pred_pos, gold_pos


def _confusion(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    index = {lab: i for i, lab in enumerate(labels)}
    k = len(labels)
    conf = np.zeros((k, k), dtype=np.int64)
    for g, p in zip(gold, pred):
        conf[index[g], index[p]] += 1
    return conf


def classification_metrics(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, macro and micro averages, accuracy and the confusion matrix.

    Args:
        gold: gold labels.
        pred: predicted labels.
        labels: label order of the report and of the confusion matrix rows (gold) and columns (predicted).

    Returns:
        ``{"per_class": {label: {...}}, "macro_f1", "macro_precision", "macro_recall", "micro_f1", "accuracy",
        "any_dual_use": {"precision", "recall", "f1", "support", "predicted"}, "n", "labels", "confusion"}``;
        a class with no predictions has precision 0 (and no gold, recall 0). Macro averages run over the
        classes present in ``gold``. ``any_dual_use`` is only present when ``labels`` holds ``other``.
    """
    labels = list(labels)
    k = len(labels)
    conf = _confusion(gold, pred, labels)
    tp = np.diag(conf).astype(float)
    pred_n = conf.sum(axis=0).astype(float)
    gold_n = conf.sum(axis=1).astype(float)
    precision = np.divide(tp, pred_n, out=np.zeros(k), where=pred_n > 0)
    recall = np.divide(tp, gold_n, out=np.zeros(k), where=gold_n > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros(k), where=denom > 0)
    present = gold_n > 0
    n = int(conf.sum())
    per_class = {
        lab: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(gold_n[i]),
            "predicted": int(pred_n[i]),
        }
        for i, lab in enumerate(labels)
    }
    out: dict[str, Any] = {
        "per_class": per_class,
        "macro_precision": float(precision[present].mean()) if present.any() else 0.0,
        "macro_recall": float(recall[present].mean()) if present.any() else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "micro_f1": float(tp.sum() / n) if n else 0.0,
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "n": n,
        "labels": labels,
        "confusion": conf.tolist(),
    }
    if "other" in labels:
        dtp, dpred, dgold = (int(x) for x in _dual_use_counts(conf, labels.index("other")))
        p = dtp / dpred if dpred else 0.0
        r = dtp / dgold if dgold else 0.0
        out["any_dual_use"] = {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "support": dgold,
            "predicted": dpred,
        }
    return out


def _upper_rate(k: int, n: int, z: float = 1.96) -> float:
    """Upper end of the Wilson 95 % interval of a rate of ``k`` in ``n``."""
    if n == 0:
        return 1.0
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float(min(1.0, (centre + spread) / (1 + z * z / n)))


def prevalence_projection(confusion: Sequence[Sequence[int]], labels: Sequence[str], prevalence: float) -> dict:
    """Precision of each dual-use class (and of the review queue) projected to a dump with another base rate.

    A test set with 60 % dual-use lines says little about a dump with 0.5 %: false positives come from the
    ``other`` lines, which then outnumber the dual-use ones 200 to 1. With ``prevalence`` = π, the share of
    dual-use lines in the user's dump, and the dual-use lines keeping the test set's class mix::

        precision_c(π) = π · P(pred c, gold c) / (π · P(pred c | dual-use) + (1 − π) · FPR_c)

    where ``FPR_c`` is the share of gold ``other`` lines predicted ``c``. ``*_conservative`` uses the upper end of
    the Wilson 95 % interval of each false-positive rate instead (with no false positive among ``n`` other lines
    the rate is still not known to be 0).

    Args:
        confusion: gold rows × predicted columns, in ``labels`` order.
        labels: the label order, holding ``other``.
        prevalence: π in (0, 1).

    Returns:
        ``{"prevalence", "n_other", "per_class": {c: {"fpr", "fpr_upper", "recall", "precision",
        "precision_conservative"}}, "any_dual_use": {... the same for any dual-use class vs other}}``.
    """
    if not 0.0 < prevalence < 1.0:
        raise ValueError(f"prevalence {prevalence}: expected a share strictly between 0 and 1")
    conf = np.asarray(confusion, dtype=float)
    labels = list(labels)
    o = labels.index("other")
    pos = [i for i in range(len(labels)) if i != o]
    n_other = conf[o].sum()
    n_pos = conf[pos].sum()

    def project(tp_share: float, pred_share: float, fp: int) -> dict[str, float]:
        fpr = fp / n_other if n_other else 0.0
        upper = _upper_rate(int(fp), int(n_other))

        def precision(rate: float) -> float:
            hit = prevalence * tp_share
            denom = prevalence * pred_share + (1 - prevalence) * rate
            return float(hit / denom) if denom > 0 else 0.0

        return {"fpr": fpr, "fpr_upper": upper, "precision": precision(fpr), "precision_conservative": precision(upper)}

    out: dict[str, Any] = {"prevalence": prevalence, "n_other": int(n_other), "n_dual_use": int(n_pos), "per_class": {}}
    if n_pos == 0:
        return out
    for c in pos:
        tp_share = conf[c, c] / n_pos
        pred_share = conf[pos, c].sum() / n_pos
        res = project(tp_share, pred_share, int(conf[o, c]))
        res["recall"] = float(conf[c, c] / conf[c].sum()) if conf[c].sum() else 0.0
        out["per_class"][labels[c]] = res
    caught = conf[np.ix_(pos, pos)].sum() / n_pos
    res = project(caught, caught, int(conf[o, pos].sum()))
    res["recall"] = float(caught)
    out["any_dual_use"] = res
    return out


def bootstrap_intervals(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str] = LABELS,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> dict[str, Any]:
    """Percentile bootstrap confidence intervals of the metrics of :func:`classification_metrics`.

    Lines are resampled with replacement ``n_boot`` times (seeded). A resample where a metric is undefined
    (no prediction of a class for its precision, no gold line for its recall) does not count for that metric.
    Each interval is widened, if needed, to contain the point estimate on the full data.

    Args:
        gold: gold labels.
        pred: predicted labels.
        labels: label order.
        n_boot: number of resamples.
        seed: seed of the resampling.
        level: coverage of the intervals.

    Returns:
        ``{"per_class": {label: {"precision": [lo, hi], "recall": [...], "f1": [...]}}, "macro_precision",
        "macro_recall", "macro_f1", "micro_f1", "any_dual_use": {"precision", "recall", "f1"}, "n_boot",
        "seed", "level"}``; an interval is ``None`` when the metric is undefined in every resample.
    """
    labels = list(labels)
    k = len(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    g = np.array([index[x] for x in gold], dtype=np.int64)
    p = np.array([index[x] for x in pred], dtype=np.int64)
    n = len(g)
    point = classification_metrics(gold, pred, labels)
    rng = np.random.default_rng(seed)
    conf = np.zeros((n_boot, k, k), dtype=np.int64)
    step = max(1, 5_000_000 // max(n, 1))
    for start in range(0, n_boot, step):
        b = min(step, n_boot - start)
        idx = rng.integers(0, n, size=(b, n)) if n else np.zeros((b, 0), dtype=np.int64)
        codes = g[idx] * k + p[idx] + (np.arange(b) * k * k)[:, None]
        conf[start : start + b] = np.bincount(codes.ravel(), minlength=b * k * k).reshape(b, k, k)
    tp = np.diagonal(conf, axis1=1, axis2=2).astype(float)
    pred_n = conf.sum(axis=1).astype(float)
    gold_n = conf.sum(axis=2).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(pred_n > 0, tp / pred_n, np.nan)
        rec = np.where(gold_n > 0, tp / gold_n, np.nan)
        # F1 and macro averages follow the point-estimate convention: undefined precision counts as 0.
        p0, r0 = np.nan_to_num(prec), np.nan_to_num(rec)
        f1 = np.where(p0 + r0 > 0, 2 * p0 * r0 / (p0 + r0), 0.0)
        f1 = np.where(gold_n > 0, f1, np.nan)
        present = gold_n > 0
        n_present = present.sum(axis=1)
        macro_p = np.where(n_present > 0, (p0 * present).sum(axis=1) / n_present, np.nan)
        macro_r = np.where(n_present > 0, (r0 * present).sum(axis=1) / n_present, np.nan)
        macro_f1 = np.where(n_present > 0, np.nan_to_num(f1).sum(axis=1) / n_present, np.nan)
        micro = tp.sum(axis=1) / max(n, 1)
    tail = (1 - level) / 2 * 100

    def interval(values: np.ndarray, est: float) -> list[float] | None:
        values = values[~np.isnan(values)]
        if values.size == 0:
            return None
        lo, hi = np.percentile(values, [tail, 100 - tail])
        return [float(min(lo, est)), float(max(hi, est))]

    out: dict[str, Any] = {
        "per_class": {
            lab: {
                "precision": interval(prec[:, i], point["per_class"][lab]["precision"]),
                "recall": interval(rec[:, i], point["per_class"][lab]["recall"]),
                "f1": interval(f1[:, i], point["per_class"][lab]["f1"]),
            }
            for i, lab in enumerate(labels)
        },
        "macro_precision": interval(macro_p, point["macro_precision"]),
        "macro_recall": interval(macro_r, point["macro_recall"]),
        "macro_f1": interval(macro_f1, point["macro_f1"]),
        "micro_f1": interval(micro, point["micro_f1"]),
        "n_boot": n_boot,
        "seed": seed,
        "level": level,
    }
    if "other" in labels:
        dtp, dpred, dgold = (x.astype(float) for x in _dual_use_counts(conf, labels.index("other")))
        with np.errstate(divide="ignore", invalid="ignore"):
            dp = np.where(dpred > 0, dtp / dpred, np.nan)
            dr = np.where(dgold > 0, dtp / dgold, np.nan)
            dp0, dr0 = np.nan_to_num(dp), np.nan_to_num(dr)
            df1 = np.where(dp0 + dr0 > 0, 2 * dp0 * dr0 / (dp0 + dr0), 0.0)
        point_d = point["any_dual_use"]
        out["any_dual_use"] = {
            "precision": interval(dp, point_d["precision"]),
            "recall": interval(dr, point_d["recall"]),
            "f1": interval(df1, point_d["f1"]),
        }
    return out


def add_intervals(metrics: dict[str, Any], intervals: dict[str, Any]) -> dict[str, Any]:
    """Copy the intervals of :func:`bootstrap_intervals` into ``metrics`` as ``<name>_ci`` keys (in place)."""
    for lab, cis in intervals["per_class"].items():
        for name, ci in cis.items():
            metrics["per_class"][lab][f"{name}_ci"] = ci
    for name in ("macro_precision", "macro_recall", "macro_f1", "micro_f1"):
        metrics[f"{name}_ci"] = intervals[name]
    if "any_dual_use" in intervals and "any_dual_use" in metrics:
        for name, ci in intervals["any_dual_use"].items():
            metrics["any_dual_use"][f"{name}_ci"] = ci
    metrics["bootstrap"] = {k: intervals[k] for k in ("n_boot", "seed", "level")}
    return metrics


def slice_metrics(
    gold: Sequence[str], pred: Sequence[str], keys: Sequence[Any], labels: Sequence[str] = LABELS
) -> dict[str, dict[str, Any]]:
    """Compact metrics for each value of ``keys`` (one key per line).

    Returns:
        ``{value: {"n", "accuracy", "macro_f1", "dual_use_precision", "dual_use_recall", "dual_use_support"}}``
        sorted by value; missing values are grouped under ``"(missing)"``.
    """
    groups: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        name = "(missing)" if key is None or str(key).strip() == "" else str(key).strip()
        groups.setdefault(name, []).append(i)
    out = {}
    for name in sorted(groups):
        idx = groups[name]
        m = classification_metrics([gold[i] for i in idx], [pred[i] for i in idx], labels)
        d = m.get("any_dual_use", {})
        out[name] = {
            "n": m["n"],
            "accuracy": m["accuracy"],
            "macro_f1": m["macro_f1"],
            "dual_use_precision": d.get("precision"),
            "dual_use_recall": d.get("recall"),
            "dual_use_support": d.get("support"),
        }
    return out


def calibration(gold: Sequence[str], proba: np.ndarray, classes: Sequence[str], n_bins: int = 10) -> dict[str, Any]:
    """Reliability of the model's top-class probability, and the Brier score.

    Args:
        gold: gold labels, one per row of ``proba``.
        proba: class probabilities (rows × ``classes``).
        classes: the label order of ``proba``'s columns.
        n_bins: equal-width confidence bins over [0, 1].

    Returns:
        ``{"brier", "ece", "n", "bins": [{"lo", "hi", "n", "confidence", "accuracy"}]}``; ``brier`` is the
        multi-class Brier score (mean over rows of the squared distance between ``proba`` and the one-hot gold
        label, 0 best, 2 worst), ``ece`` the expected calibration error of the top-class probability.
    """
    classes = list(classes)
    index = {c: i for i, c in enumerate(classes)}
    g = np.array([index[x] for x in gold], dtype=np.int64)
    n = len(g)
    if n == 0:
        return {"brier": None, "ece": None, "n": 0, "bins": []}
    onehot = np.zeros_like(proba, dtype=float)
    onehot[np.arange(n), g] = 1.0
    brier = float(((proba - onehot) ** 2).sum(axis=1).mean())
    conf = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == g).astype(float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, n_bins - 1)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        mask = which == b
        cnt = int(mask.sum())
        entry = {"lo": float(edges[b]), "hi": float(edges[b + 1]), "n": cnt, "confidence": None, "accuracy": None}
        if cnt:
            entry["confidence"] = float(conf[mask].mean())
            entry["accuracy"] = float(correct[mask].mean())
            ece += cnt / n * abs(entry["confidence"] - entry["accuracy"])
        bins.append(entry)
    return {"brier": brier, "ece": float(ece), "n": n, "bins": bins}


def average_precision(gold: Sequence[str], proba: np.ndarray, classes: Sequence[str]) -> dict[str, float | None]:
    """One-vs-rest average precision of each class from its probability column (``None`` without gold)."""
    from sklearn.metrics import average_precision_score

    gold_arr = np.asarray(gold)
    out: dict[str, float | None] = {}
    for j, c in enumerate(classes):
        y = gold_arr == c
        out[c] = float(average_precision_score(y, proba[:, j])) if y.any() else None
    return out


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
        more = f"\n… and {len(errors) - MAX_LISTED_ERRORS} more" if len(errors) > MAX_LISTED_ERRORS else ""
        raise InputError(f"{len(errors)} bad row(s):\n" + "\n".join(errors[:MAX_LISTED_ERRORS]) + more)
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
) -> Evaluation:
    """Predict the rows of ``data`` and compute every metric, slice, curve summary and the error list.

    With ``prevalence``, precision is also projected to a dump with that share of dual-use lines
    (:func:`prevalence_projection`).

    Raises:
        InputError: when a ``by`` column is not in the data.
    """
    batch = model.predict_batch(data.texts, apply_thresholds=apply_thresholds)
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

    lang_col = data.column("lang")
    if lang_col is not None and all(str(v).strip() in LANGS for v in lang_col if v is not None):
        lang = [str(v).strip() if v is not None else "" for v in lang_col]
        lang_source = "column"
    else:
        lang = [detect_lang(t) for t in data.texts]
        lang_source = "detected"
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
    metrics["slices"] = slices
    metrics["lang_source"] = lang_source

    thresholds = model.thresholds if apply_thresholds else {}
    review = [i for i in range(len(batch)) if batch.review[i]]
    metrics["thresholds"] = thresholds
    metrics["review"] = {
        "n": len(review),
        "candidate_correct": sum(1 for i in review if data.gold[i] == batch.candidates[i]),
        "gold_dual_use": sum(1 for i in review if data.gold[i] != "other"),
    }

    errors = [
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
    errors.sort(key=lambda e: (-e["score"], e["line"]))
    metrics["n_errors"] = len(errors)
    metrics["top_errors"] = errors[:10]
    metrics["data"] = data.path
    metrics["text_columns"] = data.text_columns
    metrics["model"] = str(model.path) if model.path else None
    metrics["model_sha256"] = model.meta.get("model_sha256")
    return Evaluation(metrics=metrics, data=data, batch=batch, errors=errors, lang=lang)
