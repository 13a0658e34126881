import json
import warnings

import numpy as np
import pytest

from pipeline import load_model
from pipeline.config import LABELS
from pipeline.model.core import META_FILE, ModelError


def test_overfit_reproduces_training_labels(tiny_model, tiny_corpus):
    preds = tiny_model.predict(tiny_corpus.text)
    assert [p.label for p in preds] == tiny_corpus.label


def test_save_load_same_predictions(tiny_model, tiny_model_dir, tiny_corpus):
    loaded = load_model(tiny_model_dir)
    before = tiny_model.predict_batch(tiny_corpus.text)
    after = loaded.predict_batch(tiny_corpus.text)
    assert before.labels == after.labels
    assert (before.scores == after.scores).all()
    assert (before.markers == after.markers).all()


def test_spacy_object_is_not_stored_and_is_rebuilt(tiny_model_dir):
    from pipeline.model.core import MODEL_FILE

    stored = json.loads((tiny_model_dir / MODEL_FILE).read_text(encoding="utf-8"))["steps"]["tokenise"]
    assert stored["class"] == "SpacyTokeniser" and set(stored) == {"class", "params"}  # parameters only
    tok = load_model(tiny_model_dir).tokeniser
    assert "_nlp" in tok.__dict__  # rebuilt when the model is loaded
    assert tok.tokenise("FZ-55 ML-235") == ("fz-55", "ml-235")


def test_batch_equals_single(tiny_model, tiny_corpus):
    texts = tiny_corpus.text[:20] + ["", "   "]
    batch = tiny_model.predict(texts)
    singles = [tiny_model.predict(t)[0] for t in texts]
    assert [(p.label, p.military_marker, p.military_wording, p.status) for p in batch] == [
        (p.label, p.military_marker, p.military_wording, p.status) for p in singles
    ]
    for a, b in zip(batch, singles):
        assert a.score == pytest.approx(b.score, abs=1e-9)


def test_prediction_fields(tiny_model):
    preds = tiny_model.predict(["Квадрокоптер DJI Mavic 3 для нужд СВО", "", "-- ..."])
    assert preds[0].label in LABELS
    assert 0.0 <= preds[0].score <= 1.0
    assert preds[0].military_marker == 1 and preds[0].military_wording == "СВО"
    assert preds[0].status == "ok"
    assert preds[1].status == "empty" and preds[1].label == "other" and preds[1].score == 0.0
    assert preds[2].status == "empty"


def test_truncated_status(tiny_model):
    long_text = "квадрокоптер " * 500
    (p,) = tiny_model.predict([long_text])
    assert p.status == "truncated"
    assert p.label == "drone"
    # the marker rules read the whole line, and the wording is found in it as written
    (p,) = tiny_model.predict([long_text + "ПОЛУЧАТЕЛЬ В/Ч 12345"])
    assert p.status == "truncated" and p.military_marker == 1 and p.military_wording == "ПОЛУЧАТЕЛЬ В/Ч"


@pytest.mark.parametrize("name", ["model.json", "vocabulary.json", "weights.npz", "config.cfg"])
def test_tampered_model_file_is_refused(tiny_model, tmp_path, name):
    folder = tiny_model.save(tmp_path / "m")
    with open(folder / name, "ab") as fh:
        fh.write(b"\x00")
    with pytest.raises(ModelError, match="sha256"):
        load_model(folder)


def test_meta_without_hash_is_refused(tiny_model, tmp_path):
    folder = tiny_model.save(tmp_path / "m")
    meta = json.loads((folder / META_FILE).read_text())
    del meta["model_sha256"]
    (folder / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError):
        load_model(folder)
    del meta["files"]
    (folder / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="sha256"):
        load_model(folder)


def test_version_mismatch_warns(tiny_model, tmp_path):
    folder = tiny_model.save(tmp_path / "m")
    meta = json.loads((folder / META_FILE).read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    (folder / META_FILE).write_text(json.dumps(meta))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_model(folder)
    assert any("library versions differ" in str(w.message) for w in caught)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ModelError, match="not a model folder"):
        load_model(tmp_path / "nope")


def test_pipeline_follows_sklearn_contract(tiny_model):
    from sklearn.base import clone

    pipe = tiny_model.pipeline
    cloned = clone(pipe)
    assert cloned.get_params()["tokenise__lang"] == pipe.get_params()["tokenise__lang"]
    assert hasattr(pipe.named_steps["features"], "vocabulary_")
    assert not hasattr(cloned.named_steps["features"], "vocabulary_")


def test_predict_batch_equals_pipeline_predict_proba(tiny_model, tiny_corpus):
    texts = tiny_corpus.text + ["KBAДPOKOПTEP  DJI\u200b", "x" * 3000 + " квадрокоптер"]
    batch = tiny_model.predict_batch(texts, apply_thresholds=False)
    np.testing.assert_allclose(batch.proba, tiny_model.predict_proba(texts), atol=1e-12)


def test_featuriser_survives_cache_overflow(tiny_model, tiny_corpus):
    from pipeline.features.runs import RunFeaturiser

    steps = tiny_model.pipeline.named_steps
    small = RunFeaturiser(steps["tokenise"], steps["features"], cache_size=5)
    texts = tiny_corpus.text * 2
    got = small.featurise(texts).matrix
    again = small.featurise(texts).matrix
    expected = steps["features"].transform(steps["tokenise"].transform(texts))
    assert abs(got - expected).max() < 1e-12
    assert abs(again - expected).max() < 1e-12
