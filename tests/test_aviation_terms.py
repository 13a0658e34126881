"""Aviation-only goods terms and the tokeniser's ``mark_terms`` option."""

from __future__ import annotations

import json
import pickle
import warnings

import pytest

from pipeline.text.aircraft import MARK as AIRCRAFT_MARK
from pipeline.text.aviation import MARK, TERMS, TERMS_VERSION, mark_terms
from pipeline.text.tokenise import SpacyTokeniser
from tests.featurise_helpers import fitted_features_and_gap

TERMED = ["ailerons", "Machmeter", "turbofan", "Fly-by-wire", "Мотогондола", "элеронов", "ЗАКРЫЛКИ", "Авиагоризонт"]
# Words with a common non-aviation sense in trade goods, and words the list leaves to the model.
PLAIN = ["rudder", "spoiler", "шасси", "стабилизатор", "compressor", "glider", "altimeter", "компас", "aircraft", "gps"]


def marked(text: str) -> bool:
    return MARK in SpacyTokeniser(mark_terms=True).tokenise(text)


@pytest.mark.parametrize("word", TERMED)
def test_aviation_terms_are_marked(word):
    assert marked(f"{word} 2 pcs")


@pytest.mark.parametrize("word", PLAIN)
def test_words_with_ordinary_senses_are_not(word):
    assert not marked(f"{word} 2 pcs")


def test_mark_on_both_sides_hyphenated_entries_and_phrases_apart():
    assert mark_terms(("новый", "элерон", "закрылок")) == ("новый", MARK, "элерон", MARK, "закрылок", MARK)
    assert ("fly", "by", "wire") in TERMS
    # each token of a hyphenated term is marked, one mark between two
    assert SpacyTokeniser(mark_terms=True).tokenise("fly-by-wire") == (MARK, "fly", MARK, "by", MARK, "wire", MARK)
    # entries of several words apart are not matched: the marks go inside one space-free run
    assert not marked("hang glider")
    # a mark typed in the text is dropped with the punctuation, so it cannot be forged
    assert SpacyTokeniser(mark_terms=True).tokenise(f"{MARK} bolt {MARK}") == ("bolt",)


def test_option_with_the_other_marks_pickling_and_set_params():
    tok = SpacyTokeniser(mark_aircraft=True, mark_terms=True)
    assert tok.tokenise("Су-34 элерон") == (AIRCRAFT_MARK, "су-34", AIRCRAFT_MARK, MARK, "элерон", MARK)
    again = pickle.loads(pickle.dumps(tok))
    assert again.mark_terms and again.tokenise("winglet") == (MARK, "winglet", MARK)
    tok.set_params(mark_terms=False)
    assert MARK not in tok.tokenise("winglet")


def test_fast_path_equals_plain_features_with_marks():
    texts = ["Winglet, Boeing 737", "элерон левый", "turbofan engine parts", "drone DJI Mavic 3", "winglet winglet"]
    feats, gap = fitted_features_and_gap(SpacyTokeniser(mark_terms=True), texts)
    assert f"w:{MARK}" in feats.vocabulary_
    assert gap == 0


def test_model_keeps_the_option_records_the_list_and_explains_the_mark(tiny_config, tiny_corpus, tmp_path):
    from pipeline.explain import explain
    from pipeline.model.core import load_model
    from pipeline.training.fit import fit_model

    cfg = {**tiny_config, "tokenise": {**tiny_config["tokenise"], "mark_terms": True}}
    model = fit_model(cfg, tiny_corpus.text, tiny_corpus.label)
    folder = model.save(tmp_path / "m")
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["text_rules"]["aviation_terms"] == TERMS_VERSION
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(folder)
    assert loaded.tokeniser.mark_terms is True
    texts = ["Элерон левый, 1 шт", "Квадрокоптер DJI Mavic 3 Pro"]
    assert loaded.predict_batch(texts).labels == model.predict_batch(texts).labels
    words = [w for w, _ in explain(texts[0], loaded, apply_thresholds=False).items]
    assert f"{MARK} (an aviation term named)" in words and "Элерон" in words
    meta["text_rules"]["aviation_terms"] = "0123456789abcdef"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"aviation_terms 0123456789abcdef \(model\)"):
        load_model(folder)
