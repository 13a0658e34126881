"""Aviation-only goods terms and the tokeniser's ``mark_terms`` option."""

from __future__ import annotations

import pickle

import pytest

from pipeline.text.aircraft import MARK as AIRCRAFT_MARK
from pipeline.text.aviation import MARK, TERMS, mark_terms
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
