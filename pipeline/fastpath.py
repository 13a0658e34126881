"""Prediction-time featurisation with one cache per whitespace-separated run of text.

Customs dumps repeat the same words and codes millions of times. After the whole-text normalisation steps
(:meth:`~pipeline.normalise.Normaliser.prepare`), everything else the pipeline does to a text works run by run:
look-alike repair and case folding, spaCy tokenisation (spaCy splits on whitespace first) and character n-grams.
:class:`RunFeaturiser` therefore remembers, for each distinct run, its repaired form, its tokens and the column
indices of their character n-grams, and only word n-grams are looked up per text. The result equals the fitted
``tokenise → features`` steps exactly (a test checks it); it is only faster.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from .features import TokenNgramVectorizer
from .tokenise import SpacyTokeniser

# Runs with this many digits (serial numbers, prices, declaration numbers) are mostly unique: not cached.
_UNCACHED = re.compile(r"(?:\D*\d){5}").match
_EMPTY = np.zeros(0, dtype=np.int32)


class RunFeaturiser:
    """Normalise and featurise texts for a fitted tokeniser and vectoriser, caching per run.

    Args:
        tokeniser: the fitted tokenisation step.
        features: the fitted feature step.
        cache_size: distinct runs remembered (the cache is emptied when full, so memory stays bounded).
    """

    def __init__(self, tokeniser: SpacyTokeniser, features: TokenNgramVectorizer, cache_size: int = 100_000):
        self.tokeniser = tokeniser
        self.features = features
        self.cache_size = cache_size
        self._cache: dict[str, tuple[str, tuple[str, ...], np.ndarray]] = {}
        # Word unigrams belong to one run, so their indices are cached with the run's character n-grams; only
        # longer word n-grams, which cross runs, are looked up per text.
        lo, hi = features.word_ngram_range
        self._unigrams_in_runs = lo == 1 and hi >= 1
        self._min_text_n = 2 if self._unigrams_in_runs else 1

    def _entries(self, runs: set[str]) -> dict[str, tuple[str, tuple[str, ...], np.ndarray]]:
        """Compute the entries of runs not in the cache, all at once (new runs share one spaCy call)."""
        repair = self.tokeniser.normaliser.repair_run
        runs_l = list(runs)
        fixed = [repair(r) for r in runs_l]
        _, tokens = self.tokeniser._runs_tokens(fixed)
        char_indices = self.features.char_indices
        word_indices = self.features.word_indices
        out = {}
        for run, fix, toks in zip(runs_l, fixed, tokens):
            arrays = [char_indices(t) for t in toks]
            if self._unigrams_in_runs:
                arrays.append(np.array(word_indices(toks, 1, 1), dtype=np.int32))
            idx = np.concatenate(arrays) if len(arrays) > 1 else (arrays[0] if arrays else _EMPTY)
            out[run] = entry = (fix, toks, idx)
            if not _UNCACHED(run):
                if len(self._cache) >= self.cache_size:
                    self._cache.clear()
                self._cache[run] = entry
        return out

    def featurise(self, texts: Sequence[str]) -> tuple[list[str], sp.csr_matrix]:
        """Normalised texts (cut to the tokeniser's ``max_chars``) and their feature matrix.

        Args:
            texts: raw texts (strings).

        Returns:
            ``(normalised, matrix)``; ``matrix`` equals ``features.transform(tokeniser.transform(texts))``.
        """
        prepare = self.tokeniser.normaliser.prepare
        max_chars = self.tokeniser.max_chars
        word_indices = self.features.word_indices
        min_text_n = self._min_text_n
        cache = self._cache
        split = [prepare(t[:max_chars] if max_chars and len(t) > max_chars else t).split() for t in texts]
        # The entries of this call's runs are taken out first: filling the cache with new runs may empty it.
        entries = {}
        new = set()
        for runs in split:
            for r in runs:
                if r not in entries:
                    hit = cache.get(r)
                    if hit is None:
                        new.add(r)
                    else:
                        entries[r] = hit
        if new:
            entries.update(self._entries(new))
        normalised: list[str] = []
        parts: list[np.ndarray] = []
        lengths: list[int] = []
        for runs in split:
            fixed_runs = []
            tokens: list[str] = []
            n = 0
            for r in runs:
                entry = entries[r]
                fixed_runs.append(entry[0])
                tokens.extend(entry[1])
                parts.append(entry[2])
                n += len(entry[2])
            w = word_indices(tokens, min_text_n)
            if w:
                parts.append(np.array(w, dtype=np.int32))
                n += len(w)
            normalised.append(" ".join(fixed_runs))
            lengths.append(n)
        return normalised, self.features.matrix_from_indices(parts, lengths)
