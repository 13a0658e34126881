"""Class terms: words the training lines use almost only under one dual-use class are spared by the bare-word rule."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.model.decision import decide
from pipeline.model.terms import class_terms, is_class_term, line_stems, stem
from pipeline.text.normalise import Normaliser

CLASSES = ["aircraft_parts", "drone", "navigation", "other"]
META = {"keyword_rules": [["drone", r"бпла"]], "bare_words": 1}
THRESHOLDS = {"aircraft_parts": 0.7, "drone": 0.75, "navigation": 0.8}


@pytest.mark.parametrize(
    "word, expected",
    [
        ("gliders", "glider"),
        ("Drones", "drone"),
        ("glass", "glass"),
        ("gps", "gps"),
        ("навигаторы", "навигатор"),
        ("квадрокоптеров", "квадрокоптер"),
        ("шасси", "шасс"),
        ("«Компасы»,", "компас"),
        ("мы", "мы"),
    ],
)
def test_stem_cuts_one_plural_or_case_ending(word, expected):
    assert stem(word) == expected


@given(st.text(max_size=30))
def test_stems_are_lower_case_and_never_longer_than_the_word(text):
    for word in text.split():
        s = stem(word)
        assert s == s.lower() and len(s) <= len(word.lower())


def test_class_terms_keep_words_of_one_dual_use_class_seen_often_enough():
    texts = ["glider wing"] * 4 + ["gliders"] + ["car seat"] * 3 + ["aircraft seat"] * 3 + ["rare glider part"]
    labels = ["aircraft_parts"] * 5 + ["other"] * 3 + ["aircraft_parts"] * 3 + ["aircraft_parts"]
    terms = class_terms(texts, labels, Normaliser(), min_lines=5, share=0.9)
    assert terms["glider"] == "aircraft_parts"
    assert "seat" not in terms  # half of its lines are `other`
    assert "car" not in terms  # `other` words are never terms
    assert "rare" not in terms  # one line
    assert class_terms(texts, labels, Normaliser(), min_lines=50) == {}


def test_is_class_term_needs_every_word_to_be_a_term_of_the_label():
    terms = {"glider": "aircraft_parts", "hang": "aircraft_parts", "altimeter": "navigation"}
    assert is_class_term("gliders", "aircraft_parts", terms)
    assert is_class_term("hang gliders", "aircraft_parts", terms)
    assert not is_class_term("gliders", "navigation", terms)
    assert not is_class_term("sugar gliders", "aircraft_parts", terms)
    assert not is_class_term("", "aircraft_parts", terms)
    assert line_stems("  , ") == set()


def test_the_bare_word_rule_spares_a_term_of_the_class_only():
    meta = {**META, "class_terms": {"glider": "aircraft_parts", "seat": "navigation"}}
    proba = np.array([[0.97, 0.01, 0.01, 0.01]] * 3)
    best, _, review, candidates = decide(
        ["Gliders", "seat", "ring"], proba, np.ones(3, dtype=bool), CLASSES, meta, THRESHOLDS, 0, Normaliser()
    )
    assert [CLASSES[j] for j in best] == ["aircraft_parts", "other", "other"]
    assert review.tolist() == [0, 1, 1] and candidates[1:] == ["aircraft_parts", "aircraft_parts"]


def test_a_fitted_model_records_its_class_terms(tiny_corpus):
    from pipeline.training.fit import fit_model
    from pipeline.training.recipe import load_config

    from .conftest import REPO

    overrides = {"training.bare_term_lines": 2, "training.bare_term_share": 0.9, "augment.copies": 0}
    cfg = load_config(REPO / "configs" / "default.cfg", overrides)
    model = fit_model(cfg, tiny_corpus.text, tiny_corpus.label)
    terms = model.meta["class_terms"]
    assert terms and set(terms.values()) <= set(CLASSES + ["counter_drone", "rugged_computer"]) - {"other"}
    off = load_config(REPO / "configs" / "default.cfg", {**overrides, "training.bare_term_lines": 0})
    assert "class_terms" not in fit_model(off, tiny_corpus.text, tiny_corpus.label).meta


def test_the_bundled_model_labels_terms_of_a_class_and_reviews_generic_words():
    from pipeline.model.core import load_model

    from .conftest import REPO

    model = load_model(REPO / "models" / "default")
    assert len(model.meta["class_terms"]) > 1000
    batch = model.predict_batch(["Курсовертикаль", "автожир", "glushilka", "антенна", "seat"])
    assert batch.labels == ["navigation", "aircraft_parts", "counter_drone", "other", "other"]
    assert batch.review.tolist()[:4] == [0, 0, 0, 1] and batch.candidates[3] == "navigation"
