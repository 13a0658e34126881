"""The model-code rule: short lines that name a model code are held to a lower threshold than their class's."""

import numpy as np
import pytest

from pipeline.model.decision import apply_class_thresholds, code_line_rule, coded_lines, line_caps, model_codes
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

CLASSES = ["drone", "other"]


@pytest.mark.parametrize(
    "text",
    ["Yuneec H520E RTK", "Ми-8АМТШ агрегаты", "polyotnyi kontroller Matek F405-WTE", "ASELSAN IHASAVAR Mk2", "tb2"],
)
def test_model_codes_are_found(text):
    assert model_codes([text]).tolist() == [True]


@pytest.mark.parametrize(
    "text", ["Drone 10 pcs", "кабель 1300x480", "12V 5A power supply", "2.4G 4CH", "glue gun", "bolts 10pcs M"]
)
def test_quantities_sizes_and_plain_words_are_not_model_codes(text):
    assert model_codes([text]).tolist() == [False]


def test_coded_lines_are_short_lines_with_a_code():
    texts = ["Yuneec H520E RTK", "Yuneec H520E RTK with a long description of six more words here", "Ryze Tello"]
    assert coded_lines(texts, 5).tolist() == [True, False, False]
    assert coded_lines(texts, 0) is None
    assert coded_lines(["A1 " + "word " * 10], 5, max_chars=6).tolist() == [True]


def run(texts, scores, meta):
    proba = np.array([[s, 1 - s] for s in scores])
    best = proba.argmax(axis=1)
    top = proba[np.arange(len(best)), best]
    caps = line_caps(texts, meta)
    review, cand = apply_class_thresholds(
        proba, best, top, np.ones(len(texts), dtype=bool), CLASSES, {"drone": 0.9}, caps=caps
    )
    return [CLASSES[j] for j in best], review.tolist(), cand


def test_a_short_coded_line_keeps_its_label_above_the_code_threshold():
    meta = {"code_line_words": 5, "code_line_threshold": 0.6}
    labels, review, cand = run(["Yuneec H520E RTK", "Yuneec quadcopter"], [0.7, 0.7], meta)
    assert labels == ["drone", "other"]
    assert review == [0, 1] and cand == ["", "drone"]
    assert run(["Yuneec H520E RTK"], [0.55], meta)[0] == ["other"]


def test_caps_take_the_lowest_rule_and_never_raise_a_threshold():
    meta = {"long_line_words": 3, "long_line_threshold": 0.5, "code_line_words": 5, "code_line_threshold": 0.95}
    caps = line_caps(["H520E", "Yuneec H520E RTK kit", "drone"], meta)
    assert caps.tolist() == [0.95, 0.5, 1.0]
    assert run(["H520E"], [0.92], meta)[0] == ["drone"]
    assert line_caps(["H520E"], {}) is None


def test_the_config_carries_the_rule_into_the_model_meta():
    cfg = load_config(
        REPO / "configs" / "default.cfg", {"training.code_line_words": 5, "training.code_line_threshold": 0.6}
    )
    assert code_line_rule(operating_point(cfg)) == (5, 0.6)
    assert code_line_rule({}) == (0, 0.0)
