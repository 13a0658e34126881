"""Evaluation of a model on labelled data: per-class precision, recall, F1, support, macro-F1, confusion."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .config import LABELS
from .model import DualUseModel, load_model


def classification_metrics(
    gold: Sequence[str], pred: Sequence[str], labels: Sequence[str] = LABELS
) -> dict[str, Any]:
    """Per-class precision/recall/F1/support, macro and micro averages, accuracy and the confusion matrix.

    Args:
        gold: gold labels.
        pred: predicted labels.
        labels: label order of the report and of the confusion matrix rows (gold) and columns (predicted).

    Returns:
        ``{"per_class": {label: {...}}, "macro_f1", "macro_precision", "macro_recall", "micro_f1", "accuracy",
        "n", "labels", "confusion"}``; a class with no predictions has precision 0 (and no gold, recall 0).
    """
    labels = list(labels)
    index = {lab: i for i, lab in enumerate(labels)}
    k = len(labels)
    conf = np.zeros((k, k), dtype=np.int64)
    for g, p in zip(gold, pred):
        conf[index[g], index[p]] += 1
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
    return {
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


def evaluate_texts(model: DualUseModel, texts: Sequence[str], gold: Sequence[str]) -> dict[str, Any]:
    """Predict ``texts`` with ``model`` and score against ``gold`` (see :func:`classification_metrics`)."""
    batch = model.predict_batch(list(texts))
    return classification_metrics(list(gold), batch.labels)


def evaluate(
    data: str | Path,
    model: DualUseModel | str | Path | None = None,
    text_column: str = "text",
    label_column: str = "label",
) -> dict[str, Any]:
    """Evaluate a model on a labelled corpus file.

    Args:
        data: a labelled CSV in corpus format.
        model: a loaded model, a model folder, or ``None`` for the bundled default.
        text_column, label_column: column names in ``data``.

    Returns:
        The metrics dict of :func:`classification_metrics`, plus ``"data"`` and ``"model"``.
    """
    from .corpus import read_corpus_file

    if not isinstance(model, DualUseModel):
        model = load_model(model)
    corpus = read_corpus_file(data, text_column=text_column, label_column=label_column)
    metrics = evaluate_texts(model, corpus.text, corpus.label)
    metrics["data"] = str(data)
    metrics["model"] = str(model.path) if model.path else None
    return metrics
