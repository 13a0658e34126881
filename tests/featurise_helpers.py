"""Shared checks of the tokeniser's mark options: the run-level fast path featurises marked tokens exactly as the plain
vectoriser does, and a model keeps the option, records its word list and names the mark in explanations."""

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


def check_marked_model(tiny_config, tiny_corpus, folder, option: str, rule: str, version: str, texts, words) -> None:
    """Fit the tiny model with ``[tokenise] option`` on, save it to ``folder`` and check it through loading.

    The meta records the list ``rule`` at ``version``; the loaded model keeps the option, labels ``texts`` as the
    fitted one and names ``words`` in the explanation of the first text; a meta with another version warns.
    """
    import json
    import warnings

    import pytest

    from pipeline.explain import explain
    from pipeline.model.core import load_model
    from pipeline.training.fit import fit_model

    cfg = {**tiny_config, "tokenise": {**tiny_config["tokenise"], option: True}}
    model = fit_model(cfg, tiny_corpus.text, tiny_corpus.label)
    folder = model.save(folder)
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["text_rules"][rule] == version
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(folder)
    assert getattr(loaded.tokeniser, option) is True
    assert loaded.predict_batch(texts).labels == model.predict_batch(texts).labels
    named = [w for w, _ in explain(texts[0], loaded, apply_thresholds=False).items]
    assert all(w in named for w in words), named
    meta["text_rules"][rule] = "0123456789abcdef"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(UserWarning, match=rf"{rule} 0123456789abcdef \(model\)"):
        load_model(folder)
