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

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.preprocessing import normalize

from pipeline import params
from pipeline.model.svm import softmax_scores

WORD_CACHE = 100_000  # distinct words whose n-grams a peer keeps between batches (about 60 MB at most)


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
        return state

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """The TF-IDF rows of ``texts``: what ``vectorizer_.transform`` gives, computed word by word.

        ``char_wb`` n-grams never cross a space, so a line's counts are the sum of its words' counts: each distinct
        word is analysed once (and kept, up to :data:`WORD_CACHE` words) and the lines are a sparse product of word
        counts and word n-gram counts; sublinear tf, IDF and l2 norm are then applied as scikit-learn applies them.
        """
        vec = self.vectorizer_
        words: dict[str, tuple[np.ndarray, np.ndarray]] = self.__dict__.setdefault("_words", {})
        if len(words) > WORD_CACHE:
            words.clear()
        ids: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for i, text in enumerate(texts):
            seen = Counter(ids.setdefault(w, len(ids)) for w in text.split())
            rows += [i] * len(seen)
            cols += seen.keys()
            counts += seen.values()
        per_line = sp.csr_matrix((np.array(counts, dtype=np.float64), (rows, cols)), shape=(len(texts), len(ids)))
        grams = [words.get(w) or self._word(w, words) for w in ids]
        indptr = np.cumsum([0] + [len(g[0]) for g in grams])
        data = np.concatenate([g[1] for g in grams]) if grams else np.zeros(0)
        indices = np.concatenate([g[0] for g in grams]) if grams else np.zeros(0, dtype=np.int64)
        by_word = sp.csr_matrix((data, indices, indptr), shape=(len(ids), len(vec.vocabulary_)))
        x = sp.csr_matrix(per_line @ by_word)
        x.sort_indices()
        if self.sublinear_tf:
            np.log(x.data, x.data)
            x.data += 1.0
        x.data *= vec.idf_[x.indices]
        return normalize(x, norm="l2", copy=False)

    def _word(self, word: str, words: dict) -> tuple[np.ndarray, np.ndarray]:
        """A word's n-gram columns and counts (kept in ``words``), as ``char_wb`` counts them in a line."""
        vocabulary = self.vectorizer_.vocabulary_
        lo, hi = self.vectorizer_.ngram_range
        w = " " + word.lower() + " "
        size = len(w)
        found: Counter = Counter()
        for n in range(lo, hi + 1):
            for start in range(max(size - n, 0) + 1):
                col = vocabulary.get(w[start : start + n])
                if col is not None:
                    found[col] += 1
            if size <= n:  # as scikit-learn: a padded word no longer than n is counted once, whole, then no more
                break
        order = sorted(found)
        words[word] = entry = (np.array(order, dtype=np.int64), np.array([found[c] for c in order], dtype=np.float64))
        return entry

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
