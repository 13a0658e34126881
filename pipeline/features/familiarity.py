"""How familiar a text is to a fitted model: the share of its words the model saw in training.

A linear model scores a line from the features it knows and ignores the rest, so a line made mostly of words it
never saw (a new register, another writer's slang, a language it was not trained on) is judged on a few common
words and can come out as a confident ``other``. :class:`Familiarity` measures that: the share of the line's
words (runs of word characters holding a letter, after normalisation) found among the word unigrams of the fitted
vocabulary. Lines below the model's ``unfamiliar_below`` cut-off are sent to review (see
:meth:`pipeline.model.core.DualUseModel.predict_batch`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

from pipeline.features.vectoriser import squash_digits
from pipeline.text.normalise import Normaliser

_WORD = re.compile(r"\w+")
_HAS_LETTER = re.compile(r"[^\W\d_]").search
RUN_CACHE_SIZE = 200_000


def words_of(normalised_run: str) -> list[str]:
    """The words of one normalised run: runs of word characters that hold a letter."""
    return [w for w in _WORD.findall(normalised_run) if _HAS_LETTER(w)]


class Familiarity:
    """Share of each text's words that are known words of a fitted vocabulary.

    Args:
        known: the known words (normalised, digits squashed as the features squash them).
        normaliser: the fitted pipeline's normaliser, so words are compared in the form the model saw.
        keep_digits: the features' ``keep_digits``.
    """

    def __init__(self, known: Iterable[str], normaliser: Normaliser, keep_digits: int = 4):
        self.known = frozenset(known)
        self.normaliser = normaliser
        self.keep_digits = keep_digits
        self._runs: dict[str, tuple[int, int]] = {}

    @classmethod
    def from_vocabulary(cls, vocabulary: dict[str, int], normaliser: Normaliser, keep_digits: int = 4) -> Familiarity:
        """Known words from a :class:`~pipeline.features.vectoriser.TokenNgramVectorizer` vocabulary's word unigrams."""
        known = set()
        for feature in vocabulary:
            if feature.startswith("w:") and " " not in feature:
                known.update(words_of(feature[2:]))
        return cls(known, normaliser, keep_digits)

    def _run(self, run: str) -> tuple[int, int]:
        counts = self._runs.get(run)
        if counts is None:
            words = words_of(self.normaliser.repair_run(run))
            keep = self.keep_digits
            counts = (len(words), sum(squash_digits(w, keep) in self.known for w in words))
            if len(self._runs) >= RUN_CACHE_SIZE:
                self._runs.clear()
            self._runs[run] = counts
        return counts

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        """Familiarity of each text in [0, 1]; 1.0 for a text without words (codes and figures only)."""
        prepare = self.normaliser.prepare
        return self.of_runs([prepare(text).split() if text else [] for text in texts])

    def of_runs(self, runs_per_text: Sequence[Sequence[str]]) -> np.ndarray:
        """Familiarity from texts already through the whole-text steps and split into runs (the fast path's)."""
        out = np.ones(len(runs_per_text))
        run_counts = self._run
        for i, runs in enumerate(runs_per_text):
            total = known = 0
            for run in runs:
                if not _HAS_LETTER(run):
                    continue  # figures, codes of digits, punctuation: no word, and mostly unique (not cached)
                n, k = run_counts(run)
                total += n
                known += k
            if total:
                out[i] = known / total
        return out
