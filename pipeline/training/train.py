"""Training: config → corpus → grouped splits → fitted pipeline → model folder with metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pipeline.evaluation.evaluate import evaluate_texts
from pipeline.features.check import featuriser_check
from pipeline.model.core import DualUseModel, library_versions, sha256_file
from pipeline.text.markers import MarkerMatcher
from pipeline.training.corpus import prepare_data
from pipeline.training.crossval import cross_validate
from pipeline.training.fit import fit_model, operating_point
from pipeline.training.recipe import load_config
from pipeline.training.threshold_search import encode_fitted_lines


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
            :func:`pipeline.training.crossval.cross_validate`).

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
    model.meta = {**model.meta, **operating_point(cfg)}

    metrics: dict[str, Any] = {}
    if test_idx:
        metrics["test"] = test_metrics(cfg, corpus, splits, model, fit_on)
    if ood is not None:
        metrics["ood"] = evaluate_texts(model, ood.text, ood.label)
    if cv:
        metrics["cv"] = cross_validate(cfg, corpus, splits, cv)
    split_counts = {s: len(splits.indices(s)) for s in ("train", "dev", "test", "excluded")}
    model.meta = {
        "name": Path(output).name if output else None,
        "labels": model.classes,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "corpus": corpus_meta(cfg, corpus, fit_corpus, fit_on, split_counts, ood is not None),
        # The marker rules are part of the model: record which file they came from.
        "markers": markers_meta(cfg["paths"]["markers"], model.markers),
        "metrics": metrics,
        **operating_point(cfg),
        "featuriser_check": featuriser_check(model.pipeline, fit_corpus.text),
        "text_rules": model.meta.get("text_rules", {}),
        **({"class_terms": model.meta["class_terms"]} if "class_terms" in model.meta else {}),
    }
    out_path = model.save(output) if output else None
    return TrainResult(model=model, output=out_path, metrics=metrics, split_counts=split_counts)


def test_metrics(cfg: dict, corpus, splits, model, fit_on: Sequence[str]) -> dict[str, Any]:
    """Metrics on the test split, always from a model that never saw it.

    When the saved model is fitted on every split (``train_on = "all"``), the test lines are scored by a second
    model fitted the same way on train + dev only, and the metrics say so (``"scored_by"``).
    """
    test = corpus.subset(splits.indices("test"))
    if "test" not in fit_on:
        return evaluate_texts(model, test.text, test.label)
    held = corpus.subset(splits.indices("train", "dev"))
    probe = fit_model(cfg, held.text, held.label, held.source)
    probe.meta = {**probe.meta, **operating_point(cfg)}
    out = evaluate_texts(probe, test.text, test.label)
    out["scored_by"] = "a model fitted the same way on train + dev only; the saved model is fitted on all splits"
    return out


def corpus_meta(cfg: dict, corpus, fit_corpus, fit_on: Sequence[str], split_counts: dict, has_ood: bool) -> dict:
    """What the model card records of the corpus: file hashes, the fitted lines' hash and digests, split sizes."""
    ood_path = cfg["paths"]["ood"]
    return {
        "files": {f: sha256_file(f) for f in sorted(set(corpus.file))},
        "sha256": fit_corpus.sha256(),
        "lines": len(corpus),
        "fit_on": list(fit_on),
        "split_counts": split_counts,
        "ood": {ood_path: sha256_file(ood_path)} if has_ood else None,
        # Digests of the fitted lines: `dualuse thresholds` refuses a dev set the model was fitted on.
        "fitted_lines": encode_fitted_lines(fit_corpus.text),
    }
