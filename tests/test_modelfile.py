"""Issue 10, item 2: a model folder runs no code when it is loaded.

The fitted model is stored as JSON and ``allow_pickle=False`` arrays (:mod:`pipeline.model.persist`) and rebuilt
exactly; a pickled ``model.joblib`` is loaded only with an explicit ``trust_pickle`` / ``--trust-pickle``.
"""

from __future__ import annotations

import csv
import json
import pickle
import subprocess

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.model.core import (
    DEFAULT_MODEL_DIR,
    META_FILE,
    PICKLE_FILE,
    ModelError,
    convert_model,
    decision_identity,
    load_model,
    model_identity,
    read_meta,
    sha256_file,
)
from pipeline.model.meta import MODEL_FILE, MODEL_FILES, PEER_VOCABULARY_FILE, WEIGHTS_FILE
from pipeline.model.persist import FORMAT, FORMAT_VERSION, format_version
from pipeline.training.fit import fit_model
from pipeline.training.recipe import load_config

from .conftest import REPO, TINY_CORPUS, TINY_OVERRIDES, write_tiny_config

runner = CliRunner()
# The last commit whose models/default held the pickled model.joblib (converted to the plain-data format after it).
PICKLED_DEFAULT_COMMIT = "91228a52b7efc6cc509e8a38eef91757986cd02c"
OOD = REPO / "corpora" / "ood" / "ood_test.csv"
EXTRA_TEXTS = [
    "Квадрокоптер DJI Mavic 3 для нужд СВО",
    "KBAДPOKOПTEP  DJI\u200b",
    "ноутбук защищённый Getac B360",
    "x" * 3000 + " квадрокоптер",
    "",
    "совершенно незнакомые слова",
]


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def write_pickle_folder(model, folder):
    """A model folder as versions before the plain-data format wrote it: model.joblib, its sha256 in the meta."""
    import joblib

    from pipeline.config import config_to_str

    folder.mkdir(parents=True)
    joblib.dump({"pipeline": model.pipeline, "markers": model.markers}, folder / PICKLE_FILE, compress=3)
    (folder / "config.cfg").write_text(config_to_str(model.config), encoding="utf-8")
    meta = {"labels": model.classes, "model_sha256": sha256_file(folder / PICKLE_FILE), "thresholds": {}}
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return folder


def rehash(folder):
    """Rewrite meta.json's hashes to fit the files, as anyone able to replace a file can."""
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    if "files" in meta:
        meta["files"] = {name: sha256_file(folder / name) for name in meta["files"]}
        if "decision_sha256" in meta:
            meta["decision_sha256"] = decision_identity(meta)
        meta["model_sha256"] = model_identity(meta["files"], meta.get("decision_sha256"))
    else:
        meta["model_sha256"] = sha256_file(folder / PICKLE_FILE)
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")


class Payload:
    """Unpickling this creates the file ``path``: the stand-in for an attacker's code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return exec, (f"open({self.path!r}, 'w').write('code ran')",)


@pytest.fixture(scope="module")
def tiny_texts():
    with open(TINY_CORPUS, encoding="utf-8", newline="") as fh:
        return [r["text"] for r in csv.DictReader(fh)] + EXTRA_TEXTS


@pytest.fixture(scope="module")
def malicious_folder(tmp_path_factory):
    """A pickled model folder whose model.joblib runs code, with a meta hash that matches it."""
    folder = tmp_path_factory.mktemp("evil") / "model"
    folder.mkdir()
    ran = folder.parent / "code_ran"
    with open(folder / PICKLE_FILE, "wb") as fh:
        pickle.dump(Payload(ran), fh)
    meta = {"labels": ["drone", "other"], "model_sha256": sha256_file(folder / PICKLE_FILE)}
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return folder, ran


# ------------------------------------------------------------------------------------- exact round trip


CLASSIFIERS = {
    "svm_calibrated": {"classifier.type": "svm_calibrated"},
    "svm_calibrated_ensemble": {"classifier.type": "svm_calibrated", "classifier.calibration_ensemble": True},
    "logreg": {"classifier.type": "logreg", "classifier.class_weight": "balanced"},
    "sgd": {"classifier.type": "sgd"},
    "svm": {"classifier.type": "svm", "classifier.temperature": 4.0, "classifier.class_weight": "balanced"},
}


@pytest.mark.parametrize("kind", list(CLASSIFIERS))
def test_every_classifier_round_trips_exactly(kind, tmp_path, tiny_texts):
    d = tmp_path / "cfg"
    cfg_path = write_tiny_config(d)
    overrides = dict(TINY_OVERRIDES)
    overrides.update(
        {"paths.corpus": [str(d / "tiny_corpus.csv")], "paths.markers": str(d / "markers.txt"), "paths.ood": None}
    )
    overrides.update(CLASSIFIERS[kind] or {"classifier.type": kind})
    overrides["peer.weight"] = 0.0  # pickles of older versions never held a peer (tests/test_peer.py: with one)
    from pipeline.training.corpus import read_corpus_file

    corpus = read_corpus_file(TINY_CORPUS)
    model = fit_model(load_config(cfg_path, overrides), corpus.text, corpus.label)
    pickled = load_model(write_pickle_folder(model, tmp_path / "pickled"), trust_pickle=True)
    folder = model.save(tmp_path / "plain")
    assert not (folder / PICKLE_FILE).exists()
    loaded = load_model(folder)
    clf, rebuilt = model.pipeline.named_steps["classifier"], loaded.pipeline.named_steps["classifier"]
    assert type(rebuilt) is type(clf)
    expected = pickled.pipeline.predict_proba(tiny_texts)
    np.testing.assert_array_equal(loaded.pipeline.predict_proba(tiny_texts), expected)
    np.testing.assert_array_equal(model.pipeline.predict_proba(tiny_texts), expected)
    a, b = pickled.predict_batch(tiny_texts), loaded.predict_batch(tiny_texts)
    assert a.labels == b.labels and a.statuses == b.statuses
    np.testing.assert_array_equal(a.proba, b.proba)
    np.testing.assert_array_equal(a.markers, b.markers)
    np.testing.assert_array_equal(a.familiarity, b.familiarity)
    assert loaded.markers.patterns == model.markers.patterns
    assert loaded.markers.exclusions == model.markers.exclusions
    assert (
        loaded.pipeline.get_params()["features__word_ngram_range"]
        == model.pipeline.get_params()["features__word_ngram_range"]
    )


def test_saved_folder_records_format_and_hashes(tiny_model, tmp_path):
    folder = tiny_model.save(tmp_path / "m")
    meta = read_meta(folder)
    assert meta["format"] == FORMAT and meta["format_version"] == format_version(tiny_model.peer) == FORMAT_VERSION
    peer_files = [PEER_VOCABULARY_FILE] if tiny_model.peer is not None else []
    assert set(meta["files"]) == {*MODEL_FILES, *peer_files, "config.cfg"}
    for name, digest in meta["files"].items():
        assert sha256_file(folder / name) == digest
    assert meta["decision_sha256"] == decision_identity(meta)
    assert meta["model_sha256"] == model_identity(meta["files"], meta["decision_sha256"])
    assert sorted(p.name for p in folder.iterdir()) == sorted([*MODEL_FILES, *peer_files, "config.cfg", META_FILE])
    # The same fitted model gives the same bytes (no timestamps inside weights.npz).
    again = tiny_model.save(tmp_path / "m2")
    assert read_meta(again)["files"] == meta["files"]


def test_thresholds_are_part_of_the_model_name(tiny_model, tmp_path):
    """The same weights with other thresholds are another model: another model_sha256, and a worker cache keyed
    on it cannot hand out the first model's thresholds."""
    from pipeline.run.dask_engine import model_blob

    first = tiny_model.save(tmp_path / "a")
    meta = read_meta(first)
    changed = load_model(first)
    changed.meta["thresholds"] = {label: 0.9 for label in changed.classes if label != "other"}
    second = changed.save(tmp_path / "b")
    other = read_meta(second)
    assert {k: v for k, v in other["files"].items() if k != "config.cfg"} == {
        k: v for k, v in meta["files"].items() if k != "config.cfg"
    }
    assert other["decision_sha256"] != meta["decision_sha256"]
    assert other["model_sha256"] != meta["model_sha256"]
    assert model_blob(first)["sha"] != model_blob(second)["sha"]
    assert load_model(second).thresholds == changed.meta["thresholds"]


def test_worker_cache_tells_apart_thresholds_of_an_older_folder(tiny_model, tmp_path):
    """A folder saved before decision_sha256 (its name covers its files alone) with thresholds edited by hand: the
    worker cache does not hand out the model it loaded before the edit."""
    from pipeline.run.dask_engine import model_blob, worker_model

    folder = tiny_model.save(tmp_path / "m")
    meta = read_meta(folder)
    del meta["decision_sha256"]
    meta["model_sha256"] = model_identity(meta["files"])
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    before = model_blob(folder)
    assert worker_model(before).thresholds == meta.get("thresholds", {})
    meta["thresholds"] = {label: 0.99 for label in tiny_model.classes if label != "other"}
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    after = model_blob(folder)
    assert after["sha"] != before["sha"] and worker_model(after).thresholds == meta["thresholds"]


@pytest.mark.parametrize("key", ["thresholds", "bare_words", "class_terms"])
def test_decision_settings_edited_by_hand_are_refused(tiny_model, tmp_path, key):
    folder = tiny_model.save(tmp_path / "m")
    meta = read_meta(folder)
    meta[key] = {"drone": 0.99} if key == "thresholds" else ({"glider": "drone"} if key == "class_terms" else 7)
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="decision_sha256"):
        load_model(folder)
    del meta["decision_sha256"]  # dropping the hash does not help: the name no longer matches
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="model_sha256"):
        load_model(folder)


def test_folder_saved_before_decision_hashes_still_loads(tiny_model, tmp_path):
    """A folder whose model_sha256 names its files alone (saved before decision_sha256) loads as before."""
    folder = tiny_model.save(tmp_path / "m")
    meta = read_meta(folder)
    del meta["decision_sha256"]
    meta["model_sha256"] = model_identity(meta["files"])
    (folder / META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    texts = ["квадрокоптер DJI Mavic 3", "rugged tablet IP68", "чай чёрный"]
    assert load_model(folder).predict_batch(texts).labels == tiny_model.predict_batch(texts).labels


# ------------------------------------------------------------------------------------- nothing executed


def test_pickled_folder_is_refused_without_running_it(malicious_folder):
    folder, ran = malicious_folder
    with pytest.raises(ModelError) as err:
        load_model(folder)
    assert not ran.exists()
    message = str(err.value)
    assert "dualuse model convert" in message and "--trust-pickle" in message


@pytest.mark.parametrize("command", ["predict", "evaluate", "thresholds", "model convert"])
def test_cli_refuses_pickled_folder_without_running_it(malicious_folder, tmp_path, command):
    folder, ran = malicious_folder
    args = {
        "predict": ["predict", TINY_CORPUS, "-o", tmp_path / "out.csv", "--model", folder, "--jobs", "1"],
        "evaluate": ["evaluate", TINY_CORPUS, "--model", folder],
        "thresholds": ["thresholds", TINY_CORPUS, "--model", folder],
        "model convert": ["model", "convert", folder, tmp_path / "converted"],
    }[command]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "pickled model" in result.output and "--trust-pickle" in result.output
    assert not ran.exists()
    assert not (tmp_path / "converted").exists()


def test_npz_holding_a_pickle_is_refused(tiny_model, tmp_path):
    folder = tiny_model.save(tmp_path / "m")
    ran = tmp_path / "code_ran"
    with np.load(folder / WEIGHTS_FILE) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["features.idf_"] = np.array([Payload(ran)], dtype=object)
    np.savez(folder / WEIGHTS_FILE, **arrays)  # object arrays are pickled inside the .npy
    rehash(folder)
    with pytest.raises(ModelError, match="pickled"):
        load_model(folder)
    assert not ran.exists()


@pytest.mark.parametrize(
    "edit",
    [
        lambda doc: doc["steps"]["classifier"].update({"class": "Pipeline"}),
        lambda doc: doc["steps"]["classifier"]["calibrated_classifiers"][0]["estimator"].update({"class": "os.system"}),
        lambda doc: doc["steps"]["tokenise"].update({"class": "builtins.eval"}),
        lambda doc: doc["steps"]["tokenise"]["params"].update({"lang": "../../evil"}),
        lambda doc: doc["steps"]["features"]["params"].update({"__class__": "x"}),
        lambda doc: doc["steps"]["classifier"]["fitted"].update({"_private": 1}),
        lambda doc: doc.update({"format_version": FORMAT_VERSION + 1}),
    ],
    ids=["pipeline", "estimator", "tokeniser", "lang", "param", "private", "version"],
)
def test_model_json_outside_the_format_is_refused(tiny_config, tiny_corpus, tmp_path, edit):
    # a calibrated SVM holds every kind of step the format knows (pipeline, calibrators, estimator)
    cfg = dict(tiny_config)
    cfg["classifier"] = dict(cfg["classifier"], type="svm_calibrated")
    folder = fit_model(cfg, tiny_corpus.text, tiny_corpus.label).save(tmp_path / "m")
    doc = json.loads((folder / MODEL_FILE).read_text(encoding="utf-8"))
    edit(doc)
    (folder / MODEL_FILE).write_text(json.dumps(doc), encoding="utf-8")
    rehash(folder)
    with pytest.raises(ModelError):
        load_model(folder)


def test_weights_that_do_not_fit_are_refused(tiny_model, tmp_path):
    folder = tiny_model.save(tmp_path / "m")
    with np.load(folder / WEIGHTS_FILE) as npz:
        arrays = {k: npz[k] for k in npz.files}
    key = next(k for k in arrays if k.endswith(".coef_"))
    arrays[key] = arrays[key][:, :-1]
    np.savez(folder / WEIGHTS_FILE, **arrays)
    rehash(folder)
    with pytest.raises(ModelError, match="coefficients"):
        load_model(folder)


# ------------------------------------------------------------------------------------- trusting and converting


def test_trust_pickle_loads_and_convert_gives_same_predictions(tiny_model, tmp_path, tiny_texts):
    old = write_pickle_folder(tiny_model, tmp_path / "old")
    trusted = load_model(old, trust_pickle=True)
    result = run("model", "convert", old, tmp_path / "new", "--trust-pickle")
    assert result.exit_code == 0, result.output
    new = load_model(tmp_path / "new")
    assert not (tmp_path / "new" / PICKLE_FILE).exists()
    np.testing.assert_array_equal(new.predict_batch(tiny_texts).proba, trusted.predict_batch(tiny_texts).proba)
    meta = read_meta(tmp_path / "new")
    assert meta["converted_from"]["sha256"] == sha256_file(old / PICKLE_FILE)
    assert meta["format"] == FORMAT
    # In place: the folder loses model.joblib and loads without trust.
    convert_model(old, old, trust_pickle=True)
    assert not (old / PICKLE_FILE).exists()
    load_model(old)


def test_cli_trust_pickle_flag(tiny_model, tmp_path):
    old = write_pickle_folder(tiny_model, tmp_path / "old")
    out = tmp_path / "out.csv"
    result = run("predict", TINY_CORPUS, "-o", out, "--model", old, "--jobs", "1", "--quiet")
    assert result.exit_code == 2 and "dualuse model convert" in result.output
    result = run("predict", TINY_CORPUS, "-o", out, "--model", old, "--jobs", "1", "--quiet", "--trust-pickle")
    assert result.exit_code == 0, result.output
    result = run("evaluate", TINY_CORPUS, "--model", old, "--json", "--n-boot", "10", "--trust-pickle")
    assert result.exit_code == 0, result.output
    result = run("thresholds", TINY_CORPUS, "--model", old, "--dry-run", "--trust-pickle")
    assert result.exit_code == 0, result.output
    result = run("info", old)
    assert result.exit_code == 0 and "pickle" in result.output


# ------------------------------------------------------------------------------------- the bundled model


def test_bundled_default_model_is_plain_data():
    meta = read_meta(DEFAULT_MODEL_DIR)
    assert meta["format"] == FORMAT and meta["format_version"] == FORMAT_VERSION
    assert not (DEFAULT_MODEL_DIR / PICKLE_FILE).exists()
    for name, digest in meta["files"].items():
        assert sha256_file(DEFAULT_MODEL_DIR / name) == digest
    model = load_model()  # no trust needed
    assert model.classes == meta["labels"]
    result = run("info")
    assert result.exit_code == 0 and f"{FORMAT} v{FORMAT_VERSION}" in result.output


def _git_show(spec: str) -> bytes | None:
    try:
        return subprocess.run(["git", "-C", str(REPO), "show", spec], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None


def test_default_model_conversion_is_exact(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    for name in (PICKLE_FILE, META_FILE, "config.cfg"):
        data = _git_show(f"{PICKLED_DEFAULT_COMMIT}:models/default/{name}")
        if data is None:
            pytest.skip("the pickled models/default is not in this checkout's git history")
        (old / name).write_bytes(data)
    with open(OOD, encoding="utf-8", newline="") as fh:
        texts = [r["text"] for r in csv.DictReader(fh)]
    pickled = load_model(old, trust_pickle=True)
    expected = pickled.predict_batch(texts)
    converted = convert_model(old, tmp_path / "new", trust_pickle=True)
    reloaded = load_model(converted.path)
    got = reloaded.predict_batch(texts)
    np.testing.assert_array_equal(got.proba, expected.proba)
    np.testing.assert_array_equal(reloaded.predict_proba(texts), pickled.predict_proba(texts))
    assert got.labels == expected.labels
    np.testing.assert_array_equal(got.markers, expected.markers)
    bundled_meta = read_meta(DEFAULT_MODEL_DIR)
    if (bundled_meta.get("converted_from") or {}).get("sha256") == sha256_file(old / PICKLE_FILE):
        # models/default is this conversion (until it is retrained): same model files, same predictions.
        new_meta = read_meta(converted.path)
        assert {n: bundled_meta["files"][n] for n in MODEL_FILES} == {n: new_meta["files"][n] for n in MODEL_FILES}
        np.testing.assert_array_equal(load_model().predict_batch(texts).proba, expected.proba)


def test_save_refuses_steps_the_format_cannot_hold(tiny_model, tmp_path):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import Pipeline

    from pipeline.model.core import DualUseModel

    steps = list(tiny_model.pipeline.steps)
    odd = DualUseModel(Pipeline(steps[:2] + [("classifier", RandomForestClassifier())]), tiny_model.markers, {})
    with pytest.raises(ModelError, match="cannot save"):
        odd.save(tmp_path / "odd")
    assert not (tmp_path / "odd").exists()


def test_bundled_model_decides_as_the_config_says():
    """models/default holds the operating point of configs/default.cfg (retrain it after changing one), and every
    setting of that operating point is in the model's name."""
    from pipeline.model.folder import DECISION_KEYS
    from pipeline.training.fit import operating_point

    wanted = operating_point(load_config(REPO / "configs" / "default.cfg"))
    meta = read_meta(DEFAULT_MODEL_DIR)
    assert set(wanted) <= set(DECISION_KEYS)
    assert {k: meta.get(k) for k in wanted} == json.loads(json.dumps(wanted))
    assert meta["decision_sha256"] == decision_identity(meta)
