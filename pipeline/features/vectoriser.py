"""Word and in-token character n-gram features with TF-IDF weighting.

:class:`TokenNgramVectorizer` takes the token tuples of :class:`~pipeline.text.tokenise.SpacyTokeniser` and builds
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
        state.pop("_tables", None)
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
        self.__dict__.pop("_tables", None)
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

    def char_indices_many(self, tokens: Sequence[str]) -> list[bytes]:
        """Column indices of the known character n-grams of each token, :func:`pack`-ed.

        Tokens seen before come from a cache (keyed by the digit-squashed token); the n-grams of all the others are
        looked up at once with array operations (see :class:`_GramTable`).
        """
        if self.char_ngram_range[1] == 0:
            return [b""] * len(tokens)
        cache = self.__dict__.get("_token_cache")
        if cache is None:
            cache = self._token_cache = {}
        keep = self.keep_digits
        keys = [squash_digits(t, keep) for t in tokens]
        out = list(map(cache.get, keys))
        missing = list(dict.fromkeys(k for k, got in zip(keys, out) if got is None))
        if not missing:
            return out
        strings: dict[str, list[str]] = {"c": [], "t": []}
        owners: dict[str, list[int]] = {"c": [], "t": []}
        for j, key in enumerate(missing):
            for kind, text in self._gram_groups(key):
                strings[kind].append(text)
                owners[kind].append(j)
        found: list[list[bytes]] = [[] for _ in missing]
        tables = self._gram_tables()
        for kind in ("c", "t"):
            if strings[kind]:
                for j, packed in zip(owners[kind], tables[kind].lookup(strings[kind])):
                    found[j].append(packed)
        new = {key: b"".join(parts) for key, parts in zip(missing, found)}
        if len(cache) + len(new) > TOKEN_CACHE_SIZE:
            cache.clear()
        cache.update(new)
        return [new[k] if got is None else got for k, got in zip(keys, out)]

    def _gram_tables(self) -> dict[str, _GramTable]:
        tables = self.__dict__.get("_tables")
        if tables is None:
            _, chars, translits = self._lookup()
            lo, hi = self.char_ngram_range
            tables = self._tables = {"c": _GramTable(chars, lo, hi), "t": _GramTable(translits, lo, hi)}
        return tables

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
        return self.char_indices_many([token])[0]

    def transform(self, X: Sequence[Sequence[str]]) -> sp.csr_matrix:
        """Return the L2-normalised TF-IDF matrix, one row per token tuple."""
        check_is_fitted(self, "vocabulary_")
        word_indices = self.word_indices
        X = list(X)
        distinct = list(dict.fromkeys(t for tokens in X for t in tokens))
        chars = dict(zip(distinct, self.char_indices_many(distinct)))
        rows = [b"".join([pack(word_indices(tokens)), *[chars[tok] for tok in tokens]]) for tokens in X]
        return self.matrix_from_packed(rows)

    def matrix_from_packed(self, rows: Sequence[bytes]) -> sp.csr_matrix:
        """Build the weighted, L2-normalised matrix from each row's :func:`pack`-ed column indices (repeats count)."""
        indices = np.frombuffer(bytearray(b"".join(rows)), dtype=np.intc)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) // _ITEM for r in rows], out=indptr[1:])
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


class _GramTable:
    """The character n-grams of one vocabulary kind, found for many strings at once with array operations.

    Each n-gram of ``lo`` to ``hi`` characters is hashed from its code points (a polynomial hash modulo 2**64);
    the vocabulary's hashes are sorted per length, so the n-grams of a batch are found by one binary search per
    length. A hash match is confirmed by comparing the code points, so the result is exact: it equals looking up
    every n-gram string in the vocabulary.

    Args:
        vocabulary: n-gram string → column index (one kind, without its ``c:``/``t:`` prefix).
        lo: shortest n-gram.
        hi: longest n-gram.
    """

    def __init__(self, vocabulary: dict[str, int], lo: int, hi: int):
        self.lo = lo
        self.hi = hi
        by_length: dict[int, list[tuple[str, int]]] = {}
        for gram, col in vocabulary.items():
            if lo <= len(gram) <= hi:
                by_length.setdefault(len(gram), []).append((gram, col))
        for base in _HASH_BASES:
            self.base = np.uint64(base)
            self.tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
            for n, items in by_length.items():
                codes = _code_points("".join(g for g, _ in items)).reshape(len(items), n)
                keys = self._hash(codes)
                order = np.argsort(keys)
                self.tables[n] = (keys[order], codes[order], np.array([c for _, c in items], dtype=np.intc)[order])
            if all(len(np.unique(k)) == len(k) for k, _, _ in self.tables.values()):
                return
        raise RuntimeError("character n-gram hashes collide for every base tried")  # pragma: no cover

    def _hash(self, codes: np.ndarray) -> np.ndarray:
        key = np.zeros(codes.shape[0], dtype=np.uint64)
        for k in range(codes.shape[1]):
            key = key * self.base + codes[:, k]
        return key

    def lookup(self, strings: Sequence[str]) -> list[bytes]:
        """Packed column indices of the known n-grams of each string, padded with a space on each side."""
        padded = [f" {s} " for s in strings]
        lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        codes = _code_points("".join(padded))
        size = len(codes)
        owner = np.repeat(np.arange(len(padded)), lengths)
        end = np.repeat(np.cumsum(lengths), lengths)
        starts = np.arange(size)
        hashes = np.zeros(size, dtype=np.uint64)
        owners, cols = [], []
        with np.errstate(over="ignore"):
            for n in range(1, self.hi + 1):
                m = size - n + 1
                if m <= 0:
                    break
                # hashes[i] is now the hash of codes[i : i + n]
                hashes[:m] = hashes[:m] * self.base + codes[n - 1 :]
                if n < self.lo or n not in self.tables:
                    continue
                keys, table_codes, table_cols = self.tables[n]
                inside = np.flatnonzero(starts[:m] + n <= end[:m])
                h = hashes[inside]
                pos = np.minimum(np.searchsorted(keys, h), len(keys) - 1)
                hit = keys[pos] == h
                at, pos = inside[hit], pos[hit]
                same = np.ones(len(at), dtype=bool)
                for k in range(n):
                    same &= codes[at + k] == table_codes[pos, k]
                owners.append(owner[at[same]])
                cols.append(table_cols[pos[same]])
        if not owners:
            return [b""] * len(padded)
        owner_all = np.concatenate(owners)
        order = np.argsort(owner_all, kind="stable")
        col_all = np.concatenate(cols)[order]
        bounds = np.zeros(len(padded) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner_all, minlength=len(padded)), out=bounds[1:])
        return [col_all[a:b].tobytes() for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


_HASH_BASES = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
