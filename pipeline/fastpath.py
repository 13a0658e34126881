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

    def __init__(self, tokeniser: SpacyTokeniser, features: TokenNgramVectorizer, cache_size: int = 300_000):
        self.tokeniser = tokeniser
        self.features = features
        self.cache_size = cache_size
        self._cache: dict[str, tuple[str, tuple[str, ...], np.ndarray]] = {}
        # Word unigrams belong to one run, so their indices are cached with the run's character n-grams; only
        # longer word n-grams, which cross runs, are looked up per text.
        lo, hi = features.word_ngram_range
        self._unigrams_in_runs = lo == 1 and hi >= 1
        self._min_text_n = 2 if self._unigrams_in_runs else 1

    def _run(self, run: str) -> tuple[str, tuple[str, ...], np.ndarray]:
        entry = self._cache.get(run)
        if entry is None:
            fixed = self.tokeniser.normaliser.repair_run(run)
            toks = self.tokeniser.run_tokens(fixed)
            char_indices = self.features.char_indices
            arrays = [char_indices(t) for t in toks]
            if self._unigrams_in_runs:
                arrays.append(np.array(self.features.word_indices(toks, 1, 1), dtype=np.int32))
            idx = np.concatenate(arrays) if len(arrays) > 1 else (arrays[0] if arrays else _EMPTY)
            entry = (fixed, toks, idx)
            if not _UNCACHED(run):
                if len(self._cache) >= self.cache_size:
                    self._cache.clear()
                self._cache[run] = entry
        return entry

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
        run = self._run
        normalised: list[str] = []
        parts: list[np.ndarray] = []
        lengths: list[int] = []
        for text in texts:
            if max_chars and len(text) > max_chars:
                text = text[:max_chars]
            fixed_runs = []
            tokens: list[str] = []
            n = 0
            for r in prepare(text).split():
                fixed, toks, idx = run(r)
                fixed_runs.append(fixed)
                tokens.extend(toks)
                parts.append(idx)
                n += len(idx)
            w = word_indices(tokens, min_text_n)
            if w:
                parts.append(np.array(w, dtype=np.int32))
                n += len(w)
            normalised.append(" ".join(fixed_runs))
            lengths.append(n)
        return normalised, self.features.matrix_from_indices(parts, lengths)
