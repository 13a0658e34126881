"""The ``[peer]`` section: the plain character view blended into the model's scores (pipeline/model/peer.py).

It is fitted on the lines as given, blended before every rule of the operating point, stored as plain data (format
version 2) and rebuilt exactly; a model without it is written as before (version 1, no extra file).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import ConfigError
from pipeline.explain import explain, format_explanation
from pipeline.model.core import META_FILE, ModelError, load_model, model_identity, read_meta, sha256_file
from pipeline.model.meta import MODEL_FILE, MODEL_FILES, PEER_VOCABULARY_FILE
from pipeline.model.peer import CharPeer
from pipeline.model.svm import softmax_scores
from pipeline.training.fit import fit_model
from pipeline.training.recipe import load_config

from .conftest import REPO, TINY_CORPUS

TEXTS = [
    "Квадрокоптер DJI Mavic 3 для нужд СВО",
    "KBAДPOKOПTEP  DJI\u200b",
    "ноутбук защищённый Getac B360",
    "rugged tablet IP67 MIL-STD-810H",
    "стол письменный деревянный",
    "x" * 3000 + " квадрокоптер",
    "",
    None,
]


def rehash(folder):
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    meta["files"] = {name: sha256_file(folder / name) for name in meta["files"]}
    meta["model_sha256"] = model_identity(meta["files"], meta.get("decision_sha256"))
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


@pytest.fixture(scope="module")
def texts():
    with open(TINY_CORPUS, encoding="utf-8", newline="") as fh:
        return [r["text"] for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def peer_model(tiny_config, tiny_corpus):
    cfg = dict(tiny_config)
    cfg["peer"] = dict(cfg["peer"], weight=0.3, temperature=4.0, min_df=1)
    return fit_model(cfg, tiny_corpus.text, tiny_corpus.label)


@pytest.fixture(scope="module")
def plain_model(tiny_config, tiny_corpus):
    cfg = dict(tiny_config)
    cfg["peer"] = dict(cfg["peer"], weight=0.0)
    return fit_model(cfg, tiny_corpus.text, tiny_corpus.label)


def test_char_peer_follows_the_estimator_contract(tiny_corpus):
    peer = CharPeer(weight=0.25, temperature=2.0, min_df=1, random_state=0)
    assert peer.fit(tiny_corpus.text, tiny_corpus.label) is peer
    assert {"vectorizer_", "svc_", "classes_"} <= set(vars(peer))
    assert set(peer.get_params()) == set(CharPeer._parameter_constraints) | {"random_state"}
    proba = peer.predict_proba(["дрон", "drone 5 pcs", "стол"])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba, softmax_scores(peer.decision_function(["дрон", "drone 5 pcs", "стол"]), 2.0))
    # The blend reorders the peer's columns to the model's class order.
    classes = list(reversed(peer.classes_))
    base = np.full((1, len(classes)), 1.0 / len(classes))
    blended = peer.blend(base, ["дрон"], classes)
    expected = 0.75 * base + 0.25 * peer.predict_proba(["дрон"])[:, [list(peer.classes_).index(c) for c in classes]]
    np.testing.assert_allclose(blended, expected)
    with pytest.raises(ValueError, match="peer.weight"):
        CharPeer(weight=1.5).fit(["a", "b"], ["drone", "other"])
    with pytest.raises(ValueError, match="peer.ngram_range"):
        CharPeer(weight=0.2, ngram_range=(0, 0)).fit(["a", "b"], ["drone", "other"])


def test_scores_are_the_blend_before_the_rules(peer_model, texts):
    batch = peer_model.predict_batch(texts, apply_thresholds=False)
    clf = peer_model.pipeline.named_steps["classifier"]
    own = clf.predict_proba(peer_model.pipeline[:-1].transform(texts))
    peer = peer_model.peer
    theirs = peer.predict_proba(texts)[:, [list(peer.classes_).index(c) for c in peer_model.classes]]
    np.testing.assert_allclose(batch.proba, 0.7 * own + 0.3 * theirs, atol=1e-12)
    np.testing.assert_allclose(peer_model.predict_proba(texts), batch.proba, atol=1e-12)
    assert batch.labels == [peer_model.classes[j] for j in batch.proba.argmax(axis=1)]


def test_weight_zero_fits_no_peer_and_scores_are_the_model_alone(plain_model, texts):
    assert plain_model.peer is None
    batch = plain_model.predict_batch(texts, apply_thresholds=False)
    np.testing.assert_array_equal(batch.proba, plain_model.pipeline.predict_proba(texts))


def test_overfit_save_load_same_predictions_with_the_peer(peer_model, tiny_corpus, tmp_path):
    folder = peer_model.save(tmp_path / "m")
    meta = read_meta(folder)
    assert meta["format_version"] == 2
    assert set(meta["files"]) == {*MODEL_FILES, PEER_VOCABULARY_FILE, "config.cfg"}
    assert meta["model_sha256"] == model_identity(meta["files"], meta["decision_sha256"])
    loaded = load_model(folder)
    assert isinstance(loaded.peer, CharPeer) and loaded.peer.get_params() == peer_model.peer.get_params()
    a, b = peer_model.predict_batch(TEXTS), loaded.predict_batch(TEXTS)
    np.testing.assert_array_equal(a.proba, b.proba)
    assert a.labels == b.labels and a.statuses == b.statuses
    assert list(b.statuses[-2:]) == ["empty", "empty"] and b.labels[-2:] == ["other", "other"]
    # overfit: the training lines come back with their labels
    assert loaded.predict_batch(tiny_corpus.text, apply_thresholds=False).labels == list(tiny_corpus.label)
    # batch equals single
    assert [loaded.predict_batch([t], apply_thresholds=False).labels[0] for t in TEXTS] == list(
        loaded.predict_batch(TEXTS, apply_thresholds=False).labels
    )


def test_a_model_without_peer_is_written_as_before(plain_model, tmp_path):
    folder = plain_model.save(tmp_path / "m")
    meta = read_meta(folder)
    assert meta["format_version"] == 1 and set(meta["files"]) == {*MODEL_FILES, "config.cfg"}
    assert not (folder / PEER_VOCABULARY_FILE).exists()
    assert "peer" not in json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    assert load_model(folder).peer is None


def _edit_doc(edit):
    def apply(folder):
        doc = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
        edit(doc)
        (folder / MODEL_FILE).write_text(json.dumps(doc), encoding="utf-8")
        rehash(folder)

    return apply


def _drop_peer_file(folder):
    (folder / PEER_VOCABULARY_FILE).unlink()
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    del meta["files"][PEER_VOCABULARY_FILE]
    meta["model_sha256"] = model_identity(meta["files"], meta.get("decision_sha256"))
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _unlist_peer_file(folder):
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    del meta["files"][PEER_VOCABULARY_FILE]
    meta["model_sha256"] = model_identity(meta["files"], meta.get("decision_sha256"))
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


def _short_vocabulary(folder):
    words = json.loads((folder / PEER_VOCABULARY_FILE).read_text(encoding="utf-8"))
    (folder / PEER_VOCABULARY_FILE).write_text(json.dumps(words[:-1]), encoding="utf-8")
    rehash(folder)


@pytest.mark.parametrize(
    "tamper, message",
    [
        (_edit_doc(lambda d: d["peer"].update({"class": "os.system"})), "not allowed"),
        (_edit_doc(lambda d: d["peer"]["svc"].update({"class": "Pipeline"})), "not allowed"),
        (_edit_doc(lambda d: d["peer"]["params"].update({"weight": 2.0})), "peer.weight"),
        (_edit_doc(lambda d: d.update({"format_version": 1})), "format version 2"),
        (_drop_peer_file, PEER_VOCABULARY_FILE),
        (_unlist_peer_file, "not listed"),
        (_short_vocabulary, "n-grams"),
    ],
    ids=["class", "svc-class", "weight", "version", "missing-file", "unlisted-file", "vocabulary"],
)
def test_a_peer_outside_the_format_is_refused(peer_model, tmp_path, tamper, message):
    folder = peer_model.save(tmp_path / "m")
    tamper(folder)
    with pytest.raises(ModelError, match=message):
        load_model(folder)


def test_config_checks_the_peer_section():
    default = REPO / "configs" / "default.cfg"
    assert load_config(default)["peer"]["weight"] > 0
    with pytest.raises(ConfigError, match=r"\[peer\] weight = 1.0: expected a number in \[0, 1\)"):
        load_config(default, {"peer.weight": 1.0})
    with pytest.raises(ConfigError, match=r"override --peer.weigth: unknown section or key"):
        load_config(default, {"peer.weigth": 0.2})
    with pytest.raises(ConfigError, match=r"\[peer\] ngram_range must start at 1"):
        load_config(default, {"peer.ngram_range": [0, 0]})
    assert load_config(default, {"peer.weight": 0.0})["peer"]["weight"] == 0.0


def test_explain_shows_the_peer_share(peer_model):
    e = explain("Квадрокоптер DJI Mavic 3", peer_model)
    assert e.peer_weight == pytest.approx(0.3) and set(e.peer_scores) == set(peer_model.classes)
    text = format_explanation(e)
    assert "0.7 x the linear model explained below + 0.3 x the character peer" in text
    assert text.count("peer 0.") + text.count("peer 1.") == len(peer_model.classes)
    # the words still sum exactly to the linear model's margin
    assert sum(c for _, c in e.items) + e.intercept + e.rest == pytest.approx(e.margin)


def test_cli_predicts_with_a_peer_model(peer_model, tmp_path):
    folder = peer_model.save(tmp_path / "m")
    src = tmp_path / "in.csv"
    src.write_text("text\nКвадрокоптер DJI Mavic 3\nстол письменный\n\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["predict", str(src), "-o", str(out), "--model", str(folder), "-q"])
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    expected = peer_model.predict_batch(["Квадрокоптер DJI Mavic 3", "стол письменный", ""])
    assert [r["label"] for r in rows] == list(expected.labels)


def test_evaluate_names_the_blend(peer_model, plain_model, tmp_path):
    from pipeline.report.text import thresholds_text

    for model, name in ((peer_model, "peer"), (plain_model, "plain")):
        folder = model.save(tmp_path / name)
        result = CliRunner().invoke(app, ["evaluate", str(TINY_CORPUS), "--model", str(folder), "--json"])
        assert result.exit_code == 0, result.output
        m = json.loads(result.output[result.output.index("{") :])
        if name == "peer":
            assert m["peer"] == {"weight": pytest.approx(0.3), "temperature": pytest.approx(4.0)}
        else:
            assert m["peer"] is None
    text = thresholds_text({"thresholds": {"drone": 0.8}, "peer": {"weight": 0.2, "temperature": 8.0}})
    assert text.startswith("on scores 0.8 × the model's + 0.2 × its character peer's (softmax at 8): drone ≥ 0.800")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60), min_size=1, max_size=8))
def test_word_by_word_features_equal_the_vectorizer(peer_model, tiny_corpus, texts):
    peer = peer_model.peer
    # short words fill a whole n-gram ("3" is " 3 "): scikit-learn counts them once
    extra = ["ΟΔΟΣ Σ", "İstanbul DRONE дрон", "a\tb\nc  d\u00a0e", "", "квадрокоптер квадрокоптер", "3 шт a ab abcd"]
    extra += list(tiny_corpus.text)
    got, expected = peer.transform(texts + extra), peer.vectorizer_.transform(texts + extra)
    assert (got != expected).nnz == 0
    np.testing.assert_array_equal(peer.decision_function(texts), peer.svc_.decision_function(expected[: len(texts)]))


@pytest.mark.parametrize("ngram_range", [(1, 3), (3, 5), (4, 6)])
def test_word_by_word_features_equal_the_vectorizer_for_other_ranges(tiny_corpus, ngram_range):
    # from a range's start above 3, a short word (" ab ", " 3 ") is a whole n-gram shorter than the start
    extra = ["3 шт a ab abcd abcdefgh", "Ab AB ab", "дрон дроны БПЛА", "", "  "]
    texts = list(tiny_corpus.text) + extra
    peer = CharPeer(weight=0.5, ngram_range=ngram_range, min_df=1).fit(texts, list(tiny_corpus.label) + ["other"] * 5)
    first, again = peer.transform(texts), peer.transform(texts[::-1])  # the second call reads the word cache
    expected = peer.vectorizer_.transform(texts)
    assert (first != expected).nnz == 0
    assert (again != expected[::-1]).nnz == 0
