"""Text normalisation applied before tokenising.

Customs text is full of evasion and noise: Latin letters typed inside Russian words (``KBAДPOKOПTEP``),
zero-width characters, letters spaced apart (``к в а д р о к о п т е р``), ``ё``/``е`` variation and full-width
forms. :class:`Normaliser` undoes these so that the classifier and the marker rules see one spelling.
"""

from __future__ import annotations

import re
import unicodedata

# Latin letter -> Cyrillic letter that looks the same, and the reverse.
_LAT_TO_CYR = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О", "P": "Р", "T": "Т",
    "X": "Х", "Y": "У", "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "k": "к",
}  # fmt: skip
_CYR_TO_LAT = {cyr: lat for lat, cyr in _LAT_TO_CYR.items()}
_CYR_TO_LAT.update({"ё": "e", "Ё": "E", "і": "i", "І": "I", "ј": "j"})

_LOOKALIKE_LAT = frozenset(_LAT_TO_CYR)
_LOOKALIKE_CYR = frozenset(_LAT_TO_CYR.values())

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SPACED_LETTERS_RE = re.compile(r"(?<!\w)[^\W\d_](?: [^\W\d_]){2,}(?!\w)")
# Every spaced-letter run holds " x y" with no word character after y; searching for that first is much faster,
# as the pattern starts with a literal space.
_SPACED_LETTERS_HINT = re.compile(r" [^\W\d_] [^\W\d_](?!\w)").search
_SPACE_RE = re.compile(r"\s+")
_HAS_LETTER = re.compile(r"[^\W\d_]").search
_TRANSLATE_INVISIBLE = None


# A zero between two Cyrillic letters is the letter О typed as a digit: «Мин0бороны», «КВАДР0КОПТЕР».
_ZERO_IN_CYRILLIC = re.compile(r"(?<=[\u0400-\u04ff])0+(?=[\u0400-\u04ff])")


def _zero_to_o(match: re.Match) -> str:
    before = match.string[match.start() - 1]
    return ("О" if before.isupper() else "о") * len(match.group(0))


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u04ff"


def _is_latin(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def fix_lookalikes(word: str) -> str:
    """Rewrite look-alike letters in one word into the word's own script.

    A word holding a Cyrillic letter with no Latin twin (``Д``, ``П``, ``Л`` …) is Russian: its Latin look-alikes
    become Cyrillic. A word holding a Latin letter with no Cyrillic twin (``D``, ``R``, ``S`` …) is Latin: its
    Cyrillic look-alikes become Latin. A word made only of look-alikes follows its majority script, and a code
    with digits (``М300`` with a Cyrillic ``М``) becomes Latin, since model codes are written in Latin letters. A
    zero between Cyrillic letters is the letter ``о`` (``Мин0бороны``).

    Args:
        word: a run of word characters.

    Returns:
        The word in one script, or unchanged when it has a single script or cannot be decided.
    """
    if word.isascii():
        return word
    if "0" in word:
        word = _ZERO_IN_CYRILLIC.sub(_zero_to_o, word)
    n_lat = n_cyr = 0
    lat_only = cyr_only = False
    has_digit = False
    for ch in word:
        if _is_latin(ch):
            n_lat += 1
            if ch not in _LOOKALIKE_LAT:
                lat_only = True
        elif _is_cyrillic(ch):
            n_cyr += 1
            if ch not in _LOOKALIKE_CYR:
                cyr_only = True
        elif ch.isdigit():
            has_digit = True
    if n_lat and n_cyr:
        if cyr_only and not lat_only:
            target = "cyr"
        elif lat_only and not cyr_only:
            target = "lat"
        elif lat_only and cyr_only:
            return word
        elif has_digit:
            target = "lat"
        else:
            target = "cyr" if n_cyr >= n_lat else "lat"
    elif n_cyr and has_digit and not cyr_only:
        target = "lat"
    else:
        return word
    table = _LAT_TO_CYR if target == "cyr" else _CYR_TO_LAT
    return "".join(table.get(ch, ch) for ch in word)


def _invisible_table() -> dict[int, str | None]:
    global _TRANSLATE_INVISIBLE
    if _TRANSLATE_INVISIBLE is None:
        table: dict[int, str | None] = {}
        for cp in range(0x110000):
            cat = unicodedata.category(chr(cp))
            if cat == "Cf":
                table[cp] = None
            elif cat == "Cc":
                table[cp] = " "
        for cp in (0x09, 0x0A, 0x0D):
            table[cp] = " "
        _TRANSLATE_INVISIBLE = table
    return _TRANSLATE_INVISIBLE


class Normaliser:
    """Callable that cleans one goods description.

    Steps, each switchable: Unicode NFKC; removal of zero-width/format characters and control characters;
    ``ё`` → ``е``; joining letters spaced apart; look-alike letter repair inside words; case folding;
    whitespace collapsing. Word-level repairs are cached per distinct word, since customs text repeats words
    heavily.

    Args:
        nfkc: apply Unicode NFKC normalisation.
        strip_invisible: remove zero-width/format characters and turn control characters into spaces.
        yo_to_e: replace ``ё`` with ``е``.
        join_spaced_letters: join runs of three or more single letters separated by single spaces.
        fix_lookalikes: repair Latin/Cyrillic look-alike letters inside words.
        lowercase: fold case.
    """

    def __init__(
        self,
        nfkc: bool = True,
        strip_invisible: bool = True,
        yo_to_e: bool = True,
        join_spaced_letters: bool = True,
        fix_lookalikes: bool = True,
        lowercase: bool = True,
    ):
        self.nfkc = nfkc
        self.strip_invisible = strip_invisible
        self.yo_to_e = yo_to_e
        self.join_spaced_letters = join_spaced_letters
        self.fix_lookalikes = fix_lookalikes
        self.lowercase = lowercase
        self._cache: dict[str, str] = {}

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cache"] = {}
        state.pop("_run_cache", None)
        return state

    def _word(self, match: re.Match) -> str:
        word = match.group(0)
        fixed = self._cache.get(word)
        if fixed is None:
            fixed = fix_lookalikes(word)
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[word] = fixed
        return fixed

    def prepare(self, text: str) -> str:
        """The whole-text steps: NFKC, invisible characters, ``ё``, spaced letters (before :meth:`repair_run`)."""
        if not text:
            return ""
        if self.nfkc:
            text = unicodedata.normalize("NFKC", text)
        if self.strip_invisible and not text.isprintable():
            text = text.translate(_invisible_table())
        if self.yo_to_e:
            text = text.replace("ё", "е").replace("Ё", "Е")
        if self.join_spaced_letters and _SPACED_LETTERS_HINT(text):
            text = _SPACED_LETTERS_RE.sub(lambda m: m.group(0).replace(" ", ""), text)
        return text

    def repair_run(self, run: str) -> str:
        """The per-run steps on one whitespace-free run of prepared text: look-alike letters and case.

        Each distinct run with letters is repaired once and cached; runs without letters (figures, serials) are
        mostly unique and are not cached.
        """
        cache = self.__dict__.get("_run_cache")
        if cache is None:
            cache = self._run_cache = {}
        fixed = cache.get(run)
        if fixed is None:
            if not _HAS_LETTER(run):
                return run.lower() if self.lowercase else run
            # An ASCII run has no Cyrillic letter, so no look-alike to repair.
            fixed = _WORD_RE.sub(self._word, run) if self.fix_lookalikes and not run.isascii() else run
            if self.lowercase:
                fixed = fixed.lower()
            if len(cache) > 100_000:
                cache.clear()
            cache[run] = fixed
        return fixed

    def __call__(self, text: str) -> str:
        """Return the normalised form of ``text``.

        That is :meth:`prepare`, then :meth:`repair_run` on every run, the runs joined by single spaces (which also
        collapses whitespace).
        """
        repair = self.repair_run
        return " ".join([repair(run) for run in self.prepare(text).split()])
