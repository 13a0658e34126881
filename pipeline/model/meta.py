"""A model folder's metadata (``meta.json``) and the facts recorded in it, without loading the model.

Light on purpose: ``dualuse info`` and the CLI's start-up read these without importing scikit-learn or spaCy.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path
from typing import Any

from pipeline.config import bundled_path
from pipeline.errors import ModelError

META_FILE = "meta.json"
MODEL_FILE = "model.json"
VOCABULARY_FILE = "vocabulary.json"
WEIGHTS_FILE = "weights.npz"
PEER_VOCABULARY_FILE = "peer_vocabulary.json"
# The fitted model's files (pipeline.model.persist): every model folder has the first three, one with a peer the last.
MODEL_FILES = (MODEL_FILE, VOCABULARY_FILE, WEIGHTS_FILE)
OPTIONAL_MODEL_FILES = (PEER_VOCABULARY_FILE,)
# The pickled model of folders written by older versions (see pipeline.model.legacy).
PICKLE_FILE = "model.joblib"
CONFIG_FILE = "config.cfg"
DEFAULT_MODEL_DIR = bundled_path("models", "default")
TRACKED_LIBRARIES = ("dualuse", "scikit-learn", "spacy", "numpy", "scipy", "joblib", "pymorphy3")


def library_versions() -> dict[str, str]:
    """Versions of Python and of the libraries whose change can alter a model's behaviour."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def sha256_file(path: str | Path) -> str:
    """Return the hex sha256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_meta(path: str | Path) -> dict:
    """Read a model folder's ``meta.json``.

    Raises:
        ModelError: when the folder or its meta is missing or unreadable.
    """
    path = Path(path)
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise ModelError(f"{path}: not a model folder ({META_FILE} not found)")
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(f"{meta_path}: unreadable: {exc}") from exc


def info(model: str | Path | None = None) -> dict[str, Any]:
    """Read a model folder's meta (the bundled default model when ``None``).

    Returns:
        The ``meta.json`` content plus ``"path"`` (:func:`pipeline.model.folder.info` adds the integrity check).

    Raises:
        ModelError: when the folder is not a model folder.
    """
    path = Path(model) if model is not None else DEFAULT_MODEL_DIR
    meta = read_meta(path)
    return dict(meta, path=str(path))


def text_rules(tokeniser: Any) -> dict[str, str]:
    """The versions of the built-in word lists a fitted tokeniser's features depend on, to record in the meta.

    The aircraft designation list (with ``mark_aircraft`` or ``join_aircraft_types`` on) and the list of named
    drone and jamming systems (with ``mark_systems`` or ``join_system_names`` on), and the aviation terms (with
    ``mark_terms`` on): a change to any changes the features of every line that names such a type or term.
    """
    from pipeline.text.aircraft import DESIGNATIONS_VERSION
    from pipeline.text.aviation import TERMS_VERSION
    from pipeline.text.systems import SYSTEMS_VERSION

    rules = {}
    if getattr(tokeniser, "mark_aircraft", False) or getattr(tokeniser, "join_aircraft_types", False):
        rules["aircraft_designations"] = DESIGNATIONS_VERSION
    if getattr(tokeniser, "mark_systems", False) or getattr(tokeniser, "join_system_names", False):
        rules["system_names"] = SYSTEMS_VERSION
    if getattr(tokeniser, "mark_terms", False):
        rules["aviation_terms"] = TERMS_VERSION
    return rules


def text_rules_drift(meta: dict, tokeniser: Any) -> str | None:
    """Why the installed word lists may featurise text differently from training, or ``None`` when they match."""
    now = text_rules(tokeniser)
    if not now:
        return None
    recorded = meta.get("text_rules") or {}
    changed = [
        f"{name} {recorded.get(name) or 'not recorded'} (model) vs {version} (installed)"
        for name, version in now.items()
        if recorded.get(name) != version
    ]
    if not changed:
        return None
    return (
        "built-in word lists differ from training: "
        + ", ".join(changed)
        + "; lines that name aircraft types, military systems or aviation terms may score differently from when the "
        "model was evaluated. Retrain the model with this dualuse to remove the difference."
    )
