"""Which decision rule gave a line its label or sent it to review, named for :func:`pipeline.explain.explain`.

A line's label is its best-scoring class only when no rule of the model's decision path
(:func:`pipeline.model.decision.decide`, then the familiarity check) steps in. :func:`rule_note` names the rule that
did: first the rules with reasons of their own (the ground rule says what it read, the counter-drone cue and
destination rules say what they look for); then each rule the model's meta can switch off, switched off in turn,
the first whose absence changes the label; then a class threshold the best class missed, or unfamiliar wording.
"""

from __future__ import annotations

from collections.abc import Sequence

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
_SWITCH_KEYS = {key for key, _, _ in _SWITCHES}

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
    return rule_notes(model, [text], [label], [review], [candidate], np.asarray(proba).reshape(1, -1), [familiarity])[0]


def rule_notes(
    model: DualUseModel,
    texts: Sequence[str],
    labels: Sequence[str],
    review: Sequence[int],
    candidates: Sequence[str],
    proba: np.ndarray,
    familiarity: Sequence[float] | None = None,
) -> list[str]:
    """:func:`rule_note` of every line of a batch (``familiarity``: ``None`` counts every line as familiar).

    The decision rules are re-run once per switch on the lines that need a note, not once per line.
    """
    classes, proba = list(model.classes), np.asarray(proba)
    best = [classes[j] for j in proba.argmax(axis=1).tolist()] if len(texts) else []
    todo = [i for i, text in enumerate(texts) if text and not _plain(model, labels[i], review[i], best[i], proba[i])]
    notes = [""] * len(texts)
    if not todo:
        return notes
    sub, sub_proba = [texts[i] for i in todo], proba[todo]
    on = [(key, off, note) for key, off, note in (*_SWITCHES, *_NAMED) if model.meta.get(key)]
    full = decisions_with(model, sub, sub_proba, {})
    without = {key: decisions_with(model, sub, sub_proba, {key: off}) for key, off, _ in on}
    shared = []  # lines no one rule explains: several rules give the label, each alone
    for j, i in enumerate(todo):
        decided = (labels[i], int(bool(review[i])), candidates[i])
        if full[j] == decided:  # else the familiarity check after the rules sent it to review
            notes[i] = _special(model, texts[i], decided, {key: got[j] for key, got in without.items()}) or next(
                (note for key, _, note in on if key in _SWITCH_KEYS and without[key][j] != decided), ""
            )
            if not notes[i]:
                shared.append((j, i, decided))
    if shared:
        notes = _shared_notes(model, notes, shared, sub, sub_proba, on)
    for i in todo:
        fam = 1.0 if familiarity is None else float(familiarity[i])
        decided = (labels[i], int(bool(review[i])), candidates[i])
        notes[i] = notes[i] or _score_note(model, decided, best[i], proba[i], fam)
    return notes


def _shared_notes(model: DualUseModel, notes: list[str], shared: list, texts, proba, on: list) -> list[str]:
    """The notes of the lines that several rules label each alone: every rule that gives the decision by itself."""
    rows = [j for j, _, _ in shared]
    texts, proba = [texts[j] for j in rows], proba[rows]
    off_all = {key: off for key, off, _ in (*_SWITCHES, *_NAMED)}
    base = decisions_with(model, texts, proba, off_all)
    alone = {key: decisions_with(model, texts, proba, {**off_all, key: model.meta[key]}) for key, _, _ in on}
    for k, (_, i, decided) in enumerate(shared):
        if base[k] != decided:
            notes[i] = "; ".join(note for key, _, note in on if alone[key][k] == decided)
    return notes


def _plain(model: DualUseModel, label: str, review: int, best: str, proba: np.ndarray) -> bool:
    """Whether the best-scoring class won alone, over its threshold, and nothing was sent to review."""
    if review or label != best:
        return False
    return label == "other" or proba[list(model.classes).index(label)] >= model.thresholds.get(label, 0.0)


def _special(model: DualUseModel, text: str, decided: tuple, without: dict) -> str:
    """The note of the ground, counter-drone cue or destination rule, when one of them decided the line."""
    label, review, candidate = decided
    if review and candidate == "aircraft_parts" and label == "other" and "ground_rule" in without:
        reason = ground_reason(model.tokeniser.normaliser(text))
        if reason == "engine":
            return "ground rule: the engine of a ground machine, boat or generator, and nothing about aircraft"
        if reason == "equipment":
            return "ground rule: ground equipment, a tool or a consumable at the head of the line"
    if review and candidate == "counter_drone" and label == "other" and "counter_cue_rule" in without:
        if without["counter_cue_rule"][0] == "counter_drone":
            return _CUE_NOTE
    if review and candidate == label == "aircraft_parts" and "aircraft_destination" in without:
        if without["aircraft_destination"][0] != "aircraft_parts":
            return _DESTINATION_NOTE
    return ""


def _score_note(model: DualUseModel, decided: tuple, best: str, proba: np.ndarray, familiarity: float) -> str:
    """A class threshold the best class missed, or unfamiliar wording, for a line sent to review as ``other``."""
    label, review, candidate = decided
    if not (review and label == "other" and candidate):
        return ""
    score, threshold = float(proba[list(model.classes).index(candidate)]), model.thresholds.get(candidate)
    if best == candidate and threshold is not None and score < threshold:
        return f"class threshold: its {candidate} score {score:.2f} is under the threshold {threshold:g}"
    below = model.unfamiliar_below
    if best == "other" and below and familiarity < below:
        return f"unfamiliar wording: familiarity {familiarity:.2f} is under {below:g} and it leans to {candidate}"
    return ""


def decision_with(model: DualUseModel, text: str, proba: np.ndarray, changes: dict) -> tuple[str, int, str]:
    """``(label, review, candidate)`` of a line under the model's decision rules, the meta changed by ``changes``.

    The familiarity check that follows the rules in ``predict`` is not applied.
    """
    return decisions_with(model, [text], np.asarray(proba).reshape(1, -1), changes)[0]


def decisions_with(model: DualUseModel, texts: Sequence[str], proba: np.ndarray, changes: dict) -> list[tuple]:
    """:func:`decision_with` of every line of a batch."""
    tok = model.tokeniser
    best, _, review, candidates = decide(texts, proba, np.ones(len(texts), dtype=bool), model.classes,
                                         {**model.meta, **changes}, model.thresholds, tok.max_chars,
                                         tok.normaliser)  # fmt: skip
    return [(model.classes[b], int(r), c) for b, r, c in zip(best.tolist(), review.tolist(), candidates)]
