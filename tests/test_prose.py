"""The prose rule: a ruling or news sentence has its `other` probability scaled down before the thresholds."""

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.model.decision import decide, prose_lines, prose_prior, prose_rule, prose_word_counts
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

CLASSES = ["drone", "other"]
META = {"prose_words": 2, "prose_other_scale": 0.2}
RULING = "The merchandise under consideration is a quadcopter which is imported with its remote controller."
NEWS_RU = "Таможенники сообщили, что в грузовике были обнаружены квадрокоптеры, которые везли из Китая."
DECLARATION = "КВАДРОКОПТЕР DJI MAVIC 3, НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ, ИЗГОТОВИТЕЛЬ SZ DJI, 10 ШТ"
TERM = "Unmanned aircraft, of a weight not exceeding 250 g, for remote-controlled flight only"


def test_function_words_of_running_text_are_counted_whole_and_in_any_case():
    assert prose_word_counts([RULING, NEWS_RU, DECLARATION, TERM]).tolist() == [5, 4, 0, 0]
    assert prose_word_counts(["THE ITEM IS NEW", "theory, issue, бывший, этот"]).tolist() == [2, 0]
    # pronouns, reporting verbs and conjunctions of running text; not "can" (a tin can) nor «также» («а также»)
    running = ["He said their drones could fly", "Как пояснили в ФТС, его уже изъяли"]
    assert prose_word_counts(running).tolist() == [4, 3]
    assert prose_word_counts(["FOOD CAN 400 ML", "КВАДРОКОПТЕР, А ТАКЖЕ ЗАПЧАСТИ"]).tolist() == [0, 0]


def test_only_prose_lines_qualify_and_only_with_a_rule():
    texts = [RULING, NEWS_RU, DECLARATION, TERM]
    assert prose_lines(texts, META).tolist() == [True, True, False, False]
    assert prose_lines(texts, {}) is None
    assert prose_lines(texts, {"prose_words": 2, "prose_other_scale": 1.0}) is None
    assert prose_lines([RULING], {"prose_words": 6, "prose_other_scale": 0.2}).tolist() == [False]
    assert prose_lines(["x " * 50 + RULING], META, max_chars=40).tolist() == [False]  # the first max_chars only


def test_the_other_probability_of_prose_lines_is_scaled_and_the_row_renormalised():
    proba = np.array([[0.3, 0.7], [0.3, 0.7]])
    prose_prior([RULING, DECLARATION], proba, CLASSES, META)
    assert proba[0] == pytest.approx([0.3 / 0.44, 0.14 / 0.44])
    assert proba[1].tolist() == [0.3, 0.7]


def test_decide_applies_the_rule_with_thresholds_only():
    texts = [RULING, DECLARATION]
    raw = np.array([[0.4, 0.6], [0.4, 0.6]])
    best, scores, review, cand = decide(texts, raw.copy(), np.ones(2, dtype=bool), CLASSES, META, {"drone": 0.75})
    assert [CLASSES[j] for j in best] == ["drone", "other"]
    assert scores[0] == pytest.approx(0.4 / 0.52) and review.tolist() == [0, 0]
    best, *_ = decide(texts, raw.copy(), np.ones(2, dtype=bool), CLASSES, META, {})
    assert [CLASSES[j] for j in best] == ["other", "other"]  # without thresholds: the model's own best class


def test_the_config_carries_the_rule_into_the_model_meta_and_validates_it():
    cfg = load_config(REPO / "configs" / "default.cfg")
    words, scale = prose_rule(operating_point(cfg))
    assert words == cfg["training"]["prose_words"] > 0 and scale == cfg["training"]["prose_other_scale"] < 1
    off = load_config(REPO / "configs" / "default.cfg", {"training.prose_words": 0})
    assert prose_rule(operating_point(off)) == (0, 1.0)
    assert prose_rule({}) == (0, 1.0)
    with pytest.raises(ConfigError, match=r"\[training\] prose_other_scale"):
        load_config(REPO / "configs" / "default.cfg", {"training.prose_other_scale": 1.5})


def test_bundled_model_finds_the_goods_in_a_ruling_sentence():
    from pipeline.model.core import load_model

    model = load_model(REPO / "models" / "default")
    assert prose_rule(model.meta) == (2, 0.2)
    text = (
        "The subject merchandise is a ruggedized computer that is described as being for use in the field, and it is "
        "packed with a carrying handle and a stylus."
    )
    batch = model.predict_batch([text])
    assert batch.labels == ["rugged_computer"] and batch.review.tolist() == [0]
    model.meta["prose_words"] = 0
    assert model.predict_batch([text]).labels == ["other"]  # the prior set for short ordinary lines wins
