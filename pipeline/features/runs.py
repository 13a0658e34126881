"""Prediction-time featurisation with one cache per whitespace-separated run of text.

Customs dumps repeat the same words and codes millions of times. After the whole-text normalisation steps
(:meth:`~pipeline.text.normalise.Normaliser.prepare`), everything else the pipeline does to a text works run by run:
look-alike repair and case folding, spaCy tokenisation (spaCy splits on whitespace first), character n-grams,
word unigrams and the marker prefilter. :class:`RunFeaturiser` therefore gives each distinct run an id and keeps,
per id, its repaired form, the column indices of its character n-grams and unigrams, the ids of its tokens among
the words of the vocabulary's word n-grams, and whether it may hold a marker. A batch of texts then costs one
dictionary look-up per run in Python; gathering the runs' columns, looking up the word n-grams that cross runs
(as integer keys, with a binary search) and building the matrix are array operations over the whole batch.

Columns come from the vectoriser's compiled :class:`~pipeline.ngrams.FeatureIndex` (``features.index_``), the one
that ``transform`` uses too; word n-grams that cross runs are found with a :class:`WordTrie` built from its words.
The result equals the fitted ``tokenise → features`` steps exactly (tests check it); it is only faster.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import re
import threading
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.features.ngrams import PACKED_ITEMSIZE, pack
from pipeline.features.vectoriser import TokenNgramVectorizer
from pipeline.text.tokenise import SpacyTokeniser

# Runs with this many digits (serial numbers, prices, declaration numbers) are mostly unique: they are kept for
# the batch they occur in only.
UNCACHED_RUN_DIGITS = 5
RUN_CACHE_SIZE = 100_000
_UNCACHED = re.compile(rf"(?:\D*\d){{{UNCACHED_RUN_DIGITS}}}").match
_ALNUM = re.compile(r"[^\W_]").search


def has_alnum(text: str) -> bool:
    """Whether a text holds a letter or a digit (a text without one is reported ``empty``)."""
    return _ALNUM(text) is not None


_GC_LOCK = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block (nested and thread-safe; reference counting goes on).

    A batch keeps tens of thousands of small lists and tuples alive for a moment, which sets off collections that
    walk every object of the process: a third of the labelling time. The block creates no reference cycles, so
    nothing is left for the collector; its state is restored when the last paused block ends.
    """
    global _gc_pauses, _gc_was_enabled
    with _GC_LOCK:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@dataclass
class Featurised:
    """What :meth:`RunFeaturiser.featurise` gives for a list of texts."""

    matrix: sp.csr_matrix
    """The feature matrix, equal to ``features.transform(tokeniser.transform(texts))``."""
    has_text: np.ndarray
    """Per text, whether its normalised form holds a letter or digit."""
    marker_texts: dict[int, str]
    """Normalised text (cut to ``max_chars``) of each text one of whose runs may hold a marker, by position."""
    runs: list[list[str]] | None = None
    """Per text, its whitespace-separated runs after the whole-text normalisation steps (cut to ``max_chars``)."""


class _Store:
    """Runs by id, with their data in flat arrays (one generation of the run cache)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.fixed: list[str] = []
        self.feat = array("i")
        self.feat_start = array("q")
        self.feat_len = array("q")
        self.toks = array("q")
        self.tok_start = array("q")
        self.tok_len = array("q")
        self.flag = array("b")

    def __len__(self) -> int:
        return len(self.fixed)

    def extend(
        self,
        runs: Sequence[str],
        fixed: Sequence[str],
        feat: bytes,
        feat_len: Sequence[int] | np.ndarray,
        toks: bytes,
        tok_len: Sequence[int] | np.ndarray,
        flags: Sequence[int] | np.ndarray,
    ) -> None:
        """Add runs; ``feat`` and ``toks`` are their packed columns (C int) and word ids (int64), one after another."""
        first = len(self.fixed)
        feat_len = np.asarray(feat_len, dtype=np.int64)
        tok_len = np.asarray(tok_len, dtype=np.int64)
        self._grow("feat_start", (_starts(feat_len) + len(self.feat)).tobytes())
        self._grow("feat_len", feat_len.tobytes())
        self._grow("feat", feat)
        self._grow("tok_start", (_starts(tok_len) + len(self.toks)).tobytes())
        self._grow("tok_len", tok_len.tobytes())
        self._grow("toks", toks)
        self._grow("flag", np.asarray(flags, dtype=np.int8).tobytes())
        self.fixed.extend(fixed)
        # Ids last: a run is known only once all its data is in place.
        self.ids.update(zip(runs, range(first, first + len(runs))))

    def _grow(self, name: str, data: bytes) -> None:
        """Append to one array, or to a copy of it when a NumPy view of it is still alive.

        ``array.frombytes`` refuses to resize an array whose buffer is exported (``BufferError``); such a view can
        outlive a batch, e.g. in the frame of a traceback kept while the cyclic collector is paused. Failing halfway
        through :meth:`extend` would leave ids pointing past the arrays.
        """
        arr = getattr(self, name)
        try:
            arr.frombytes(data)
        except BufferError:
            arr = array(arr.typecode, arr)
            arr.frombytes(data)
            setattr(self, name, arr)

    def take(self, other: _Store, runs: Sequence[str]) -> None:
        """Copy runs from another store (an older generation)."""
        idx = np.fromiter(map(other.ids.__getitem__, runs), dtype=np.int64, count=len(runs))
        feat_len = np.frombuffer(other.feat_len, dtype=np.int64)[idx]
        tok_len = np.frombuffer(other.tok_len, dtype=np.int64)[idx]
        feat_start = np.frombuffer(other.feat_start, dtype=np.int64)[idx]
        tok_start = np.frombuffer(other.tok_start, dtype=np.int64)[idx]
        feat = _gather(np.frombuffer(other.feat, dtype=np.intc), feat_start, feat_len)
        toks = _gather(np.frombuffer(other.toks, dtype=np.int64), tok_start, tok_len)
        fixed = [other.fixed[i] for i in idx.tolist()]
        flags = np.frombuffer(other.flag, dtype=np.int8)[idx]
        self.extend(runs, fixed, feat.tobytes(), feat_len, toks.tobytes(), tok_len, flags)

    def truncate(self, n: int, runs: Sequence[str]) -> None:
        """Forget the runs added after the first ``n`` (``runs`` are their texts)."""
        if n == len(self.fixed):
            return
        for run in runs:
            del self.ids[run]
        del self.fixed[n:]
        cut = {"feat": self.feat_start[n], "toks": self.tok_start[n]}
        for name in ("feat", "toks", "feat_start", "feat_len", "tok_start", "tok_len", "flag"):
            arr, end = getattr(self, name), cut.get(name, n)
            try:
                del arr[end:]
            except BufferError:  # a NumPy view of it is alive (see _grow): keep a shortened copy
                setattr(self, name, array(arr.typecode, arr[:end]))


def _starts(lengths: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return starts


def _gather(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([values[s : s + n] for s, n in zip(starts, lengths)])``, without a Python loop."""
    total = int(lengths.sum())
    if total == 0:
        return values[:0]
    ends = np.cumsum(lengths)
    offsets = np.repeat(starts - (ends - lengths), lengths)
    offsets += np.arange(total)
    return values[offsets]


class RunFeaturiser:
    """Normalise and featurise texts for a fitted tokeniser and vectoriser, caching per run.

    Args:
        tokeniser: the fitted tokenisation step.
        features: the fitted feature step.
        run_flag: optional test of a repaired run (e.g. :meth:`~pipeline.text.markers.MarkerMatcher.run_may_match`);
            the normalised texts holding a run that passes it are returned as ``marker_texts``.
        cache_size: distinct runs remembered, in two generations of ``cache_size / 2``: when the young one is
            full at the start of a call it becomes the old one, and runs met again are copied back to the young
            one. Frequent runs are never recomputed and memory stays below ``cache_size`` runs plus the new runs
            of one call.
    """

    def __init__(
        self,
        tokeniser: SpacyTokeniser,
        features: TokenNgramVectorizer,
        run_flag: Callable[[str], bool] | None = None,
        cache_size: int = RUN_CACHE_SIZE,
    ):
        self.tokeniser = tokeniser
        self.features = features
        self.run_flag = run_flag
        self.cache_size = cache_size
        self._store = _Store()
        self._old = _Store()
        self.index = features.index_
        self.trie = WordTrie(self.index.words, *self.index.word_ngram_range)

    def _admit(self, new: set[str]) -> list[str]:
        """Add the new runs of a batch to the store; return the batch-only ones (added last).

        Runs still in the old generation are copied from it; the others are repaired, tokenised (one spaCy call for
        all) and featurised here.
        """
        store, old = self._store, self._old
        if old.ids:
            again = list(new.intersection(old.ids))
            if again:
                store.take(old, again)
                new = new.difference(again)
        loose = [r for r in new if _UNCACHED(r)]
        runs = [r for r in new if not _UNCACHED(r)] + loose
        if not runs:
            return loose
        repair = self.tokeniser.normaliser.repair_run
        fixed = [repair(r) for r in runs]
        tokens = self.tokeniser.runs_tokens(fixed)
        index = self.index
        distinct = list(dict.fromkeys(itertools.chain.from_iterable(tokens)))
        token_cols = index.token_columns(distinct)
        if index.unigrams:
            unigram = index.words.get
            token_cols = [c + (b"" if (u := unigram(t)) is None else pack((u,))) for t, c in zip(distinct, token_cols)]
        by_token = dict(zip(distinct, token_cols)).__getitem__
        feats = [b"".join(map(by_token, toks)) for toks in tokens]
        word_id = dict(zip(distinct, map(self.trie.word_id, distinct))).__getitem__
        word_ids = array("q", map(word_id, itertools.chain.from_iterable(tokens))).tobytes()
        run_flag = self.run_flag
        flags = [run_flag(f) for f in fixed] if run_flag is not None else [0] * len(runs)
        store.extend(
            runs,
            fixed,
            b"".join(feats),
            np.fromiter(map(len, feats), dtype=np.int64, count=len(feats)) // PACKED_ITEMSIZE,
            word_ids,
            np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens)),
            flags,
        )
        return loose

    def featurise(self, texts: Sequence[str]) -> Featurised:
        """Normalise and featurise raw texts (strings); see :class:`Featurised`."""
        prepare = self.tokeniser.normaliser.prepare
        truncate = self.tokeniser.truncate
        if 2 * len(self._store) >= self.cache_size:
            self._old, self._store = self._store, _Store()
        store = self._store
        prepared = [prepare(truncate(t)) for t in texts]
        split = [p.split() for p in prepared]
        n_texts = len(split)
        flat = list(itertools.chain.from_iterable(split))
        n_runs = np.fromiter(map(len, split), dtype=np.int64, count=n_texts)
        committed = len(store)
        new = set(flat).difference(store.ids)
        loose = self._admit(new) if new else []
        try:
            occ = np.fromiter(map(store.ids.__getitem__, flat), dtype=np.int64, count=len(flat))
            row_of_occ = np.repeat(np.arange(n_texts), n_runs)
            matrix = self._matrix(store, occ, row_of_occ, n_texts)
            flags = np.frombuffer(store.flag, dtype=np.int8)[occ]
            may_mark = np.bincount(row_of_occ[flags > 0], minlength=n_texts) > 0
            marker_texts = {}
            if may_mark.any():
                ends = np.cumsum(n_runs)
                fixed = store.fixed
                for i in np.flatnonzero(may_mark):
                    marker_texts[int(i)] = " ".join([fixed[j] for j in occ[ends[i] - n_runs[i] : ends[i]]])
        finally:
            store.truncate(committed + len(new) - len(loose), loose)
        has_text = np.fromiter(map(has_alnum, prepared), dtype=bool, count=n_texts)
        return Featurised(matrix, has_text, marker_texts, split)

    def _matrix(self, store: _Store, occ: np.ndarray, row_of_occ: np.ndarray, n_texts: int) -> sp.csr_matrix:
        feat = np.frombuffer(store.feat, dtype=np.intc)
        feat_len = np.frombuffer(store.feat_len, dtype=np.int64)[occ]
        parts = [
            (
                np.repeat(row_of_occ, feat_len),
                _gather(feat, np.frombuffer(store.feat_start, dtype=np.int64)[occ], feat_len),
            )
        ]
        trie = self.trie
        if trie.lengths:
            toks = np.frombuffer(store.toks, dtype=np.int64)
            tok_len = np.frombuffer(store.tok_len, dtype=np.int64)[occ]
            words = _gather(toks, np.frombuffer(store.tok_start, dtype=np.int64)[occ], tok_len)
            parts += trie.find(words, np.repeat(row_of_occ, tok_len))
        return self.features.matrix_from_parts(parts, n_texts)


class WordTrie:
    """The vocabulary's word n-grams of two or more words, found in many token sequences at once with arrays.

    Each word of such an n-gram gets an id (:meth:`word_id`; ``-1`` for other words). A node at depth k stands for
    the first k words of some vocabulary n-gram, keyed ``parent * n_words + word`` (64 bits whatever the length),
    with the column of its n-gram when that is in the vocabulary. A batch walks it one depth at a time (a binary
    search over all positions at once per step).

    Args:
        words: word n-gram → column (:attr:`~pipeline.ngrams.FeatureIndex.words`).
        lo: shortest word n-gram of the vectoriser.
        hi: longest word n-gram of the vectoriser.
    """

    def __init__(self, words: Mapping[str, int], lo: int, hi: int):
        self.lengths = set(range(max(lo, 2), hi + 1)) if hi >= 2 else set()
        multi = [(g.split(" "), col) for g, col in words.items() if " " in g]
        ids: dict[str, int] = {}
        for parts, _ in multi:
            for w in parts:
                ids.setdefault(w, len(ids))
        self.word_ids = ids
        self.n_words = n_words = max(len(ids), 1)
        nodes: dict[int, dict[int, int]] = {}
        cols: dict[int, dict[int, int]] = {}
        for parts, col in multi:
            node = ids[parts[0]]
            for depth, w in enumerate(parts[1:], start=2):
                level = nodes.setdefault(depth, {})
                node = level.setdefault(node * n_words + ids[w], len(level))
            cols.setdefault(len(parts), {})[node] = col
        self.levels: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for depth, level in nodes.items():
            keys = np.fromiter(level.keys(), dtype=np.int64, count=len(level))
            node_ids = np.fromiter(level.values(), dtype=np.int64, count=len(level))
            order = np.argsort(keys)
            node_cols = np.full(len(level), -1, dtype=np.int64)
            for node, col in cols.get(depth, {}).items():
                node_cols[node] = col
            self.levels[depth] = (keys[order], node_ids[order], node_cols)

    def word_id(self, word: str) -> int:
        """The id of a word of some multi-word n-gram, else ``-1``."""
        return self.word_ids.get(word, -1)

    def find(self, words: np.ndarray, word_row: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """The known n-grams in a batch of word ids, as (rows, columns) pairs sorted by row, one pair per length.

        Args:
            words: the word ids of all tokens of the batch, one text after another.
            word_row: the text (row) of each token.
        """
        parts = []
        if not self.lengths:
            return parts
        # Walk the trie from every position: `node` is the id of the n-gram of `depth` words starting there.
        at = np.flatnonzero(words >= 0)
        node = words[at]
        for depth in range(2, max(self.lengths) + 1):
            if depth not in self.levels:
                break
            nxt = at + depth - 1
            inside = nxt < len(words)
            at, node, nxt = at[inside], node[inside], nxt[inside]
            ok = (word_row[nxt] == word_row[at]) & (words[nxt] >= 0)
            at, node = at[ok], node[ok]
            keys, ids, node_cols = self.levels[depth]
            key = node * self.n_words + words[nxt[ok]]
            pos = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
            found = keys[pos] == key
            at, node = at[found], ids[pos[found]]
            if depth in self.lengths:
                col = node_cols[node]
                known = col >= 0
                parts.append((word_row[at[known]], col[known]))
        return parts
