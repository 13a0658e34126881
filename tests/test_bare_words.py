"""The bare-word rule: a dual-use label resting on one generic word goes to review as `other`."""

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.model.decision import decide
from pipeline.text.normalise import Normaliser
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

CLASSES = ["aircraft_parts", "drone", "navigation", "other"]
RULES = [["drone", r"бпла|drone|квадрокоптер"], ["navigation", r"\bgps\b"]]
META = {"keyword_rules": RULES, "bare_words": 1}
THRESHOLDS = {"aircraft_parts": 0.7, "drone": 0.75, "navigation": 0.8}
SURE = [0.97, 0.01, 0.01, 0.01]


def _decide(texts, meta=META, proba=None):
    proba = np.array(proba or [SURE] * len(texts))
    best, scores, review, candidates = decide(
        texts, proba, np.ones(len(texts), dtype=bool), CLASSES, meta, THRESHOLDS, 0, Normaliser()
    )
    return [CLASSES[j] for j in best], scores, review.tolist(), candidates


def test_one_generic_word_goes_to_review_as_other_with_its_class_as_candidate():
    labels, scores, review, candidates = _decide(["seat", "  Ring. "])
    assert labels == ["other", "other"]
    assert review == [1, 1] and candidates == ["aircraft_parts", "aircraft_parts"]
    assert scores.tolist() == pytest.approx([0.01, 0.01])  # the score of the label given


def test_a_keyword_a_model_code_or_a_named_type_keeps_the_label():
    texts = ["квадрокоптер", "DRONE", "H520E", "Ми-8", "Su-34", "Орлан-10", "Krasukha-4"]
    proba = [[0.01, 0.97, 0.01, 0.01]] * 2 + [SURE] * 5
    labels, _, review, _ = _decide(texts, proba=proba)
    assert labels == ["drone", "drone"] + ["aircraft_parts"] * 5
    assert review == [0] * 7


def test_a_negated_keyword_is_no_evidence():
    labels, _, review, _ = _decide(["без-gps"], proba=[[0.01, 0.01, 0.97, 0.01]])
    assert labels == ["other"] and review == [1]


def test_longer_lines_other_lines_and_the_rule_switched_off_are_left_alone():
    labels, _, review, _ = _decide(["seat covers", "aircraft seat"])
    assert labels == ["aircraft_parts", "aircraft_parts"] and review == [0, 0]
    labels, _, review, _ = _decide(["seat"], proba=[[0.2, 0.0, 0.0, 0.8]])
    assert labels == ["other"] and review == [0]
    labels, _, review, _ = _decide(["seat"], {**META, "bare_words": 0})
    assert labels == ["aircraft_parts"] and review == [0]
    labels, _, _, _ = _decide(["seat covers"], {**META, "bare_words": 2})
    assert labels == ["other"]


def test_the_rule_needs_thresholds():
    best, *_ = decide(["seat"], np.array([SURE]), np.ones(1, dtype=bool), CLASSES, META, {}, 0, Normaliser())
    assert CLASSES[best[0]] == "aircraft_parts"


def test_the_config_carries_the_rule_and_validates_it():
    meta = operating_point(load_config(REPO / "configs" / "default.cfg", {"training.bare_words": 1}))
    assert meta["bare_words"] == 1 and meta["keyword_rules"]
    off = {"training.prose_keywords": 0, "training.keyword_agree": 0}
    assert (
        operating_point(load_config(REPO / "configs" / "default.cfg", {**off, "training.bare_words": 0}))[
            "keyword_rules"
        ]
        == []
    )
    with pytest.raises(ConfigError, match=r"bare_words needs \[paths\] keywords"):
        load_config(REPO / "configs" / "default.cfg", {**off, "training.bare_words": 1, "paths.keywords": None})
    with pytest.raises(ConfigError, match=r"\[training\] bare_words"):
        load_config(REPO / "configs" / "default.cfg", {"training.bare_words": -1})


def test_the_bundled_model_sends_a_bare_generic_word_to_review():
    from pipeline.model.core import load_model

    model = load_model(REPO / "models" / "default")
    assert model.meta["bare_words"] == 1
    batch = model.predict_batch(["антенна", "квадрокоптер"])
    assert batch.labels == ["other", "drone"]
    assert batch.review.tolist()[0] == 1 and batch.candidates[0] == "navigation"


def test_the_bundled_model_labels_bare_terms_its_keyword_lists_name():
    from pipeline.model.core import load_model

    model = load_model(REPO / "models" / "default")
    batch = model.predict_batch(["авиагоризонт", "элероны", "sextants", "спуфер"])
    assert batch.labels == ["navigation", "aircraft_parts", "navigation", "counter_drone"]


def test_the_evaluation_names_the_keyword_and_bare_word_rules():
    from pipeline.evaluation.evaluate import _decision_rules
    from pipeline.report.text import thresholds_text

    meta = {**META, "prose_keywords": 0.01, "keyword_agree": 0.5}
    rules = _decision_rules(meta, active=True)
    assert (rules["prose_keywords"], rules["keyword_agree"], rules["bare_words"]) == (0.01, 0.5, 1)
    assert _decision_rules(meta, active=False)["bare_words"] is None
    assert _decision_rules({**meta, "keyword_rules": []}, active=True)["bare_words"] is None
    text = thresholds_text({"thresholds": THRESHOLDS, **rules})
    assert "lines of at most 1 word(s) with no keyword, model code or named type: other (review)" in text
    assert "ranks it first at ≥ 0.5" in text and "scores ≥ 0.01" in text
    rules = _decision_rules({**meta, "class_terms": {"glider": "aircraft_parts"}}, active=True)
    text = thresholds_text({"thresholds": THRESHOLDS, **rules})
    assert "named type or term of its class (1 terms): other (review)" in text
    off = {**meta, "bare_words": 0, "class_terms": {"glider": "x"}}
    assert _decision_rules(off, active=True)["class_terms"] is None
