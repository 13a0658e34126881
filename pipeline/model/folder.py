"""Checks of a model folder: one hash naming a fitted model, its files' hashes against ``meta.json``, versions."""

from __future__ import annotations

import hashlib
import shutil
import warnings
from pathlib import Path

from pipeline.errors import ModelError
from pipeline.model.meta import META_FILE, library_versions, sha256_file
from pipeline.model.persist import MODEL_FILES, OPTIONAL_MODEL_FILES


def rmtree(path: Path) -> None:
    """Remove a folder, ignoring errors (a temporary or replaced model folder)."""
    shutil.rmtree(path, ignore_errors=True)


def model_identity(files: dict[str, str]) -> str:
    """One sha256 naming a fitted model.

    The hash of the ``sha256sum``-style listing of its model files (with the character peer's vocabulary when the
    model has one).
    """
    names = [*MODEL_FILES, *(name for name in OPTIONAL_MODEL_FILES if name in files)]
    listing = "".join(f"{files[name]}  {name}\n" for name in sorted(names))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def verify_files(path: Path, meta: dict) -> None:
    """Refuse a folder whose files do not match the sha256 listed in its meta (or that holds unlisted model files)."""
    files = meta.get("files")
    if not isinstance(files, dict) or any(name not in files for name in MODEL_FILES):
        raise ModelError(f"{path}: {META_FILE} does not list the sha256 of {', '.join(MODEL_FILES)}; refusing")
    for name in OPTIONAL_MODEL_FILES:
        if (path / name).is_file() and name not in files:
            raise ModelError(f"{path}: {name} is not listed in {META_FILE}; refusing")
    for name, expected in files.items():
        target = path / name
        if "/" in name or "\\" in name or not target.is_file():
            raise ModelError(f"{path}: {name} (listed in {META_FILE}) not found")
        actual = sha256_file(target)
        if actual != expected:
            raise ModelError(
                f"{target}: sha256 {actual} does not match {META_FILE} ({expected}); refusing a model file that was "
                "damaged or partly replaced. Retrain, or restore the original folder."
            )
    if meta.get("model_sha256") != model_identity(files):
        raise ModelError(f"{path}: model_sha256 in {META_FILE} does not match its file hashes")


def warn_versions(path: Path, meta: dict) -> None:
    """Warn when the model was trained under other versions of scikit-learn, spaCy or NumPy."""
    current = library_versions()
    stale = {
        k: (v, current.get(k))
        for k, v in (meta.get("versions") or {}).items()
        if k in ("scikit-learn", "spacy", "numpy") and current.get(k) != v
    }
    if stale:
        detail = ", ".join(f"{k} {old} (model) vs {new} (installed)" for k, (old, new) in stale.items())
        warnings.warn(f"{path}: library versions differ from training: {detail}", stacklevel=3)
