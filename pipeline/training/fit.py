"""Fitting the configured pipeline on labelled lines: sample weights by source, augmentation, the operating point.

Used by :func:`pipeline.training.train.train` and by the cross-validation folds alike.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.config import LABELS
from pipeline.model.core import DualUseModel, build_peer, build_pipeline
from pipeline.model.keywords import read_keywords
from pipeline.model.meta import text_rules
from pipeline.model.peer import CharPeer
from pipeline.model.terms import class_terms
from pipeline.text.markers import MarkerMatcher
from pipeline.training.augment import Augmenter


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


def other_weighted(weights: np.ndarray | None, labels: Sequence[str], factor: float) -> np.ndarray | None:
    """``weights`` (``None``: all 1) with the lines labelled ``other`` multiplied by ``factor``; unchanged at 1.

    On top of balanced class weights this tells the classifier that `other` is the common case of real text, so a
    generic word shared by `other` and dual-use lines ("seat", «частей») leans to `other` while words found only in
    dual-use lines keep their weight.
    """
    if factor == 1.0:
        return weights
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=float).copy()
    w[np.array([lab == "other" for lab in labels])] *= factor
    return w


def copy_weighted(weights: np.ndarray | None, origin: Sequence[int], n: int, copy_weight: float) -> np.ndarray | None:
    """The sample weights of the ``n`` lines and their copies: a copy weighs its line's weight times ``copy_weight``.

    ``origin`` is the line each row comes from, the ``n`` lines first; ``None`` when every row weighs 1.
    """
    if weights is None and copy_weight == 1.0:
        return None
    out = (np.ones(n) if weights is None else np.asarray(weights, dtype=float))[np.asarray(origin, dtype=int)]
    out[n:] *= copy_weight
    return out


def fit_model(cfg: dict, texts: list[str], labels: list[str], sources: Sequence[str] | None = None) -> DualUseModel:
    """Fit the pipeline of ``cfg`` on ``texts``/``labels`` and attach the marker rules.

    When the config's ``[augment]`` section asks for copies, noisy copies of the lines are fitted on too. When
    ``[training] source_weighting`` is set and ``sources`` are given, lines are weighted by their source's size
    (:func:`source_weights`); a noisy copy weighs what its original weighs. With a ``[peer]`` section of weight
    above 0 the character peer is fitted on the lines as given (:func:`fit_peer`) and blended into the scores.
    """
    seed = cfg["training"]["seed"]
    random.seed(seed)
    np.random.seed(seed)
    missing = sorted(set(LABELS) - set(labels))
    if missing:
        raise ValueError(f"the training data has no line of label(s) {missing}; every label needs examples")
    mode = cfg["training"].get("source_weighting", "none")
    weights = source_weights(sources, mode) if sources is not None else None
    weights = other_weighted(weights, labels, float(cfg["training"].get("other_weight", 1.0)))
    peer = fit_peer(cfg, texts, labels)
    plain_texts, plain_labels = list(texts), list(labels)
    augmenter = Augmenter(**cfg["augment"]) if cfg.get("augment") else None
    if augmenter is not None and augmenter.copies > 0:
        texts, labels, origin = augmenter.augment_with_origin(texts, labels)
        weights = copy_weighted(weights, origin, len(plain_texts), float(augmenter.copy_weight))
    pipeline = build_pipeline(cfg)
    fit_params = {"classifier__sample_weight": weights} if weights is not None else {}
    pipeline.fit(texts, labels, **fit_params)
    markers = MarkerMatcher.from_file(cfg["paths"]["markers"])
    # The word lists the fitted features depend on, so that loading under other lists warns.
    meta = {"text_rules": text_rules(pipeline.named_steps["tokenise"])}
    terms = fit_class_terms(cfg, plain_texts, plain_labels, pipeline.named_steps["tokenise"].normaliser)
    if terms is not None:
        meta["class_terms"] = terms
    return DualUseModel(pipeline, markers, dict(cfg), meta, peer=peer)


def fit_class_terms(cfg: dict, texts: Sequence[str], labels: Sequence[str], normalise) -> dict[str, str] | None:
    """The class terms the bare-word rule spares (:mod:`pipeline.model.terms`), from the lines as given (no copies).

    ``None`` when ``[training] bare_words`` or ``bare_term_lines`` is 0.
    """
    t = cfg["training"]
    if int(t.get("bare_words", 0)) <= 0 or int(t.get("bare_term_lines", 0)) <= 0:
        return None
    return class_terms(texts, labels, normalise, int(t["bare_term_lines"]), float(t.get("bare_term_share", 0.9)))


def fit_peer(cfg: dict, texts: Sequence[str], labels: Sequence[str]) -> CharPeer | None:
    """The ``[peer]`` character view fitted on the lines as written, or ``None`` (no peer, or weight 0).

    It sees no augmented copies and no sample weights: the plain peer of issue 9, blended into the model's scores.
    """
    peer = build_peer(cfg)
    return peer.fit(texts, labels) if peer is not None else None


def operating_point(cfg: dict) -> dict[str, Any]:
    """The meta entries that set how a trained model labels: class thresholds and the familiarity cut.

    The config's ``[thresholds]`` become the model's class thresholds (a line whose best dual-use class scores
    below its threshold is labelled ``other`` with ``review=1`` and that class as ``candidate``; ``dualuse
    thresholds`` can replace them with thresholds chosen on the user's own dev set); ``[training]
    unfamiliar_below``, ``unfamiliar_lean``, ``long_line_words``, ``long_line_threshold``, ``code_line_words``,
    ``code_line_threshold``, ``pool_below``, ``code_assist`` (:mod:`pipeline.codes.assist`), ``prose_words``,
    ``prose_other_scale``, ``prose_keywords``, ``keyword_agree``, ``keyword_terms``, ``bare_words``, ``ground_rule``
    (:func:`pipeline.model.ground_rule.ground_review`), ``counter_cue_rule``
    (:func:`pipeline.model.cue_rule.cue_review`) and ``aircraft_destination``
    (:func:`pipeline.model.destination_rule.destination_assist`) are kept as they are, and with any of
    ``prose_keywords``, ``keyword_agree`` and ``bare_words`` the rules of the ``[paths] keywords`` file
    (:mod:`pipeline.model.keywords`).
    """
    thresholds = {label: float(v) for label, v in (cfg.get("thresholds") or {}).items() if v > 0}
    at = float(cfg["training"].get("prose_keywords", 0.0))
    agree = float(cfg["training"].get("keyword_agree", 0.0))
    bare = int(cfg["training"].get("bare_words", 0))
    terms = int(cfg["training"].get("keyword_terms", 0))
    return {
        "thresholds": thresholds,
        "unfamiliar_below": float(cfg["training"].get("unfamiliar_below", 0.0)),
        "unfamiliar_lean": float(cfg["training"].get("unfamiliar_lean", 0.0)),
        "long_line_words": int(cfg["training"].get("long_line_words", 0)),
        "long_line_threshold": float(cfg["training"].get("long_line_threshold", 0.0)),
        "code_line_words": int(cfg["training"].get("code_line_words", 0)),
        "code_line_threshold": float(cfg["training"].get("code_line_threshold", 0.0)),
        "pool_below": float(cfg["training"].get("pool_below", 0.0)),
        "code_assist": float(cfg["training"].get("code_assist", 0.0)),
        "prose_words": int(cfg["training"].get("prose_words", 0)),
        "prose_other_scale": float(cfg["training"].get("prose_other_scale", 1.0)),
        "prose_keywords": at,
        "keyword_agree": agree,
        "keyword_terms": terms,
        "bare_words": bare,
        "ground_rule": bool(cfg["training"].get("ground_rule", False)),
        "counter_cue_rule": bool(cfg["training"].get("counter_cue_rule", False)),
        "aircraft_destination": float(cfg["training"].get("aircraft_destination", 0.0)),
        "keyword_rules": read_keywords(cfg["paths"]["keywords"]) if at > 0 or agree > 0 or bare > 0 else [],
    }
