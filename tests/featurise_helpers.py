"""Shared check that the run-level fast path featurises marked tokens exactly as the plain vectoriser does."""

from __future__ import annotations

from pipeline.features.runs import RunFeaturiser
from pipeline.features.vectoriser import TokenNgramVectorizer, pack


def fitted_features_and_gap(tok, texts, cache_size: int = 8):
    """Fit a vectoriser on ``tok``'s tokens of ``texts``; return it and the largest gap to the fast path's matrix."""
    tok.fit(texts)
    feats = TokenNgramVectorizer(word_ngram_range=(1, 2), char_ngram_range=(2, 5), min_df=1).fit(tok.transform(texts))
    voc = feats.vocabulary_
    expected = feats.matrix_from_packed(
        [pack([voc[g] for g in feats.feature_strings(t) if g in voc]) for t in tok.transform(texts)]
    )
    got = RunFeaturiser(tok, feats, cache_size=cache_size).featurise(texts).matrix
    return feats, abs(got - expected).max()
