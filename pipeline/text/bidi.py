"""Right-to-left overrides put back in reading order: a word typed backwards after U+202E reads forwards."""

from __future__ import annotations

import re

# Bidi formatting characters. A right-to-left override shows the characters of its span in reverse order, so a
# word typed backwards reads forwards: the span is put back in the order the reader sees.
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_OPEN = frozenset("\u202a\u202b\u202d\u202e\u2066\u2067\u2068")
_BIDI_ISOLATE = frozenset("\u2066\u2067\u2068")
_RLO, _PDF, _PDI = "\u202e", "\u202c", "\u2069"
_PARAGRAPH_END = frozenset("\n\r\x1c\x1d\x1e\x85\u2029")


def resolve_bidi(text: str) -> str:
    """Put the spans of right-to-left overrides in the order the reader sees, and drop the bidi controls.

    A right-to-left override (U+202E) shows its span's characters in reverse order, so a word typed backwards after
    it (``U+202E ретпокордавк``) reads forwards: the span is reversed. Nested spans move as a whole. Embeddings and
    isolates (U+202A, U+202B, U+202D, U+2066–U+2068) do not reorder Latin or Cyrillic letters and are dropped with
    their terminators (U+202C, U+2069). A paragraph end closes every open span.

    Args:
        text: raw text.

    Returns:
        The text in reading order, without bidi embedding, override and isolate controls.
    """
    if not _BIDI_RE.search(text):
        return text
    stack: list[tuple[str, list[str]]] = [("", [])]

    def close() -> None:
        kind, items = stack.pop()
        stack[-1][1].append("".join(reversed(items)) if kind == _RLO else "".join(items))

    for ch in text:
        if ch in _BIDI_OPEN:
            stack.append((ch, []))
        elif ch == _PDF:
            if len(stack) > 1 and stack[-1][0] not in _BIDI_ISOLATE:
                close()
        elif ch == _PDI:
            if any(kind in _BIDI_ISOLATE for kind, _ in stack[1:]):
                while stack[-1][0] not in _BIDI_ISOLATE:
                    close()
                close()
        elif ch in _PARAGRAPH_END:
            while len(stack) > 1:
                close()
            stack[0][1].append(ch)
        else:
            stack[-1][1].append(ch)
    while len(stack) > 1:
        close()
    return "".join(stack[0][1])
