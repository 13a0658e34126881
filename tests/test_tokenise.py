import pickle

import pytest

from pipeline.text.tokenise import SpacyTokeniser


@pytest.mark.parametrize("code", ["fz-55", "ml-235", "2306", "5.8g", "m300rtk", "cf-33", "2207/1950kv", "zed-f9p"])
def test_model_codes_survive_as_one_token(code):
    toks = SpacyTokeniser().tokenise(f"модель {code.upper()}, 10 шт")
    assert code in toks


def test_punctuation_dropped_and_text_normalised():
    toks = SpacyTokeniser().tokenise("Квадрокоптер (DJI) — Mavic 3; 5.8G!")
    assert toks == ("квадрокоптер", "dji", "mavic", "3", "5.8g")


@pytest.mark.parametrize("lang", ["xx", "ru", "en"])
def test_blank_languages(lang):
    toks = SpacyTokeniser(lang=lang).fit([]).tokenise("Rugged tablet Getac F110 G6")
    assert toks == ("rugged", "tablet", "getac", "f110", "g6")


def test_lemmatisation_with_pymorphy3():
    toks = SpacyTokeniser(lemmatise=True).tokenise("защищенных ноутбуков и антенн")
    assert "ноутбук" in toks and "антенна" in toks


def test_unknown_language_rejected():
    with pytest.raises(ValueError, match="lang"):
        SpacyTokeniser(lang="de").fit([])


def test_runtime_objects_not_pickled_and_rebuilt():
    tok = SpacyTokeniser(lemmatise=True)
    first = tok.transform(["Антенны GPS FZ-55"])
    state = tok.__getstate__()
    for key in ("_nlp", "_morph", "_run_cache", "_lemma_cache", "_normaliser"):
        assert key not in state
    clone = pickle.loads(pickle.dumps(tok))
    assert clone.transform(["Антенны GPS FZ-55"]) == first


def test_cache_gives_same_result():
    tok = SpacyTokeniser(cache_size=2)
    texts = ["a b", "квадрокоптер", "a b", "c", "квадрокоптер"]
    assert tok.transform(texts) == SpacyTokeniser(cache_size=0).transform(texts)


def test_none_and_long_texts():
    tok = SpacyTokeniser(max_chars=10)
    assert tok.transform([None]) == [()]
    assert tok.tokenise("квадрокоптер дрон") == ("квадрокопт",)


TRICKY_RUNS = [
    "fz-55,", "(rrj-91),", '"гарпия-a6",', "8)", "8),", "(8", "cf-33;", "5.8g", "2207/1950kv,", "22,1\",", "шт.",
    "мотор-редуктор", "s/n:", "1581f4qbd2294002", "(m300)", "ip65/ip67", "-89...+24", "d=66", "квадрокоптер,",
]  # fmt: skip


@pytest.mark.parametrize("lang", ["xx", "ru", "en"])
def test_run_cache_and_code_shortcut_equal_plain_spacy(lang):
    tok = SpacyTokeniser(lang=lang)
    for run in TRICKY_RUNS:
        expected = tuple(t.text for t in tok.nlp.tokenizer(run) if any(c.isalnum() or c == "_" for c in t.text))
        assert tok.run_tokens(run) == expected, run
        assert tok.run_tokens(run) == expected, run  # second time from the cache


def test_batched_runs_equal_single_runs():
    tok = SpacyTokeniser()
    batched = tok.runs_tokens(TRICKY_RUNS + ["", "квадрокоптер"])
    single = [SpacyTokeniser().run_tokens(r) for r in TRICKY_RUNS + ["", "квадрокоптер"]]
    assert batched == single
