"""Aircraft type designations and the tokeniser's ``mark_aircraft`` option."""

from __future__ import annotations

import pickle

import pytest

from pipeline.features.runs import RunFeaturiser
from pipeline.features.vectoriser import TokenNgramVectorizer, pack
from pipeline.text.aircraft import MARK, is_aircraft_type, mark_aircraft
from pipeline.text.tokenise import SpacyTokeniser

TYPES = [
    "mig-29", "миг-29cmt", "миг29", "su-35", "су-35c", "ка-52", "ми-8амтш", "ил-76мд", "ан-124-100", "л-410",
    "tu-154m", "як-52", "ssj-100", "мс-21", "ch-47", "uh-60m", "f-16c", "f/a-18", "c-130", "mq-9", "j-10",
    "a320neo", "a350-900", "737-800", "b737", "r44", "aw139", "h135", "tv3-117", "tb3-117bm", "cfm56-7b", "pt6a-67",
    "boeing", "airbus", "cessna", "суперджет",
]  # fmt: skip
NOT_TYPES = [
    "a320m-k", "a10", "а10", "c-300", "t-10", "e-3", "ан-240", "f-160", "mi", "8", "737", "drone", "canopy",
    "typhoon", "apache", "mirage", "m-14", "b-2", "z-10", "ми", "су", "35",
]  # fmt: skip


@pytest.mark.parametrize("token", TYPES)
def test_designations_are_recognised(token):
    assert is_aircraft_type(token)


@pytest.mark.parametrize("token", NOT_TYPES)
def test_model_codes_and_words_are_not(token):
    assert not is_aircraft_type(token)


def test_mark_on_both_sides_once_between():
    assert mark_aircraft(("fighter", "mig-29", "su-35", "canopy")) == (
        "fighter", MARK, "mig-29", MARK, "su-35", MARK, "canopy",
    )  # fmt: skip
    assert mark_aircraft(("drone", "dji")) == ("drone", "dji")


def test_tokeniser_marks_only_when_asked():
    text = "Фонарь кабины МиГ-29СМТ, 1 шт; ASUS PRIME A320M-K"
    plain = SpacyTokeniser().tokenise(text)
    marked = SpacyTokeniser(mark_aircraft=True).tokenise(text)
    assert MARK not in plain
    assert marked == ("фонарь", "кабины", MARK, "миг-29cmt", MARK, "1", "шт", "asus", "prime", "a320m-k")
    # a code run that bypasses spaCy is marked too, and the cache keeps the marks
    tok = SpacyTokeniser(mark_aircraft=True)
    assert tok.transform(["Ка-52", "Ка-52"]) == [(MARK, "ка-52", MARK)] * 2


def test_option_survives_pickling_and_set_params():
    tok = SpacyTokeniser(mark_aircraft=True)
    assert tok.tokenise("Su-34 actuator")[0] == MARK
    again = pickle.loads(pickle.dumps(tok))
    assert again.mark_aircraft and again.tokenise("Su-34 actuator") == tok.tokenise("Su-34 actuator")
    tok.set_params(mark_aircraft=False)
    assert MARK not in tok.tokenise("Su-34 actuator")


def test_fast_path_equals_plain_features_with_marks():
    texts = [
        "MiG-29 canopy", "Su-34 hydraulic actuator", "Фонарь кабины Су-35С", "комплектующие к истребителю МиГ-29",
        "модель самолета Ил-76 1:72", "Boeing 737-800 seat cover", "ASUS PRIME A320M-K", "drone DJI Mavic 3",
        "лопатки турбины ТВ3-117ВМ 40 шт", "Ка-52 Ка-52 Ка-52",
    ]  # fmt: skip
    tok = SpacyTokeniser(mark_aircraft=True).fit(texts)
    feats = TokenNgramVectorizer(word_ngram_range=(1, 2), char_ngram_range=(2, 5), min_df=1).fit(tok.transform(texts))
    assert f"w:{MARK}" in feats.vocabulary_ and f"w:{MARK} canopy" in feats.vocabulary_
    voc = feats.vocabulary_
    expected = feats.matrix_from_packed(
        [pack([voc[g] for g in feats.feature_strings(t) if g in voc]) for t in tok.transform(texts)]
    )
    got = RunFeaturiser(tok, feats, cache_size=8).featurise(texts).matrix
    assert abs(got - expected).max() == 0


def test_model_keeps_the_option_through_save_and_load(tiny_config, tiny_corpus, tmp_path):
    from pipeline.explain import explain
    from pipeline.model.core import load_model
    from pipeline.training.fit import fit_model

    cfg = {**tiny_config, "tokenise": {**tiny_config["tokenise"], "mark_aircraft": True}}
    model = fit_model(cfg, tiny_corpus.text, tiny_corpus.label)
    loaded = load_model(model.save(tmp_path / "m"))
    assert loaded.tokeniser.mark_aircraft is True
    texts = ["Фонарь кабины Су-35С, 1 шт", "Квадрокоптер DJI Mavic 3 Pro"]
    assert loaded.predict_batch(texts).labels == model.predict_batch(texts).labels
    words = [w for w, _ in explain(texts[0], loaded, apply_thresholds=False).items]
    assert f"{MARK} (an aircraft type named)" in words and "Су-35С" in words
