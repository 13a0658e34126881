"""Exact explanations of the linear model's labels, shown as the words of the line that drove them.

Rule (one for every line): for the line's ``label`` ``c`` and its **rival** ``r`` (the other class with the highest
decision score), each feature ``j`` contributes ``x_j × (w_cj − w_rj)``, where ``x_j`` is the feature's TF-IDF value in
the line and ``w`` the classifier's coefficients. The contributions and the intercept difference ``b_c − b_r`` sum to
``z_c − z_r``, the decision score difference, exactly (for the multinomial logistic regression it is
``log(p_c / p_r)``; for the ``svm`` type, whose scores are a softmax of ``temperature × z``, it is that divided by the
temperature).

A feature is shown as the word of the line it came from, written as in the original text: the character n-grams of
a token lie inside it and overlap, so they merge into the token's run of the original text (``KBAДPOKOПTEP``,
``к в а д р о`` when the letters were typed apart); a word n-gram of several words is shared equally among its words;
a feature that occurs in several words is shared equally among them; the contributions of one word that occurs
twice are summed. Nothing is dropped: :attr:`Explanation.items` plus :attr:`Explanation.intercept` (and
:attr:`Explanation.rest`, contributions no word could be named for, normally 0) sum to :attr:`Explanation.margin`.

For a calibrated SVM the explanation is of the SVM's linear scores before calibration. For a model with a
character peer (:mod:`pipeline.model.peer`) the scores are a blend of the linear model's and the peer's; the words
explain the linear model's share, and the peer's own scores are shown beside them (:attr:`Explanation.peer_scores`).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.explain.rules import rule_note, rule_notes
from pipeline.model.core import DualUseModel, load_model
from pipeline.text.aircraft import MARK as AIRCRAFT_MARK
from pipeline.text.align import char_map, original_span, token_spans
from pipeline.text.aviation import MARK as TERM_MARK
from pipeline.text.systems import MARKS as SYSTEM_MARKS

TOP = 5
# One explainer per loaded model (kept off the model, so that it is never pickled to worker processes).
_EXPLAINERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Explanation:
    """Why one line got its label.

    Attributes:
        text: the line.
        label: the label explained.
        rival: the other class with the highest decision score.
        scores: probability of every label.
        decision: decision score of every label.
        margin: ``decision[label] − decision[rival]``.
        intercept: ``b_label − b_rival``.
        items: ``(word as written in the line, contribution)``, largest magnitude first.
        rest: contributions of features no word of the line could be named for (normally 0).
        peer_weight: the character peer's share of ``scores`` (0: the model has no peer).
        peer_scores: the character peer's own scores of every label (``None`` without a peer).
        military_wording: the words that raised the military end-use flag, as written (``""``: no flag; set by
            :func:`explain`).
        review: 1 when a decision rule sent the line to review (set by :func:`explain`).
        candidate: the class the line was sent to review with (``""``: none).
        rule: the decision rule that gave the label or sent the line to review, when :func:`explain` can name it
            (:func:`pipeline.explain.rules.rule_note`), else ``""``.
    """

    text: str
    label: str
    rival: str
    scores: dict[str, float]
    decision: dict[str, float]
    margin: float
    intercept: float
    items: list[tuple[str, float]] = field(default_factory=list)
    rest: float = 0.0
    peer_weight: float = 0.0
    peer_scores: dict[str, float] | None = None
    military_wording: str = ""
    review: int = 0
    candidate: str = ""
    rule: str = ""

    def summary(self, top: int = TOP) -> str:
        """The ``top`` strongest words as ``квадрокоптер +2.10; mavic +1.30`` (what ``--explain`` writes)."""
        shown = [(w, c) for w, c in self.items if abs(c) >= 0.005][:top]
        if not shown:
            return f"(no known words; prior {self.intercept:+.2f})"
        return "; ".join(f"{w} {c:+.2f}" for w, c in shown)

    def as_dict(self) -> dict:
        """Plain data (for JSON)."""
        return {
            "label": self.label,
            "rival": self.rival,
            "scores": self.scores,
            "decision": self.decision,
            "margin": self.margin,
            "intercept": self.intercept,
            "items": [[w, c] for w, c in self.items],
            "peer_weight": self.peer_weight,
            "peer_scores": self.peer_scores,
            "rest": self.rest,
            "review": self.review,
            "candidate": self.candidate,
            "rule": self.rule,
            "military_marker": int(bool(self.military_wording)),
            "military_wording": self.military_wording,
            "explanation": self.summary(),
        }


def linear_weights(clf, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (classes × features) and intercepts of a fitted linear classifier, one row per class.

    A binary model's single row becomes ``[0, w]`` (softmax of ``[0, z]`` is the sigmoid); a calibrated SVM gives
    the mean of its SVMs' rows.
    """
    if hasattr(clf, "calibrated_classifiers_"):
        ests = [c.estimator for c in clf.calibrated_classifiers_]
        coef = np.mean([np.asarray(e.coef_) for e in ests], axis=0)
        intercept = np.mean([np.asarray(e.intercept_) for e in ests], axis=0)
    else:
        coef, intercept = np.asarray(clf.coef_), np.asarray(clf.intercept_)
    if coef.shape[0] == 1 and n_classes == 2:
        coef = np.vstack([np.zeros_like(coef[0]), coef[0]])
        intercept = np.array([0.0, float(intercept[0])])
    return np.asarray(coef, dtype=np.float64), np.asarray(intercept, dtype=np.float64)


class Explainer:
    """Explains a :class:`~pipeline.model.core.DualUseModel`'s labels (see the module docstring for the rule).

    Args:
        model: a loaded model.
    """

    def __init__(self, model):
        self.model = model
        self.classes = model.classes
        steps = model.pipeline.named_steps
        self.tokeniser = steps["tokenise"]
        self.features = steps["features"]
        self.coef, self.intercept = linear_weights(steps["classifier"], len(self.classes))
        self._token_cols: dict[str, np.ndarray] = {}

    def _cols_of_tokens(self, tokens: set[str]) -> None:
        """Columns of each token's own features (its character n-grams and its word unigram), cached."""
        new = sorted(t for t in tokens if t not in self._token_cols)
        if not new:
            return
        if len(self._token_cols) > 200_000:
            self._token_cols.clear()
        single = self.features.transform([(t,) for t in new])
        for k, tok in enumerate(new):
            self._token_cols[tok] = single.indices[single.indptr[k] : single.indptr[k + 1]].copy()

    def _owners(self, tokens: Sequence[str]) -> dict[int, dict[int, float]]:
        """Column → {token position: share weight} for every feature of a token sequence."""
        owners: dict[int, dict[int, float]] = {}
        for p, tok in enumerate(tokens):
            for col in self._token_cols[tok].tolist():
                d = owners.setdefault(col, {})
                d[p] = d.get(p, 0.0) + 1.0
        vocab = self.features.vocabulary_
        lo, hi = self.features.word_ngram_range
        for n in range(max(lo, 2), hi + 1):
            for i in range(len(tokens) - n + 1):
                col = vocab.get("w:" + " ".join(tokens[i : i + n]))
                if col is not None:
                    d = owners.setdefault(col, {})
                    for p in range(i, i + n):
                        d[p] = d.get(p, 0.0) + 1.0 / n
        return owners

    def explain_batch(
        self,
        texts: Sequence[str | None],
        labels: Sequence[str] | None = None,
        proba: np.ndarray | None = None,
        peer_scores: bool = True,
    ) -> list[Explanation | None]:
        """Explain many lines (``None`` for a line without text).

        Args:
            texts: the lines.
            labels: the label to explain for each line (the model's best class when ``None``), e.g. the ``label``
                column ``predict`` wrote (``other`` for a line sent to review is explained as ``other``).
            proba: the probability matrix of the lines if already computed (``PredictionBatch.proba``).
            peer_scores: give each explanation the character peer's own scores (``peer_scores``); with ``proba``
                given, ``False`` spares computing the peer again (the ``explanation`` column needs only the words).
        """
        if not len(texts):
            return []
        raw = ["" if t is None else str(t) for t in texts]
        max_chars = self.tokeniser.max_chars
        cut = [t[:max_chars] if max_chars else t for t in raw]
        tokens = self.tokeniser.transform(cut)
        X = self.features.transform(tokens)
        z = np.asarray(X @ self.coef.T) + self.intercept
        peer = self.model.peer
        peer_proba = None
        if peer is not None and (peer_scores or proba is None):
            peer_proba = peer.predict_proba(cut)[:, [list(peer.classes_).index(c) for c in self.classes]]
        if proba is None:
            proba = self.model.pipeline.named_steps["classifier"].predict_proba(X)
            if peer_proba is not None:
                proba = (1.0 - peer.weight) * proba + peer.weight * peer_proba
        self._cols_of_tokens({t for toks in tokens for t in toks})
        out: list[Explanation | None] = []
        for i, toks in enumerate(tokens):
            if not toks and X.indptr[i] == X.indptr[i + 1]:
                out.append(None)
                continue
            best = proba[i] if peer is not None else z[i]  # with a peer, the blend's best class
            label = labels[i] if labels is not None else self.classes[int(np.argmax(best))]
            e = self._explain_row(cut[i], toks, X, i, z[i], proba[i], label)
            if peer_proba is not None:
                e.peer_weight = float(peer.weight)
                e.peer_scores = {k: float(p) for k, p in zip(self.classes, peer_proba[i])}
            out.append(e)
        return out

    def _explain_row(self, text, toks, X, i, z, proba, label) -> Explanation:
        c = self.classes.index(label)
        others = [k for k in range(len(self.classes)) if k != c]
        r = max(others, key=lambda k: z[k])
        cols = X.indices[X.indptr[i] : X.indptr[i + 1]]
        contrib = X.data[X.indptr[i] : X.indptr[i + 1]] * (self.coef[c, cols] - self.coef[r, cols])
        owners = self._owners(toks)
        per_pos = np.zeros(len(toks))
        rest = 0.0
        for col, value in zip(cols.tolist(), contrib.tolist()):
            own = owners.get(col)
            if not own:
                rest += value
                continue
            total = sum(own.values())
            for p, w in own.items():
                per_pos[p] += value * w / total
        names = _display_names(toks, text, self.tokeniser.normaliser)
        by_word: dict[str, list] = {}
        for p, tok in enumerate(toks):
            entry = by_word.setdefault(tok, [names[p], 0.0])
            entry[1] += float(per_pos[p])
        items = sorted(((w, v) for w, v in by_word.values()), key=lambda wv: -abs(wv[1]))
        return Explanation(
            text=text,
            label=label,
            rival=self.classes[r],
            scores={k: float(p) for k, p in zip(self.classes, proba)},
            decision={k: float(v) for k, v in zip(self.classes, z)},
            margin=float(z[c] - z[r]),
            intercept=float(self.intercept[c] - self.intercept[r]),
            items=items,
            rest=rest,
        )


def _display_names(tokens: Sequence[str], text: str, normaliser) -> list[str]:
    """Each token as written in the original text (its normalised form where that cannot be aligned)."""
    normalised = normaliser(text)
    mapping = char_map(normalised, text)
    names = []
    for tok, span in zip(tokens, token_spans(tokens, normalised)):
        if tok == AIRCRAFT_MARK:
            names.append(f"{AIRCRAFT_MARK} (an aircraft type named)")
            continue
        if tok in SYSTEM_MARKS:
            names.append(f"{tok} ({SYSTEM_MARKS[tok]})")
            continue
        if tok == TERM_MARK:
            names.append(f"{TERM_MARK} (an aviation term named)")
            continue
        got = original_span(span, mapping)
        name = " ".join(text[got[0] : got[1]].split()) if got else tok
        names.append(name.replace(";", ",") or tok)
    return names


def explain_texts(
    model, texts: Sequence[str | None], labels: Sequence[str] | None = None, proba: np.ndarray | None = None, batch=None
) -> list[str]:
    """The ``explanation`` column for texts (``""`` for a line without text).

    ``proba``: the lines' blended scores when already computed (``PredictionBatch.proba``), which spares computing
    the classifier's and the peer's scores again. ``batch``: the lines' ``PredictionBatch`` (its labels, scores,
    review flags and familiarity); with it, the decision rule that gave a line its label or sent it to review is
    named after the words (``gliders -3.79 | bare-word rule: …``, :func:`pipeline.explain.rules.rule_notes`).
    """
    explainer = _EXPLAINERS.get(model)
    if explainer is None:
        explainer = _EXPLAINERS[model] = Explainer(model)
    if batch is not None:
        labels, proba = batch.labels, batch.proba
    found = explainer.explain_batch(texts, labels, proba, peer_scores=False)
    words = [e.summary() if e is not None else "" for e in found]
    if batch is None or not model.thresholds:
        return words
    notes = rule_notes(model, [t or "" for t in texts], batch.labels, batch.review, batch.candidates, batch.proba,
                       batch.familiarity)  # fmt: skip
    return [f"{w} | {note}" if w and note else w for w, note in zip(words, notes)]


def explain(text: str, model=None, apply_thresholds: bool = True) -> Explanation | None:
    """Explain one line's label (the label ``predict`` gives it); ``None`` when the line holds no text.

    Args:
        text: the line.
        model: a loaded model, a model folder, or ``None`` for the bundled default.
        apply_thresholds: explain the label after the model's class thresholds, as ``predict`` labels.
    """
    if not isinstance(model, DualUseModel):
        model = load_model(model)
    batch = model.predict_batch([text], apply_thresholds=apply_thresholds)
    if batch.statuses[0] == "empty":
        return None
    found = Explainer(model).explain_batch([text], batch.labels, batch.proba)[0]
    found.military_wording = (batch.marker_wording or [""])[0]
    found.review, found.candidate = int(batch.review[0]), batch.candidates[0]
    if apply_thresholds:
        familiarity = float(batch.familiarity[0]) if batch.familiarity is not None else 1.0
        found.rule = rule_note(model, text, found.label, found.review, found.candidate, batch.proba[0], familiarity)
    return found


def format_explanation(e: Explanation, top: int = 10) -> str:
    """A plain-text account of an :class:`Explanation` (what ``dualuse explain`` prints)."""
    lines = [f"label: {e.label} (rival: {e.rival})"]
    if e.peer_scores is None:
        lines.append("scores:")
    else:
        w = e.peer_weight
        lines.append(f"scores ({1 - w:g} x the linear model explained below + {w:g} x the character peer):")
    for label, p in sorted(e.scores.items(), key=lambda kv: -kv[1]):
        peer = "" if e.peer_scores is None else f"   peer {e.peer_scores[label]:.4f}"
        lines.append(f"  {label:<16} {p:.4f}   decision {e.decision[label]:+.3f}{peer}")
    lines.append(f"explanation: {e.summary()}")
    flag = f"1, raised by «{e.military_wording}»" if e.military_wording else "0 (no military end use named)"
    lines.append(f"military_marker: {flag}")
    if e.review:
        lines.append(f"review: 1, candidate {e.candidate}" + (f" ({e.rule})" if e.rule else ""))
    elif e.rule:
        lines.append(f"rule: {e.rule}")
    lines.append(f"contributions to decision[{e.label}] - decision[{e.rival}] = {e.margin:+.3f}:")
    for word, c in e.items[:top]:
        lines.append(f"  {c:+8.3f}  {word}")
    rest = sum(c for _, c in e.items[top:])
    if len(e.items) > top:
        lines.append(f"  {rest:+8.3f}  ({len(e.items) - top} more words)")
    lines.append(f"  {e.intercept:+8.3f}  (intercept)")
    if abs(e.rest) > 1e-12:
        lines.append(f"  {e.rest:+8.3f}  (features not named by a word)")
    return "\n".join(lines)
