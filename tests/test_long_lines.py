"""The long-line rule: lines of more than N words are held to a lower threshold than their class's."""

import numpy as np

from pipeline.model.decision import apply_class_thresholds, line_caps, long_line_rule, long_lines
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

CLASSES = ["drone", "other"]


def run(texts, scores, words, long_threshold):
    proba = np.array([[s, 1 - s] for s in scores])
    best = proba.argmax(axis=1)
    top = proba[np.arange(len(best)), best]
    caps = line_caps(texts, {"long_line_words": words, "long_line_threshold": long_threshold})
    review, cand = apply_class_thresholds(
        proba, best, top, np.ones(len(texts), dtype=bool), CLASSES, {"drone": 0.8}, caps=caps
    )
    return [CLASSES[j] for j in best], review.tolist(), cand


def test_long_line_keeps_its_label_above_the_long_threshold():
    texts = ["quadcopter", "a long news sentence about a shipment of quadcopters to a buyer abroad"]
    labels, review, cand = run(texts, [0.6, 0.6], words=8, long_threshold=0.5)
    assert labels == ["other", "drone"]
    assert review == [1, 0] and cand == ["drone", ""]


def test_long_threshold_never_raises_a_class_threshold():
    texts = ["one two three four five six seven eight nine ten"]
    assert run(texts, [0.85], words=8, long_threshold=0.9)[0] == ["drone"]
    assert run(texts, [0.55], words=8, long_threshold=0.6)[0] == ["other"]


def test_rule_off():
    texts = ["one two three four five six seven eight nine ten"]
    assert long_lines(texts, 0) is None
    assert run(texts, [0.6], words=0, long_threshold=0.5)[0] == ["other"]
    assert long_line_rule({}) == (0, 0.0)


def test_words_are_counted_in_the_first_max_chars():
    text = "word " * 20
    assert long_lines([text], 8).tolist() == [True]
    assert long_lines([text], 8, max_chars=20).tolist() == [False]


def test_the_config_carries_the_rule_into_the_model_meta():
    cfg = load_config(REPO / "configs" / "default.cfg")
    meta = operating_point(cfg)
    rule = (cfg["training"]["long_line_words"], cfg["training"]["long_line_threshold"])
    assert long_line_rule(meta) == rule == (8, 0.6)
    meta = operating_point(load_config(REPO / "configs" / "default.cfg", {"training.long_line_words": 0}))
    assert long_line_rule(meta)[0] == 0
