"""The per-run featuriser and its array look-ups equal the plain string-by-string pipeline exactly."""

from __future__ import annotations

import csv
import gc
import random
import re

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from pipeline.features.ngrams import GramTable, char_ngrams
from pipeline.features.runs import RunFeaturiser, gc_paused
from pipeline.features.vectoriser import TokenNgramVectorizer, pack
from pipeline.text.markers import MarkerMatcher, _piece
from pipeline.text.normalise import Normaliser
from pipeline.text.tokenise import SpacyTokeniser

from .conftest import REPO

TRICKY = [
    "",
    "   ",
    "___",
    "!!! ,,, ...",
    "КВАДРОКОПТЕР DJI Mavic 3 Pro (2 шт.), S/N 1581F4QBD23400123",
    "kvadrokopter  dji\u200b mavic-3 s/n 1581f4qbd23400124; цена 12345,67 USD",
    "K B A D R O K O P T E R  к в а д р о к о п т е р",
    "ноутбук защищенный Getac B360 MIL-STD-810H для нужд МО РФ",
    "zashchishchennyy noutbuk getac b360, 2 pcs, invoice 20240117-77",
    "GNSS приемник u-blox ZED-F9P RTK 😀 ﬁ ⅷ ǅ İstanbul",
    "антидрон ружье подавитель БПЛА 5.8G 2.4G 1.5G GPS L1 900МГц",
    "в / ч 12345, войсковая часть 54321",
    "x" * 50 + " " + "9" * 40,
    # evasions the normaliser undoes (fillers, marks, letters apart, bidi override, Greek, zeros)
    "квад\u3164рокоптер к\u0336в\u0336а\u0336д d\u00f3n\u00e9 к  в  а  д  р  о м  а  в  и  к",
    "к.в.а.д.р.о.к.о.п.т.е.р д-р-о-н \u202eретпокордавк\u202c ΚΒΑΔΡΟ Κвαдрο 0БОРОНЫ İstanbul A  A A",
]


def _texts(n_random: int = 300) -> list[str]:
    rows = list(csv.DictReader(open(REPO / "tests" / "data" / "tiny_corpus.csv", encoding="utf-8")))
    base = [r["text"] for r in rows] + TRICKY
    rng = random.Random(7)
    varied = []
    for _ in range(n_random):
        t = rng.choice(base)
        t = re.sub(r"\d+", lambda m: str(rng.randint(1, 10 ** rng.randint(1, 9))), t)
        if rng.random() < 0.3:
            t = t.upper()
        varied.append(f"{t} SN{rng.randint(10**5, 10**9)} {rng.randint(1, 99)} шт")
    return base + varied


def _fitted(word=(1, 2), char=(2, 5), translit="only", keep_digits=4, lang="xx", lemmatise=False):
    texts = _texts(0)
    tok = SpacyTokeniser(lang=lang, lemmatise=lemmatise).fit(texts)
    feats = TokenNgramVectorizer(
        word_ngram_range=word, char_ngram_range=char, translit=translit, keep_digits=keep_digits
    ).fit(tok.transform(texts))
    return tok, feats


def _string_reference(tok, feats, texts):
    """The matrix built from the feature strings the vocabulary was fitted on (no caches, no arrays)."""
    voc = feats.vocabulary_
    rows = []
    for tokens in tok.transform(texts):
        rows.append(pack([voc[g] for g in feats.feature_strings(tokens) if g in voc]))
    return feats.matrix_from_packed(rows)


@pytest.mark.parametrize(
    "word, char, translit, keep_digits, lang, lemmatise",
    [
        ((1, 2), (2, 5), "only", 4, "xx", False),
        ((1, 3), (1, 4), True, 0, "ru", True),
        ((2, 2), (3, 5), False, 2, "en", False),
        ((0, 0), (2, 4), "only", 4, "xx", False),
        ((1, 1), (0, 0), False, 4, "xx", False),
        ((2, 5), (2, 5), "only", 4, "xx", False),
        ((3, 8), (0, 0), False, 4, "ru", False),
    ],
)
def test_featuriser_equals_string_reference(word, char, translit, keep_digits, lang, lemmatise):
    tok, feats = _fitted(word, char, translit, keep_digits, lang, lemmatise)
    texts = _texts()
    expected = _string_reference(tok, feats, texts)
    assert abs(feats.transform(tok.transform(texts)) - expected).max() == 0
    # A tiny cache makes batches roll generations over, copy runs back and drop batch-only runs.
    fz = RunFeaturiser(tok, feats, cache_size=40)
    for start in range(0, len(texts), 37):
        got = fz.featurise(texts[start : start + 37]).matrix
        assert abs(got - expected[start : start + 37]).max() == 0
    again = fz.featurise(texts).matrix
    assert abs(again - expected).max() == 0


def test_featurised_text_flags():
    tok, feats = _fitted()
    matcher = MarkerMatcher.from_file(REPO / "configs" / "markers.txt")
    fz = RunFeaturiser(tok, feats, run_flag=matcher.run_may_match)
    texts = ["", "___", "для нужд МО РФ дрон", "дрон DJI", "x" * 10]
    out = fz.featurise(texts)
    assert out.has_text.tolist() == [False, False, True, True, True]
    assert out.marker_texts == {2: Normaliser()(texts[2])}


def test_gram_table_equals_dictionary_lookup():
    rng = random.Random(3)
    alphabet = "abcxyz0123456789-./ахзюяё" + "😀𝔘" + "\ud800"
    strings = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(2000)]
    grams = sorted({g for s in strings[:500] for g in char_ngrams(s, 2, 5)})
    vocabulary = {g: i for i, g in enumerate(rng.sample(grams, len(grams) // 2))}
    table = GramTable(vocabulary, 2, 5)
    for s, packed in zip(strings, table.lookup(strings)):
        expected = sorted(vocabulary[g] for g in char_ngrams(s, 2, 5) if g in vocabulary)
        assert sorted(np.frombuffer(packed, dtype=np.intc).tolist()) == expected, s


def test_gc_paused_nests_and_restores():
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a collector switched off by the caller stays off
    finally:
        gc.enable()


def test_marker_piece_kinds():
    assert _piece("спецоперац") == ("in", "спецоперац")
    assert _piece("мо рф") == ("end", "мо") or _piece("мо рф") == ("start", "рф")
    assert _piece("в / ч") == ("eq", "/")
    assert _piece("нужд мо") == ("end", "нужд")


def test_marker_gate_and_rule_search_equal_the_joined_rules():
    from pipeline.text.markers import negated

    matcher = MarkerMatcher.from_file(REPO / "configs" / "markers.txt")
    rules = [re.compile(p) for p in matcher.patterns]
    exclusions = re.compile("|".join(f"(?:{p})" for p in matcher.exclusions))

    def first(cut: str):
        """The leftmost match no negation governs, the earlier rule on a tie: the rules' meaning, no shortcut."""
        found = [(m.start(), k, m) for k, r in enumerate(rules) for m in r.finditer(cut) if not negated(cut, m.start())]
        return min(found, key=lambda f: f[:2])[2] if found else None

    norm = Normaliser()
    texts = []
    for path in sorted((REPO / "corpora").glob("*/*.csv")):
        if path.parent.name not in ("handwritten", "ood", "nomenclature"):
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            texts += [r["text"] for r in csv.DictReader(fh) if r.get("text")]
    assert len(texts) > 5000
    flagged = 0
    for text in texts + TRICKY:
        n = norm(text)
        m = first(exclusions.sub(" ", n))
        assert matcher.find(n) == (m.group(0).strip() if m else None), text
        if m:
            flagged += 1
            assert any(matcher.run_may_match(run) for run in n.split(" ")), text
    assert flagged > 300


def test_model_pipeline_and_fast_path_agree(tiny_model):
    texts = _texts()
    pipe: Pipeline = tiny_model.pipeline
    batch = tiny_model.predict_batch(texts, apply_thresholds=False)
    expected = pipe.predict_proba(texts)
    if tiny_model.peer is not None:  # the recipe's character peer, blended the same way on both paths
        expected = tiny_model.predict_proba(texts)
    empty = np.array([s == "empty" for s in batch.statuses])
    np.testing.assert_array_equal(batch.proba[~empty], expected[~empty])
    assert (batch.proba[empty] == 0).all()


def test_store_stays_consistent_while_numpy_views_of_it_live():
    # array.frombytes/del refuse to resize an array with an exported buffer; a view kept alive (e.g. by a
    # traceback while the cyclic collector is paused) once left ids pointing past the arrays (IndexError later)
    import numpy as np

    from pipeline.features.runs import _Store

    def add(store, run, cols):
        store.extend(
            [run], [run], np.array(cols, dtype=np.intc).tobytes(), [len(cols)],
            np.array([0], dtype=np.int64).tobytes(), [1], [1],
        )  # fmt: skip

    store = _Store()
    add(store, "a", [1])
    views = [np.frombuffer(getattr(store, name), dtype=np.int8) for name in ("flag", "feat", "feat_start", "toks")]
    add(store, "b", [2, 3])
    assert store.ids == {"a": 0, "b": 1}
    assert [len(getattr(store, n)) for n in ("fixed", "flag", "feat_start", "feat_len", "tok_start")] == [2] * 5
    assert list(store.feat) == [1, 2, 3]
    views += [np.frombuffer(getattr(store, name), dtype=np.int8) for name in ("flag", "feat", "tok_len")]
    store.truncate(1, ["b"])
    assert store.ids == {"a": 0} and list(store.feat) == [1] and len(store.flag) == 1 and len(store.toks) == 1
    assert views


@pytest.mark.parametrize(
    ("option", "extra", "dropped"),
    [
        (
            "drop_field_labels",
            [
                "УСТРОЙСТВО ЭЛЕКТРОННОЕ ИЗГОТОВИТЕЛЬ TWINHEAD ТОВАРНЫЙ ЗНАК DURABOOK МОДЕЛЬ S14I КОЛ-ВО 3 ШТ",
                "Производитель: SZ DJI; артикул CP.MA.001, модель самолета",
            ],
            "изготовитель",
        ),
        (
            "drop_negated",
            [
                "Aeroplanes and other aircraft, except unmanned; of an unladen weight exceeding 15,000 kg",
                "ЛЕТАТЕЛЬНЫЕ АППАРАТЫ ПРОЧИЕ, КРОМЕ БЕСПИЛОТНЫХ ЛЕТАТЕЛЬНЫХ АППАРАТОВ ТОВАРНОЙ ПОЗИЦИИ 8806",
                "parts for piston engines (for other than aircraft) 12 pcs",
            ],
            "беспилотных",
        ),
    ],
)
def test_featuriser_equals_string_reference_with_an_optional_drop(option, extra, dropped):
    texts = _texts(60) + extra
    tok = SpacyTokeniser(**{option: True}).fit(texts)
    feats = TokenNgramVectorizer(word_ngram_range=(1, 2), char_ngram_range=(2, 5)).fit(tok.transform(texts))
    assert dropped not in {t for toks in tok.transform(extra) for t in toks}
    expected = _string_reference(tok, feats, texts)
    got = RunFeaturiser(tok, feats, cache_size=40).featurise(texts).matrix
    assert abs(got - expected).max() == 0
