"""Cross-validation: grouped k-fold (folds follow the corpus splits' clusters) and leave-one-source-out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import LABELS
from pipeline.evaluation.evaluate import classification_metrics
from pipeline.training.corpus import Corpus, Splits, near_duplicate_pairs
from pipeline.training.fit import fit_model

FitPredict = Callable[[list[str], list[str], list[str], list[str]], tuple[Sequence[str], Sequence[float] | None]]


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


def source_of_file(path: str) -> str:
    """The leave-one-source-out fold of a corpus file.

    One fold per writing pass (the file's stem), one for the nomenclature and one for the real lines (files under
    ``nomenclature/`` and ``real/``).
    """
    parts = Path(path).parts
    for name in ("nomenclature", "real"):
        if name in parts[:-1]:
            return name
    return Path(path).stem


def leave_one_source_out(
    cfg: dict,
    corpus: Corpus,
    systems: dict[str, FitPredict],
    ood: Corpus | None = None,
    only: Sequence[str] | None = None,
    threshold: float | None = None,
    n_jobs: int = 1,
) -> dict[str, Any]:
    """Hold out each source of the corpus in turn (and the OOD set), fit every system on the rest, score it.

    Training lines that near-copy a held-out line (character-trigram cosine at or above ``threshold``, by default
    the config's ``near_duplicate_threshold``) are dropped from that fold's fit, so a fold measures text unlike
    the training data. The OOD set is only ever held out, never fitted on.

    Args:
        cfg: the validated config (its threshold and, for ``dualuse``-style systems, its recipe).
        corpus: all labelled lines.
        systems: ``name -> fit_predict(train_texts, train_labels, train_sources, test_texts)`` returning
            ``(labels, max_scores or None)``, or ``(labels, max_scores, extra)`` where ``extra`` (anything
            picklable, e.g. the probability matrix) is kept in the fold's ``extra[name]``.
        ood: the out-of-distribution set, held out as its own fold.
        only: score only these folds.
        threshold: near-copy threshold.
        n_jobs: folds scored at once (joblib processes).

    Returns:
        ``{"folds": [{"fold", "n", "n_train", "dropped", "systems": {name: metrics}}], "summary": {name: {"mean",
        "worst", "worst_fold"}}}``; per-system metrics are those of :func:`classification_metrics` plus ``ece``
        (expected calibration error of the top score) where the system returns scores.
    """
    threshold = cfg["corpus"]["near_duplicate_threshold"] if threshold is None else threshold
    fold_of = [source_of_file(f) for f in corpus.file]
    names = sorted(set(fold_of))
    if ood is not None:
        names.append("ood")
    if only:
        names = [n for n in names if n in set(only)]
    jobs = []
    for name in names:
        held = ood if name == "ood" else corpus.subset([i for i, f in enumerate(fold_of) if f == name])
        train_idx = [i for i, f in enumerate(fold_of) if f != name]
        near = near_duplicate_pairs([corpus.text[i] for i in train_idx], threshold, other=held.text)
        drop = {train_idx[i] for i, _, _ in near}
        keep = [i for i in train_idx if i not in drop]
        sources = [fold_of[i] + ":" + corpus.source[i] for i in keep]
        jobs.append((name, held, corpus.subset(keep), sources, len(drop)))
    from joblib import Parallel, delayed

    folds = Parallel(n_jobs=n_jobs)(delayed(_score_fold)(systems, *job) for job in jobs)
    summary = {}
    for sys_name in systems:
        scores = [(f["systems"][sys_name]["macro_f1"], f["fold"]) for f in folds]
        worst = min(scores)
        summary[sys_name] = {
            "mean": float(np.mean([s for s, _ in scores])),
            "worst": worst[0],
            "worst_fold": worst[1],
        }
    return {"folds": folds, "summary": summary}


def _score_fold(systems: dict[str, FitPredict], name: str, held: Corpus, fit: Corpus, sources, dropped: int):
    result = {"fold": name, "n": len(held), "n_train": len(fit), "dropped": dropped, "systems": {}}
    for sys_name, fit_predict in systems.items():
        pred, scores, *extra = fit_predict(fit.text, fit.label, sources, held.text)
        if extra:
            result.setdefault("extra", {})[sys_name] = extra[0]
        m = classification_metrics(held.label, list(pred), LABELS)
        m["langs"] = {
            lang: classification_metrics(
                [g for g, lg in zip(held.label, held.lang) if lg == lang],
                [p for p, lg in zip(pred, held.lang) if lg == lang],
                LABELS,
            )["macro_f1"]
            for lang in sorted(set(held.lang))
        }
        if scores is not None:
            m["ece"] = expected_calibration_error(held.label, list(pred), scores)
        result["systems"][sys_name] = m
    return result


def expected_calibration_error(gold: Sequence[str], pred: Sequence[str], scores: Sequence[float], bins: int = 10):
    """Expected calibration error of the top score: the bin-weighted gap between confidence and accuracy."""
    scores = np.asarray(scores, dtype=float)
    correct = np.array([g == p for g, p in zip(gold, pred)], dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(scores, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            ece += mask.mean() * abs(scores[mask].mean() - correct[mask].mean())
    return float(ece)
