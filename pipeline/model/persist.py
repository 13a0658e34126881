"""The fitted model as plain arrays and JSON: a model file format that cannot run code when it is loaded.

A pickle (``joblib``) file is a program: loading one runs whatever it says. This module stores the fitted
tokenise → features → classifier pipeline and the marker rules as data only, and rebuilds the same fitted objects
from it by setting their fitted attributes on fresh instances of a fixed list of classes:

* ``model.json``: the format and its version, the class and constructor parameters of each step, the fitted
  scalars and label lists, and the marker rules as text;
* ``vocabulary.json``: the feature strings, in column order;
* ``weights.npz``: the numeric fitted arrays (IDF and column weights, coefficients, intercepts, sigmoid
  calibration parameters), read with ``allow_pickle=False``;
* ``peer_vocabulary.json`` (only for a model with a character peer, :mod:`pipeline.model.peer`; format version 2):
  the peer's character n-grams, in column order; its IDF weights and SVM go to ``weights.npz`` and
  ``model.json``.

Reading uses :func:`json.loads` and :func:`numpy.load` without pickle support, and only classes named in
:data:`CLASSIFIERS` (and the package's own tokeniser and vectorizer) can be built, so a crafted folder can at worst
hold wrong weights or rules, never code. The rebuilt pipeline predicts exactly what the fitted one did (the arrays
are stored bit for bit).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from pipeline import params
from pipeline.errors import ModelFormatError
from pipeline.features.vectoriser import TokenNgramVectorizer
from pipeline.model.meta import (
    MODEL_FILE,
    MODEL_FILES,
    PEER_VOCABULARY_FILE,
    VOCABULARY_FILE,
    WEIGHTS_FILE,
)
from pipeline.model.plaindata import (
    LINEAR,
    build_estimator,
    check_linear,
    estimator_params,
    fitted_state,
    json_value,
    linear_state,
    read_json,
    read_npz,
    restore,
    write_npz,
)
from pipeline.text.markers import MarkerMatcher
from pipeline.text.tokenise import LANGUAGES, SpacyTokeniser

FORMAT = "dualuse-linear"
FORMAT_VERSION = 2  # the newest version written: 2 for a model with a character peer, 1 without one
READ_VERSIONS = (1, 2)
STEP_NAMES = ("tokenise", "features", "classifier")
_RANGES = ("word_ngram_range", "char_ngram_range")


# ---------------------------------------------------------------------------------------------------- writing


def _classifier_state(clf, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    kind = type(clf).__name__
    if kind != "CalibratedClassifierCV":
        return linear_state(clf, "classifier", arrays)
    if clf.method != "sigmoid":
        raise ModelFormatError(f"classifier: calibration method {clf.method!r} is not supported (only 'sigmoid')")
    calibrated = []
    for i, cc in enumerate(clf.calibrated_classifiers_):
        prefix = f"classifier.calibrated.{i}"
        if cc.method != "sigmoid" or not all(type(c).__name__ == "_SigmoidCalibration" for c in cc.calibrators):
            raise ModelFormatError(f"{prefix}: only sigmoid calibrators can be stored")
        if not np.array_equal(cc.classes, clf.classes_):
            raise ModelFormatError(f"{prefix}: its classes differ from the classifier's")
        arrays[f"{prefix}.a_"] = np.array([c.a_ for c in cc.calibrators], dtype=np.float64)
        arrays[f"{prefix}.b_"] = np.array([c.b_ for c in cc.calibrators], dtype=np.float64)
        calibrated.append(
            {
                "estimator": linear_state(cc.estimator, f"{prefix}.estimator", arrays),
                "calibrators": {"a_": {"array": f"{prefix}.a_"}, "b_": {"array": f"{prefix}.b_"}},
            }
        )
    return {
        "class": kind,
        "params": estimator_params(clf, "classifier", skip=("estimator",)),
        "estimator": linear_state(clf.estimator, "classifier.estimator", {}),
        "fitted": fitted_state(clf, "classifier", arrays, skip=("calibrated_classifiers_",)),
        "calibrated_classifiers": calibrated,
    }


def format_version(peer) -> int:
    """The format version a model is written in: 2 with a character peer (older readers must refuse it), else 1."""
    return 2 if peer is not None else 1


def _peer_state(peer, folder: Path, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """The character peer's parameters and fitted state; its vocabulary goes to :data:`PEER_VOCABULARY_FILE`."""
    vec = peer.vectorizer_
    vocabulary = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    if [vec.vocabulary_[f] for f in vocabulary] != list(range(len(vocabulary))):
        raise ModelFormatError("peer: the vocabulary's columns are not 0 … n-1")
    arrays["peer.idf_"] = vec.idf_
    (folder / PEER_VOCABULARY_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False, indent=0), encoding="utf-8")
    return {
        "class": "CharPeer",
        "params": estimator_params(peer, "peer"),
        "fitted": {"classes_": json_value(list(peer.classes_), "peer.classes_")},
        "vectorizer": {"vocabulary_": {"file": PEER_VOCABULARY_FILE}, "idf_": {"array": "peer.idf_"}},
        "svc": linear_state(peer.svc_, "peer.svc", arrays),
    }


def write_model(folder: str | Path, pipeline: Pipeline, markers: MarkerMatcher, peer=None) -> list[str]:
    """Write a fitted pipeline and its marker rules into ``folder`` as :data:`MODEL_FILES`.

    With a character ``peer`` (:class:`pipeline.model.peer.CharPeer`) also :data:`PEER_VOCABULARY_FILE`, in format
    version 2.

    Raises:
        ModelFormatError: when a step is not one this format knows (nothing is executed on load, so only known
            classes can be rebuilt).

    Returns:
        The names of the files written.
    """
    folder = Path(folder)
    if [name for name, _ in pipeline.steps] != list(STEP_NAMES):
        raise ModelFormatError(f"the pipeline's steps must be {STEP_NAMES}")
    tok, vec, clf = (pipeline.named_steps[s] for s in STEP_NAMES)
    if type(tok) is not SpacyTokeniser or type(vec) is not TokenNgramVectorizer:
        raise ModelFormatError("the pipeline must start with SpacyTokeniser and TokenNgramVectorizer")
    arrays: dict[str, np.ndarray] = {}
    vocabulary = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
    if [vec.vocabulary_[f] for f in vocabulary] != list(range(len(vocabulary))):
        raise ModelFormatError("features: the vocabulary's columns are not 0 … n-1")
    arrays["features.idf_"] = vec.idf_
    arrays["features.column_weights_"] = vec.column_weights_
    doc = {
        "format": FORMAT,
        "format_version": format_version(peer),
        "steps": {
            "tokenise": {"class": "SpacyTokeniser", "params": estimator_params(tok, "tokenise")},
            "features": {
                "class": "TokenNgramVectorizer",
                "params": estimator_params(vec, "features"),
                "fitted": {
                    "n_features_out_": int(vec.n_features_out_),
                    "vocabulary_": {"file": VOCABULARY_FILE},
                    "idf_": {"array": "features.idf_"},
                    "column_weights_": {"array": "features.column_weights_"},
                },
            },
            "classifier": _classifier_state(clf, arrays),
        },
        "markers": {"patterns": markers.patterns, "exclusions": markers.exclusions, "source": markers.source},
    }
    if peer is not None:
        doc["peer"] = _peer_state(peer, folder, arrays)
    (folder / MODEL_FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    # One feature a line, so that a diff between two models' vocabularies is readable.
    (folder / VOCABULARY_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False, indent=0), encoding="utf-8")
    write_npz(folder / WEIGHTS_FILE, arrays)
    return [*MODEL_FILES, PEER_VOCABULARY_FILE] if peer is not None else list(MODEL_FILES)


# ---------------------------------------------------------------------------------------------------- reading


def read_model(folder: str | Path) -> tuple[Pipeline, MarkerMatcher, Any]:
    """Rebuild the fitted pipeline, marker rules and character peer written by :func:`write_model`, running no code.

    The peer is ``None`` when the model has none.

    Raises:
        ModelFormatError: when a file is missing, unreadable, of another format version, names a class outside
            the allowed list, or holds arrays that do not fit together.
    """
    folder = Path(folder)
    for name in MODEL_FILES:
        if not (folder / name).is_file():
            raise ModelFormatError(f"{folder}: {name} not found")
    doc = read_json(folder / MODEL_FILE)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFormatError(f"{folder / MODEL_FILE}: not a {FORMAT} model file")
    if doc.get("format_version") not in READ_VERSIONS:
        raise ModelFormatError(
            f"{folder / MODEL_FILE}: format version {doc.get('format_version')!r}; this dualuse reads versions "
            f"{', '.join(map(str, READ_VERSIONS))}"
        )
    if ("peer" in doc) != (doc["format_version"] >= 2):
        raise ModelFormatError(f"{folder / MODEL_FILE}: a character peer belongs to format version 2 and only there")
    arrays = read_npz(folder / WEIGHTS_FILE)
    vocabulary = read_json(folder / VOCABULARY_FILE)
    if not isinstance(vocabulary, list) or not all(isinstance(f, str) for f in vocabulary):
        raise ModelFormatError(f"{folder / VOCABULARY_FILE}: must be a list of feature strings")
    steps = doc.get("steps") or {}
    try:
        tok_spec, vec_spec, clf_spec = (steps[s] for s in STEP_NAMES)
        if tok_spec.get("class") != "SpacyTokeniser" or vec_spec.get("class") != "TokenNgramVectorizer":
            raise ModelFormatError(f"{folder / MODEL_FILE}: unknown tokenise or features step")
        tok = SpacyTokeniser(**tok_spec["params"])
        if tok.lang not in LANGUAGES:
            raise ModelFormatError(f"{folder / MODEL_FILE}: tokenise.lang must be one of {LANGUAGES}")
        vec_params = dict(vec_spec["params"])
        for name in _RANGES:
            if name in vec_params:
                vec_params[name] = tuple(vec_params[name])
        vec = TokenNgramVectorizer(**vec_params)
        fitted = vec_spec["fitted"]
        vec.vocabulary_ = {f: i for i, f in enumerate(vocabulary)}
        vec.idf_ = restore(fitted["idf_"], arrays, "features.idf_")
        vec.column_weights_ = restore(fitted["column_weights_"], arrays, "features.column_weights_")
        vec.n_features_out_ = int(fitted["n_features_out_"])
        n = vec.n_features_out_
        if len(vec.vocabulary_) != len(vocabulary) or len(vocabulary) != n:
            raise ModelFormatError(f"{folder / VOCABULARY_FILE}: {len(vocabulary)} features, duplicates or not {n}")
        if vec.idf_.shape != (n,) or vec.column_weights_.shape != (n,):
            raise ModelFormatError(f"{folder / WEIGHTS_FILE}: feature weights do not fit {n} features")
        clf = _read_classifier(clf_spec, arrays, n)
        rules = doc["markers"]
        markers = MarkerMatcher(list(rules["patterns"]), list(rules.get("exclusions") or []), str(rules["source"]))
        peer = _read_peer(doc["peer"], arrays, folder, clf.classes_) if "peer" in doc else None
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as exc:
        raise ModelFormatError(f"{folder / MODEL_FILE}: malformed ({type(exc).__name__}: {exc})") from exc
    return Pipeline([("tokenise", tok), ("features", vec), ("classifier", clf)]), markers, peer


def _read_peer(spec: dict[str, Any], arrays: dict[str, np.ndarray], folder: Path, classes: np.ndarray):
    """The character peer of a version-2 model file (a :class:`pipeline.model.peer.CharPeer`)."""
    from pipeline.model.peer import CharPeer

    if spec.get("class") != "CharPeer":
        raise ModelFormatError(f"{folder / MODEL_FILE}: peer: class {spec.get('class')!r} is not allowed (CharPeer)")
    path = folder / PEER_VOCABULARY_FILE
    if not path.is_file():
        raise ModelFormatError(f"{folder}: {PEER_VOCABULARY_FILE} not found")
    vocabulary = read_json(path)
    if not isinstance(vocabulary, list) or not all(isinstance(f, str) for f in vocabulary):
        raise ModelFormatError(f"{path}: must be a list of character n-grams")
    peer_params = dict(spec["params"])
    if "ngram_range" in peer_params:
        peer_params["ngram_range"] = tuple(peer_params["ngram_range"])
    try:
        peer = CharPeer(**peer_params)
    except TypeError as exc:
        raise ModelFormatError(f"{folder / MODEL_FILE}: peer: bad parameters: {exc}") from exc
    try:
        params.check_params(peer.get_params(), CharPeer._parameter_constraints, "peer")
    except ValueError as exc:
        raise ModelFormatError(f"{folder / MODEL_FILE}: {exc}") from exc
    vec = peer.vectorizer()
    vec.vocabulary_ = {f: i for i, f in enumerate(vocabulary)}
    n = len(vocabulary)
    if len(vec.vocabulary_) != n:
        raise ModelFormatError(f"{path}: duplicate character n-grams")
    idf = restore(spec["vectorizer"]["idf_"], arrays, "peer.idf_")
    if idf.shape != (n,):
        raise ModelFormatError(f"{folder / WEIGHTS_FILE}: the peer's IDF weights do not fit {n} n-grams")
    vec.idf_ = idf
    svc = build_estimator(spec["svc"], arrays, "peer.svc", ("LinearSVC",))
    check_linear(svc, n, len(svc.classes_), "peer.svc")
    peer_classes = restore(spec["fitted"]["classes_"], arrays, "peer.classes_")
    if sorted(map(str, peer_classes)) != sorted(map(str, classes)) or list(svc.classes_) != list(peer_classes):
        raise ModelFormatError(f"{folder / MODEL_FILE}: the peer's classes differ from the classifier's")
    peer.vectorizer_, peer.svc_, peer.classes_ = vec, svc, np.asarray(svc.classes_)
    return peer


def _read_classifier(spec: dict[str, Any], arrays: dict[str, np.ndarray], n_features: int):
    if spec.get("class") != "CalibratedClassifierCV":
        clf = build_estimator(spec, arrays, "classifier", LINEAR)
        check_linear(clf, n_features, len(clf.classes_), "classifier")
        return clf
    from sklearn.calibration import _CalibratedClassifier, _SigmoidCalibration

    clf = build_estimator({k: spec[k] for k in ("class", "fitted")}, arrays, "classifier", ("CalibratedClassifierCV",))
    base = build_estimator(spec["estimator"], {}, "classifier.estimator", LINEAR)
    clf.set_params(estimator=base, **spec["params"])
    classes = clf.classes_
    if not spec["calibrated_classifiers"]:
        raise ModelFormatError("classifier: no calibrated classifiers")
    calibrated = []
    for i, cc in enumerate(spec["calibrated_classifiers"]):
        where = f"classifier.calibrated.{i}"
        est = build_estimator(cc["estimator"], arrays, f"{where}.estimator", LINEAR)
        check_linear(est, n_features, len(classes), f"{where}.estimator")
        if not np.array_equal(est.classes_, classes):
            raise ModelFormatError(f"{where}: its classes differ from the classifier's")
        a = restore(cc["calibrators"]["a_"], arrays, f"{where}.a_")
        b = restore(cc["calibrators"]["b_"], arrays, f"{where}.b_")
        expected = 1 if len(classes) == 2 else len(classes)
        if a.shape != (expected,) or b.shape != (expected,):
            raise ModelFormatError(f"{where}: {expected} sigmoid calibrators expected")
        calibrators = []
        for a_i, b_i in zip(a, b):
            cal = _SigmoidCalibration()
            cal.a_, cal.b_ = a_i, b_i
            calibrators.append(cal)
        calibrated.append(_CalibratedClassifier(est, calibrators, classes=classes, method="sigmoid"))
    clf.calibrated_classifiers_ = calibrated
    return clf
