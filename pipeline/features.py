"""Word and in-token character n-gram features with TF-IDF weighting.

:class:`TokenNgramVectorizer` takes the token tuples of :class:`~pipeline.tokenise.SpacyTokeniser` and builds
one sparse matrix of word n-grams and character n-grams taken inside each token (``" fz-55 "`` gives ``" fz"``,
``"fz-"`` …), which makes the model robust to inflection, typos and transliteration. The character n-gram
indices of each distinct token are computed once and cached, because customs text repeats its tokens heavily.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

_HAS_DIGIT = re.compile(r"\d").search
_ZERO_DIGITS = str.maketrans("0123456789", "0000000000")
_DIGIT_PREFIX = {n: re.compile(r"(?:\D*\d){" + str(n) + "}").match for n in range(1, 9)}
TOKEN_CACHE_SIZE = 100_000
WINDOW_CACHE_SIZE = 200_000
_ITEM = array("i").itemsize


def pack(indices: Sequence[int]) -> bytes:
    """Column indices as the bytes of a C ``int`` array.

    Rows of packed indices are joined with ``b"".join``, far faster than building one list of Python integers, and
    read back with ``np.frombuffer(..., dtype=np.intc)``.
    """
    return array("i", indices).tobytes()


def squash_digits(token: str, keep: int = 4) -> str:
    """Keep the first ``keep`` digits of a token and turn the later ones into ``0``.

    Long digit runs (serial numbers, declaration numbers, prices) say little about the goods but make every
    token unique. With ``keep=4`` model codes (``2207``, ``cf-33``, ``m300``) and the heading of an HS code
    (``8806…``) stay as they are; with ``keep=0`` every digit becomes ``0`` (``cf-33`` → ``cf-00``), so character
    n-grams describe the shape of a code while its word n-gram still holds the exact code.
    """
    if keep <= 0:
        return token.translate(_ZERO_DIGITS) if _HAS_DIGIT(token) else token
    m = _DIGIT_PREFIX[min(keep, 8)](token)
    if m is None:
        return token
    end = m.end()
    tail = token[end:]
    return token if not tail else token[:end] + tail.translate(_ZERO_DIGITS)


_CYR_TO_LAT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
        "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
        "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e",
        "ю": "yu", "я": "ya", "ё": "e",
    }
)  # fmt: skip
_SKELETON_RULES = [
    (re.compile(r"shch|sch|shh"), "sh"),
    (re.compile(r"kh"), "h"),
    (re.compile(r"(?:yy|iy|yi|ij|yj|ii)$"), "y"),
    (re.compile(r"j"), "y"),
    (re.compile(r"w"), "v"),
    (re.compile(r"(.)\1+"), r"\1"),
]


def translit_skeleton(token: str) -> str | None:
    """Latin spelling skeleton of a word, shared by its Cyrillic form and its usual transliterations.

    ``квадрокоптер``, ``kvadrokopter``; ``защищенный``, ``zashchishchennyy``, ``zashishennyi`` map to one
    skeleton, so character n-grams of the skeleton connect Russian words with their Latin-letter spellings.

    Returns:
        The skeleton, or ``None`` for tokens without letters.
    """
    if not any(ch.isalpha() for ch in token):
        return None
    s = token.translate(_CYR_TO_LAT)
    for rx, repl in _SKELETON_RULES:
        s = rx.sub(repl, s)
    return s


def _char_ngrams(token: str, lo: int, hi: int) -> list[str]:
    padded = f" {token} "
    n_chars = len(padded)
    grams = []
    for n in range(lo, hi + 1):
        if n > n_chars:
            break
        grams.extend(padded[i : i + n] for i in range(n_chars - n + 1))
    return grams


def _word_ngrams(tokens: Sequence[str], lo: int, hi: int) -> list[str]:
    grams = []
    n_tok = len(tokens)
    for n in range(lo, hi + 1):
        if n == 1:
            grams.extend(tokens)
        else:
            grams.extend(" ".join(tokens[i : i + n]) for i in range(n_tok - n + 1))
    return grams


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
            n-grams instead of the word's (codes and figures keep their own); ``False``: words only.
        keep_digits: character n-grams see only the first ``keep_digits`` digits of a token; later digits read as
            ``0`` (see :func:`squash_digits`). Word n-grams keep every digit.

    Attributes:
        vocabulary_: feature string → column index (word n-grams are prefixed ``w:``, char n-grams ``c:``,
            transliteration-skeleton n-grams ``t:``).
        idf_: inverse document frequency of each column.
    """

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

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_token_cache", None)
        state.pop("_vocab_split", None)
        state.pop("_windows", None)
        return state

    def _doc_features(self, tokens: Sequence[str]) -> tuple[list[str], list[str]]:
        wlo, whi = self.word_ngram_range
        clo, chi = self.char_ngram_range
        words = ["w:" + g for g in _word_ngrams(tokens, wlo, whi)] if whi > 0 else []
        chars = []
        if chi > 0:
            for tok in tokens:
                chars.extend(self._token_grams(tok))
        return words, chars

    def _gram_groups(self, key: str) -> list[tuple[str, str]]:
        """The strings whose character n-grams describe one digit-squashed token, with their kind.

        ``c`` is the token itself, ``t`` its transliteration skeleton. Codes and figures (tokens with a digit) have
        no skeleton: it would only repeat them.
        """
        skel = translit_skeleton(key) if self.translit and not _HAS_DIGIT(key) else None
        if skel is None:
            return [("c", key)]
        if self.translit == "only":
            return [("t", skel)]
        return [("c", key), ("t", skel)]

    def _token_grams(self, token: str) -> list[str]:
        clo, chi = self.char_ngram_range
        key = squash_digits(token, self.keep_digits)
        return [f"{kind}:{g}" for kind, s in self._gram_groups(key) for g in _char_ngrams(s, clo, chi)]

    def fit(self, X: Sequence[Sequence[str]], y=None) -> TokenNgramVectorizer:
        """Learn the vocabulary and IDF weights from token tuples; return ``self``."""
        for name in ("word_ngram_range", "char_ngram_range"):
            lo, hi = getattr(self, name)
            if lo < 0 or hi < lo or (lo == 0 and hi != 0):
                raise ValueError(f"features.{name} must be [min, max] with 1 <= min <= max, or [0, 0]")
        if self.word_ngram_range[1] == 0 and self.char_ngram_range[1] == 0:
            raise ValueError("features: word and character n-grams cannot both be switched off")
        df: Counter[str] = Counter()
        n_docs = 0
        for tokens in X:
            words, chars = self._doc_features(tokens)
            df.update(set(words))
            df.update(set(chars))
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
        is_char = np.array([not f.startswith("w:") for f, _ in items], dtype=bool)
        weights[is_char] *= self.char_weight
        self.column_weights_ = weights
        self.n_features_out_ = len(items)
        self._token_cache = {}
        self.__dict__.pop("_vocab_split", None)
        self.__dict__.pop("_windows", None)
        return self

    def _lookup(self) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
        """Word, character and transliteration vocabularies without their prefixes (built once, not pickled)."""
        lookup = self.__dict__.get("_vocab_split")
        if lookup is None:
            split: dict[str, dict[str, int]] = {"w": {}, "c": {}, "t": {}}
            for f, i in self.vocabulary_.items():
                split[f[0]][f[2:]] = i
            lookup = self._vocab_split = (split["w"], split["c"], split["t"])
        return lookup

    def _token_indices(self, token: str) -> bytes:
        cache = self.__dict__.get("_token_cache")
        if cache is None:
            cache = self._token_cache = {}
        key = squash_digits(token, self.keep_digits)
        idx = cache.get(key)
        if idx is None:
            lo, hi = self.char_ngram_range
            windows = self._window_caches()
            parts = []
            for kind, s in self._gram_groups(key):
                known = windows[kind]
                padded = f" {s} "
                # The n-grams starting at one position are the prefixes of its window of `hi` characters; windows
                # repeat across tokens far more than tokens do (serial numbers, prices), so each is looked up once.
                for i in range(len(padded) - lo + 1):
                    window = padded[i : i + hi]
                    got = known.get(window)
                    if got is None:
                        got = known[window] = self._window_indices(kind, window)
                    parts.append(got)
                if len(known) >= WINDOW_CACHE_SIZE:
                    known.clear()
            idx = b"".join(parts)
            if len(cache) >= TOKEN_CACHE_SIZE:
                cache.clear()
            cache[key] = idx
        return idx

    def _window_caches(self) -> dict[str, dict[str, bytes]]:
        windows = self.__dict__.get("_windows")
        if windows is None:
            windows = self._windows = {"c": {}, "t": {}}
        return windows

    def _window_indices(self, kind: str, window: str) -> bytes:
        """Packed column indices of the n-grams that are prefixes of ``window`` (one start position)."""
        _, chars, translits = self._lookup()
        get = (chars if kind == "c" else translits).get
        found = []
        for n in range(self.char_ngram_range[0], len(window) + 1):
            i = get(window[:n])
            if i is None:
                # A fitted vocabulary holds the prefix of each n-gram it holds (the prefix is in every token the
                # n-gram is in, and wins ties on frequency), so no longer n-gram of this window can be known.
                break
            found.append(i)
        return pack(found)

    def word_indices(self, tokens: Sequence[str], min_n: int = 1, max_n: int | None = None) -> list[int]:
        """Column indices of the known word n-grams of one token sequence.

        Args:
            tokens: the tokens.
            min_n: look only at n-grams of at least this many words (within the configured range).
            max_n: look only at n-grams of at most this many words (``None``: the configured maximum).
        """
        wlo, whi = self.word_ngram_range
        wlo = max(wlo, min_n)
        if max_n is not None:
            whi = min(whi, max_n)
        if whi == 0 or wlo > whi:
            return []
        get = self._lookup()[0].get
        return [i for i in map(get, _word_ngrams(tokens, wlo, whi)) if i is not None]

    def char_indices(self, token: str) -> bytes:
        """Column indices of the known character n-grams of one token, :func:`pack`-ed (cached per token)."""
        if self.char_ngram_range[1] == 0:
            return b""
        return self._token_indices(token)

    def transform(self, X: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Return the L2-normalised TF-IDF matrix, one row per token tuple."""
        check_is_fitted(self, "vocabulary_")
        word_indices = self.word_indices
        char_indices = self.char_indices
        rows = [
            b"".join([pack(word_indices(tokens)), *[char_indices(tok) for tok in tokens]]) for tokens in X
        ]
        return self.matrix_from_packed(rows)

    def matrix_from_packed(self, rows: Sequence[bytes]) -> sp.csr_matrix:
        """Build the weighted, L2-normalised matrix from each row's :func:`pack`-ed column indices (repeats count)."""
        indices = np.frombuffer(bytearray(b"".join(rows)), dtype=np.intc)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) // _ITEM for r in rows], out=indptr[1:])
        mat = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), self.n_features_out_))
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
