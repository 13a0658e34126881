"""Prediction-time featurisation with one cache per whitespace-separated run of text.

Customs dumps repeat the same words and codes millions of times. After the whole-text normalisation steps
(:meth:`~pipeline.normalise.Normaliser.prepare`), everything else the pipeline does to a text works run by run:
look-alike repair and case folding, spaCy tokenisation (spaCy splits on whitespace first), character n-grams,
word unigrams and the marker prefilter. :class:`RunFeaturiser` therefore remembers, for each distinct run, its
repaired form, its tokens, the column indices of their character n-grams and unigrams and whether it may hold a
marker; only word n-grams that cross runs are looked up per text. The result equals the fitted
``tokenise → features`` steps exactly (a test checks it); it is only faster.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

import scipy.sparse as sp

from .features import TokenNgramVectorizer, pack
from .tokenise import SpacyTokeniser

# Runs with this many digits (serial numbers, prices, declaration numbers) are mostly unique: not cached.
_UNCACHED = re.compile(r"(?:\D*\d){5}").match

# A run's entry: repaired form, tokens, feature column indices (packed), may hold a marker.
Entry = tuple[str, tuple[str, ...], bytes, bool]


class Featurised(NamedTuple):
    """What :meth:`RunFeaturiser.featurise` gives for a list of texts."""

    normalised: list[str]
    """The normalised texts (cut to the tokeniser's ``max_chars``)."""
    matrix: sp.csr_matrix
    """The feature matrix, equal to ``features.transform(tokeniser.transform(texts))``."""
    may_mark: list[bool]
    """Per text, whether one of its runs may hold a marker (always ``False`` without ``run_flag``)."""


class RunFeaturiser:
    """Normalise and featurise texts for a fitted tokeniser and vectoriser, caching per run.

    Args:
        tokeniser: the fitted tokenisation step.
        features: the fitted feature step.
        run_flag: optional test of a repaired run (e.g. :meth:`~pipeline.markers.MarkerMatcher.run_may_match`),
            remembered with the run and reported per text as ``may_mark``.
        cache_size: distinct runs remembered. The cache is emptied when a call starts with it full, so it holds
            at most ``cache_size`` runs plus the new runs of one call.
    """

    def __init__(
        self,
        tokeniser: SpacyTokeniser,
        features: TokenNgramVectorizer,
        run_flag: Callable[[str], bool] | None = None,
        cache_size: int = 100_000,
    ):
        self.tokeniser = tokeniser
        self.features = features
        self.run_flag = run_flag
        self.cache_size = cache_size
        self._cache: dict[str, Entry] = {}
        lo, hi = features.word_ngram_range
        # Word unigrams belong to one run, so their indices are kept with the run's character n-grams.
        self._unigrams_in_runs = lo == 1 and hi >= 1
        self._min_text_n = 2 if self._unigrams_in_runs else 1
        self._bigrams_only = self._min_text_n == 2 and hi == 2

    def _new_entries(self, runs: set[str]) -> dict[str, Entry]:
        """Compute the entries of new runs, all at once (they share one spaCy call).

        Cacheable runs go into the cache; the others (mostly unique figures) are returned.
        """
        repair = self.tokeniser.normaliser.repair_run
        runs_l = list(runs)
        fixed = [repair(r) for r in runs_l]
        _, tokens = self.tokeniser._runs_tokens(fixed)
        char_indices = self.features.char_indices
        word_get = self.features._lookup()[0].get if self._unigrams_in_runs else None
        run_flag = self.run_flag
        cache = self._cache
        loose: dict[str, Entry] = {}
        for run, fix, toks in zip(runs_l, fixed, tokens):
            parts = [char_indices(t) for t in toks]
            if word_get is not None:
                parts.append(pack([i for i in map(word_get, toks) if i is not None]))
            entry = (fix, toks, b"".join(parts), bool(run_flag(fix)) if run_flag is not None else False)
            if _UNCACHED(run):
                loose[run] = entry
            else:
                cache[run] = entry
        return loose

    def featurise(self, texts: Sequence[str]) -> Featurised:
        """Normalise and featurise raw texts (strings); see :class:`Featurised`."""
        prepare = self.tokeniser.normaliser.prepare
        max_chars = self.tokeniser.max_chars
        cache = self._cache
        if len(cache) >= self.cache_size:
            cache.clear()
        split = [prepare(t[:max_chars] if max_chars and len(t) > max_chars else t).split() for t in texts]
        new = {r for runs in split for r in runs if r not in cache}
        loose = self._new_entries(new) if new else {}
        get = cache.get
        word_indices = self.features.word_indices
        word_get = self.features._lookup()[0].get
        bigrams_only = self._bigrams_only
        min_text_n = self._min_text_n
        normalised: list[str] = []
        may_mark: list[bool] = []
        rows: list[bytes] = []
        chain = itertools.chain.from_iterable
        for runs in split:
            if not runs:
                normalised.append("")
                may_mark.append(False)
                rows.append(b"")
                continue
            fixed, toks, idx, flags = zip(*[get(r) or loose[r] for r in runs])
            tokens = list(chain(toks))
            if bigrams_only:
                if len(tokens) > 1:
                    grams = map(word_get, map(" ".join, zip(tokens, tokens[1:])))
                    idx += (pack([i for i in grams if i is not None]),)
            else:
                idx += (pack(word_indices(tokens, min_text_n)),)
            rows.append(b"".join(idx))
            normalised.append(" ".join(fixed))
            may_mark.append(any(flags))
        return Featurised(normalised, self.features.matrix_from_packed(rows), may_mark)
