"""Model folders of older versions: ``model.joblib``, a pickle, loaded only when the user trusts it.

Loading a pickle runs the code it holds, so :func:`pipeline.model.core.load_model` refuses such a folder unless
``trust_pickle=True``; :func:`pipeline.model.core.convert_model` rewrites it in the plain-data format once.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import warnings
from pathlib import Path

from pipeline.errors import ModelError
from pipeline.model.meta import META_FILE, MODEL_FILE, PICKLE_FILE, read_meta, sha256_file


def is_pickle_folder(path: str | Path, meta: dict | None = None) -> bool:
    """Whether a model folder is of the old pickled kind (``model.joblib``, no plain-data model files)."""
    path = Path(path)
    meta = read_meta(path) if meta is None else meta
    return "format" not in meta and not (path / MODEL_FILE).is_file() and (path / PICKLE_FILE).is_file()


def pickle_refusal(path: str | Path) -> str:
    """The message refusing a pickled model folder, with the way to convert it."""
    return (
        f"{path} holds a pickled model ({PICKLE_FILE}), and loading a pickle runs whatever code it contains; "
        "refusing to load it. If you trust where this folder came from (you trained it yourself), convert it "
        f"once: `dualuse model convert {path} NEW_DIR --trust-pickle` (or in Python: "
        f"convert_model({str(path)!r}, 'NEW_DIR', trust_pickle=True)), then use NEW_DIR. To load it as it is, pass "
        "--trust-pickle (load_model(..., trust_pickle=True))."
    )


def verify_pickle(path: Path, meta: dict) -> None:
    """Refuse an old folder whose ``model.joblib`` does not match its meta's ``model_sha256`` (nothing is unpickled)."""
    model_file = Path(path) / PICKLE_FILE
    expected = meta.get("model_sha256")
    actual = sha256_file(model_file)
    if not expected or actual != expected:
        raise ModelError(
            f"{model_file}: sha256 {actual} does not match {META_FILE} ({expected}); refusing to load a "
            "model file that may have been altered or swapped. Retrain, or restore the original file."
        )


def load_pickle(path: Path, meta: dict, verify: bool) -> dict:
    """Unpickle ``model.joblib`` of a trusted old folder (after checking its hash, when ``verify``)."""
    import joblib

    model_file = path / PICKLE_FILE
    if verify:
        verify_pickle(path, meta)
    with warnings.catch_warnings(), _legacy_module_names():
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator.*")
        return joblib.load(model_file)


# Where the classes an old pickle names lived before the package was split by role.
LEGACY_MODULES = {
    "pipeline.features": "pipeline.features.vectoriser",
    "pipeline.fastpath": "pipeline.features.runs",
    "pipeline.familiarity": "pipeline.features.familiarity",
    "pipeline.markers": "pipeline.text.markers",
    "pipeline.normalise": "pipeline.text.normalise",
    "pipeline.tokenise": "pipeline.text.tokenise",
    "pipeline.model": "pipeline.model.core",
}


@contextlib.contextmanager
def _legacy_module_names():
    """Let an old pickle find its classes under the flat module names they had (only while it loads)."""
    saved = {old: sys.modules.get(old) for old in LEGACY_MODULES}
    try:
        for old, new in LEGACY_MODULES.items():
            sys.modules[old] = importlib.import_module(new)
        yield
    finally:
        for old, module in saved.items():
            if module is None:
                sys.modules.pop(old, None)
            else:
                sys.modules[old] = module
