"""Checks of a model folder: one hash naming a fitted model, its files' hashes against ``meta.json``, versions."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from pipeline.errors import ModelError
from pipeline.model.legacy import is_pickle_folder, verify_pickle
from pipeline.model.meta import META_FILE, MODEL_FILES, OPTIONAL_MODEL_FILES, library_versions, sha256_file
from pipeline.model.meta import info as meta_info


def rmtree(path: Path) -> None:
    """Remove a folder, ignoring errors (a temporary or replaced model folder)."""
    shutil.rmtree(path, ignore_errors=True)


# The meta.json entries that decide a line's label, review flag or candidate beside the fitted files: the class
# thresholds and the rules on the scores, with the keyword lists and class terms they read (not ``text_rules``, a record
# of the built-in word lists the model was fitted with: the installed lists are the ones used, and a difference warns).
DECISION_KEYS = (
    "thresholds",
    "unfamiliar_below",
    "unfamiliar_lean",
    "long_line_words",
    "long_line_threshold",
    "code_line_words",
    "code_line_threshold",
    "pool_below",
    "code_assist",
    "prose_words",
    "prose_other_scale",
    "prose_keywords",
    "keyword_agree",
    "keyword_terms",
    "bare_words",
    "ground_rule",
    "counter_cue_rule",
    "aircraft_destination",
    "keyword_rules",
    "class_terms",
)


def swap_in(tmp: Path, path: Path) -> None:
    """Put the finished folder ``tmp`` in place of ``path`` (renames only: a reader sees the old or the new one)."""
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        if old.exists():
            rmtree(old)
        os.replace(path, old)
        os.replace(tmp, path)
        rmtree(old)
    else:
        os.replace(tmp, path)


def rewrite_files(path: Path, meta: dict, texts: dict[str, str]) -> dict:
    """Replace files of the plain-data model folder ``path`` by ``texts`` (name -> content) and return its new meta.

    The folder is copied, the files and ``meta.json`` (their hashes, ``decision_sha256`` and ``model_sha256`` named
    again) are written in the copy, and the copy takes the folder's place (:func:`swap_in`), so ``meta.json`` always
    vouches for the files beside it.

    Raises:
        ModelError: for a folder whose meta names no such files (an old pickled folder: convert it first).
    """
    files = meta.get("files")
    if not isinstance(files, dict) or not set(texts) <= set(files):
        raise ModelError(f"{path} is not a model folder of the plain-data format: convert it first")
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    os.chmod(tmp, 0o755)
    try:
        for item in path.iterdir():
            if item.is_file() and item.name not in texts and item.name != META_FILE:
                shutil.copy2(item, tmp / item.name)
        for name, text in texts.items():
            (tmp / name).write_text(text, encoding="utf-8")
        meta = {**meta, "files": {**files, **{name: sha256_file(tmp / name) for name in texts}}}
        name_model(meta)
        (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        swap_in(tmp, path)
    finally:
        if tmp.exists():
            rmtree(tmp)
    return meta


def name_model(meta: dict) -> None:
    """Set ``decision_sha256`` and ``model_sha256`` of ``meta`` (which holds ``files``) for what it now holds."""
    meta["decision_sha256"] = decision_identity(meta)
    meta["model_sha256"] = model_identity(meta["files"], meta["decision_sha256"])


def decision_identity(meta: dict) -> str:
    """One sha256 of the decision settings a model's meta holds (:data:`DECISION_KEYS`, canonical JSON)."""
    settings = {k: meta[k] for k in DECISION_KEYS if k in meta}
    text = json.dumps(settings, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_identity(files: dict[str, str], decisions: str | None = None) -> str:
    """One sha256 naming a fitted model.

    The hash of the ``sha256sum``-style listing of its model files (with the character peer's vocabulary when the
    model has one) and, for a folder saved with them, of its decision settings (``decisions``, the
    :func:`decision_identity` of its meta): two folders whose weights agree but whose thresholds differ have
    different names. Folders saved before the decision settings were named (no ``decision_sha256`` in their meta)
    keep the name of their files alone.
    """
    names = [*MODEL_FILES, *(name for name in OPTIONAL_MODEL_FILES if name in files)]
    listing = "".join(f"{files[name]}  {name}\n" for name in sorted(names))
    if decisions is not None:
        listing += f"{decisions}  decisions\n"
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
    decisions = meta.get("decision_sha256")
    if decisions is not None and decisions != decision_identity(meta):
        raise ModelError(
            f"{path}: the thresholds and rules in {META_FILE} do not match its decision_sha256; refusing a model whose "
            "decision settings were changed by hand. Set thresholds with `dualuse thresholds`, or retrain."
        )
    if meta.get("model_sha256") != model_identity(files, decisions):
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


def info(model: str | Path | None = None) -> dict[str, Any]:
    """A model folder's meta (:func:`pipeline.model.meta.info`) with ``"integrity"`` (:func:`integrity`).

    What ``dualuse info`` shows: the meta as written, and whether the folder still matches the ``model_sha256`` it
    names, the check ``load_model`` makes before it reads any weights.
    """
    meta = meta_info(model)
    return dict(meta, integrity=integrity(Path(meta["path"]), meta))


def integrity(path: str | Path, meta: dict) -> dict[str, Any]:
    """Whether a model folder would load: ``{"ok": bool, "problem": str | None}``.

    Checks what :func:`pipeline.model.core.load_model` checks before it reads weights: every listed file's sha256,
    the decision settings against ``decision_sha256`` and the ``model_sha256`` (for an old pickled folder, the hash
    of ``model.joblib``); nothing is unpickled.
    """
    path = Path(path)
    try:
        if is_pickle_folder(path, meta):
            verify_pickle(path, meta)
        else:
            verify_files(path, meta)
    except ModelError as exc:
        return {"ok": False, "problem": str(exc)}
    return {"ok": True, "problem": None}
