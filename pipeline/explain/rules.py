"""Which decision rule gave a line its label or sent it to review, named for :func:`pipeline.explain.explain`.

A line's label is its best-scoring class only when no rule of the model's decision path
(:func:`pipeline.model.decision.decide`, then the familiarity check) steps in. :func:`rule_note` names the rule that
did: first the rules with reasons of their own (the ground rule says what it read, the counter-drone cue and
destination rules say what they look for); then each rule the model's meta can switch off, switched off in turn,
the first whose absence changes the label; then a class threshold the best class missed, or unfamiliar wording.
"""

from __future__ import annotations

import numpy as np

from pipeline.model.core import DualUseModel
from pipeline.model.decision import decide
from pipeline.text.ground import ground_reason

# The rules a model's meta switches off, the ones that set a label first (the keyword assist works only on the lines
# the prose and long-line rules open to it, so it is tried before them): (meta key, its off value, the note).
_SWITCHES = (
    ("prose_keywords", 0.0, "keyword assist: the analysts' keyword lists name this class for the line"),
    ("keyword_agree", 0.0, "keyword agreement: the keyword lists name the class the model ranks first"),
    ("bare_words", 0, "bare-word rule: one word and no keyword, model code, aircraft type or named system in it"),
    ("prose_words", 0, "prose rule: running prose, its `other` score scaled down before the thresholds"),
    ("long_line_words", 0, "long-line rule: a long line is held to a lower threshold than its class's"),
    ("code_line_words", 0, "model-code rule: a short line naming a model code is held to a lower threshold"),
    ("pool_below", 0.0, "pooling rule: held to the threshold on the sum of its dual-use scores"),
)

_CUE_NOTE = "counter-drone cue rule: running prose with no jamming, blocking, detection or drone word"
_DESTINATION_NOTE = "destination rule: declared for manned aircraft and none of the label guide's exceptions"
# The rules with notes of their own, switched off as above when several rules give a label each alone.
_NAMED = (
    ("ground_rule", False, "ground rule: ground equipment, a tool, a consumable or a ground engine"),
    ("counter_cue_rule", False, _CUE_NOTE),
    ("aircraft_destination", 0.0, _DESTINATION_NOTE),
)


def rule_note(model: DualUseModel, text: str, label: str, review: int, candidate: str, proba: np.ndarray,
              familiarity: float) -> str:  # fmt: skip
    """What gave ``text`` its ``label`` or sent it to review, ``""`` when its best-scoring class simply won.

    ``proba``: the line's blended scores (one row of the batch, in ``model.classes`` order); ``familiarity``: its
    familiarity as the batch measured it.
    """
    special = (
        _ground_rule_note(model, text, label, review, candidate)
        or _cue_rule_note(model, text, label, review, candidate, proba)
        or _destination_rule_note(model, text, label, review, candidate, proba)
    )
    if special:
        return special
    classes = list(model.classes)
    best = classes[int(np.argmax(proba))]
    if (
        not review
        and label == best
        and (label == "other" or proba[classes.index(label)] >= model.thresholds.get(label, 0))
    ):
        return ""  # the best class won, over its threshold
    on = [(key, off, note) for key, off, note in _SWITCHES if model.meta.get(key)]
    decided = (label, int(bool(review)), candidate)
    for key, off, note in on:
        if decision_with(model, text, proba, {key: off}) != decided:
            return note
    # No one rule is needed, so two or more give the label each alone: name those that do.
    everything_off = {key: off for key, off, _ in (*_SWITCHES, *_NAMED)}
    if decision_with(model, text, proba, everything_off) != decided:
        alone = [
            note
            for key, _, note in (*on, *_NAMED)
            if model.meta.get(key)
            and decision_with(model, text, proba, {**everything_off, key: model.meta[key]}) == decided
        ]
        if alone:
            return "; ".join(alone)
    if not (review and label == "other" and candidate):
        return ""
    score, threshold = float(proba[classes.index(candidate)]), model.thresholds.get(candidate)
    if best == candidate and threshold is not None and score < threshold:
        return f"class threshold: its {candidate} score {score:.2f} is under the threshold {threshold:g}"
    below = model.unfamiliar_below
    if best == "other" and below and familiarity < below:
        return f"unfamiliar wording: familiarity {familiarity:.2f} is under {below:g} and it leans to {candidate}"
    return ""


def _ground_rule_note(model: DualUseModel, text: str, label: str, review: int, candidate: str) -> str:
    """What the ground rule read in a line it sent to review (``""`` when it did not)."""
    if not (review and candidate == "aircraft_parts" and label == "other" and model.meta.get("ground_rule")):
        return ""
    reason = ground_reason(model.tokeniser.normaliser(text))
    if reason == "engine":
        return "ground rule: the engine of a ground machine, boat or generator, and nothing about aircraft"
    if reason == "equipment":
        return "ground rule: ground equipment, a tool or a consumable at the head of the line"
    return ""


def _cue_rule_note(model: DualUseModel, text: str, label: str, review: int, candidate: str, proba) -> str:
    """What the counter-drone cue rule did to a line it sent to review (``""`` when it did not)."""
    if not (review and candidate == "counter_drone" and label == "other" and model.meta.get("counter_cue_rule")):
        return ""
    if label_without(model, text, proba, "counter_cue_rule", False) != "counter_drone":
        return ""
    return _CUE_NOTE


def _destination_rule_note(model: DualUseModel, text: str, label: str, review: int, candidate: str, proba) -> str:
    """What the destination rule did to a line it labelled (``""`` when it did not)."""
    if not (review and candidate == "aircraft_parts" and label == "aircraft_parts"):
        return ""
    if not model.meta.get("aircraft_destination"):
        return ""
    if label_without(model, text, proba, "aircraft_destination", 0.0) == "aircraft_parts":
        return ""
    return _DESTINATION_NOTE


def label_without(model: DualUseModel, text: str, proba: np.ndarray, key: str, off: object) -> str:
    """The label a line gets under the model's decision rules with the meta's ``key`` set to ``off``."""
    return decision_with(model, text, proba, {key: off})[0]


def decision_with(model: DualUseModel, text: str, proba: np.ndarray, changes: dict) -> tuple[str, int, str]:
    """``(label, review, candidate)`` of a line under the model's decision rules with the meta changed by ``changes``.

    The familiarity check that follows the rules in ``predict`` is not applied.
    """
    tok = model.tokeniser
    best, _, review, candidates = decide([text], np.asarray(proba).reshape(1, -1), np.ones(1, dtype=bool),
                                         model.classes, {**model.meta, **changes}, model.thresholds, tok.max_chars,
                                         tok.normaliser)  # fmt: skip
    return model.classes[int(best[0])], int(review[0]), candidates[0]
