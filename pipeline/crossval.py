"""K-fold cross-validation with folds grouped as the corpus splits are (groups and near-duplicate clusters)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .config import LABELS
from .corpus import Corpus, Splits
from .evaluate import classification_metrics


def _mean_std(values: list[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    return {"mean": float(arr.mean()), "std": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0}


def summarise_folds(folds: list[dict[str, Any]], labels: list[str]) -> dict[str, Any]:
    """Mean and standard deviation over folds of the metrics of :func:`classification_metrics`."""
    out: dict[str, Any] = {
        name: _mean_std([f[name] for f in folds])
        for name in ("accuracy", "macro_precision", "macro_recall", "macro_f1", "micro_f1")
    }
    out["per_class"] = {
        lab: {k: _mean_std([f["per_class"][lab][k] for f in folds]) for k in ("precision", "recall", "f1")}
        for lab in labels
    }
    if all("any_dual_use" in f for f in folds):
        out["any_dual_use"] = {
            k: _mean_std([f["any_dual_use"][k] for f in folds]) for k in ("precision", "recall", "f1")
        }
    return out


def cross_validate(cfg: dict, corpus: Corpus, splits: Splits, k: int) -> dict[str, Any]:
    """Fit and score the pipeline of ``cfg`` on ``k`` grouped, label-stratified folds of the corpus.

    Lines of one split cluster (a ``group`` and its near duplicates) always share a fold, so a near copy of a
    scored line is never trained on; lines excluded for copying the OOD set stay out. Pinned splits are
    ignored: every line is scored once.

    Args:
        cfg: the validated training config.
        corpus: the labelled corpus.
        splits: its split assignment (for the clusters and the exclusions).
        k: number of folds (at least 2).

    Returns:
        ``{"k", "n", "folds": [metrics per fold], "summary": {metric: {"mean", "std"}, "per_class": ...}}``.

    Raises:
        ValueError: when ``k`` < 2 or there are fewer clusters than folds.
    """
    from sklearn.model_selection import StratifiedGroupKFold

    from .train import fit_model

    if k < 2:
        raise ValueError(f"--cv {k}: need at least 2 folds")
    idx = [i for i, s in enumerate(splits.split) if s != "excluded"]
    groups = np.array([splits.cluster[i] for i in idx])
    if len(set(groups.tolist())) < k:
        raise ValueError(f"--cv {k}: the corpus has only {len(set(groups.tolist()))} independent cluster(s)")
    y = np.array([corpus.label[i] for i in idx])
    cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=cfg["corpus"]["split_seed"])
    folds = []
    for train_pos, test_pos in cv.split(np.zeros(len(idx)), y, groups):
        fit = corpus.subset([idx[p] for p in train_pos])
        held = corpus.subset([idx[p] for p in test_pos])
        model = fit_model(cfg, fit.text, fit.label)
        pred = model.predict_batch(held.text).labels
        folds.append(classification_metrics(held.label, pred, LABELS))
    return {"k": k, "n": len(idx), "folds": folds, "summary": summarise_folds(folds, list(LABELS))}
