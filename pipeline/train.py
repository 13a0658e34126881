"""Training: config → corpus → grouped splits → fitted pipeline → model folder with metrics."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from .augment import Augmenter
from .config import LABELS, load_config
from .corpus import prepare_data
from .evaluate import evaluate_texts
from .markers import MarkerMatcher
from .model import DualUseModel, build_pipeline, featuriser_check, library_versions, sha256_file
from .thresholds import encode_fitted_lines


@dataclass
class TrainResult:
    """What :func:`train` produced.

    Attributes:
        model: the fitted model (already saved when an output folder was given).
        output: the model folder, or ``None``.
        metrics: ``{"test": ..., "ood": ...}`` metric dicts (``ood`` only when an OOD set is configured).
        split_counts: lines per split.
    """

    model: DualUseModel
    output: Path | None
    metrics: dict[str, Any]
    split_counts: dict[str, int]


def source_weights(sources: Sequence[str], mode: str = "none") -> np.ndarray | None:
    """Per-line sample weights that keep one large source from setting the model's notion of a register.

    Args:
        sources: the source of each line (a writing pass, the nomenclature, the real lines …).
        mode: ``"none"`` (every line weighs 1), ``"sqrt"`` (a source of ``n`` lines weighs ``sqrt(n)`` in all) or
            ``"equal"`` (every source weighs the same in all).

    Returns:
        Weights with mean 1, or ``None`` for ``"none"``.
    """
    if mode == "none":
        return None
    counts = Counter(sources)
    power = {"sqrt": 0.5, "equal": 1.0}[mode]
    w = np.array([1.0 / counts[s] ** power for s in sources])
    return w * (len(w) / w.sum())


def fit_model(cfg: dict, texts: list[str], labels: list[str], sources: Sequence[str] | None = None) -> DualUseModel:
    """Fit the pipeline of ``cfg`` on ``texts``/``labels`` and attach the marker rules.

    When the config's ``[augment]`` section asks for copies, noisy copies of the lines are fitted on too. When
    ``[training] source_weighting`` is set and ``sources`` are given, lines are weighted by their source's size
    (:func:`source_weights`); a noisy copy weighs what its original weighs.
    """
    seed = cfg["training"]["seed"]
    random.seed(seed)
    np.random.seed(seed)
    missing = sorted(set(LABELS) - set(labels))
    if missing:
        raise ValueError(f"the training data has no line of label(s) {missing}; every label needs examples")
    mode = cfg["training"].get("source_weighting", "none")
    weights = source_weights(sources, mode) if sources is not None else None
    aug = cfg.get("augment") or {}
    if aug.get("copies", 0) > 0:
        texts, labels, origin = Augmenter(**aug).augment_with_origin(texts, labels)
        if weights is not None:
            weights = weights[origin]
    pipeline = build_pipeline(cfg)
    fit_params = {"classifier__sample_weight": weights} if weights is not None else {}
    pipeline.fit(texts, labels, **fit_params)
    markers = MarkerMatcher.from_file(cfg["paths"]["markers"])
    return DualUseModel(pipeline, markers, dict(cfg))


def markers_meta(path: str | Path, markers: MarkerMatcher) -> dict[str, Any]:
    """What the model card records of the marker rules: the file (any path is accepted), its sha256, rule counts."""
    path = Path(path)
    return {
        "path": str(path),
        "resolved": str(path.resolve()),
        "sha256": sha256_file(path),
        "rules": len(markers.patterns),
        "exclusions": len(markers.exclusions),
    }


def operating_point(cfg: dict) -> dict[str, Any]:
    """The meta entries that set how a trained model labels: class thresholds and the familiarity cut.

    The config's ``[thresholds]`` become the model's class thresholds (a line whose best dual-use class scores
    below its threshold is labelled ``other`` with ``review=1`` and that class as ``candidate``; ``dualuse
    thresholds`` can replace them with thresholds chosen on the user's own dev set); ``[training]
    unfamiliar_below`` and ``unfamiliar_lean`` are kept as they are.
    """
    thresholds = {label: float(v) for label, v in (cfg.get("thresholds") or {}).items() if v > 0}
    return {
        "thresholds": thresholds,
        "unfamiliar_below": float(cfg["training"].get("unfamiliar_below", 0.0)),
        "unfamiliar_lean": float(cfg["training"].get("unfamiliar_lean", 0.0)),
    }


def train(
    config: str | Path | None = None,
    output: str | Path | None = None,
    overrides: dict[str, Any] | None = None,
    cv: int = 0,
) -> TrainResult:
    """Train a model from a config, evaluate it on the test split (and OOD set), and save it.

    Args:
        config: the ``.cfg`` recipe; ``configs/default.cfg`` when ``None``.
        output: the model folder to write (``None``: do not save).
        overrides: ``{"section.key": value}`` applied to the config.
        cv: when at least 2, also report ``cv``-fold cross-validated metrics (``metrics["cv"]``, see
            :func:`pipeline.crossval.cross_validate`).

    Returns:
        A :class:`TrainResult`.
    """
    cfg = load_config(config, overrides)
    corpus, splits, ood = prepare_data(cfg)
    fit_on = {"train": ("train",), "train+dev": ("train", "dev"), "all": ("train", "dev", "test")}[
        cfg["corpus"]["train_on"]
    ]
    train_idx = splits.indices(*fit_on)
    test_idx = splits.indices("test")
    fit_corpus = corpus.subset(train_idx)
    model = fit_model(cfg, fit_corpus.text, fit_corpus.label, fit_corpus.source)
    # The operating point is part of the recipe: metrics below are measured with it, as predict will label.
    model.meta = operating_point(cfg)

    metrics: dict[str, Any] = {}
    if test_idx and "test" not in fit_on:
        test = corpus.subset(test_idx)
        metrics["test"] = evaluate_texts(model, test.text, test.label)
    if ood is not None:
        metrics["ood"] = evaluate_texts(model, ood.text, ood.label)
    if cv:
        from .crossval import cross_validate

        metrics["cv"] = cross_validate(cfg, corpus, splits, cv)
    split_counts = {s: len(splits.indices(s)) for s in ("train", "dev", "test", "excluded")}
    files = sorted(set(corpus.file))
    model.meta = {
        "name": Path(output).name if output else None,
        "labels": model.classes,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "corpus": {
            "files": {f: sha256_file(f) for f in files},
            "sha256": fit_corpus.sha256(),
            "lines": len(corpus),
            "fit_on": list(fit_on),
            "split_counts": split_counts,
            "ood": {cfg["paths"]["ood"]: sha256_file(cfg["paths"]["ood"])} if ood is not None else None,
            # Digests of the fitted lines: `dualuse thresholds` refuses a dev set the model was fitted on.
            "fitted_lines": encode_fitted_lines(fit_corpus.text),
        },
        # The marker rules are part of the model (model.joblib holds them): record which file they came from.
        "markers": markers_meta(cfg["paths"]["markers"], model.markers),
        "metrics": metrics,
        **operating_point(cfg),
        "featuriser_check": featuriser_check(model.pipeline, fit_corpus.text),
    }
    out_path = model.save(output) if output else None
    return TrainResult(model=model, output=out_path, metrics=metrics, split_counts=split_counts)
