import math
import pickle
from collections import Counter

import numpy as np
import pytest

from pipeline.features.vectoriser import TokenNgramVectorizer, translit_skeleton

DOCS = [
    ("квадрокоптер", "dji", "mavic", "3"),
    ("kvadrokopter", "dji", "sn123456789"),
    ("rugged", "tablet", "rugged"),
    (),
]


def reference_row(vec, tokens):
    """TF-IDF row computed the slow, obvious way from the feature strings."""
    grams = []
    lo, hi = vec.word_ngram_range
    for n in range(lo, hi + 1):
        grams += ["w:" + " ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    for tok in tokens:
        grams += vec.token_feature_strings(tok)
    counts = Counter(g for g in grams if g in vec.vocabulary_)
    row = np.zeros(len(vec.vocabulary_))
    for g, c in counts.items():
        j = vec.vocabulary_[g]
        row[j] = (1 + math.log(c)) * vec.column_weights_[j]
    norm = np.linalg.norm(row)
    return row / norm if norm else row


def test_norm_cap_divides_long_rows_by_the_cap_only():
    vec = TokenNgramVectorizer(word_ngram_range=(1, 1), char_ngram_range=(2, 4)).fit(DOCS)
    docs = [("rugged",), ("rugged", "tablet", "rugged", "dji", "mavic")]
    unit = vec.transform(docs).toarray()
    norms = []
    for d in docs:
        counts = Counter(g for g in ["w:" + t for t in d] + [f for t in d for f in vec.token_feature_strings(t)])
        row = np.zeros(len(vec.vocabulary_))
        for g, c in counts.items():
            if g in vec.vocabulary_:
                row[vec.vocabulary_[g]] = (1 + math.log(c)) * vec.column_weights_[vec.vocabulary_[g]]
        norms.append(np.linalg.norm(row))
    cap = (norms[0] + norms[1]) / 2
    assert norms[0] < cap < norms[1]
    capped = vec.set_params(norm_cap=cap).transform(docs).toarray()
    np.testing.assert_allclose(capped[0], unit[0])
    np.testing.assert_allclose(capped[1], unit[1] * norms[1] / cap)
    assert np.linalg.norm(capped[1]) > 1.0


@pytest.mark.parametrize("translit", [False, True, "latin"])
def test_transform_matches_reference(translit):
    vec = TokenNgramVectorizer(word_ngram_range=(1, 2), char_ngram_range=(2, 4), char_weight=0.7, translit=translit)
    X = vec.fit(DOCS).transform(DOCS + [("unseen", "квадрокоптер")])
    for r, tokens in enumerate(DOCS + [("unseen", "квадрокоптер")]):
        np.testing.assert_allclose(X[r].toarray().ravel(), reference_row(vec, tokens), atol=1e-12)
    assert X[3].nnz == 0


def test_translit_links_scripts():
    assert translit_skeleton("квадрокоптер") == translit_skeleton("kvadrokopter")
    assert translit_skeleton("защищенный") == translit_skeleton("zashchishchennyy") == translit_skeleton("zashishennyi")
    assert translit_skeleton("2306") is None
    vec = TokenNgramVectorizer(translit=True).fit(DOCS)
    a, b = vec.transform([("квадрокоптер",), ("kvadrokopter",)])
    assert (a @ b.T).toarray()[0, 0] > 0.3
    vec_plain = TokenNgramVectorizer(translit=False).fit(DOCS)
    a, b = vec_plain.transform([("квадрокоптер",), ("kvadrokopter",)])
    assert (a @ b.T).toarray()[0, 0] == 0


def test_latin_spelling_links_loanwords_only_through_cyrillic_words():
    docs = [("мавик",), ("mavic",), ("дрон",), ("drone",), ("jammer",), ("yams",)]
    vec = TokenNgramVectorizer(translit="latin").fit(docs)
    a, b, c, d, e, f = vec.transform(docs)
    assert (a @ b.T).toarray()[0, 0] > 0.2 and (c @ d.T).toarray()[0, 0] > 0.2
    # Latin words keep their own n-grams: no skeleton merges ("jammer" ~ "yams" through j -> y)
    skeleton = TokenNgramVectorizer(translit=True).fit(docs)
    assert (e @ f.T).toarray()[0, 0] < (lambda x: (x[0] @ x[1].T).toarray()[0, 0])(skeleton.transform(docs[4:]))
    assert vec.token_feature_strings("jammer") == TokenNgramVectorizer().fit(docs).token_feature_strings("jammer")
    assert not any(f.startswith("t:") for f in vec.vocabulary_)
    plain = TokenNgramVectorizer(translit=False).fit(docs)
    a, b = plain.transform(docs[:2])
    assert (a @ b.T).toarray()[0, 0] == 0


def test_min_df_and_max_features():
    vec = TokenNgramVectorizer(min_df=2).fit(DOCS)
    assert "w:dji" in vec.vocabulary_ and "w:mavic" not in vec.vocabulary_
    vec = TokenNgramVectorizer(max_features=10).fit(DOCS)
    assert len(vec.get_feature_names_out()) == 10


def test_bad_ranges_rejected():
    with pytest.raises(ValueError):
        TokenNgramVectorizer(word_ngram_range=(0, 0), char_ngram_range=(0, 0)).fit(DOCS)
    with pytest.raises(ValueError):
        TokenNgramVectorizer(char_ngram_range=(3, 2)).fit(DOCS)


def test_cache_not_pickled_and_same_output():
    vec = TokenNgramVectorizer(translit=True).fit(DOCS)
    before = vec.transform(DOCS).toarray()
    assert vec.index_.cached_tokens
    clone = pickle.loads(pickle.dumps(vec))
    assert "_index" not in clone.__dict__
    np.testing.assert_array_equal(clone.transform(DOCS).toarray(), before)
