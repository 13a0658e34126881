"""Text normalisation applied before tokenising.

Customs text is full of evasion and noise: Latin or Greek letters typed inside Russian words (``KBAДPOKOПTEP``),
zero-width characters and Hangul fillers, combining marks (``к̶в̶а̶д̶``), letters spaced apart or separated by dots
or hyphens (``к в а д р о``, ``д-р-о-н``), words typed backwards behind a right-to-left override, the digit ``0`` for
the letter ``о``, ``ё``/``е`` variation and full-width forms. :class:`Normaliser` undoes these so that the classifier
and the marker rules see one spelling, and normalising twice gives the same text as normalising once.
"""

from __future__ import annotations

import re
import unicodedata
from types import SimpleNamespace

from pipeline.text.aircraft import join_spaced_types
from pipeline.text.bidi import resolve_bidi
from pipeline.text.fields import drop_field_labels
from pipeline.text.lookalikes import fix_greek, fix_lookalikes
from pipeline.text.negation import drop_negated
from pipeline.text.systems import join_spaced_names

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SEP = r"[.\-_·•*\u2010-\u2015]"
_HYPHEN = r"[\-\u2010-\u2015]"
_HYPHEN_SPLIT = re.compile(f"({_HYPHEN})")
# Single letters apart: runs of spaces between them (one space, or two for ``к  в  а  д``); a letter of a dotted or
# hyphenated code (``С.В.О``) does not start or end such a run.
# The last letter may carry digits (``A  c  t  i  v  e5``); a hyphen may join two such runs (``A n t i-d r o n e``).
# What may not follow a run of letters apart: the separator and a bare figure or one more single letter (a code).
_NOT_CODE_AFTER = r"(?:\d+(?![^\W\d_])|[^\W\d_](?!\w))"
_SPACED_LETTERS_RE = re.compile(
    rf"(?<!\w)(?<!\w{_SEP})[^\W\d_](?: +[^\W\d_])+(?:{_HYPHEN}[^\W\d_](?: +[^\W\d_])+)*\d*"
    rf"(?!\w)(?!{_SEP}{_NOT_CODE_AFTER})"
)
# Every spaced-letter run holds " x y" with no word character after y; searching for that first is much faster,
# as the pattern starts with a literal space.
_SPACED_LETTERS_HINT = re.compile(r" +[^\W\d_] +[^\W\d_]\d*(?!\w)").search
_GAPS = re.compile(r" +")
# Single letters or digits with the same separator between them: ``к.в.а.д``, ``д-р-о-н``, ``M.a.v.i.c.3``; the last
# may carry digits (``A.c.t.i.v.e5``), and a word or code may follow the run (``C-o-u-n-t-e-r-UAS`` →
# ``Counter-UAS``, ``L-E-A-P-1A`` → ``LEAP-1A``), but not a bare figure or one more single letter. Joined when four
# or more are letters: abbreviations (``С.В.О.``) and part numbers (``A-B-C``, ``A-B-C-D-12``,
# ``CP.MA.00000656.01``) are left alone.
_SPLIT_LETTERS_RE = re.compile(
    rf"(?<!\w)[^\W_](?P<sep> ?{_SEP} ?)[^\W_](?:(?P=sep)[^\W_]){{2,}}\d*(?!\w)(?!(?P=sep){_NOT_CODE_AFTER})"
)
# Every such run holds three separators with one character between them; searching for that first is faster, as
# the pattern starts with a separator.
_SPLIT_LETTERS_HINT = re.compile(rf"{_SEP} ?[^\W_] ?{_SEP} ?[^\W_] ?{_SEP}").search
_SPACE_RE = re.compile(r"\s+")
_HAS_LETTER = re.compile(r"[^\W\d_]").search
_DIGIT = re.compile(r"\d").search


# Default-ignorable code points (Unicode DerivedCoreProperties) that are not format characters: Hangul fillers,
# variation selectors, the combining grapheme joiner …, and the blank Braille pattern. They show as nothing or as a
# blank and are dropped.
_FILLERS = [
    (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x2800, 0x2800), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
]  # fmt: skip
# Accented letters that are letters of their own in Russian, Ukrainian and Belarusian: kept (ё goes by yo_to_e).
_FILLER_RE = re.compile("[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _FILLERS) + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]").search
_KEEP_ACCENTED = frozenset("йЙёЁїЇўЎ")
# Text made only of these characters (printable ASCII, Russian letters, common punctuation) is left alike by NFKC
# and holds no invisible character, mark, accent or Greek letter: the fast path of Normaliser.prepare.
_PLAIN = re.compile("[\x20-\x7e\u0401\u0410-\u044f\u0451«»–—’“”°×·±€]*\\Z").match
_TABLES: SimpleNamespace | None = None


def _char_class(codepoints: list[int]) -> str:
    """A regular-expression character class of code points, as ranges."""
    parts = []
    i = 0
    while i < len(codepoints):
        j = i
        while j + 1 < len(codepoints) and codepoints[j + 1] == codepoints[j] + 1:
            j += 1
        lo, hi = codepoints[i], codepoints[j]
        parts.append(re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}")
        i = j + 1
    return "[" + "".join(parts) + "]"


def _tables() -> SimpleNamespace:
    """Character tables built on first use from :mod:`unicodedata` (one pass over all code points)."""
    global _TABLES
    if _TABLES is None:
        invisible: dict[int, str | None] = {}
        marks: list[int] = []
        # Planes 2-13, 15 and 16 hold no format, control, space or mark characters.
        for cp in [*range(0x20000), *range(0xE0000, 0xF0000)]:
            cat = unicodedata.category(chr(cp))
            if cat == "Cf":
                invisible[cp] = None
            elif cat == "Cc" or (cat in ("Zs", "Zl", "Zp") and cp != 0x20):
                invisible[cp] = " "
            elif cat in ("Mn", "Me", "Mc"):
                marks.append(cp)
        for lo, hi in _FILLERS:
            for cp in range(lo, hi + 1):
                invisible[cp] = None
        marks = [cp for cp in marks if cp not in invisible]
        fold: dict[int, str] = {}
        for cp in [*range(0xC0, 0x530), *range(0x1E00, 0x2000)]:
            ch = chr(cp)
            decomposed = unicodedata.normalize("NFD", ch)
            if ch in _KEEP_ACCENTED or len(decomposed) < 2 or not decomposed[0].isalpha():
                continue
            if all(unicodedata.category(m).startswith("M") for m in decomposed[1:]):
                fold[cp] = decomposed[0]
        mark_class = _char_class(marks)
        _TABLES = SimpleNamespace(
            invisible=invisible,
            fold=fold,
            # A class with characters past U+FFFF is searched range by range: the common case gets its own class.
            bmp_mark_or_accent=re.compile(_char_class(sorted({cp for cp in marks if cp < 0x10000} | set(fold)))).search,
            astral_mark=re.compile(_char_class([cp for cp in marks if cp >= 0x10000])).search,
            marks=re.compile(f"(?P<base>[^{mark_class[1:-1]}])?{mark_class}+"),
        )
    return _TABLES


def _drop_marks(match: re.Match) -> str:
    # Marks on Latin, Greek and Cyrillic letters, digits, spaces and punctuation are decoration (strike-through,
    # stress marks, accents typed to hide a word); marks on letters of other scripts are part of the letter.
    base = match.group("base")
    if not base:
        return ""
    cp = ord(base)
    if cp < 0x530 or 0x1E00 <= cp < 0x2000 or not base.isalpha():
        return base
    return match.group(0)


def strip_marks(text: str) -> str:
    """Fold accented Latin, Greek and Cyrillic letters to their base letter and drop combining marks on them.

    ``й``, ``ё``, ``ї`` and ``ў`` are kept. Marks on letters of other scripts are kept; marks on digits, spaces and
    punctuation are dropped.

    Args:
        text: text after NFKC.

    Returns:
        The text without decorative marks.
    """
    if text.isascii():
        return text
    tables = _tables()
    if not tables.bmp_mark_or_accent(text) and not (_ASTRAL(text) and tables.astral_mark(text)):
        return text
    return tables.marks.sub(_drop_marks, text.translate(tables.fold))


def _join_spaced(match: re.Match) -> str:
    """Join one run of single letters apart, each hyphenated piece on its own (``A n t i-d r o n e``)."""
    pieces = _HYPHEN_SPLIT.split(match.group(0))
    return "".join(piece if i % 2 else _join_spaced_piece(piece) for i, piece in enumerate(pieces))


def _join_spaced_piece(run: str) -> str:
    """Join single letters apart; where the gaps differ, the odd ones are word boundaries.

    ``к  в  а  д  р  о м  а  в  и  к`` (letters two spaces apart, words one) gives ``квадро мавик``. Parts of fewer
    than three letters next to each other are joined together, so no three single letters are left apart; a run of
    fewer than three letters is left as it is.
    """
    letters = run.split(" ")
    letters = [x for x in letters if x]
    gaps = [len(g) for g in _GAPS.findall(run)]
    width = max(set(gaps), key=lambda g: (gaps.count(g), -g))
    parts = [[letters[0]]]
    for gap, letter in zip(gaps, letters[1:]):
        if gap == width:
            parts[-1].append(letter)
        else:
            parts.append([letter])
    words: list[list[str]] = []
    for part in parts:
        if len(part) < 3 and words and len(words[-1]) < 3:
            words[-1].extend(part)
        else:
            words.append(part)
    return " ".join("".join(w) if len(w) >= 3 else " ".join(w) for w in words)


def _join_split(match: re.Match) -> str:
    """Join one run of single letters separated by dots or hyphens, unless it continues a code (``X1-A-B-C-D``)."""
    sep = match.group("sep")
    run = match.group(0)
    last = run.rsplit(sep, 1)[1]
    if sum(1 for ch in run if ch.isalpha()) < 4 or (len(last) > 1 and not last[0].isalpha()):
        return run
    start = match.start()
    before = match.string[max(0, start - len(sep) - 1) : start]
    if len(before) == len(sep) + 1 and before[1:] == sep and (before[0].isalnum() or before[0] == "_"):
        return run
    return run.replace(sep, "")


def _nfkc(text: str) -> str:
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


class Normaliser:
    """Callable that cleans one goods description.

    Steps, each switchable: bidi overrides resolved and removal of zero-width/format characters, fillers and control
    characters; Unicode NFKC; accents and combining marks on Latin, Greek and Cyrillic letters dropped; ``ё`` → ``е``;
    joining letters spaced apart or separated by dots or hyphens; Greek and Latin/Cyrillic look-alike letters and
    zeros for ``о`` repaired inside words; case folding; whitespace collapsing. Word-level repairs are cached per
    distinct word, since customs text repeats words heavily. Normalising is idempotent: ``n(n(x)) == n(x)``.

    Args:
        nfkc: apply Unicode NFKC normalisation.
        strip_invisible: put right-to-left override spans in reading order, remove zero-width/format characters and
            fillers (Hangul fillers, variation selectors) and turn control and space characters into spaces.
        yo_to_e: replace ``ё`` with ``е``.
        join_spaced_letters: join runs of three or more single letters apart (one or more spaces between them) and
            of four or more single letters separated by the same dot, hyphen, underscore or middle dot.
        fix_lookalikes: repair Greek and Latin/Cyrillic look-alike letters and zeros for ``о`` inside words.
        lowercase: fold case.
        strip_marks: fold accented Latin, Greek and Cyrillic letters (not ``й``) to their base letter and drop
            combining marks (strike-through, stress marks) on them.
        drop_negated: drop the words after "except", «кроме» … that name what the goods are not (:func:`drop_negated`).
        drop_field_labels: drop graph-31 field labels («ИЗГОТОВИТЕЛЬ», «АРТИКУЛ» …, :func:`drop_field_labels`).
        join_aircraft_types: write an aircraft type family and its number written apart as one designation («Ми 8»
            → «Ми-8», "Bell 407" → "Bell-407"; :func:`~pipeline.text.aircraft.join_spaced_types`).
        join_system_names: write a named military system and its type number written apart as one designation
            («Орлан 10» → «Орлан-10», "Switchblade 300" → "Switchblade-300";
            :func:`~pipeline.text.systems.join_spaced_names`).
    """

    def __init__(
        self,
        nfkc: bool = True,
        strip_invisible: bool = True,
        yo_to_e: bool = True,
        join_spaced_letters: bool = True,
        fix_lookalikes: bool = True,
        lowercase: bool = True,
        strip_marks: bool = True,
        drop_negated: bool = False,
        drop_field_labels: bool = False,
        join_aircraft_types: bool = False,
        join_system_names: bool = False,
    ):
        self.nfkc = nfkc
        self.strip_invisible = strip_invisible
        self.yo_to_e = yo_to_e
        self.join_spaced_letters = join_spaced_letters
        self.fix_lookalikes = fix_lookalikes
        self.lowercase = lowercase
        self.strip_marks = strip_marks
        self.drop_negated = drop_negated
        self.drop_field_labels = drop_field_labels
        self.join_aircraft_types = join_aircraft_types
        self.join_system_names = join_system_names
        self._cache: dict[str, str] = {}

    def __setstate__(self, state: dict) -> None:
        # A pickle from before a parameter existed: the parameter takes its default.
        defaults = {
            "strip_marks": True,
            "drop_negated": False,
            "drop_field_labels": False,
            "join_aircraft_types": False,
            "join_system_names": False,
        }
        self.__dict__.update({**defaults, **state})

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

    def _characters(self, text: str) -> str:
        """The character steps: NFKC, marks, ``ё`` (also applied again to runs that case folding changed)."""
        if self.nfkc:
            text = _nfkc(text)
        if self.strip_marks:
            text = strip_marks(text)
        if self.yo_to_e:
            text = text.replace("ё", "е").replace("Ё", "Е")
        return text

    def prepare(self, text: str) -> str:
        """The whole-text steps, before :meth:`repair_run`.

        Bidi spans and invisible characters, NFKC, marks, ``ё``, negated words and field labels dropped (before letters
        apart are joined, so that a second pass finds no letters a dropped word left apart), Greek look-alikes, aircraft
        types and system names written apart.
        """
        if not text:
            return ""
        plain = _PLAIN(text) is not None
        if plain:
            # Nothing for the character steps to do but ``ё``.
            if self.yo_to_e:
                text = text.replace("ё", "е").replace("Ё", "Е")
        else:
            if self.strip_invisible and (not text.isprintable() or (not text.isascii() and _FILLER_RE.search(text))):
                # Before NFKC: a removed character between a letter and a mark must not leave a pair to compose.
                text = resolve_bidi(text).translate(_tables().invisible)
            text = self._characters(text)
        if self.drop_negated:
            text = drop_negated(text)
        if self.drop_field_labels:
            text = drop_field_labels(text)
        if self.join_spaced_letters:
            joined = _SPLIT_LETTERS_RE.sub(_join_split, text) if _SPLIT_LETTERS_HINT(text) else text
            if _SPACED_LETTERS_HINT(joined):
                joined = _SPACED_LETTERS_RE.sub(_join_spaced, joined)
            if joined != text:
                # Letters brought together can compose (Hangul jamo).
                text = _nfkc(joined) if self.nfkc else joined
        if self.fix_lookalikes and not plain:
            text = fix_greek(text)
        if self.join_aircraft_types and _DIGIT(text):
            # Last, and deciding on the repaired word, so that a second pass over the result joins nothing more.
            text = join_spaced_types(text, self._family_fold)
        if self.join_system_names and _DIGIT(text):
            text = join_spaced_names(text, self._family_fold)
        return text

    def _family_fold(self, word: str) -> str:
        return self.repair_run(word).lower()

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
                lowered = fixed.lower()
                if lowered != fixed and not lowered.isascii():
                    # Folding case can give a mark or a compatibility form (``İ`` → ``i̇``).
                    lowered = self._characters(lowered)
                fixed = lowered
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
