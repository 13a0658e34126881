"""Terms of a class: words that the training lines use almost only in lines of one dual-use class.

The bare-word rule (:func:`pipeline.model.decision.bare_word_review`) sends a one-word line that names no keyword,
model code or type to review as ``other``: "seat", "ring" or "king" read as aircraft_parts or navigation only through
the corpus's aircraft seats and ring-laser gyros, and one generic word is no evidence to publish. A word such as
"gyroplane", "glushilka" or «навигатор», which the training lines use almost only under one class, is evidence of its
own. :func:`class_terms` finds such words in the lines a model is fitted on (a word's *stem*, :func:`stem`, in at
least ``min_lines`` lines, at least ``share`` of them of one dual-use class); the bare-word rule leaves a line alone
when its word is a term of the class the model gives it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

_STRIP = ".,;:()[]{}\"'«»!?/*#№+"
# Russian case and number endings, longest first; one is cut when at least 4 letters remain.
_RU_ENDINGS = (
    "ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ов", "ев", "ей", "ам", "ям", "ах", "ях", "ом", "ем",
    "ой", "ий", "ый", "ая", "яя", "ое", "ее", "ые", "ие", "ы", "и", "а", "я", "у", "ю", "е", "о", "ь", "й",
)  # fmt: skip
_CYRILLIC = re.compile(r"[а-яё]")


def stem(word: str) -> str:
    """A lower-case word without its plural or case ending ("gliders" → "glider", «навигаторы» → «навигатор»).

    English loses a final "s" (not "ss"), Russian one ending of a fixed list, where at least 4 letters remain.
    """
    w = word.strip(_STRIP).lower()
    if _CYRILLIC.search(w[-1:] or " "):
        for end in _RU_ENDINGS:
            if w.endswith(end) and len(w) - len(end) >= 4:
                return w[: -len(end)]
        return w
    if w.endswith("s") and len(w) >= 5 and not w.endswith("ss"):
        return w[:-1]
    return w


def line_stems(text: str) -> set[str]:
    """The stems of a normalised line's whitespace-separated words (punctuation around them dropped)."""
    return {s for s in (stem(w) for w in text.split()) if s}


def class_terms(
    texts: Iterable[str],
    labels: Sequence[str],
    normalise: Callable[[str], str],
    min_lines: int = 5,
    share: float = 0.9,
) -> dict[str, str]:
    """``{stem: class}`` of the stems of one dual-use class.

    A stem counts when at least ``min_lines`` of the lines hold it and at least ``share`` of them are lines of one
    class other than ``other``; ``normalise``: the model's normaliser.
    """
    counts: dict[str, Counter] = defaultdict(Counter)
    for text, lab in zip(texts, labels):
        for s in line_stems(normalise(text)):
            counts[s][lab] += 1
    out = {}
    for s, c in counts.items():
        n = sum(c.values())
        if n < min_lines:
            continue
        lab, top = c.most_common(1)[0]
        if lab != "other" and top >= share * n:
            out[s] = lab
    return dict(sorted(out.items()))


def is_class_term(normalised_text: str, label: str, terms: dict[str, str]) -> bool:
    """Whether every word of a (short, normalised) line is a term of ``label``."""
    stems = line_stems(normalised_text)
    return bool(stems) and all(terms.get(s) == label for s in stems)
