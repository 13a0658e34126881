"""How a model turns class probabilities into a label: class thresholds and the review of unfamiliar lines.

A line whose best dual-use class scores below that class's threshold is labelled ``other`` with ``review=1`` and
that class as ``candidate``; a line of more than ``long_line_words`` words is held to the lower
``long_line_threshold`` instead, when the model has one (:func:`long_lines`), and a short line that names a model
code to the lower ``code_line_threshold`` (:func:`coded_lines`). A line judged ``other`` whose words the
model mostly never saw in training was judged on the few words it knows: when it leans to a dual-use class at all, it
goes to review with that class too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from pipeline.model.cue_rule import cue_review
from pipeline.model.destination_rule import destination_assist
from pipeline.model.ground_rule import ground_review
from pipeline.model.keywords import KeywordRules, keyword_assist
from pipeline.model.terms import is_class_term
from pipeline.text.aircraft import is_aircraft_type
from pipeline.text.systems import system_mark

# A word that starts with letters and holds a digit: a model or type code (``H520E``, ``Ил-76ТД``, ``F405-WTE``,
# ``Mk2``), not a quantity or size (``10pcs``, ``12V``, ``1300x480``).
_MODEL_CODE = re.compile(r"(?:^|\s)[^\W\d_]+[\w./-]*\d")
# Words of running text, not of goods descriptions: articles, auxiliaries, relative pronouns, reporting verbs.
# «является» is left out: declarations carry it in «НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ».
_PROSE_WORD = re.compile(
    r"(?i)(?<!\w)(?:the|is|are|was|were|which|that|has|have|had|said|will|would|been|it|they|we|you|its|their|this"
    r"|these|those|he|she|who|according|reported|announced|did|does|could|should|был|была|были|было|который|которая"
    r"|которое|которые|которого|которой|которых|которым|котором|которую|которыми|что|это|он|она|они|его|их|однако"
    r"|если|когда|чтобы|уже|сообщил|сообщила|сообщили|сообщает|сообщается|отмечается|заявил|заявила|заявили"
    r"|рассказал|рассказали|пояснил|пояснили|добавил|добавили|будет|будут|может|могут)(?!\w)"
)

# Verbs of Russian news on seizures and purchases: Russian news names its goods in sentences without the function
# words above («Сотрудники ФТС задержали … автомобиль с 35 БПЛА»), so one of them, or one function word, opens a long
# line to the keyword assist (:func:`assist_scope`); they are not prose words of the prose rule.
_NEWS_VERB = re.compile(
    r"(?i)(?<!\w)(?:задержал[аи]?|изъял[аи]?|выявил[аи]?|обнаружил[аи]?|пресекл[аи]?|передал[аи]?|конфисковал[аи]?"
    r"|нашли|получил[аи]?|закупил[аи]?|поставил[аи]?|приобрел[аи]?)(?!\w)"
)


def apply_class_thresholds(
    proba: np.ndarray,
    best: np.ndarray,
    scores: np.ndarray,
    has_text: np.ndarray,
    classes: Sequence[str],
    thresholds: dict[str, float],
    pool_below: float = 0.0,
    caps: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Relabel lines below their best class's threshold as ``other``; ``best`` and ``scores`` change in place.

    ``caps``: each line's highest threshold (:func:`line_caps`: long lines and short lines with a model code are
    held to a lower one than their class's), or ``None``. A line whose ``other`` probability is under ``pool_below``
    is held to the threshold on the sum of its dual-use probabilities instead of its best class's alone: the model is
    sure it is dual-use and unsure only which class (a bare "drone" is split between ``drone`` and
    ``counter_drone``); ``0``: no such rule. ``scores`` keep the best class's probability.

    Returns:
        ``(review, candidates)``: 1 and the class for each relabelled line, 0 and ``""`` elsewhere.
    """
    classes = list(classes)
    review = np.zeros(len(best), dtype=np.int8)
    candidates = [""] * len(best)
    if "other" not in classes:
        return review, candidates
    other = classes.index("other")
    held = scores
    if pool_below > 0:
        pooled = proba[:, other] < pool_below
        if pooled.any():
            held = np.where(pooled, 1.0 - proba[:, other], scores)
    for label, threshold in thresholds.items():
        if label == "other" or label not in classes:
            continue
        limit = np.full(len(best), threshold) if caps is None else np.minimum(threshold, caps)
        low = np.flatnonzero((best == classes.index(label)) & has_text & (held < limit))
        review[low] = 1
        for i in low.tolist():
            candidates[i] = label
        best[low] = other
        scores[low] = proba[low, other]
    return review, candidates


def decide(
    texts: Sequence[str],
    proba: np.ndarray,
    has_text: np.ndarray,
    classes: Sequence[str],
    meta: dict,
    thresholds: dict[str, float],
    max_chars: int = 0,
    normalise: Callable[[str], str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Each line's class under a model's decision rules: ``(best, scores, review, candidates)``.

    With ``thresholds`` (empty: the best class always) the prose rule (:func:`prose_prior`, on a copy of
    ``proba``: the scores are those of the copy), the long-line and model-code caps (:func:`line_caps`), the
    pooling rule and, given the model's ``normalise``, the keyword assist on prose lines and the keyword agreement
    (:func:`pipeline.model.keywords.keyword_assist`), the bare-word rule (:func:`bare_word_review`), the ground
    rule (:func:`pipeline.model.ground_rule.ground_review`), the counter-drone cue rule
    (:func:`pipeline.model.cue_rule.cue_review`) and the destination rule
    (:func:`pipeline.model.destination_rule.destination_assist`) apply.
    """
    prose = None
    if thresholds and prose_rule(meta)[0]:
        proba = proba.copy()  # the batch keeps the model's own probabilities
        prose = prose_prior(texts, proba, classes, meta, max_chars)
    best = proba.argmax(axis=1)
    scores = proba[np.arange(len(best)), best]
    scores[~has_text] = 0.0
    counts = word_counts(texts, max_chars) if thresholds else None  # once for the caps and the assist's scope
    caps = line_caps(texts, meta, max_chars, counts) if thresholds else None
    review, candidates = apply_class_thresholds(
        proba, best, scores, has_text, classes, thresholds, pool_below=pool_rule(meta), caps=caps
    )
    if thresholds and normalise is not None:
        scope = np.zeros(len(best), dtype=bool)
        if prose is not None:
            scope = assist_scope(texts, prose, meta, max_chars, counts) & has_text
        keyword_assist(texts, proba, scope, (best, scores, review, candidates), classes, meta, normalise)
        bare_word_review(texts, proba, counts, (best, scores, review, candidates), classes, meta, normalise)
        ground_review(texts, proba, (best, scores, review, candidates), classes, meta, normalise)
        cue_review(texts, prose, proba, (best, scores, review, candidates), classes, meta, normalise)
        destination_assist(texts, proba, (best, scores, review, candidates), classes, meta, normalise)
    return best, scores, review, candidates


def names_a_type(normalised_text: str) -> bool:
    """Whether a normalised text names an aircraft type, aero-engine, aircraft maker or named military system."""
    tokens = (t.strip(".,;:()[]\"'«»") for t in normalised_text.split())
    return any(is_aircraft_type(t) or system_mark(t) for t in tokens if t)


def bare_word_rule(meta: dict) -> int:
    """The most words a line may have for a model's bare-word rule to read it (``0``: no rule)."""
    return int(meta.get("bare_words") or 0)


def bare_word_review(
    texts: Sequence[str],
    proba: np.ndarray,
    counts: np.ndarray,
    decided: tuple[np.ndarray, np.ndarray, np.ndarray, list[str]],
    classes: Sequence[str],
    meta: dict,
    normalise: Callable[[str], str],
) -> None:
    """Send dual-use lines of at most ``bare_words`` words that carry no named evidence to review as ``other``.

    A line qualifies when it holds no model code (``_MODEL_CODE``), no keyword of the model's keyword rules
    (:class:`pipeline.model.keywords.KeywordRules`, any class) and no aircraft type or named military system
    (:mod:`pipeline.text.aircraft`, :mod:`pipeline.text.systems`) and is not a term of its class in the lines the
    model was fitted on (``meta["class_terms"]``, :mod:`pipeline.model.terms`: "gyroplane", «навигатор»): one generic
    word ("seat", "ring", "king") is not evidence an investigator can publish, however the corpus used it. It keeps
    its class as ``candidate`` with ``review=1``. ``counts``: the texts' :func:`word_counts`; ``decided``: ``(best,
    scores, review, candidates)``, changed in place.
    """
    words = bare_word_rule(meta)
    classes = list(classes)
    if words <= 0 or "other" not in classes:
        return
    best, scores, review, candidates = decided
    other = classes.index("other")
    match = KeywordRules(meta.get("keyword_rules") or [])
    terms = meta.get("class_terms") or {}
    for i in np.flatnonzero((best != other) & (counts <= words) & (counts > 0)).tolist():
        text = normalise(texts[i])
        if _MODEL_CODE.search(texts[i]) is not None or match(text) is not None:
            continue
        if names_a_type(text) or is_class_term(text, classes[best[i]], terms):
            continue
        review[i], candidates[i] = 1, classes[best[i]]
        best[i], scores[i] = other, proba[i, other]


def assist_scope(
    texts: Sequence[str], prose: np.ndarray, meta: dict, max_chars: int = 0, counts: np.ndarray | None = None
) -> np.ndarray:
    """The lines the keyword assist reads.

    Prose lines, lines of more than ``long_line_words`` words holding one function word of running text or one
    Russian news verb (``_NEWS_VERB``), and terms: lines of at most ``keyword_terms`` words, where the keyword is
    most of what the line says; ``counts``: the texts' :func:`word_counts`, when already known.
    """
    words = long_line_rule(meta)[0]
    terms = keyword_terms_rule(meta)
    if words <= 0 and terms <= 0:
        return prose
    cut = max_chars or None
    counts = word_counts(texts, max_chars) if counts is None else counts
    out = prose.copy()
    if terms > 0:
        out |= (counts > 0) & (counts <= terms)
    if words > 0:
        for i in np.flatnonzero((counts > words) & ~out).tolist():
            out[i] = opens_assist(texts[i][:cut])
    return out


def keyword_terms_rule(meta: dict) -> int:
    """The most words a line may have for a model's keyword assist to read it as a term (``0``: terms not read)."""
    return int(meta.get("keyword_terms") or 0)


def opens_assist(text: str) -> bool:
    """Whether a text holds a function word of running text or a Russian news verb (see :func:`assist_scope`)."""
    return _PROSE_WORD.search(text) is not None or _NEWS_VERB.search(text) is not None


def long_line_rule(meta: dict) -> tuple[int, float]:
    """``(words, threshold)`` of a model's long-line rule, from its meta (``(0, 0.0)``: none)."""
    return int(meta.get("long_line_words") or 0), float(meta.get("long_line_threshold") or 0.0)


def code_line_rule(meta: dict) -> tuple[int, float]:
    """``(words, threshold)`` of a model's model-code rule, from its meta (``(0, 0.0)``: none)."""
    return int(meta.get("code_line_words") or 0), float(meta.get("code_line_threshold") or 0.0)


def code_assist_rule(meta: dict) -> float:
    """The text probability at which a model's code assist gives a line its code's label (``0.0``: off)."""
    return float(meta.get("code_assist") or 0.0)


def pool_rule(meta: dict) -> float:
    """The ``other`` probability under which a model pools a line's dual-use probabilities (``0.0``: never)."""
    return float(meta.get("pool_below") or 0.0)


def prose_rule(meta: dict) -> tuple[int, float]:
    """``(function_words, other_scale)`` of a model's prose rule, from its meta (``(0, 1.0)``: none)."""
    words, scale = int(meta.get("prose_words") or 0), float(meta.get("prose_other_scale") or 1.0)
    return (words, scale) if words > 0 and scale < 1.0 else (0, 1.0)


def prose_word_counts(texts: Sequence[str], max_chars: int = 0) -> np.ndarray:
    """Function words of running text (``_PROSE_WORD``) in each text's first ``max_chars`` characters."""
    cut = max_chars or None
    return np.fromiter((len(_PROSE_WORD.findall(t[:cut])) for t in texts), dtype=np.int64, count=len(texts))


def prose_lines(texts: Sequence[str], meta: dict, max_chars: int = 0) -> np.ndarray | None:
    """Which texts read as running prose; ``None`` when the model has no prose rule.

    A text is prose when its first ``max_chars`` characters hold at least ``prose_words`` function words of running
    text (``_PROSE_WORD``: articles, auxiliaries, relative pronouns, reporting verbs).
    """
    words, _ = prose_rule(meta)
    return prose_word_counts(texts, max_chars) >= words if words else None


def prose_prior(
    texts: Sequence[str], proba: np.ndarray, classes: Sequence[str], meta: dict, max_chars: int = 0
) -> np.ndarray | None:
    """Scale the ``other`` probability of prose lines (:func:`prose_lines`) by ``prose_other_scale``, in place.

    Returns the prose lines (``None`` when the model has no prose rule).

    The rows changed are renormalised. A ruling or news sentence names its goods among many words about letters,
    seizures and money; a line's features are scaled to one length, so those words dilute the few that name the
    goods, and the ``other`` prior the model was given for short ordinary lines wins. Declaration lines and tariff
    terms have no such words.
    """
    mask = prose_lines(texts, meta, max_chars)
    if mask is not None:
        scale_other(proba, mask, classes, prose_rule(meta)[1])
    return mask


def scale_other(proba: np.ndarray, mask: np.ndarray, classes: Sequence[str], scale: float) -> None:
    """Multiply the ``other`` probability of the ``mask`` rows by ``scale`` and renormalise them, in place."""
    if not mask.any() or "other" not in classes:
        return
    proba[mask, list(classes).index("other")] *= scale
    proba[mask] /= proba[mask].sum(axis=1, keepdims=True)


def word_counts(texts: Sequence[str], max_chars: int = 0) -> np.ndarray:
    """Whitespace-separated words of each text's first ``max_chars`` characters (all of it for 0)."""
    cut = max_chars or None
    return np.fromiter((len(t[:cut].split()) for t in texts), dtype=np.int64, count=len(texts))


def long_lines(texts: Sequence[str], words: int, max_chars: int = 0) -> np.ndarray | None:
    """Which texts have more than ``words`` words (:func:`word_counts`); ``None`` when ``words`` is 0 (no rule)."""
    return word_counts(texts, max_chars) > words if words > 0 else None


def coded_lines(texts: Sequence[str], words: int, max_chars: int = 0) -> np.ndarray | None:
    """Which texts have at most ``words`` words and a model code in them (see ``_MODEL_CODE``); ``None`` for 0.

    Brand-and-model lines ("Yuneec H520E RTK", «Ми-8АМТШ агрегаты») give the model few known words, so their best
    class scores lower than on a described line; ordinary goods rarely come as a bare name and code.
    """
    if words <= 0:
        return None
    return _coded(texts, word_counts(texts, max_chars) <= words, max_chars)


def _coded(texts: Sequence[str], short: np.ndarray, max_chars: int) -> np.ndarray:
    """``short`` narrowed to the texts with a model code (the pattern is searched in short texts only)."""
    out = short.copy()
    for i in np.flatnonzero(short).tolist():
        out[i] = _MODEL_CODE.search(texts[i][: max_chars or None]) is not None
    return out


def model_codes(texts: Sequence[str], max_chars: int = 0) -> np.ndarray:
    """Which texts hold a model code in their first ``max_chars`` characters (all of it for 0)."""
    return _coded(texts, np.ones(len(texts), dtype=bool), max_chars)


def line_caps(
    texts: Sequence[str], meta: dict, max_chars: int = 0, counts: np.ndarray | None = None
) -> np.ndarray | None:
    """Each text's highest class threshold under the model's long-line and model-code rules (``None``: no rule).

    A line of more than ``long_line_words`` words is held to ``long_line_threshold``, a line of at most
    ``code_line_words`` words with a model code to ``code_line_threshold``; other lines to 1 (their class's own).
    ``counts``: the texts' :func:`word_counts`, when already known.
    """
    (long_words, long_at), (code_words, code_at) = long_line_rule(meta), code_line_rule(meta)
    long_on, code_on = long_words > 0 and long_at > 0, code_words > 0 and code_at > 0
    if not (long_on or code_on):
        return None
    if counts is None:
        counts = word_counts(texts, max_chars)  # once for both rules
    caps = np.ones(len(texts))
    if long_on:
        caps[counts > long_words] = long_at
    if code_on:
        coded = _coded(texts, counts <= code_words, max_chars)
        caps[coded] = np.minimum(caps[coded], code_at)
    return caps


def unfamiliar_review(
    proba: np.ndarray,
    best: np.ndarray,
    has_text: np.ndarray,
    familiarity: np.ndarray,
    flags: tuple[np.ndarray, list[str]],
    classes: Sequence[str],
    below: float,
    lean: float,
) -> None:
    """Send unfamiliar ``other`` lines that lean to a dual-use class to review with that class.

    A line qualifies when its familiarity is under ``below`` and its best dual-use class has probability at least
    ``lean``; ``flags`` (``review``, ``candidates``) change in place.
    """
    classes = list(classes)
    if below <= 0 or "other" not in classes:
        return
    review, candidates = flags
    other = classes.index("other")
    unsure = np.flatnonzero((best == other) & has_text & (familiarity < below) & (review == 0))
    if not len(unsure):
        return
    positive = proba[unsure].copy()
    positive[:, other] = -1.0
    leaning_to = positive.argmax(axis=1)
    leaning = positive[np.arange(len(unsure)), leaning_to] >= lean
    for i, j in zip(unsure[leaning].tolist(), leaning_to[leaning].tolist()):
        review[i] = 1
        candidates[i] = classes[j]


def threshold_labels(proba: np.ndarray, classes: Sequence[str], thresholds: dict[str, float]) -> list[str]:
    """Labels as ``predict`` assigns them from ``proba``: the best class, or ``other`` below its threshold."""
    classes = list(classes)
    best = proba.argmax(axis=1)
    scores = proba[np.arange(len(best)), best]
    apply_class_thresholds(proba, best, scores, np.ones(len(best), dtype=bool), classes, thresholds)
    return [classes[j] for j in best.tolist()]
