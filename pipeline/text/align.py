"""Map spans of normalised text back to the original text they came from.

The normaliser (:mod:`pipeline.text.normalise`) folds case, repairs look-alike letters, drops invisible characters and
marks, and joins letters typed apart, so a word of the normalised text may come from a differently written span of
the original (``KBAДPOKOПTEP``, ``к в а д р о``). :func:`char_map` aligns the two texts character by character,
comparing both through one loose fold (case, marks, Latin/Cyrillic/Greek look-alikes, ``0``/``о``, ``ё``/``е``) and
skipping what normalisation dropped. Text the normaliser reordered (right-to-left overrides) is not aligned: its
characters map to nothing and callers show the normalised form instead.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# Cyrillic and Greek letters (small, after case folding) that look like a Latin letter, and 0 for o.
_FOLD = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "н": "h", "к": "k", "м": "m", "о": "o", "р": "p", "т": "t", "х": "x",
        "у": "y", "с": "c", "ё": "e", "і": "i", "ј": "j", "α": "a", "β": "b", "ε": "e", "η": "h", "ι": "i",
        "κ": "k", "μ": "m", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ζ": "z", "0": "o",
    }
)  # fmt: skip
# How far ahead in the original a character of the normalised text is looked for (dropped separators, fillers).
WINDOW = 16


@lru_cache(maxsize=4096)
def fold(ch: str) -> str:
    """The loose form of one character: NFKD without marks, case folded, look-alikes to Latin ('' when dropped)."""
    if ch.isspace():
        return " "
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if not base or unicodedata.category(base[0]) in ("Cf", "Cc", "Mn", "Me"):
        return ""
    return base.lower().translate(_FOLD)


def char_map(normalised: str, original: str) -> list[int]:
    """For each character of ``normalised``, the index of the character of ``original`` it came from (or -1).

    Spaces of the normalised text map to -1. The alignment is greedy, left to right, looking at most
    :data:`WINDOW` characters ahead in the original for each normalised character.
    """
    folded = [fold(c) for c in original]
    out = [-1] * len(normalised)
    i = 0
    j = 0
    n = len(original)
    while j < len(normalised) and i < n:
        ch = normalised[j]
        if ch == " ":
            j += 1
            continue
        want = fold(ch)
        for k in range(i, min(n, i + WINDOW)):
            f = folded[k]
            if f and f != " " and "".join(fold(c) for c in normalised[j : j + len(f)]) == f:
                for m in range(j, min(j + len(f), len(normalised))):
                    out[m] = k
                j += len(f)
                i = k + 1
                break
        else:
            if not want:
                j += 1
                continue
            j += 1  # not found nearby: this character maps to nothing, the original stays where it was
    return out


def token_spans(tokens: list[str] | tuple[str, ...], normalised: str) -> list[tuple[int, int] | None]:
    """Where each token occurs in the normalised text, in order (``None`` for a token not found, e.g. a lemma)."""
    spans: list[tuple[int, int] | None] = []
    at = 0
    for tok in tokens:
        pos = normalised.find(tok, at)
        if pos < 0:
            spans.append(None)
            continue
        spans.append((pos, pos + len(tok)))
        at = pos + len(tok)
    return spans


def original_span(span: tuple[int, int] | None, mapping: list[int]) -> tuple[int, int] | None:
    """The span of the original text a span of the normalised text came from, or ``None`` when it is not aligned."""
    if span is None:
        return None
    hits = [mapping[k] for k in range(span[0], span[1]) if mapping[k] >= 0]
    if not hits or mapping[span[0]] < 0 or mapping[span[1] - 1] < 0:
        return None
    return min(hits), max(hits) + 1
