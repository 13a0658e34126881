"""The fitted model: building the scikit-learn pipeline from a config, prediction, and the model folder.

A model folder holds the fitted pipeline and marker rules as plain data (``model.json``, ``vocabulary.json`` and
``weights.npz``, see :mod:`pipeline.model.persist`), ``config.cfg`` (the resolved recipe) and ``meta.json`` (labels,
library versions, corpus hash, metrics, thresholds, the format version and the sha256 of every other file).
Loading it runs no code from the folder. Folders of older versions hold ``model.joblib``, a pickle, which runs
code when loaded: :func:`load_model` refuses it unless ``trust_pickle=True``, and :func:`convert_model` turns such
a folder into the plain-data format.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from pipeline.codes import assist_batch, with_codes
from pipeline.config import LABELS, STATUS_EMPTY, STATUS_OK, STATUS_TRUNCATED, config_to_str
from pipeline.errors import ModelError
from pipeline.features.familiarity import Familiarity
from pipeline.features.runs import RunFeaturiser, gc_paused, has_alnum
from pipeline.features.vectoriser import TokenNgramVectorizer
from pipeline.model.classifier import build_classifier
from pipeline.model.decision import code_assist_rule, decide, unfamiliar_review
from pipeline.model.folder import decision_identity as decision_identity  # re-exported: the names of a model
from pipeline.model.folder import model_identity as model_identity
from pipeline.model.folder import (
    name_model,
    rewrite_files,
    rmtree,
    swap_in,
    verify_files,
    warn_versions,
)
from pipeline.model.legacy import is_pickle_folder, load_pickle, pickle_refusal
from pipeline.model.meta import (
    CONFIG_FILE,
    DEFAULT_MODEL_DIR,
    META_FILE,
    MODEL_FILE,
    PICKLE_FILE,
    library_versions,
    read_meta,
    sha256_file,
    text_rules_drift,
)
from pipeline.model.peer import CharPeer
from pipeline.model.persist import FORMAT, ModelFormatError, format_version, read_model, write_model
from pipeline.prediction import Prediction, PredictionBatch
from pipeline.text.markers import MarkerMatcher
from pipeline.text.tokenise import SpacyTokeniser


def build_pipeline(cfg: dict) -> Pipeline:
    """Build the unfitted tokenise → features → classifier pipeline from a validated config.

    Each section is the keyword arguments of its constructor: ``[normalise]`` and ``[tokenise]`` of
    :class:`SpacyTokeniser`, ``[features]`` of :class:`TokenNgramVectorizer`, ``[classifier]`` of
    :func:`build_classifier` (with ``[training] seed``); a key left out takes the constructor's default.
    """
    tokeniser = SpacyTokeniser(**_params(cfg["tokenise"]), **_params(cfg["normalise"]))
    features = TokenNgramVectorizer(**_params(cfg["features"]))
    clf = build_classifier(**_params(cfg["classifier"]), random_state=cfg["training"]["seed"])
    return Pipeline([("tokenise", tokeniser), ("features", features), ("classifier", clf)])


def build_peer(cfg: dict) -> CharPeer | None:
    """The unfitted ``[peer]`` character view of a validated config, or ``None`` (no section, or weight 0)."""
    section = cfg.get("peer") or {}
    if float(section.get("weight", 0.0)) <= 0:
        return None
    return CharPeer(**_params(section), random_state=cfg["training"]["seed"])


def _params(section: dict) -> dict:
    """A config section as constructor arguments: lists (the config's only sequences) become tuples."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()}


class DualUseModel:
    """A fitted pipeline with its marker rules, config and metadata.

    Args:
        pipeline: the fitted tokenise → features → classifier pipeline.
        markers: the military end-use rules.
        config: the resolved training config (plain dict).
        meta: metadata (labels, versions, hashes, metrics, thresholds).
        peer: the fitted character peer blended into the scores (:class:`pipeline.model.peer.CharPeer`), or
            ``None``.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        markers: MarkerMatcher,
        config: dict,
        meta: dict | None = None,
        peer: CharPeer | None = None,
    ):
        self.pipeline = pipeline
        self.markers = markers
        self.config = config
        self.meta = meta or {}
        self.peer = peer
        self.path: Path | None = None

    @property
    def classes(self) -> list[str]:
        """The label order of the classifier's probability columns."""
        return [str(c) for c in self.pipeline.classes_]

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_featuriser", None)
        state.pop("_familiarity", None)
        return state

    @property
    def familiarity(self) -> Familiarity:
        """Share of a text's words the model saw in training (built from the fitted vocabulary on first use)."""
        fam = self.__dict__.get("_familiarity")
        if fam is None:
            vec = self.pipeline.named_steps["features"]
            fam = self._familiarity = Familiarity.from_vocabulary(
                vec.vocabulary_, self.tokeniser.normaliser, vec.keep_digits
            )
        return fam

    @property
    def unfamiliar_below(self) -> float:
        """Lines labelled ``other`` whose familiarity is below this go to review (0: never)."""
        return float(self.meta.get("unfamiliar_below") or 0.0)

    @property
    def reviews(self) -> bool:
        """Whether predictions carry ``review``/``candidate``/``familiarity`` (thresholds or a familiarity cut)."""
        return bool(self.thresholds) or self.unfamiliar_below > 0

    @property
    def featuriser(self) -> RunFeaturiser:
        """The per-run cached featuriser over the fitted tokenise and features steps (built on first use)."""
        fp = self.__dict__.get("_featuriser")
        flag = self.markers.run_may_match
        if fp is None or fp.run_flag != flag:
            fp = self._featuriser = RunFeaturiser(self.tokeniser, self.pipeline.named_steps["features"], flag)
        return fp

    @property
    def tokeniser(self) -> SpacyTokeniser:
        """The fitted tokenisation stage."""
        return self.pipeline.named_steps["tokenise"]

    @property
    def thresholds(self) -> dict[str, float]:
        """Per-class score thresholds stored in the meta (empty when none were chosen)."""
        return dict(self.meta.get("thresholds") or {})

    def predict_batch(self, texts: Sequence[str | None], apply_thresholds: bool = True) -> PredictionBatch:
        """Label many texts at once.

        Args:
            texts: raw goods descriptions (``None`` and blank strings are reported with status ``empty``).
            apply_thresholds: relabel lines whose best class is below its threshold as ``other`` with
                ``review=1`` (only when thresholds were stored by ``dualuse thresholds``).

        Returns:
            A :class:`PredictionBatch` in input order.
        """
        tok = self.tokeniser
        max_chars = tok.max_chars
        classes = self.classes
        n = len(texts)
        raw = ["" if t is None else str(t) for t in texts]
        # Each text is normalised once, for the features and for the marker rules; the features equal those of
        # self.pipeline's fitted steps (see RunFeaturiser), only computed with a per-run cache.
        with gc_paused():
            feats = self.featuriser.featurise(raw)
        has_text = feats.has_text
        marker_texts = feats.marker_texts
        statuses = [STATUS_OK if h else STATUS_EMPTY for h in has_text.tolist()]
        if max_chars:
            for i, r in enumerate(raw):
                if len(r) > max_chars:
                    # The marker rules read the whole text, the features only its first max_chars characters.
                    marker_texts[i] = full = tok.normaliser(r)
                    has_text[i] = has_alnum(full)
                    statuses[i] = STATUS_TRUNCATED if has_text[i] else STATUS_EMPTY
        proba = np.zeros((n, len(classes)))
        keep = np.flatnonzero(has_text)
        if len(keep):
            rows = feats.matrix if len(keep) == n else feats.matrix[keep]
            proba[keep] = self.pipeline.named_steps["classifier"].predict_proba(rows)
            if self.peer is not None:
                cut = [raw[i][:max_chars] if max_chars else raw[i] for i in keep.tolist()]
                proba[keep] = self.peer.blend(proba[keep], cut, classes)
        thresholds = self.thresholds if apply_thresholds else {}
        best, scores, review, candidates = decide(
            raw, proba, has_text, classes, self.meta, thresholds, max_chars, tok.normaliser
        )
        # Familiarity of what the features saw (the first max_chars characters), from the runs already prepared.
        familiarity = self.familiarity.of_runs(feats.runs)
        lean, flags = float(self.meta.get("unfamiliar_lean") or 0.0), (review, candidates)
        unfamiliar_review(proba, best, has_text, familiarity, flags, classes, self.unfamiliar_below, lean)
        labels = [classes[j] if h else "other" for j, h in zip(best.tolist(), has_text.tolist())]
        marked, wording = self.markers.mark(raw, marker_texts)
        markers = np.asarray(marked, dtype=np.int8)
        return PredictionBatch(
            labels, scores, markers, statuses, review, candidates, proba, classes, familiarity, wording
        )

    def predict(
        self,
        texts: Sequence[str | None] | str,
        apply_thresholds: bool = True,
        codes: Sequence[Any] | None = None,
        entities: bool = False,
    ) -> list[Prediction]:
        """Label texts; returns one :class:`Prediction` per text (a single string gives a one-item list).

        With ``codes`` (the declared customs code of each text, or one code for a single string) each prediction
        is a :class:`pipeline.codes.CodedPrediction` (``hs_code``, ``code_label``, ``chpl_tier``, ``code_conflict``,
        ``code_status``; the code assist of :mod:`pipeline.codes.assist` and the code evidence rule apply). With
        ``entities`` each prediction carries what its line states (:mod:`pipeline.entities`) as ``entities``.
        """
        if isinstance(texts, str):
            texts = [texts]
            if codes is not None and not isinstance(codes, (list, tuple)):
                codes = [codes]
        batch = self.predict_batch(texts, apply_thresholds=apply_thresholds)
        if codes is not None and apply_thresholds:
            assist_batch(batch, list(codes), code_assist_rule(self.meta))
        predictions = list(batch) if codes is None else with_codes(list(batch), list(codes))
        if entities:
            from pipeline.entities import extract_many  # spaCy's PhraseMatcher: only when asked

            found = extract_many(texts)
            predictions = [replace(p, entities={c: v[i] for c, v in found.items()}) for i, p in enumerate(predictions)]
        return predictions

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (columns in :attr:`classes` order), blended with the peer's when there is one."""
        texts = list(texts)
        proba = self.pipeline.predict_proba(texts)
        if self.peer is None:
            return proba
        max_chars = self.tokeniser.max_chars
        return self.peer.blend(proba, [t[:max_chars] if max_chars else t for t in texts], self.classes)

    def save(self, path: str | Path) -> Path:
        """Write the model folder atomically (a temporary folder renamed into place), in the plain-data format.

        The fitted pipeline and marker rules go to ``model.json``, ``vocabulary.json`` and ``weights.npz`` (see
        :mod:`pipeline.model.persist`); ``meta.json`` records the format version, the sha256 of each file, as
        ``decision_sha256`` the hash of its thresholds and rules (see :func:`decision_identity`) and, as
        ``model_sha256``, one hash identifying the fitted model with them (see :func:`model_identity`).

        Returns:
            The folder written.

        Raises:
            ModelError: when the pipeline holds a step the plain-data format cannot store.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        os.chmod(tmp, 0o755)
        try:
            try:
                names = write_model(tmp, self.pipeline, self.markers, self.peer)
            except ModelFormatError as exc:
                raise ModelError(f"cannot save this model: {exc}") from exc
            (tmp / CONFIG_FILE).write_text(config_to_str(self.config), encoding="utf-8")
            meta = dict(self.meta)
            meta["labels"] = self.classes
            meta.setdefault("versions", library_versions())
            meta["format"] = FORMAT
            meta["format_version"] = format_version(self.peer)
            meta["files"] = {name: sha256_file(tmp / name) for name in [*names, CONFIG_FILE]}
            name_model(meta)
            (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
            self.meta = meta
            swap_in(tmp, path)
        finally:
            if tmp.exists():
                rmtree(tmp)
        self.path = path
        return path

    def write_config(self) -> None:
        """Rewrite the folder's ``config.cfg`` for :attr:`config`, and its meta (:func:`.folder.rewrite_files`)."""
        if self.path is None:
            raise ModelError("this model has no folder yet: save() it first")
        self.meta = rewrite_files(self.path, self.meta, {CONFIG_FILE: config_to_str(self.config)})

    def write_meta(self) -> None:
        """Rewrite ``meta.json`` of the folder this model was loaded from or saved to (model files untouched).

        ``decision_sha256`` and ``model_sha256`` are named again for the thresholds and rules the meta now holds.
        """
        if self.path is None:
            raise ModelError("this model has no folder yet: save() it first")
        if isinstance(self.meta.get("files"), dict):
            name_model(self.meta)
        target = self.path / META_FILE
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.meta, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(tmp, target)


def load_model(path: str | Path | None = None, verify: bool = True, trust_pickle: bool = False) -> DualUseModel:
    """Load a model folder.

    The plain-data format is rebuilt from JSON and ``allow_pickle=False`` arrays: nothing in the folder is run.
    Each file's sha256 is checked against ``meta.json`` first; that catches a damaged or half-replaced folder, not
    a deliberate swap (whoever can replace a file can also rewrite the meta beside it).

    Args:
        path: the model folder; the bundled ``models/default`` when ``None``.
        verify: check the files' hashes (leave on unless you built the folder yourself this session).
        trust_pickle: allow a folder of the old pickled kind (``model.joblib``); loading a pickle runs the code it
            contains, so only for files you made. Convert such folders with :func:`convert_model` instead.

    Raises:
        ModelError: when the folder is incomplete, a file does not match its meta, the model files are malformed,
            or the folder holds a pickle and ``trust_pickle`` is off.
    """
    from confection import Config

    path = Path(path) if path is not None else DEFAULT_MODEL_DIR
    meta = read_meta(path)
    if is_pickle_folder(path, meta):
        if not trust_pickle:
            raise ModelError(pickle_refusal(path))
        warn_versions(path, meta)
        obj = load_pickle(path, meta, verify)
        pipeline, markers, peer = obj["pipeline"], obj["markers"], None
    else:
        if "format" not in meta and not (path / MODEL_FILE).is_file():
            raise ModelError(f"{path}: no model file ({MODEL_FILE}, or {PICKLE_FILE} of older versions) found")
        if meta.get("format") != FORMAT:
            raise ModelError(f"{path}: {META_FILE} names model format {meta.get('format')!r}, not {FORMAT!r}")
        if verify:
            verify_files(path, meta)
        warn_versions(path, meta)
        try:
            pipeline, markers, peer = read_model(path)
        except ModelFormatError as exc:
            raise ModelError(str(exc)) from exc
    drift = text_rules_drift(meta, pipeline.named_steps["tokenise"])
    if drift:
        warnings.warn(f"{path}: {drift}", stacklevel=2)
    config_path = path / CONFIG_FILE
    config = Config().from_disk(config_path, interpolate=False) if config_path.is_file() else {}
    model = DualUseModel(pipeline, markers, config, meta, peer=peer)
    model.path = path
    _ = model.tokeniser.nlp  # build the spaCy tokeniser now, so that the first batch does not pay for it
    unknown = set(model.classes) - set(LABELS)
    if unknown:
        raise ModelError(f"{path}: model predicts unknown labels {sorted(unknown)}")
    return model


def convert_model(source: str | Path, target: str | Path, trust_pickle: bool = False) -> DualUseModel:
    """Rewrite a model folder in the plain-data format (``target`` may be ``source`` itself).

    The predictions of the converted folder equal those of the source. The meta is kept, with the format, the new
    file hashes and, for a pickled source, ``converted_from`` (the sha256 of the ``model.joblib`` it came from).

    Args:
        source: the model folder to read.
        target: the folder to write (replaced atomically when it exists).
        trust_pickle: needed when ``source`` holds a pickle: it is loaded, which runs the code it contains.

    Returns:
        The model, saved in ``target``.
    """
    from datetime import datetime, timezone

    source = Path(source)
    meta = read_meta(source)
    pickled = is_pickle_folder(source, meta)
    model = load_model(source, trust_pickle=trust_pickle)
    if pickled:
        model.meta["converted_from"] = {
            "file": PICKLE_FILE,
            "sha256": sha256_file(source / PICKLE_FILE),
            "converted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": library_versions(),
        }
    model.save(target)
    return model
