"""Word and in-token character n-gram features with TF-IDF weighting.

:class:`TokenNgramVectorizer` takes the token tuples of :class:`~pipeline.text.tokenise.SpacyTokeniser` and builds
one sparse matrix of word n-grams and character n-grams taken inside each token (``" fz-55 "`` gives ``" fz"``,
``"fz-"`` …), which makes the model robust to inflection, typos and transliteration. :meth:`fit` counts feature
strings; the fitted vocabulary is compiled into one :class:`~pipeline.features.ngrams.FeatureIndex` (``index_``) that
:meth:`~TokenNgramVectorizer.transform` and the per-run prediction path both use. The character n-gram columns of
each distinct token are computed once and cached, because customs text repeats its tokens heavily.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from pipeline import params
from pipeline.features.ngrams import (
    FEATURE_PREFIX,
    PACKED_ITEMSIZE,
    TRANSLIT_LATIN,
    TRANSLIT_ONLY,
    WORD,
    FeatureIndex,
    char_ngrams,
    gram_sources,
    pack,
    squash_digits,
    translit_skeleton,
    word_ngrams,
)

__all__ = ["TokenNgramVectorizer", "pack", "squash_digits", "translit_skeleton"]


class TokenNgramVectorizer(BaseEstimator, TransformerMixin):
    """TF-IDF over word n-grams and in-token character n-grams of pre-tokenised texts.

    Args:
        word_ngram_range: ``(min_n, max_n)`` of word n-grams; ``(0, 0)`` switches them off.
        char_ngram_range: ``(min_n, max_n)`` of character n-grams inside tokens; ``(0, 0)`` switches them off.
        min_df: keep features seen in at least this many training texts.
        max_features: keep at most this many features, the most frequent by document frequency (0: all).
        sublinear_tf: use ``1 + log(tf)`` instead of raw counts.
        use_idf: weight by smoothed inverse document frequency.
        char_weight: multiplier of the character n-gram block relative to the word block.
        translit: ``True``: also take character n-grams of each word's Latin transliteration skeleton (prefix
            ``t:``), so that ``квадрокоптер`` and ``kvadrokopter`` share features; ``"only"``: take the skeleton's
            n-grams instead of the word's (codes and figures keep their own); ``"latin"``: a word with Cyrillic
            letters also gives the ``c:`` n-grams of its plain Latin spelling (``мавик`` shares ``mavi`` with
            ``mavic``); ``False``: words only.
        keep_digits: character n-grams see only the first ``keep_digits`` digits of a token; later digits read as
            ``0`` (see :func:`squash_digits`). Word n-grams keep every digit.
        norm_cap: a row is divided by its L2 norm, but by no more than this (0: always unit length): a long line
            keeps more of the weight of each of its words instead of spreading one unit over all of them.

    Attributes:
        vocabulary_: feature string → column index (word n-grams are prefixed ``w:``, char n-grams ``c:``,
            transliteration-skeleton n-grams ``t:``).
        idf_: inverse document frequency of each column.
    """

    _parameter_constraints = {
        "word_ngram_range": params.ngram_range,
        "char_ngram_range": params.ngram_range,
        "min_df": params.positive_int,
        "max_features": params.count,
        "sublinear_tf": params.boolean,
        "use_idf": params.boolean,
        "char_weight": params.non_negative,
        "translit": params.one_of(True, False, TRANSLIT_ONLY, TRANSLIT_LATIN),
        "keep_digits": params.count,
        "norm_cap": params.non_negative,
    }

    def __init__(
        self,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        min_df: int = 1,
        max_features: int = 0,
        sublinear_tf: bool = True,
        use_idf: bool = True,
        char_weight: float = 1.0,
        translit: bool | str = False,
        keep_digits: int = 4,
        norm_cap: float = 0.0,
    ):
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.use_idf = use_idf
        self.char_weight = char_weight
        self.translit = translit
        self.keep_digits = keep_digits
        self.norm_cap = norm_cap

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_index", None)
        return state

    def __setstate__(self, state: dict) -> None:
        state.setdefault("norm_cap", 0.0)  # pickled before the option existed
        super().__setstate__(state)

    def feature_strings(self, tokens: Sequence[str]) -> list[str]:
        """The prefixed feature strings of one token sequence, repeats kept: word n-grams, then each token's.

        This is the string path: :meth:`fit` counts these strings, and :meth:`transform_reference` looks them up.
        """
        wlo, whi = self.word_ngram_range
        word = FEATURE_PREFIX[WORD]
        out = [word + g for g in word_ngrams(tokens, wlo, whi)] if whi > 0 else []
        if self.char_ngram_range[1] > 0:
            for tok in tokens:
                out.extend(self.token_feature_strings(tok))
        return out

    def token_feature_strings(self, token: str) -> list[str]:
        """The prefixed character n-gram features of one token (of its digit-squashed form and skeleton)."""
        clo, chi = self.char_ngram_range
        key = squash_digits(token, self.keep_digits)
        sources = gram_sources(key, self.translit)
        return [FEATURE_PREFIX[kind] + g for kind, text in sources for g in char_ngrams(text, clo, chi)]

    def fit(self, X: Sequence[Sequence[str]], y=None) -> TokenNgramVectorizer:
        """Learn the vocabulary and IDF weights from token tuples; return ``self``."""
        X = check_token_docs(X, "fit")
        params.check_params(self.get_params(), self._parameter_constraints, "features")
        if self.word_ngram_range[1] == 0 and self.char_ngram_range[1] == 0:
            raise ValueError("features: word and character n-grams cannot both be switched off")
        df: Counter[str] = Counter()
        n_docs = 0
        for tokens in X:
            df.update(set(self.feature_strings(tokens)))
            n_docs += 1
        items = [(f, c) for f, c in df.items() if c >= self.min_df]
        items.sort(key=lambda fc: (-fc[1], fc[0]))
        if self.max_features:
            items = items[: self.max_features]
        items.sort(key=lambda fc: fc[0])
        self.vocabulary_ = {f: i for i, (f, _) in enumerate(items)}
        counts = np.array([c for _, c in items], dtype=np.float64)
        if self.use_idf:
            self.idf_ = np.log((1.0 + n_docs) / (1.0 + counts)) + 1.0
        else:
            self.idf_ = np.ones(len(items))
        weights = self.idf_.copy()
        is_char = np.array([not f.startswith(FEATURE_PREFIX[WORD]) for f, _ in items], dtype=bool)
        weights[is_char] *= self.char_weight
        self.column_weights_ = weights
        self.n_features_out_ = len(items)
        self.__dict__.pop("_index", None)
        return self

    @property
    def index_(self) -> FeatureIndex:
        """The fitted vocabulary compiled for look-ups (built on first use and after a parameter change; not saved).

        :meth:`transform` and the per-run prediction path (:class:`~pipeline.features.runs.RunFeaturiser`) both take
        their columns from it.
        """
        check_is_fitted(self, "vocabulary_")
        key = (
            id(self.vocabulary_),
            tuple(self.word_ngram_range),
            tuple(self.char_ngram_range),
            self.translit,
            self.keep_digits,
        )
        built = self.__dict__.get("_index")
        if built is None or built[0] != key:
            index = FeatureIndex(self.vocabulary_, *key[1:])
            self._index = built = (key, index)
        return built[1]

    def transform(self, X: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Return the L2-normalised TF-IDF matrix, one row per token tuple."""
        X = check_token_docs(X, "transform")
        return self.matrix_from_packed(self.index_.rows(X))

    def transform_reference(self, X: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """:meth:`transform` the slow, obvious way: every feature string looked up in ``vocabulary_`` (no index).

        The reference that tests and the check recorded at save time hold :attr:`index_` to.
        """
        X = check_token_docs(X, "transform_reference")
        check_is_fitted(self, "vocabulary_")
        voc = self.vocabulary_
        return self.matrix_from_packed([pack([voc[f] for f in self.feature_strings(t) if f in voc]) for t in X])

    def matrix_from_packed(self, rows: Sequence[bytes]) -> sp.csr_matrix:
        """Build the weighted, L2-normalised matrix from each row's :func:`pack`-ed column indices (repeats count)."""
        indices = np.frombuffer(bytearray(b"".join(rows)), dtype=np.intc)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) // PACKED_ITEMSIZE for r in rows], out=indptr[1:])
        mat = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), self.n_features_out_))
        return self.weigh_counts(mat)

    def matrix_from_parts(self, parts: Sequence[tuple[np.ndarray, np.ndarray]], n_rows: int) -> sp.csr_matrix:
        """Build the weighted, L2-normalised matrix from parts of (rows, columns) pairs, one per feature occurrence.

        Each part's pairs must be sorted by row; a row's entries are laid out part after part (a counting sort).
        """
        counts = [np.bincount(rows, minlength=n_rows) for rows, _ in parts]
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.sum(counts, axis=0) if counts else np.zeros(n_rows, dtype=np.int64), out=indptr[1:])
        indices = np.empty(indptr[-1], dtype=np.int32)
        before = indptr[:-1].copy()  # where the next part's entries of each row go
        for (rows, cols), count in zip(parts, counts):
            part_start = np.zeros(n_rows, dtype=np.int64)
            np.cumsum(count[:-1], out=part_start[1:])
            indices[np.arange(len(rows)) + (before - part_start)[rows]] = cols
            before += count
        mat = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n_rows, self.n_features_out_))
        return self.weigh_counts(mat)

    def weigh_counts(self, mat: sp.csr_matrix) -> sp.csr_matrix:
        """Turn a matrix of feature counts (repeated entries are summed) into TF-IDF rows of unit length, in place."""
        mat.sum_duplicates()
        data = mat.data
        if self.sublinear_tf:
            np.log(data, out=data)
            data += 1.0
        data *= self.column_weights_[mat.indices]
        sq = np.zeros(mat.shape[0])
        nonempty = np.diff(mat.indptr) > 0
        if data.size:
            sq[nonempty] = np.add.reduceat(data * data, mat.indptr[:-1][nonempty])
        norms = np.sqrt(sq)
        if self.norm_cap:
            np.minimum(norms, self.norm_cap, out=norms)
        norms[norms == 0] = 1.0
        data /= np.repeat(norms, np.diff(mat.indptr))
        return mat

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Return the feature strings in column order."""
        check_is_fitted(self, "vocabulary_")
        names = [""] * len(self.vocabulary_)
        for f, i in self.vocabulary_.items():
            names[i] = f
        return np.array(names, dtype=object)


def check_token_docs(X, method: str) -> list:
    """``X`` as a list of token sequences; a bare string (which would read as one text per character) is refused."""
    if isinstance(X, (str, bytes)):
        raise TypeError(f"TokenNgramVectorizer.{method} takes a list of token sequences, not a single string")
    docs = list(X)
    for doc in docs:
        if isinstance(doc, (str, bytes)):
            raise TypeError(
                f"TokenNgramVectorizer.{method} takes token sequences (tuples of strings), not strings: tokenise first"
            )
    return docs
