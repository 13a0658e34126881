"""The fitted model as plain arrays and JSON: a model file format that cannot run code when it is loaded.

A pickle (``joblib``) file is a program: loading one runs whatever it says. This module stores the fitted
tokenise → features → classifier pipeline and the marker rules as data only, and rebuilds the same fitted objects
from it by setting their fitted attributes on fresh instances of a fixed list of classes:

* ``model.json``: the format and its version, the class and constructor parameters of each step, the fitted
  scalars and label lists, and the marker rules as text;
* ``vocabulary.json``: the feature strings, in column order;
* ``weights.npz``: the numeric fitted arrays (IDF and column weights, coefficients, intercepts, sigmoid
  calibration parameters), read with ``allow_pickle=False``.

Reading uses :func:`json.loads` and :func:`numpy.load` without pickle support, and only classes named in
:data:`CLASSIFIERS` (and the package's own tokeniser and vectorizer) can be built, so a crafted folder can at worst
hold wrong weights or rules, never code. The rebuilt pipeline predicts exactly what the fitted one did (the arrays
are stored bit for bit).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from pipeline.errors import ModelFormatError
from pipeline.features.vectoriser import TokenNgramVectorizer
from pipeline.text.markers import MarkerMatcher
from pipeline.text.tokenise import LANGUAGES, SpacyTokeniser

FORMAT = "dualuse-linear"
FORMAT_VERSION = 1
MODEL_JSON = "model.json"
VOCABULARY_JSON = "vocabulary.json"
WEIGHTS_NPZ = "weights.npz"
MODEL_FILES = (MODEL_JSON, VOCABULARY_JSON, WEIGHTS_NPZ)
STEP_NAMES = ("tokenise", "features", "classifier")
_RANGES = ("word_ngram_range", "char_ngram_range")
# A fixed timestamp makes the same fitted model give the same weights.npz bytes (and the same sha256).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _classifiers() -> dict[str, type]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.svm import LinearSVC

    from pipeline.model.svm import SoftmaxLinearSVC

    return {
        "LinearSVC": LinearSVC,
        "SoftmaxLinearSVC": SoftmaxLinearSVC,
        "LogisticRegression": LogisticRegression,
        "SGDClassifier": SGDClassifier,
        "CalibratedClassifierCV": CalibratedClassifierCV,
    }


# The classifier classes a model file may name (those :func:`pipeline.model.core.build_classifier` builds).
CLASSIFIERS = ("LinearSVC", "SoftmaxLinearSVC", "LogisticRegression", "SGDClassifier", "CalibratedClassifierCV")
LINEAR = ("LinearSVC", "SoftmaxLinearSVC", "LogisticRegression", "SGDClassifier")


# ---------------------------------------------------------------------------------------------------- writing


def _json_value(value: Any, where: str) -> Any:
    """A parameter or fitted scalar as a JSON value (tuples become lists), or an error naming it."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_json_value(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
        return {str(k): _json_value(v, where) for k, v in value.items()}
    raise ModelFormatError(f"{where}: a {type(value).__name__} cannot be stored as plain data")


def _params(est, where: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: _json_value(v, f"{where}.{k}") for k, v in est.get_params(deep=False).items() if k not in skip}


def _fitted(est, prefix: str, arrays: dict[str, np.ndarray], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The public fitted attributes (``name_``) of an estimator: numbers go to ``arrays``, the rest to JSON."""
    state: dict[str, Any] = {}
    for name, value in vars(est).items():
        if name.startswith("_") or not name.endswith("_") or name in skip:
            continue
        if isinstance(value, np.ndarray):
            if value.dtype.kind in "biuf":
                key = f"{prefix}.{name}"
                arrays[key] = value
                state[name] = {"array": key}
            elif value.dtype.kind == "U":
                state[name] = {"strings": value.tolist(), "dtype": value.dtype.str}
            else:
                raise ModelFormatError(f"{prefix}.{name}: arrays of {value.dtype} cannot be stored as plain data")
        else:
            state[name] = _json_value(value, f"{prefix}.{name}")
    return state


def _linear_state(est, prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    kind = type(est).__name__
    if kind not in LINEAR:
        raise ModelFormatError(f"{prefix}: {kind} is not one of the supported linear classifiers {LINEAR}")
    return {"class": kind, "params": _params(est, prefix), "fitted": _fitted(est, prefix, arrays)}


def _classifier_state(clf, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    kind = type(clf).__name__
    if kind != "CalibratedClassifierCV":
        return _linear_state(clf, "classifier", arrays)
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
                "estimator": _linear_state(cc.estimator, f"{prefix}.estimator", arrays),
                "calibrators": {"a_": {"array": f"{prefix}.a_"}, "b_": {"array": f"{prefix}.b_"}},
            }
        )
    return {
        "class": kind,
        "params": _params(clf, "classifier", skip=("estimator",)),
        "estimator": _linear_state(clf.estimator, "classifier.estimator", {}),
        "fitted": _fitted(clf, "classifier", arrays, skip=("calibrated_classifiers_",)),
        "calibrated_classifiers": calibrated,
    }


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays as a deflated ``.npz`` whose bytes depend only on the arrays (no timestamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def write_model(folder: str | Path, pipeline: Pipeline, markers: MarkerMatcher) -> list[str]:
    """Write a fitted pipeline and its marker rules into ``folder`` as :data:`MODEL_FILES`.

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
        "format_version": FORMAT_VERSION,
        "steps": {
            "tokenise": {"class": "SpacyTokeniser", "params": _params(tok, "tokenise")},
            "features": {
                "class": "TokenNgramVectorizer",
                "params": _params(vec, "features"),
                "fitted": {
                    "n_features_out_": int(vec.n_features_out_),
                    "vocabulary_": {"file": VOCABULARY_JSON},
                    "idf_": {"array": "features.idf_"},
                    "column_weights_": {"array": "features.column_weights_"},
                },
            },
            "classifier": _classifier_state(clf, arrays),
        },
        "markers": {"patterns": markers.patterns, "exclusions": markers.exclusions, "source": markers.source},
    }
    (folder / MODEL_JSON).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    # One feature a line, so that a diff between two models' vocabularies is readable.
    (folder / VOCABULARY_JSON).write_text(json.dumps(vocabulary, ensure_ascii=False, indent=0), encoding="utf-8")
    _write_npz(folder / WEIGHTS_NPZ, arrays)
    return list(MODEL_FILES)


# ---------------------------------------------------------------------------------------------------- reading


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):  # pragma: no cover - np.load returns NpzFile for zips
                raise ModelFormatError(f"{path}: not an .npz archive")
            return {k: npz[k] for k in npz.files}
    except ModelFormatError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFormatError(f"{path}: unreadable or holds non-numeric (pickled) data: {exc}") from exc


def _restore(value: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    if isinstance(value, dict) and "array" in value:
        key = value["array"]
        if key not in arrays:
            raise ModelFormatError(f"{where}: array {key!r} missing from {WEIGHTS_NPZ}")
        arr = arrays[key]
        if arr.dtype.kind not in "biuf":
            raise ModelFormatError(f"{where}: array {key!r} is not numeric")
        return arr
    if isinstance(value, dict) and "strings" in value:
        dtype = np.dtype(value.get("dtype", "U"))
        if dtype.kind != "U" or not all(isinstance(s, str) for s in value["strings"]):
            raise ModelFormatError(f"{where}: a label list must hold strings")
        return np.array(value["strings"], dtype=dtype)
    return value


def _build(spec: dict[str, Any], arrays: dict[str, np.ndarray], where: str, allowed: tuple[str, ...]):
    kind = spec.get("class")
    if kind not in allowed:
        raise ModelFormatError(f"{where}: class {kind!r} is not allowed here (one of {allowed})")
    cls = _classifiers()[kind]
    try:
        est = cls(**dict(spec.get("params") or {}))
    except TypeError as exc:
        raise ModelFormatError(f"{where}: bad parameters for {kind}: {exc}") from exc
    for name, value in (spec.get("fitted") or {}).items():
        if not (name.endswith("_") and not name.startswith("_")):
            raise ModelFormatError(f"{where}: {name!r} is not a fitted attribute")
        setattr(est, name, _restore(value, arrays, f"{where}.{name}"))
    return est


def _check_linear(est, n_features: int, n_classes: int, where: str) -> None:
    coef, intercept = getattr(est, "coef_", None), getattr(est, "intercept_", None)
    rows = 1 if n_classes == 2 else n_classes
    if coef is None or intercept is None or coef.shape != (rows, n_features) or intercept.shape != (rows,):
        raise ModelFormatError(f"{where}: coefficients do not fit {n_features} features and {n_classes} classes")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{path}: unreadable: {exc}") from exc


def read_model(folder: str | Path) -> tuple[Pipeline, MarkerMatcher]:
    """Rebuild the fitted pipeline and marker rules written by :func:`write_model`, running no stored code.

    Raises:
        ModelFormatError: when a file is missing, unreadable, of another format version, names a class outside
            the allowed list, or holds arrays that do not fit together.
    """
    folder = Path(folder)
    for name in MODEL_FILES:
        if not (folder / name).is_file():
            raise ModelFormatError(f"{folder}: {name} not found")
    doc = _read_json(folder / MODEL_JSON)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelFormatError(f"{folder / MODEL_JSON}: not a {FORMAT} model file")
    if doc.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(
            f"{folder / MODEL_JSON}: format version {doc.get('format_version')!r}; this dualuse reads version "
            f"{FORMAT_VERSION}"
        )
    arrays = _read_npz(folder / WEIGHTS_NPZ)
    vocabulary = _read_json(folder / VOCABULARY_JSON)
    if not isinstance(vocabulary, list) or not all(isinstance(f, str) for f in vocabulary):
        raise ModelFormatError(f"{folder / VOCABULARY_JSON}: must be a list of feature strings")
    steps = doc.get("steps") or {}
    try:
        tok_spec, vec_spec, clf_spec = (steps[s] for s in STEP_NAMES)
        if tok_spec.get("class") != "SpacyTokeniser" or vec_spec.get("class") != "TokenNgramVectorizer":
            raise ModelFormatError(f"{folder / MODEL_JSON}: unknown tokenise or features step")
        tok = SpacyTokeniser(**tok_spec["params"])
        if tok.lang not in LANGUAGES:
            raise ModelFormatError(f"{folder / MODEL_JSON}: tokenise.lang must be one of {LANGUAGES}")
        vec_params = dict(vec_spec["params"])
        for name in _RANGES:
            if name in vec_params:
                vec_params[name] = tuple(vec_params[name])
        vec = TokenNgramVectorizer(**vec_params)
        fitted = vec_spec["fitted"]
        vec.vocabulary_ = {f: i for i, f in enumerate(vocabulary)}
        vec.idf_ = _restore(fitted["idf_"], arrays, "features.idf_")
        vec.column_weights_ = _restore(fitted["column_weights_"], arrays, "features.column_weights_")
        vec.n_features_out_ = int(fitted["n_features_out_"])
        n = vec.n_features_out_
        if len(vec.vocabulary_) != len(vocabulary) or len(vocabulary) != n:
            raise ModelFormatError(f"{folder / VOCABULARY_JSON}: {len(vocabulary)} features, duplicates or not {n}")
        if vec.idf_.shape != (n,) or vec.column_weights_.shape != (n,):
            raise ModelFormatError(f"{folder / WEIGHTS_NPZ}: feature weights do not fit {n} features")
        clf = _read_classifier(clf_spec, arrays, n)
        rules = doc["markers"]
        markers = MarkerMatcher(list(rules["patterns"]), list(rules.get("exclusions") or []), str(rules["source"]))
    except ModelFormatError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as exc:
        raise ModelFormatError(f"{folder / MODEL_JSON}: malformed ({type(exc).__name__}: {exc})") from exc
    return Pipeline([("tokenise", tok), ("features", vec), ("classifier", clf)]), markers


def _read_classifier(spec: dict[str, Any], arrays: dict[str, np.ndarray], n_features: int):
    if spec.get("class") != "CalibratedClassifierCV":
        clf = _build(spec, arrays, "classifier", LINEAR)
        _check_linear(clf, n_features, len(clf.classes_), "classifier")
        return clf
    from sklearn.calibration import _CalibratedClassifier, _SigmoidCalibration

    clf = _build({k: spec[k] for k in ("class", "fitted")}, arrays, "classifier", ("CalibratedClassifierCV",))
    base = _build(spec["estimator"], {}, "classifier.estimator", LINEAR)
    clf.set_params(estimator=base, **spec["params"])
    classes = clf.classes_
    if not spec["calibrated_classifiers"]:
        raise ModelFormatError("classifier: no calibrated classifiers")
    calibrated = []
    for i, cc in enumerate(spec["calibrated_classifiers"]):
        where = f"classifier.calibrated.{i}"
        est = _build(cc["estimator"], arrays, f"{where}.estimator", LINEAR)
        _check_linear(est, n_features, len(classes), f"{where}.estimator")
        if not np.array_equal(est.classes_, classes):
            raise ModelFormatError(f"{where}: its classes differ from the classifier's")
        a = _restore(cc["calibrators"]["a_"], arrays, f"{where}.a_")
        b = _restore(cc["calibrators"]["b_"], arrays, f"{where}.b_")
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
