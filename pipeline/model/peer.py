"""A plain character view blended into the model's scores: the ``[peer]`` section of the recipe.

Issue 9's "plain char_wb peer" (character n-grams within word boundaries of the raw text, TF-IDF, a class-balanced
linear SVM) is the simple system dualuse is measured against. It reads the text as written, without the
normaliser, the tokeniser, the source weights, the ``other`` prior or the augmented copies, so on new writers' text
it errs on other lines than the model does. The model's scores are ``(1 - weight) * model + weight * peer``, the
peer's scores a softmax of ``temperature`` times its decision values; every rule of the operating point (class
thresholds, prose, caps, pooling, keyword rules) then reads the blend. Chosen on the leave-one-source-out scores
(README model card).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize

from pipeline import params
from pipeline.features.ngrams import PACKED_ITEMSIZE, GramTable
from pipeline.model.svm import softmax_scores

WORD_CACHE = 100_000  # distinct words whose n-gram columns a peer keeps between batches


class CharPeer(BaseEstimator):
    """Character n-gram TF-IDF + linear SVM on the raw text, whose scores are blended into the model's.

    Args:
        weight: the peer's share of the blended scores (0: no peer is fitted).
        temperature: multiplier of the peer's decision values before the softmax.
        ngram_range: character n-gram lengths (``char_wb``: n-grams inside word boundaries, padded by a space).
        min_df: the fewest training lines a character n-gram must occur in.
        sublinear_tf: ``1 + log(tf)`` term frequencies.
        C: inverse regularisation strength of the SVM.
        class_weight: ``"balanced"`` or ``None``.
        max_iter: iterations of the SVM's solver.
        random_state: the seed (the config's ``[training] seed``).
    """

    _parameter_constraints = {
        "weight": params.fraction,
        "temperature": params.positive,
        "ngram_range": params.ngram_range,
        "min_df": params.positive_int,
        "sublinear_tf": params.boolean,
        "C": params.positive,
        "class_weight": params.one_of("balanced", None),
        "max_iter": params.positive_int,
    }

    def __init__(
        self,
        weight: float = 0.0,
        temperature: float = 1.0,
        ngram_range: tuple[int, int] = (1, 6),
        min_df: int = 2,
        sublinear_tf: bool = True,
        C: float = 1.0,  # noqa: N803 - scikit-learn's name
        class_weight: str | None = "balanced",
        max_iter: int = 1000,
        random_state: int | None = None,
    ):
        self.weight = weight
        self.temperature = temperature
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def summary(self) -> dict[str, float]:
        """The blend's two numbers, ``{"weight": …, "temperature": …}`` (what an evaluation reports)."""
        return {"weight": float(self.weight), "temperature": float(self.temperature)}

    def vectorizer(self):
        """The unfitted character TF-IDF of these parameters."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(
            analyzer="char_wb", ngram_range=tuple(self.ngram_range), min_df=self.min_df, sublinear_tf=self.sublinear_tf
        )

    def svc(self):
        """The unfitted linear SVM of these parameters."""
        from sklearn.svm import LinearSVC

        return LinearSVC(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, random_state=self.random_state
        )

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> CharPeer:
        """Fit the character TF-IDF and the SVM on raw texts; returns ``self``."""
        params.check_params(self.get_params(), self._parameter_constraints, "peer")
        if self.ngram_range[0] < 1:
            raise ValueError("peer.ngram_range: the peer needs character n-grams of length 1 or more")
        self.vectorizer_ = self.vectorizer()
        x = self.vectorizer_.fit_transform(list(texts))
        self.svc_ = self.svc().fit(x, list(labels))
        self.classes_ = self.svc_.classes_
        return self

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_words", None)
        state.pop("_table", None)
        return state

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The TF-IDF rows of ``texts``: what ``vectorizer_.transform`` gives, computed word by word.

        ``char_wb`` n-grams never cross a space, so a line's counts are the sum of its words' counts: the n-grams of
        the distinct words not met before are found all at once with array operations (a
        :class:`~pipeline.features.ngrams.GramTable` of the vocabulary; up to :data:`WORD_CACHE` words are kept),
        and the lines are a sparse product of word counts and word n-gram counts; sublinear tf, IDF and l2 norm are
        then applied as scikit-learn applies them.
        """
        vec = self.vectorizer_
        split = [text.split() for text in texts]
        flat = list(chain.from_iterable(split))
        ids = {w: i for i, w in enumerate(dict.fromkeys(flat))}
        words = list(ids)
        rows = np.repeat(np.arange(len(split)), np.fromiter(map(len, split), dtype=np.int64, count=len(split)))
        cols = np.fromiter(map(ids.__getitem__, flat), dtype=np.int64, count=len(flat))
        # a word met twice in a line counts twice: the repeated coordinates are summed
        per_line = sp.csr_matrix((np.ones(len(flat)), (rows, cols)), shape=(len(split), len(words)))
        grams = self._word_grams(words)
        lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams)) // PACKED_ITEMSIZE
        indptr = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.frombuffer(b"".join(grams), dtype=np.intc).copy()
        by_word = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(words), len(vec.vocabulary_)))
        x = sp.csr_matrix(per_line @ by_word)  # repeated columns of a word are summed by the product
        x.sort_indices()
        if self.sublinear_tf:
            np.log(x.data, x.data)
            x.data += 1.0
        x.data *= vec.idf_[x.indices]
        return normalize(x, norm="l2", copy=False)

    def _word_grams(self, words: list[str]) -> list[bytes]:
        """Each word's known n-gram columns, one per occurrence (packed C ints), as ``char_wb`` counts them."""
        cache: dict[str, bytes] = self.__dict__.setdefault("_words", {})
        got = list(map(cache.get, words))
        missing = [w for w, g in zip(words, got) if g is None]
        if not missing:
            return got
        table = self.__dict__.get("_table")
        if table is None:
            # Lengths from 1: an n-gram shorter than the range's start is a whole padded word, counted once as
            # scikit-learn counts a word shorter than n.
            longest = self.vectorizer_.ngram_range[1]
            table = self.__dict__["_table"] = GramTable(self.vectorizer_.vocabulary_, 1, longest)
        new = dict(zip(missing, table.lookup([w.lower() for w in missing])))
        if len(cache) + len(new) > WORD_CACHE:
            cache.clear()
        cache.update(new)
        return [new[w] if g is None else g for w, g in zip(words, got)]

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """The SVM's decision values (columns in ``classes_`` order)."""
        return self.svc_.decision_function(self.transform(list(texts)))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The peer's scores: a softmax of ``temperature`` times its decision values, summing to 1 per line."""
        return softmax_scores(self.decision_function(texts), self.temperature)

    def blend(self, proba: np.ndarray, texts: Sequence[str], classes: Sequence[str]) -> np.ndarray:
        """``(1 - weight) * proba + weight * peer scores``, both in the column order of ``classes``."""
        if not len(texts):
            return proba
        order = [list(self.classes_).index(c) for c in classes]
        return (1.0 - self.weight) * proba + self.weight * self.predict_proba(texts)[:, order]
