"""Precision control: per-class score thresholds chosen on a labelled dev set.

A line whose best class ``c`` scores below ``threshold[c]`` is labelled ``other`` by ``predict`` with
``review=1`` and ``candidate=c`` (see :meth:`pipeline.model.core.DualUseModel.predict_batch`). :func:`select_thresholds`
picks, for every dual-use class, the lowest threshold (hence the most recall) at which the lines labelled ``c``
on the dev set reach the target precision; :func:`thresholds` does that for a model folder and writes the
thresholds into its ``meta.json`` (the model files are untouched; ``decision_sha256`` and ``model_sha256`` are named
again, so the folder stays loadable under a new name).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import math
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.config import LABELS
from pipeline.evaluation.evaluate import classification_metrics, read_labelled
from pipeline.model.core import STATUS_EMPTY, DualUseModel, load_model, sha256_file
from pipeline.model.decision import threshold_labels
from pipeline.model.meta import META_FILE

STATUS_OK = "ok"
STATUS_UNREACHABLE = "unreachable"
STATUS_NO_DATA = "no data"
# Threshold stored when the target precision cannot be reached: no line is labelled with the class, every line
# whose best class it is goes to review.
UNREACHABLE_THRESHOLD = 1.0
FEW_LINES = 20
# Refuse to choose thresholds when at least this share of the dev lines was fitted on (unless forced).
MAX_FITTED_SHARE = 0.5
FITTED_DIGEST = "blake2b-64 of the whitespace-collapsed, case-folded text"


def _line_digest(text: str) -> bytes:
    return hashlib.blake2b(
        " ".join(str(text).split()).casefold().encode("utf-8", "surrogatepass"), digest_size=8
    ).digest()


def encode_fitted_lines(texts: Sequence[str]) -> dict[str, Any]:
    """The compact record of the lines a model was fitted on that ``meta.json`` keeps (8 bytes a distinct line)."""
    digests = sorted({_line_digest(t) for t in texts})
    return {"digest": FITTED_DIGEST, "n": len(digests), "data": base64.b64encode(b"".join(digests)).decode("ascii")}


def _decode_fitted_lines(record: dict[str, Any]) -> set[bytes] | None:
    if not record or record.get("digest") != FITTED_DIGEST:
        return None
    raw = base64.b64decode(record["data"])
    return {raw[i : i + 8] for i in range(0, len(raw), 8)}


def fitted_overlap(model: DualUseModel, texts: Sequence[str]) -> tuple[int, str] | None:
    """How many of ``texts`` the model was (or, for an older model folder, likely was) fitted on.

    A model trained by this version records digests of its fitted lines in ``meta.json`` and the count is exact.
    An older model records only which splits it was fitted on: when that includes ``dev``, the count is of the
    lines that occur in the corpus files it was trained from (most of which it was fitted on).

    Returns:
        ``(count, what the count means)``, or ``None`` when the meta allows no check.
    """
    corpus = model.meta.get("corpus") or {}
    fitted = _decode_fitted_lines(corpus.get("fitted_lines"))
    if fitted is not None:
        n = sum(_line_digest(t) in fitted for t in texts)
        return n, "were fitted on (meta.json records the model's fitted lines)"
    fit_on = corpus.get("fit_on") or []
    if "dev" not in fit_on:
        return None
    text_column = ((model.config or {}).get("corpus") or {}).get("text_column", "text")
    known: set[bytes] = set()
    for name in corpus.get("files") or {}:
        try:
            with open(name, encoding="utf-8-sig", newline="") as fh:
                known.update(_line_digest(r.get(text_column) or "") for r in csv.DictReader(fh))
        except (OSError, UnicodeDecodeError, csv.Error):
            continue
    if not known:
        return None
    n = sum(_line_digest(t) in known for t in texts)
    return n, (
        "occur in the corpus this model was trained from and were likely fitted on (it was fitted on its "
        f"{'+'.join(fit_on)} split(s), meta.json corpus.fit_on)"
    )


def wilson_lower(successes: int, n: int, level: float = 0.95) -> float | None:
    """Lower bound of the Wilson score interval of a proportion (``None`` when ``n`` is 0)."""
    if n == 0:
        return None
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = successes / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - spread) / (1 + z * z / n))


def select_thresholds(
    gold: Sequence[str],
    proba: np.ndarray,
    classes: Sequence[str],
    target_precision: float,
    conservative: bool = False,
) -> dict[str, dict[str, Any]]:
    """Choose, per dual-use class, the threshold reaching ``target_precision`` with the most recall.

    A line is labelled ``c`` when ``c`` is its best class and its score is at least the threshold. Among the
    thresholds whose precision on these lines reaches the target, the one with the most recall is taken (the
    highest of those with equal recall). Recall is over every gold ``c`` line, including those whose best
    class is another one.

    Args:
        gold: gold labels, one per row of ``proba``.
        proba: class probabilities (rows × ``classes``).
        classes: the label order of ``proba``'s columns.
        target_precision: the precision to reach, in (0, 1].
        conservative: require the 95 % Wilson lower bound of the precision, not the point estimate, to reach
            the target (safer with few dev lines).

    Returns:
        ``{class: {"threshold", "precision", "precision_lower", "recall", "labelled", "support", "status"}}``
        for every class except ``other``; ``status`` is ``ok``, ``unreachable`` (threshold 1.0: nothing is
        labelled with the class, all its lines go to review) or ``no data`` (no gold and no predicted line:
        threshold ``None``, nothing stored).

    Raises:
        ValueError: when ``target_precision`` is not in (0, 1].
    """
    if not 0.0 < target_precision <= 1.0:
        raise ValueError(f"target precision {target_precision} must be in (0, 1]")
    classes = list(classes)
    gold_arr = np.asarray(gold)
    best = proba.argmax(axis=1) if len(gold_arr) else np.zeros(0, dtype=int)
    out: dict[str, dict[str, Any]] = {}
    for j, c in enumerate(classes):
        if c == "other":
            continue
        support = int((gold_arr == c).sum())
        mask = best == j
        out[c] = _class_threshold(proba[mask, j], gold_arr[mask] == c, support, target_precision, conservative)
    return out


def _class_threshold(
    scores: np.ndarray, correct: np.ndarray, support: int, target_precision: float, conservative: bool
) -> dict[str, Any]:
    """The threshold for one class from the scores of the lines it is best on (see :func:`select_thresholds`)."""
    order = np.argsort(-scores, kind="stable")
    scores, correct = scores[order], correct[order]
    tp = np.cumsum(correct)
    n = np.arange(1, len(scores) + 1)
    # Only the last line of a run of equal scores is a possible cut: a threshold takes all of them or none.
    cuts = [k for k in range(len(scores)) if k == len(scores) - 1 or scores[k] != scores[k + 1]]
    chosen = None
    for k in cuts:
        prec = tp[k] / n[k]
        ok = (wilson_lower(int(tp[k]), int(n[k])) if conservative else prec) >= target_precision - 1e-12
        if ok and (chosen is None or tp[k] > tp[chosen]):
            chosen = k
    if chosen is not None:
        return {
            "threshold": float(scores[chosen]),
            "precision": float(tp[chosen] / n[chosen]),
            "precision_lower": wilson_lower(int(tp[chosen]), int(n[chosen])),
            "recall": float(tp[chosen] / support) if support else 0.0,
            "labelled": int(n[chosen]),
            "support": support,
            "status": STATUS_OK,
        }
    empty = support == 0 and len(scores) == 0
    return {
        "threshold": None if empty else UNREACHABLE_THRESHOLD,
        "precision": None,
        "precision_lower": None,
        "recall": None if empty else 0.0,
        "labelled": 0,
        "support": support,
        "status": STATUS_NO_DATA if empty else STATUS_UNREACHABLE,
    }


def thresholds(
    dev: str | Path,
    model: DualUseModel | str | Path,
    target_precision: float = 0.95,
    text_column: Sequence[str] | str | None = None,
    label_column: str = "label",
    conservative: bool = False,
    dry_run: bool = False,
    allow_fitted: bool = False,
) -> dict[str, Any]:
    """Choose per-class thresholds on a labelled dev set and write them into the model folder's meta.

    Refuses a dev set of which at least :data:`MAX_FITTED_SHARE` was fitted on, unless ``allow_fitted``.

    Args:
        dev: a labelled file in any format ``predict`` reads; it should not be training data.
        model: the model folder (or a loaded model that has one); it is rewritten.
        target_precision: the precision each dual-use class must reach on ``dev``.
        text_column: text column(s) of ``dev``; guessed as in ``predict`` when ``None``.
        label_column: the gold label column of ``dev``.
        conservative: see :func:`select_thresholds`.
        dry_run: compute and return, write nothing.
        allow_fitted: go on even when most dev lines were fitted on (the result then carries a warning).

    Returns:
        ``{"dev", "n", "target_precision", "conservative", "per_class" (:func:`select_thresholds`), "thresholds"
        (stored), "expected" (metrics on ``dev`` with them), "warnings", "written" (the meta file or ``None``)}``.

    Raises:
        ValueError: for a target outside (0, 1], or a dev set the model was mostly fitted on.
    """
    if not 0.0 < target_precision <= 1.0:
        raise ValueError(f"target precision {target_precision} must be in (0, 1]")
    if not isinstance(model, DualUseModel):
        model = load_model(model)
    rows = read_labelled(dev, text_column, label_column)
    warnings = _fitted_warnings(model, rows.texts, dev, allow_fitted)
    batch = model.predict_batch(rows.texts, apply_thresholds=False)
    keep = [i for i, s in enumerate(batch.statuses) if s != STATUS_EMPTY]
    gold = [rows.gold[i] for i in keep]
    proba = batch.proba[keep]
    per_class = select_thresholds(gold, proba, batch.classes, target_precision, conservative)
    chosen = {c: r["threshold"] for c, r in per_class.items() if r["threshold"] is not None}
    expected = classification_metrics(gold, threshold_labels(proba, batch.classes, chosen), LABELS)

    dev_hash = sha256_file(dev)
    if dev_hash in ((model.meta.get("corpus") or {}).get("files") or {}).values():
        warnings.append(f"{dev} is one of the model's training corpus files: the expected precision is optimistic")
    warnings += _class_warnings(per_class, target_precision)
    info = {"dev": str(dev), "target_precision": target_precision, "conservative": conservative}
    written = None if dry_run else _store(model, chosen, dict(info, dev_sha256=dev_hash, per_class=per_class))
    return {
        **info,
        "n": len(gold),
        "per_class": per_class,
        "thresholds": chosen,
        "expected": {k: expected[k] for k in ("macro_f1", "accuracy", "any_dual_use")},
        "warnings": warnings,
        "written": written,
    }


# The rules a stored choice of thresholds switches off: they were not applied when the thresholds were chosen.
SWITCHED_OFF = {"long_line_words": 0, "code_line_words": 0, "pool_below": 0.0, "prose_words": 0}


def _fitted_warnings(model: DualUseModel, texts: list[str], dev: str | Path, allow_fitted: bool) -> list[str]:
    """A warning when dev lines were fitted on; raises when most were and ``allow_fitted`` is not set."""
    overlap = fitted_overlap(model, texts)
    if overlap is None or not overlap[0]:
        return []
    n_fitted, why = overlap
    message = (
        f"{n_fitted} of {len(texts)} lines of {dev} {why}; on such lines precision and "
        "recall are near 1, so the thresholds and the expected precision are optimistic. Choose thresholds on "
        "lines the model was not fitted on (train with --corpus.train_on train, then use the dev split)"
    )
    if n_fitted >= MAX_FITTED_SHARE * max(1, len(texts)) and not allow_fitted:
        raise ValueError(message + "; --force to go on anyway")
    return [message]


def _class_warnings(per_class: dict[str, dict[str, Any]], target_precision: float) -> list[str]:
    """Warnings for classes whose target is unreachable or whose estimate rests on few lines."""
    warnings = []
    for c, r in per_class.items():
        if r["status"] == STATUS_UNREACHABLE:
            warnings.append(
                f"{c}: precision {target_precision} is not reachable on the dev set; every {c} line "
                "will be labelled other with review=1"
            )
        elif r["status"] == STATUS_OK and r["labelled"] < FEW_LINES:
            warnings.append(
                f"{c}: only {r['labelled']} dev line(s) above the threshold; the precision estimate "
                f"is weak (95% lower bound {r['precision_lower']:.3f})"
            )
    return warnings


def operating_recipe(config: dict, chosen: dict[str, float]) -> dict:
    """The recipe ``config`` at the operating point of ``chosen``.

    ``chosen`` becomes its ``[thresholds]`` (0 for a class without one) and the rules :func:`_store` switches off
    are 0 in its ``[training]``.
    """
    labels = [c for c in LABELS if c != "other"]
    return {
        **config,
        "thresholds": {c: float(chosen.get(c, 0.0)) for c in labels},
        "training": {**config.get("training", {}), **SWITCHED_OFF},
    }


def _store(model: DualUseModel, chosen: dict[str, float], info: dict[str, Any]) -> str:
    """Write the chosen thresholds and how they were chosen into the model folder's meta; returns its path.

    The folder's ``config.cfg`` is rewritten to that operating point too (:func:`operating_recipe`). The model's
    long-line, model-code, pooling and prose rules (and with the prose rule the keyword assist) are switched off:
    the thresholds were chosen without them, so predict must label as the expected precision assumes.
    """
    model.meta["thresholds"] = chosen
    model.meta.update(SWITCHED_OFF)
    model.meta["thresholds_info"] = dict(info, chosen_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    if isinstance(model.config, dict) and model.config:
        # The folder's recipe states the operating point it now labels at, so that reading it or training from it
        # again gives these thresholds and rules, not the ones the model was first trained with.
        model.config = operating_recipe(model.config, chosen)
        model.write_config()
    else:
        model.write_meta()
    return str(Path(model.path) / META_FILE)
