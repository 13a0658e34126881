"""Aviation-only goods terms, recognised in normalised tokens.

A model fitted on a corpus weighs a technical word by the few lines that hold it, so a rare aviation term ("ram-jets",
«мотогондола») is outweighed by the ``other`` prior. The tokeniser's ``mark_terms`` option puts :data:`MARK` on both
sides of each term of :data:`TERMS`, so the model also sees "an aviation or navigation term" as a feature of its own,
learned from all of them together.

The list (``aviation_terms.txt`` beside this module) was written from domain knowledge by a writer who saw no corpus
line: airframe, flight-control, landing-gear, aero-engine, aircraft-system, instrument and avionics terms, navigation
instruments and aids, kinds of aircraft, in English and Russian, with their usual forms. Words with a common
non-aviation sense in trade goods ("rudder", "spoiler", «шасси», «стабилизатор», "compressor") are left out. An entry
is matched inside one space-free run of text (a word, or words joined by hyphens: "ram-jets" reads ``ram jets``);
entries of several words apart are kept in the list but not matched.
A model records :data:`TERMS_VERSION`, a hash of the list, and warns when loaded under another list.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources

from pipeline.text.aircraft import put_marks

MARK = "⚙"
_WORD = re.compile(r"\w+")


def _entries() -> tuple[tuple[str, ...], ...]:
    text = resources.files(__package__).joinpath("aviation_terms.txt").read_text(encoding="utf-8")
    out = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip().lower().replace("ё", "е")
        if line and " " not in line:
            out.add(tuple(_WORD.findall(line)))
    return tuple(sorted(e for e in out if e))


TERMS = _entries()
_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _entry in sorted(TERMS, key=len, reverse=True):
    _BY_FIRST.setdefault(_entry[0], []).append(_entry)


def mark_terms(tokens) -> tuple[str, ...]:
    """The tokens (a sequence) with :data:`MARK` on both sides of each token of an aviation term (one between two)."""
    tokens = tuple(tokens)
    flags: list[str | None] = [None] * len(tokens)
    i = 0
    while i < len(tokens):
        for entry in _BY_FIRST.get(tokens[i], ()):
            if tokens[i : i + len(entry)] == entry:
                flags[i : i + len(entry)] = [MARK] * len(entry)
                i += len(entry) - 1
                break
        i += 1
    return put_marks(tokens, flags) if any(flags) else tokens


TERMS_VERSION = hashlib.sha256("\n".join(" ".join(e) for e in TERMS).encode("utf-8")).hexdigest()[:16]
