"""Metrics of labels against gold: per-class and dual-use precision/recall/F1, bootstrap intervals, calibration.

Per-class precision, recall, F1 and support; macro and micro averages; the "any dual-use class vs other"
precision and recall (what lands in an analyst's review queue); the confusion matrix; seeded percentile bootstrap
intervals; precision projected to the user's prevalence; slices; calibration and average precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.config import LABELS


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
    index = {lab: i for i, lab in enumerate(labels)}
    g = np.array([index[x] for x in gold], dtype=np.int64)
    p = np.array([index[x] for x in pred], dtype=np.int64)
    point = classification_metrics(gold, pred, labels)
    conf = _resampled_confusions(g, p, len(labels), n_boot, seed)
    rates = _resampled_rates(conf, len(g))
    tail = (1 - level) / 2 * 100

    def interval(values: np.ndarray, est: float) -> list[float] | None:
        return _percentile_interval(values, est, tail)

    out: dict[str, Any] = {
        "per_class": {
            lab: {
                metric: interval(rates[metric][:, i], point["per_class"][lab][metric])
                for metric in ("precision", "recall", "f1")
            }
            for i, lab in enumerate(labels)
        },
        **{name: interval(rates[name], point[name]) for name in ("macro_precision", "macro_recall", "macro_f1")},
        "micro_f1": interval(rates["micro_f1"], point["micro_f1"]),
        "n_boot": n_boot,
        "seed": seed,
        "level": level,
    }
    if "other" in labels:
        dual = _dual_use_rates(conf, labels.index("other"))
        out["any_dual_use"] = {m: interval(dual[m], point["any_dual_use"][m]) for m in ("precision", "recall", "f1")}
    return out


# Resampled confusion matrices are built in batches of about this many sampled lines (bounds the memory).
BOOTSTRAP_BATCH_CELLS = 5_000_000


def _resampled_confusions(g: np.ndarray, p: np.ndarray, k: int, n_boot: int, seed: int) -> np.ndarray:
    """``n_boot`` confusion matrices (``k`` x ``k``) of lines resampled with replacement (seeded)."""
    n = len(g)
    rng = np.random.default_rng(seed)
    conf = np.zeros((n_boot, k, k), dtype=np.int64)
    step = max(1, BOOTSTRAP_BATCH_CELLS // max(n, 1))
    for start in range(0, n_boot, step):
        b = min(step, n_boot - start)
        idx = rng.integers(0, n, size=(b, n)) if n else np.zeros((b, 0), dtype=np.int64)
        codes = g[idx] * k + p[idx] + (np.arange(b) * k * k)[:, None]
        conf[start : start + b] = np.bincount(codes.ravel(), minlength=b * k * k).reshape(b, k, k)
    return conf


def _resampled_rates(conf: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """Per-resample precision, recall, F1 (per class) and their macro/micro averages; NaN where undefined."""
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
        return {
            "precision": prec,
            "recall": rec,
            "f1": f1,
            "macro_precision": np.where(n_present > 0, (p0 * present).sum(axis=1) / n_present, np.nan),
            "macro_recall": np.where(n_present > 0, (r0 * present).sum(axis=1) / n_present, np.nan),
            "macro_f1": np.where(n_present > 0, np.nan_to_num(f1).sum(axis=1) / n_present, np.nan),
            "micro_f1": tp.sum(axis=1) / max(n, 1),
        }


def _dual_use_rates(conf: np.ndarray, other: int) -> dict[str, np.ndarray]:
    """Per-resample "any dual-use class vs other" precision, recall and F1 (NaN where undefined)."""
    dtp, dpred, dgold = (x.astype(float) for x in _dual_use_counts(conf, other))
    with np.errstate(divide="ignore", invalid="ignore"):
        dp = np.where(dpred > 0, dtp / dpred, np.nan)
        dr = np.where(dgold > 0, dtp / dgold, np.nan)
        dp0, dr0 = np.nan_to_num(dp), np.nan_to_num(dr)
        df1 = np.where(dp0 + dr0 > 0, 2 * dp0 * dr0 / (dp0 + dr0), 0.0)
    return {"precision": dp, "recall": dr, "f1": df1}


def _percentile_interval(values: np.ndarray, est: float, tail: float) -> list[float] | None:
    """The ``tail``..``100 - tail`` percentile interval of the defined values, widened to contain ``est``."""
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return [float(min(lo, est)), float(max(hi, est))]


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
