"""Plain data for fitted scikit-learn estimators: JSON values, fitted attributes, ``allow_pickle=False`` arrays.

The helpers :mod:`pipeline.model.persist` writes and reads a model folder with: parameters and fitted scalars as
JSON, numeric fitted arrays in a deflated ``.npz`` whose bytes depend only on the arrays, and estimators rebuilt
only from the fixed list :data:`CLASSIFIERS` by setting their fitted attributes; nothing stored is ever executed.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ModelFormatError

# A fixed timestamp makes the same fitted model give the same weights.npz bytes (and the same sha256).
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def classifier_classes() -> dict[str, type]:
    """The classes a model file may name, by name (imported here, so that loading needs no other import)."""
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


def json_value(value: Any, where: str) -> Any:
    """A parameter or fitted scalar as a JSON value (tuples become lists), or an error naming it."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [json_value(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, (str, int)) for k in value):
        return {str(k): json_value(v, where) for k, v in value.items()}
    raise ModelFormatError(f"{where}: a {type(value).__name__} cannot be stored as plain data")


def estimator_params(est, where: str, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """An estimator's constructor parameters as JSON values (``skip``: those stored another way)."""
    return {k: json_value(v, f"{where}.{k}") for k, v in est.get_params(deep=False).items() if k not in skip}


def fitted_state(est, prefix: str, arrays: dict[str, np.ndarray], skip: tuple[str, ...] = ()) -> dict[str, Any]:
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
            state[name] = json_value(value, f"{prefix}.{name}")
    return state


def linear_state(est, prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    """A fitted linear classifier's class, parameters and fitted state (its arrays go to ``arrays``)."""
    kind = type(est).__name__
    if kind not in LINEAR:
        raise ModelFormatError(f"{prefix}: {kind} is not one of the supported linear classifiers {LINEAR}")
    return {"class": kind, "params": estimator_params(est, prefix), "fitted": fitted_state(est, prefix, arrays)}


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays as a deflated ``.npz`` whose bytes depend only on the arrays (no timestamps)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file, read without pickle support (a pickled array is refused)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            if not isinstance(npz, np.lib.npyio.NpzFile):  # pragma: no cover - np.load returns NpzFile for zips
                raise ModelFormatError(f"{path}: not an .npz archive")
            return {k: npz[k] for k in npz.files}
    except ModelFormatError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ModelFormatError(f"{path}: unreadable or holds non-numeric (pickled) data: {exc}") from exc


def restore(value: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    """A stored fitted attribute: a numeric array named in ``arrays``, a string array, or the JSON value itself."""
    if isinstance(value, dict) and "array" in value:
        key = value["array"]
        if key not in arrays:
            raise ModelFormatError(f"{where}: array {key!r} missing from the weights file")
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


def build_estimator(spec: dict[str, Any], arrays: dict[str, np.ndarray], where: str, allowed: tuple[str, ...]):
    """A fresh estimator of a class in ``allowed`` with the stored parameters and fitted attributes set on it."""
    kind = spec.get("class")
    if kind not in allowed:
        raise ModelFormatError(f"{where}: class {kind!r} is not allowed here (one of {allowed})")
    cls = classifier_classes()[kind]
    try:
        est = cls(**dict(spec.get("params") or {}))
    except TypeError as exc:
        raise ModelFormatError(f"{where}: bad parameters for {kind}: {exc}") from exc
    for name, value in (spec.get("fitted") or {}).items():
        if not (name.endswith("_") and not name.startswith("_")):
            raise ModelFormatError(f"{where}: {name!r} is not a fitted attribute")
        setattr(est, name, restore(value, arrays, f"{where}.{name}"))
    return est


def check_linear(est, n_features: int, n_classes: int, where: str) -> None:
    """Refuse coefficients and intercepts whose shapes do not fit the features and classes."""
    coef, intercept = getattr(est, "coef_", None), getattr(est, "intercept_", None)
    rows = 1 if n_classes == 2 else n_classes
    if coef is None or intercept is None or coef.shape != (rows, n_features) or intercept.shape != (rows,):
        raise ModelFormatError(f"{where}: coefficients do not fit {n_features} features and {n_classes} classes")


def read_json(path: Path) -> Any:
    """A JSON file's content, or an error naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"{path}: unreadable: {exc}") from exc
