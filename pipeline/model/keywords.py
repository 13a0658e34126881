"""The keyword assist: a running-prose line that names dual-use goods by a keyword is not left `other` on its prior.

A ruling or news sentence names its goods once among many words about seizures, letters and money («… задержали
автомобиль «ГАЗель» с 35 БПЛА внутри»); the line's other words dilute that name, and a prose line the model still
calls `other` after the prose rule (:func:`pipeline.model.decision.prose_prior`) can be one that plainly says
«БПЛА». The analysts' keyword lists (``configs/keywords.txt``) name the goods of each label; when the first list that
matches such a line names a class the model gives at least ``prose_keywords`` (after the prose rule), the line takes
that class with ``review=1``. Only prose lines are assisted, and long lines with one word of running text or one
Russian news verb (:func:`pipeline.model.decision.assist_scope`): on declaration lines and short terms a keyword says
less than the model ("drone bag", "phone with GPS"), and on our held-out sources the assist there cost precision.

On any line, the keyword agreement (``keyword_agree``) does the same when the model's own best class is the one the
keywords name and scores at least ``keyword_agree``, but under that class's threshold: two independent readings
agree («лопатки турбины» at 0.79 for `aircraft_parts`, «В России запретили экспорт беспилотников» at 0.80 for
`drone`), and the label goes to review like every assisted one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from pipeline.config import POSITIVE_LABELS
from pipeline.errors import ConfigError


def read_keywords(path: str | Path) -> list[list[str]]:
    """``[label, pattern]`` rules from a keyword file, in file order (the first that matches a line wins).

    Each rule is a line ``label<space>regular expression``, matched case-blind on the normalised text; lines
    starting with ``#`` are comments.

    Raises:
        ConfigError: naming the file and line of an unknown label or a pattern that does not compile.
    """
    path = Path(path)
    rules: list[list[str]] = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        label, _, pattern = line.partition(" ")
        pattern = pattern.strip()
        if label not in POSITIVE_LABELS or not pattern:
            raise ConfigError(
                f"{path}, line {lineno}: expected 'label pattern' with a label of {list(POSITIVE_LABELS)}, got {line!r}"
            )
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{path}, line {lineno}: bad regular expression {pattern!r}: {exc}") from exc
        rules.append([label, pattern])
    if not rules:
        raise ConfigError(f"{path}: no keyword rules found")
    return rules


# A negation within the three words before a keyword: the sentence names what the goods are not ("a car radio
# without a navigation function", "amplifiers, not jamming devices", «без функции навигации»). Quantities such as
# «не менее 300 БПЛА» and "no more than 5 drones" are not negations of the goods.
_NEGATED_BEFORE = re.compile(
    r"(?<!\w)(?:not|no|non|without|unlike|except|excluding|other than|не|ни|без|кроме|за исключением)(?!\w)"
    r"(?! (?:менее|более|less|more|fewer|только|only|longer)\b)(?:\W+\w+){0,3}\W+$",
    re.IGNORECASE,
)
_NEGATION_WINDOW = 60


class KeywordRules:
    """The first label whose pattern matches a normalised text outside a negation (``None``: no rule matches).

    Args:
        rules: ``[label, pattern]`` pairs as :func:`read_keywords` returns them.
    """

    def __init__(self, rules: Sequence[Sequence[str]]):
        self.rules = [(str(label), re.compile(pattern, re.IGNORECASE)) for label, pattern in rules]

    def __call__(self, normalised_text: str) -> str | None:
        """The label of the first rule with a match not governed by a negation in ``normalised_text``, or ``None``."""
        for label, rx in self.rules:
            for m in rx.finditer(normalised_text):
                before = normalised_text[max(0, m.start() - _NEGATION_WINDOW) : m.start()]
                if not _NEGATED_BEFORE.search(before):
                    return label
        return None


def keyword_assist(
    texts: Sequence[str],
    proba: np.ndarray,
    prose: np.ndarray,
    decided: tuple[np.ndarray, np.ndarray, np.ndarray, list[str]],
    classes: Sequence[str],
    meta: dict,
    normalise: Callable[[str], str],
) -> None:
    """Give lines left `other` the class their keywords name, where the model backs that class.

    Backing is ``prose_keywords`` or more on lines in ``prose``, or, on any line, the model's best class at
    ``keyword_agree`` or more.
    ``proba``: the scores after the prose rule; ``prose``: which lines the assist reads; ``decided``: ``(best, scores,
    review, candidates)`` as :func:`pipeline.model.decision.decide` returns them, changed in place.
    """
    at = float(meta.get("prose_keywords") or 0.0)
    agree = float(meta.get("keyword_agree") or 0.0)
    rules = meta.get("keyword_rules") or []
    classes = list(classes)
    if (at <= 0 and agree <= 0) or not rules or "other" not in classes:
        return
    best, scores, review, candidates = decided
    other = classes.index("other")
    top = proba.argmax(axis=1)
    agreeing = (top != other) & (proba[np.arange(len(top)), top] >= agree) if agree > 0 else np.zeros(len(top), bool)
    read = (prose if at > 0 else np.zeros(len(top), bool)) | agreeing
    match = KeywordRules(rules)
    for i in np.flatnonzero(read & (best == other)).tolist():
        label = match(normalise(texts[i]))
        if label is None or label not in classes:
            continue
        j = classes.index(label)
        if (prose[i] and at > 0 and proba[i, j] >= at) or (agreeing[i] and top[i] == j):
            best[i], scores[i], review[i], candidates[i] = j, proba[i, j], 1, label
