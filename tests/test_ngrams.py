"""The compiled feature index, the string reference and the per-run path agree for every vectoriser parameter."""

from __future__ import annotations

import pytest

from pipeline.features.ngrams import CHAR, FEATURE_PREFIX, TRANSLIT, WORD, split_vocabulary
from pipeline.features.runs import RunFeaturiser
from pipeline.features.vectoriser import TokenNgramVectorizer
from pipeline.text.tokenise import SpacyTokeniser

from .test_fastpath import _texts

# One value other than the default for every parameter of the vectoriser: a new parameter fails
# test_alternatives_cover_every_parameter until it is added here, so the equivalence below covers it.
ALTERNATIVES = {
    "word_ngram_range": (2, 3),
    "char_ngram_range": (1, 6),
    "min_df": 2,
    "max_features": 500,
    "sublinear_tf": False,
    "use_idf": False,
    "char_weight": 0.5,
    "translit": "only",
    "keep_digits": 0,
    "norm_cap": 1.0,
}


def test_alternatives_cover_every_parameter():
    defaults = TokenNgramVectorizer().get_params()
    assert set(ALTERNATIVES) == set(defaults)
    assert all(ALTERNATIVES[k] != v for k, v in defaults.items())


@pytest.mark.parametrize("param", sorted(ALTERNATIVES))
def test_index_and_run_path_equal_string_reference(param):
    texts = _texts(120)
    tok = SpacyTokeniser().fit(texts)
    docs = tok.transform(texts)
    vec = TokenNgramVectorizer(**{param: ALTERNATIVES[param]}).fit(docs)
    expected = vec.transform_reference(docs)
    assert expected.nnz > 0
    assert abs(vec.transform(docs) - expected).max() == 0
    assert abs(RunFeaturiser(tok, vec, cache_size=50).featurise(texts).matrix - expected).max() == 0


def test_index_follows_parameter_changes():
    docs = [("cf-33", "12345678"), ("cf-34", "getac")]
    vec = TokenNgramVectorizer(keep_digits=0).fit(docs)
    first = vec.index_
    assert vec.index_ is first
    vec.set_params(keep_digits=4)
    assert vec.index_ is not first
    assert abs(vec.transform(docs) - vec.transform_reference(docs)).max() == 0


def test_feature_kinds_keep_their_saved_spelling():
    assert FEATURE_PREFIX == {WORD: "w:", CHAR: "c:", TRANSLIT: "t:"}
    split = split_vocabulary({"w:dji mavic": 0, "c: dj": 1, "t:kvad": 2})
    assert split == {WORD: {"dji mavic": 0}, CHAR: {" dj": 1}, TRANSLIT: {"kvad": 2}}


@pytest.mark.parametrize("method", ["fit", "transform"])
def test_bare_string_rejected(method):
    tok = SpacyTokeniser()
    with pytest.raises(TypeError, match="single string"):
        getattr(tok, method)("квадрокоптер DJI")
    vec = TokenNgramVectorizer().fit([("dji",)])
    with pytest.raises(TypeError, match="single string"):
        getattr(vec, method)("dji")
    with pytest.raises(TypeError, match="tokenise first"):
        getattr(vec, method)(["dji mavic"])


def test_tokeniser_set_params_takes_effect_after_use():
    tok = SpacyTokeniser()
    assert tok.transform(["Квадрокоптер DJI"]) == [("квадрокоптер", "dji")]
    tok.set_params(lowercase=False)
    assert tok.transform(["Квадрокоптер DJI"]) == [("Квадрокоптер", "DJI")]
    assert tok.normaliser.lowercase is False
    assert tok.nlp.lang == "xx"
    tok.set_params(lang="en")
    assert tok.nlp.lang == "en"
    tok.set_params(lemmatise=True, lowercase=True)
    assert "ноутбук" in tok.transform(["защищенных ноутбуков"])[0]


def test_featuriser_check_recorded_at_training(tiny_model, tiny_corpus):
    from pipeline.features.check import featuriser_check

    check = featuriser_check(tiny_model.pipeline, tiny_corpus.text + ["", None, "x" * 3000])
    assert check == {"sample": len(tiny_corpus.text) + 3, "max_abs_difference": 0.0, "passed": True}
    assert featuriser_check(tiny_model.pipeline, tiny_corpus.text, n=10)["sample"] <= 10
