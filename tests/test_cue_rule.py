"""The counter-drone cue rule (an option, off in the default recipe): prose counter_drone lines with no cue."""

import numpy as np
import pytest

from pipeline import load_model
from pipeline.explain import explain, format_explanation
from pipeline.model.decision import decide
from pipeline.text.counter_cues import has_counter_cue
from pipeline.text.normalise import Normaliser
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

NORMALISE = Normaliser()
CLASSES = ["counter_drone", "drone", "navigation", "other"]
THRESHOLDS = {"counter_drone": 0.6, "drone": 0.75, "navigation": 0.8}
COUNTER = [0.97, 0.01, 0.01, 0.01]
META = {"counter_cue_rule": True, "prose_words": 2, "prose_other_scale": 0.2}
AMPLIFIER = "The high power amplifier is a unit that amplifies radio signals in the range of 12.75 to 13.25 GHz."
POWER_METER = (
    "The article is a handheld RF power meter with a directional coupler, used to measure forward and reflected "
    "power in transmitter installations."
)


@pytest.mark.parametrize(
    "text",
    [
        "The device jams GPS and GLONASS receivers within 20 m",
        "Товар представляет собой подавитель сигналов сотовой связи",
        "The system detects and tracks small unmanned aircraft",
        "It blocks cellular signals in exam halls",
        "a backpack box that cuts the video feed of any FPV within 500 m",
        "Прибор излучает шумовой сигнал в полосе 2,4 ГГц",
        "The unit floods the 1575.42 MHz band",
        "Комплекс Красуха-4 был показан на выставке",
    ],
)
def test_cues_of_jamming_detection_drones_and_named_systems(text):
    assert has_counter_cue(NORMALISE(text))


@pytest.mark.parametrize(
    "text",
    [
        AMPLIFIER,
        POWER_METER,
        "The item is a vector signal generator with an output frequency of 100 kHz to 6 GHz.",
        "The stripline antenna is a simple passive device that will be imported by itself.",
        "Товар представляет собой усилитель сигнала сотовой связи (репитер) для загородного дома",
    ],
)
def test_radio_engineering_words_alone_are_no_cue(text):
    assert not has_counter_cue(NORMALISE(text))


def _decide(texts, meta, proba=None):
    proba = np.array(proba or [COUNTER] * len(texts))
    best, scores, review, candidates = decide(
        texts, proba, np.ones(len(texts), dtype=bool), CLASSES, meta, THRESHOLDS, 0, NORMALISE
    )
    return [CLASSES[j] for j in best], scores, review.tolist(), candidates


def test_prose_counter_drone_lines_without_a_cue_go_to_review_as_other():
    texts = [AMPLIFIER, "The device is a jammer that blocks the signals of phones.", "RF amplifier 12.75-13.25 GHz"]
    labels, scores, review, candidates = _decide(texts, META)
    assert labels == ["other", "counter_drone", "counter_drone"]  # the third is no prose
    assert review == [1, 0, 0] and candidates == ["counter_drone", "", ""]
    assert scores[0] < 0.5


def test_the_rule_is_off_without_its_key_or_without_a_prose_rule():
    labels, _, review, _ = _decide([AMPLIFIER], {**META, "counter_cue_rule": False})
    assert labels == ["counter_drone"] and review == [0]
    labels, _, review, _ = _decide([AMPLIFIER], {"counter_cue_rule": True})
    assert labels == ["counter_drone"] and review == [0]


def test_the_rule_leaves_other_classes():
    drone = [0.01, 0.97, 0.01, 0.01]
    labels, _, review, _ = _decide([AMPLIFIER], META, proba=[drone])
    assert labels == ["drone"] and review == [0]


def test_the_config_key_reaches_the_meta_and_is_off_by_default():
    assert operating_point(load_config(REPO / "configs" / "default.cfg"))["counter_cue_rule"] is False
    cfg = load_config(REPO / "configs" / "default.cfg", {"training.counter_cue_rule": True})
    assert operating_point(cfg)["counter_cue_rule"] is True


def test_explain_names_the_cue_rule_when_a_model_has_it():
    model = load_model()
    assert explain(POWER_METER, model).label == "counter_drone"  # the bundled model, without the rule
    model.meta["counter_cue_rule"] = True
    e = explain(POWER_METER, model)
    assert e.label == "other" and e.review == 1 and e.candidate == "counter_drone"
    assert e.rule.startswith("counter-drone cue rule")
    assert "(counter-drone cue rule" in format_explanation(e)
