"""N-gram feature strings, and the fitted vocabulary compiled into one index for fast look-ups.

A feature is a word n-gram, a character n-gram inside one token, or one of the token's transliteration skeleton: its
kind is :data:`WORD`, :data:`CHAR` or :data:`TRANSLIT`, spelled in vocabularies (and saved ``vocabulary.json``
files) as the prefix :data:`FEATURE_PREFIX` (``w:``, ``c:``, ``t:``). :class:`FeatureIndex` is the one compiled
form of a fitted vocabulary, used by both ``TokenNgramVectorizer.transform`` and the per-run prediction path
(:class:`~pipeline.fastpath.RunFeaturiser`); looking feature strings up (``transform_reference``) is the reference.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Mapping, Sequence

import numpy as np

WORD = "word"
CHAR = "char"
TRANSLIT = "translit"
FEATURE_PREFIX = {WORD: "w:", CHAR: "c:", TRANSLIT: "t:"}
KIND_OF_PREFIX = {prefix: kind for kind, prefix in FEATURE_PREFIX.items()}
PREFIX_LENGTH = 2
TRANSLIT_ONLY = "only"  # the vectoriser's ``translit`` value that replaces a word's n-grams by its skeleton's
TRANSLIT_LATIN = "latin"  # the value that adds a Cyrillic word's Latin spelling to its own character n-grams

TOKEN_CACHE_SIZE = 100_000  # distinct (digit-squashed) tokens whose character n-gram columns are remembered
MAX_KEPT_DIGITS = 8  # ``keep_digits`` above this counts as this many
PACKED_ITEMSIZE = array("i").itemsize  # bytes per column index in a packed row (a C ``int``)

_HAS_DIGIT = re.compile(r"\d").search
_ZERO_DIGITS = str.maketrans("0123456789", "0000000000")
_DIGIT_PREFIX = {n: re.compile(r"(?:\D*\d){" + str(n) + "}").match for n in range(1, MAX_KEPT_DIGITS + 1)}


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
    m = _DIGIT_PREFIX[min(keep, MAX_KEPT_DIGITS)](token)
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


_CYRILLIC = re.compile(r"[\u0400-\u04ff]").search


def latin_spelling(token: str) -> str | None:
    """A token's Cyrillic letters in plain Latin transliteration (``евошка`` → ``evoshka``); ``None`` without any.

    No skeleton merges: Latin words keep only their own n-grams, and the Latin spelling of a Cyrillic loanword
    (``дрон`` → ``dron``, ``мавик`` → ``mavik``) shares character n-grams with the English word it comes from.
    """
    return token.translate(_CYR_TO_LAT) if _CYRILLIC(token) else None


def char_ngrams(token: str, lo: int, hi: int) -> list[str]:
    """The ``lo``- to ``hi``-character n-grams of a token padded with a space on each side."""
    padded = f" {token} "
    n_chars = len(padded)
    grams = []
    for n in range(lo, hi + 1):
        if n > n_chars:
            break
        grams.extend(padded[i : i + n] for i in range(n_chars - n + 1))
    return grams


def word_ngrams(tokens: Sequence[str], lo: int, hi: int) -> list[str]:
    """The ``lo``- to ``hi``-word n-grams of a token sequence, words joined by single spaces."""
    grams = []
    n_tok = len(tokens)
    for n in range(lo, hi + 1):
        if n == 1:
            grams.extend(tokens)
        else:
            grams.extend(" ".join(tokens[i : i + n]) for i in range(n_tok - n + 1))
    return grams


def gram_sources(key: str, translit: bool | str) -> list[tuple[str, str]]:
    """The strings whose character n-grams describe one digit-squashed token, each with its feature kind.

    :data:`CHAR` is the token itself, :data:`TRANSLIT` its transliteration skeleton. Codes and figures (tokens with
    a digit) have no skeleton: it would only repeat them. With ``translit="latin"`` a token with Cyrillic letters
    also gives the :data:`CHAR` n-grams of its :func:`latin_spelling`.
    """
    if translit == TRANSLIT_LATIN:
        latin = latin_spelling(key)
        return [(CHAR, key)] if latin is None else [(CHAR, key), (CHAR, latin)]
    skel = translit_skeleton(key) if translit and not _HAS_DIGIT(key) else None
    if skel is None:
        return [(CHAR, key)]
    if translit == TRANSLIT_ONLY:
        return [(TRANSLIT, skel)]
    return [(CHAR, key), (TRANSLIT, skel)]


def split_vocabulary(vocabulary: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """A vocabulary of prefixed feature strings as one ``{n-gram: column}`` dict per feature kind."""
    by_kind: dict[str, dict[str, int]] = {kind: {} for kind in FEATURE_PREFIX}
    for feature, col in vocabulary.items():
        by_kind[KIND_OF_PREFIX[feature[:PREFIX_LENGTH]]][feature[PREFIX_LENGTH:]] = col
    return by_kind


class FeatureIndex:
    """A fitted vocabulary compiled for look-ups: word n-grams in a dict, character n-grams in hashed arrays.

    Args:
        vocabulary: prefixed feature string → column (the vectoriser's ``vocabulary_``).
        word_ngram_range: ``(min_n, max_n)`` of word n-grams (``max_n == 0``: none).
        char_ngram_range: ``(min_n, max_n)`` of in-token character n-grams (``max_n == 0``: none).
        translit: the vectoriser's ``translit`` (see :func:`gram_sources`).
        keep_digits: the vectoriser's ``keep_digits`` (see :func:`squash_digits`).
        cache_size: distinct tokens whose character n-gram columns are remembered.

    Attributes:
        words: word n-gram (words joined by single spaces) → column.
    """

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        word_ngram_range: Sequence[int],
        char_ngram_range: Sequence[int],
        translit: bool | str = False,
        keep_digits: int = 4,
        cache_size: int = TOKEN_CACHE_SIZE,
    ):
        self.word_ngram_range = (int(word_ngram_range[0]), int(word_ngram_range[1]))
        self.char_ngram_range = (int(char_ngram_range[0]), int(char_ngram_range[1]))
        self.translit = translit
        self.keep_digits = keep_digits
        self.cache_size = cache_size
        by_kind = split_vocabulary(vocabulary)
        self.words = by_kind[WORD]
        lo, hi = self.char_ngram_range
        self._tables = {kind: GramTable(by_kind[kind], lo, hi) for kind in (CHAR, TRANSLIT)} if hi > 0 else {}
        self._token_cache: dict[str, bytes] = {}

    @property
    def cached_tokens(self) -> int:
        """How many distinct tokens' character n-gram columns are remembered."""
        return len(self._token_cache)

    @property
    def unigrams(self) -> bool:
        """Whether single words are features."""
        return self.word_ngram_range[0] == 1

    def word_columns(self, tokens: Sequence[str]) -> list[int]:
        """Columns of the known word n-grams of one token sequence."""
        lo, hi = self.word_ngram_range
        if hi == 0:
            return []
        return [i for i in map(self.words.get, word_ngrams(tokens, lo, hi)) if i is not None]

    def token_columns(self, tokens: Sequence[str]) -> list[bytes]:
        """Columns of the known character n-grams of each token, :func:`pack`-ed.

        Tokens seen before come from a cache (keyed by the digit-squashed token); the n-grams of all the others are
        looked up at once with array operations (see :class:`GramTable`).
        """
        if not self._tables:
            return [b""] * len(tokens)
        cache = self._token_cache
        keys = [squash_digits(t, self.keep_digits) for t in tokens]
        out = list(map(cache.get, keys))
        missing = list(dict.fromkeys(k for k, got in zip(keys, out) if got is None))
        if not missing:
            return out
        strings: dict[str, list[str]] = {kind: [] for kind in self._tables}
        owners: dict[str, list[int]] = {kind: [] for kind in self._tables}
        for j, key in enumerate(missing):
            for kind, text in gram_sources(key, self.translit):
                strings[kind].append(text)
                owners[kind].append(j)
        found: list[list[bytes]] = [[] for _ in missing]
        for kind, table in self._tables.items():
            if strings[kind]:
                for j, packed in zip(owners[kind], table.lookup(strings[kind])):
                    found[j].append(packed)
        new = {key: b"".join(parts) for key, parts in zip(missing, found)}
        if len(cache) + len(new) > self.cache_size:
            cache.clear()
        cache.update(new)
        return [new[k] if got is None else got for k, got in zip(keys, out)]

    def rows(self, docs: Sequence[Sequence[str]]) -> list[bytes]:
        """Each token sequence's columns, :func:`pack`-ed: its word n-grams, then each token's character n-grams."""
        distinct = list(dict.fromkeys(t for tokens in docs for t in tokens))
        chars = dict(zip(distinct, self.token_columns(distinct)))
        word_columns = self.word_columns
        return [b"".join([pack(word_columns(tokens)), *[chars[tok] for tok in tokens]]) for tokens in docs]


class GramTable:
    """The character n-grams of one vocabulary kind, found for many strings at once with array operations.

    Each n-gram is hashed from its code points (a polynomial hash modulo 2**64); the vocabulary's hashes are sorted
    per length, so a batch's n-grams are found by one binary search per length. A hash match is confirmed by
    comparing the code points, so the result equals looking up every n-gram string in the vocabulary.

    Args:
        vocabulary: n-gram string → column index (one kind, without its prefix).
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
        return _group_by_owner(owners, cols, len(padded))


def _group_by_owner(owners: list[np.ndarray], cols: list[np.ndarray], n_owners: int) -> list[bytes]:
    """Packed columns per owner from (owner, column) parts, each owner's columns in part order."""
    if not owners:
        return [b""] * n_owners
    owner_all = np.concatenate(owners)
    order = np.argsort(owner_all, kind="stable")
    col_all = np.concatenate(cols)[order]
    bounds = np.zeros(n_owners + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner_all, minlength=n_owners), out=bounds[1:])
    return [col_all[a:b].tobytes() for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


_HASH_BASES = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
