"""Military end-use markers: a flag reported beside the label.

The rules are a plain list of regular expressions (``configs/markers.txt``) matched on the normalised text, so
that look-alike letters, ``ё`` and case do not hide a marker. Lines starting with ``!`` are exclusions (standard
disclaimers such as «не является товаром военного назначения») that are cut out of the text before matching.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from pipeline.errors import MarkerRuleError
from pipeline.text.rule_pieces import PIECE_NAME, expand_pieces


class MarkerMatcher:
    """Find military end-use wording in normalised text.

    Args:
        patterns: regular expressions that mark military end use.
        exclusions: regular expressions whose matches are removed before ``patterns`` are tried.
        source: where the rules came from, for error messages and the model card.
    """

    def __init__(self, patterns: list[str], exclusions: list[str] | None = None, source: str = "<rules>"):
        self.patterns = list(patterns)
        self.exclusions = list(exclusions or [])
        self.source = source
        self._compile()

    def _compile(self) -> None:
        # The exclusions a text may match (it holds one of their required literals) are cut as their alternation
        # in file order would cut them, each compiled once on its own (_cut_each; a set joined only on an empty match).
        self._exclusion_rx = [re.compile(p) for p in self.exclusions]
        self._exclusion_sets: dict[tuple[int, ...], re.Pattern] = {}
        self._exclusion_index = _LiteralIndex([required_literals(p) for p in self.exclusions])
        # A text is searched only with the rules one of whose required literals it holds; the great majority of
        # lines, which name no military end use, hold none and skip the regular expressions.
        self._rules = [re.compile(p) for p in self.patterns]
        self._rule_index = _LiteralIndex([required_literals(p) for p in self.patterns])
        # Every literal of every rule, or None when some rule has none (then nothing can be skipped).
        self._pattern_literals = None if self._rule_index.always else tuple(sorted(self._rule_index.literals, key=len))
        self._run_flags: dict[str, bool] = {}
        # Every required literal has a space-free piece that one run of any text holding the literal must contain,
        # start with, end with or equal (see _piece): a text none of whose runs passes that test cannot match.
        tests: dict[str, set[str]] = {"in": set(), "start": set(), "end": set(), "eq": set()}
        for lit in self._pattern_literals or ():
            where, piece = _piece(lit)
            tests[where].add(piece)
        inside = sorted(tests["in"])
        self._piece_in = re.compile("|".join(map(re.escape, inside))).search if inside else None
        self._piece_start = tuple(sorted(tests["start"]))
        self._piece_end = tuple(sorted(tests["end"]))
        self._piece_eq = frozenset(tests["eq"])

    def run_may_match(self, run: str) -> bool:
        """Whether a text holding this space-free run of normalised text could name a military end use.

        A text none of whose runs may match has no marker, so callers that already hold a text's runs (the
        per-run featuriser) can skip :meth:`find` for it. ``True`` for every run when some rule has no literal.
        """
        if not self.patterns:
            return False
        if self._pattern_literals is None:
            return True
        return (
            run in self._piece_eq
            or (self._piece_in is not None and self._piece_in(run) is not None)
            or run.startswith(self._piece_start)
            or run.endswith(self._piece_end)
        )

    def __getstate__(self) -> dict:
        return {"patterns": self.patterns, "exclusions": self.exclusions, "source": self.source}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compile()

    @classmethod
    def from_file(cls, path: str | Path) -> MarkerMatcher:
        """Read rules from a text file, one regular expression a line.

        A line ``=NAME expression`` defines a named piece that later lines write as ``{=NAME}`` (it stands for
        ``(?:expression)``): long alternations such as the countries of the rules on other countries' militaries
        are written once.

        Raises:
            MarkerRuleError: naming the file and line of a rule that does not compile, or of an unknown or
                repeated piece.
        """
        path = Path(path)
        patterns, exclusions = [], []
        pieces: dict[str, str] = {}
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            line = expand_pieces(line, pieces, f"{path}, line {lineno}")
            if line.startswith("="):
                name, _, body = line[1:].partition(" ")
                if not PIECE_NAME.fullmatch(name) or not body.strip() or name in pieces:
                    raise MarkerRuleError(f"{path}, line {lineno}: bad or repeated piece definition {raw.strip()!r}")
                pieces[name] = body.strip()
                continue
            target = patterns
            if line.startswith("!"):
                line, target = line[1:].strip(), exclusions
            try:
                re.compile(line)
            except re.error as exc:
                raise MarkerRuleError(f"{path}, line {lineno}: bad regular expression {line!r}: {exc}") from exc
            target.append(line)
        if not patterns:
            raise MarkerRuleError(f"{path}: no marker rules found")
        return cls(patterns, exclusions, source=str(path))

    def find(self, normalised_text: str) -> str | None:
        """Return the first marker wording found in ``normalised_text``, or ``None``."""
        span = self.span(normalised_text)
        return None if span is None else normalised_text[span[0] : span[1]]

    def span(self, normalised_text: str) -> tuple[int, int] | None:
        """Where in ``normalised_text`` the first marker wording lies (start, end), or ``None`` when there is none.

        The span is of the text as given, though the exclusions are cut out before the rules are tried.
        """
        if not self.patterns or not normalised_text:
            return None
        text = normalised_text
        if self._pattern_literals is not None and not self._runs_may_match(text):
            return None
        where = None  # where each character of the cut text stands in the given text, when something was cut
        if self.exclusions:
            key = self._exclusion_index.candidates(text)
            if key:
                cut = _cut_each([self._exclusion_rx[i] for i in key], text)
                text, where = cut if cut is not None else _cut(self._joined(key), text)
        # The leftmost match of any rule, the earlier rule on a tie: what the rules joined by "|" would find.
        best = None
        for i in self._rule_index.candidates(text):
            m = next((m for m in self._rules[i].finditer(text) if not negated(text, m.start())), None)
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        if best is None:
            return None
        start, end = best.span()
        while start < end and text[start] == " ":
            start += 1
        while end > start and text[end - 1] == " ":
            end -= 1
        if where is None:
            return start, end
        return where[start], where[end - 1] + 1

    def _joined(self, key: tuple[int, ...]) -> re.Pattern:
        """The exclusions numbered ``key`` joined in their order as one alternation (compiled once per set)."""
        found = self._exclusion_sets.get(key)
        if found is None:
            if len(self._exclusion_sets) >= 4096:
                self._exclusion_sets.clear()
            found = self._exclusion_sets[key] = re.compile("|".join(f"(?:{self.exclusions[i]})" for i in key))
        return found

    def mark(self, originals: Sequence[str], normalised: dict[int, str]) -> tuple[list[int], list[str]]:
        """The marker (0/1) and its wording as written (:func:`original_wording`) of each of ``originals``.

        ``normalised`` holds the normalised text of the rows that may name a military end use (row index → text);
        the other rows get 0 and ``""``.
        """
        markers, wording = [0] * len(originals), [""] * len(originals)
        for i, text in normalised.items():
            span = self.span(text)
            if span is not None:
                markers[i], wording[i] = 1, original_wording(originals[i], text, span)
        return markers, wording

    def _runs_may_match(self, text: str) -> bool:
        """Whether some space-free run of ``text`` may match (see :meth:`run_may_match`; cached per run)."""
        cache = self._run_flags
        for run in text.split(" "):
            flag = cache.get(run)
            if flag is None:
                flag = self.run_may_match(run)
                if len(cache) >= 100_000:
                    cache.clear()
                cache[run] = flag
            if flag:
                return True
        return False

    def __call__(self, normalised_text: str) -> int:
        """Return 1 when ``normalised_text`` names a military end use, else 0."""
        return int(self.find(normalised_text) is not None)


# Words that may stand between a negation and a marker it governs: «не предназначен для использования в зоне СВО»,
# "not for use by the Ministry of Defence". A match preceded by a negation and only such words is not a marker.
_GOVERNED = (
    r"для|в|во|на|к|по|и|или|а также|нужд\w*|интерес\w*|предназнач\w*|использ\w*|применени\w*|поставк\w*|"
    r"поставля\w*|явля\w*|относ\w*|товар\w*|продукци\w*|издели\w*|цел\w*|зон\w*|военн\w*|"
    r"of|for|the|use|used|by|intended|needs|to|supplied|supply|delivery|end|in|or|and|military|any|under|"
    r"dlya|dlia|nuzhd\w*|prednaznach\w*|postav\w*|ispolz\w*|v|na|рам(?:к|ок)\w*|платеж\w*|связан\w*|с|со|destined|"
    r"transfer\w*|goods|russian|будут|будет|be|armed|forces|including|will|shall|items?|equipment|end-users?|users?|"
    r"connection|with|so-called|так|называем\w*|re-?export\w*|export\w*|resold|sold|shipped|provided|delivered|"
    r"links?|linked|ties|interes\w*|a|an|part|member|affiliated|subsidiary|separate|отдельн\w*|ramk\w*|budet|budut|"
    r"peredan\w*|peredav\w*|peredach\w*|postavlen\w*|ispolzovan\w*|prodan\w*|передан\w*|передач\w*|передав\w*|продан\w*|"
    r"yavlya\w*|zakupk\w*|закупк\w*|"
    r"otnos\w*|podpada\w*|подпада\w*|pod|под|ministry|defen[cs]e|units?|mod|rf|рф|россии|министерств\w*|обороны|"
    r"минобороны|част\w*|воинск\w*|войсков\w*|сво|svo|smo|гоз|goz|гособоронзаказ\w*|gosoboronzakaz\w*"
)
_NEGATED = re.compile(
    r"(?:^|[^\w])(?:не|ни|вне|без|ne|not|non|no|none|nor|neither|never|outside|without)[ -]"
    r"(?:(?:" + _GOVERNED + r")[ ,.:-]{1,2})*$"
)
_NEGATION_WINDOW = 90
# A purpose phrase that starts again after a comma or stop is not governed by the negation before it: «не для
# военного использования, для нужд Минобороны» names a receiver after its disclaimer.
_NEW_PHRASE = re.compile(r"[,.;] (?:для|for|dlya|dlja|dlia)\b")


def original_wording(original: str, normalised: str, span: tuple[int, int]) -> str:
    """The words of ``original`` that a span of its normalised form came from (the normalised words if unaligned)."""
    from pipeline.text.align import char_map, original_span

    got = original_span(span, char_map(normalised, original))
    return original[got[0] : got[1]] if got else normalised[span[0] : span[1]]


def negated(text: str, start: int) -> bool:
    """Whether the marker found at ``start`` of normalised ``text`` is governed by a negation just before it.

    Disclaimers such as «не для нужд СВО», «не предназначен для использования в зоне СВО» or "not for the Ministry of
    Defence" name a military end use only to deny it; a flag on them would send investigators after ordinary goods.
    """
    window = text[max(0, start - _NEGATION_WINDOW) : start]
    found = _NEGATED.search(window)
    return found is not None and _NEW_PHRASE.search(window, found.start()) is None


def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Literal strings one of which every match of ``pattern`` must contain, if such a set is known.

    Looks at runs of literal characters in the pattern's top-level sequence, and into groups, alternatives
    (every branch must have its own literals) and repeats of at least one; picks the candidate whose shortest
    literal is longest (later candidates win ties, as the end of a phrase is usually the rarer part). ``None``
    means no safe set of literals of two or more characters was found.
    """
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None
    best = _seq_literals(parsed, sre_parse)
    return tuple(sorted(set(best), key=len)) if best and min(map(len, best)) >= 2 else None


def _seq_literals(seq, sp) -> list[str] | None:
    candidates: list[list[str]] = []
    run: list[str] = []
    for op, arg in list(seq) + [(None, None)]:
        if op is sp.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            candidates.append(["".join(run)])
            run = []
        sub = None
        if op is sp.SUBPATTERN:
            sub = _seq_literals(arg[-1], sp)
        elif op is sp.BRANCH:
            branches = [_seq_literals(b, sp) for b in arg[1]]
            if all(branches):
                sub = [lit for b in branches for lit in b]
        elif op in (sp.MAX_REPEAT, sp.MIN_REPEAT) and arg[0] >= 1:
            sub = _seq_literals(arg[2], sp)
        if sub:
            candidates.append(sub)
    best: list[str] | None = None
    for cand in candidates:
        if best is None or min(map(len, cand)) >= min(map(len, best)):
            best = cand
    return best


def _cut_each(exclusions: list[re.Pattern], text: str) -> tuple[str, list[int]] | None:
    """The cuts of :func:`_cut` with ``exclusions`` joined in order, each searched on its own.

    From each position: the match at the leftmost position any exclusion matches, by the first in order that matches
    there. ``None`` on an empty match (the alternation's handling of those is not copied: the caller falls back to it).
    """
    pieces: list[str] = []
    where: list[int] = []
    upcoming = [rx.search(text) for rx in exclusions]  # each exclusion's next match (None: no more)
    at = 0
    while True:
        first = -1
        for k, rx in enumerate(exclusions):
            m = upcoming[k]
            if m is not None and m.start() < at:
                m = upcoming[k] = rx.search(text, at)
            if m is not None and (first < 0 or m.start() < first):
                first = m.start()
        if first < 0:
            break
        m = next(m for m in (rx.match(text, first) for rx in exclusions) if m is not None)
        if m.end() == first:
            return None
        pieces.append(text[at:first])
        where.extend(range(at, first))
        pieces.append(" ")
        where.append(first)
        at = m.end()
    pieces.append(text[at:])
    where.extend(range(at, len(text)))
    return "".join(pieces), where


def _cut(exclusion: re.Pattern, text: str) -> tuple[str, list[int]]:
    """``text`` with every match of ``exclusion`` replaced by one space, and where each character of it came from.

    The space standing for a cut match points at the match's first character.
    """
    pieces: list[str] = []
    where: list[int] = []
    at = 0
    for m in exclusion.finditer(text):
        pieces.append(text[at : m.start()])
        where.extend(range(at, m.start()))
        pieces.append(" ")
        where.append(m.start())
        at = m.end()
    pieces.append(text[at:])
    where.extend(range(at, len(text)))
    return "".join(pieces), where


class _LiteralIndex:
    """Which of a list of rules may match a text.

    Those with no required literal, and those one of whose required literals (:func:`required_literals`) the text
    holds; each distinct literal is tested once per text.
    """

    def __init__(self, rule_literals: list[tuple[str, ...] | None]):
        by_literal: dict[str, list[int]] = {}
        self.always = tuple(i for i, lits in enumerate(rule_literals) if lits is None)
        for i, lits in enumerate(rule_literals):
            for lit in lits or ():
                by_literal.setdefault(lit, []).append(i)
        self.literals = tuple(by_literal)
        self.rules = tuple(tuple(by_literal[lit]) for lit in self.literals)

    def candidates(self, text: str) -> tuple[int, ...]:
        """The indices, in order, of the rules that may match ``text``."""
        found = [rules for lit, rules in zip(self.literals, self.rules) if lit in text]
        if not found:
            return self.always
        if len(found) == 1 and not self.always:
            return found[0]
        return tuple(sorted(set(self.always).union(*found)))


def _piece(literal: str) -> tuple[str, str]:
    """The most selective space-free piece of a literal, and how a run of a text holding the literal holds it.

    In normalised text (runs joined by single spaces) a one-piece literal lies ``in`` a run; of ``"a b c"`` the
    run holding ``a`` ends with it (``end``), ``b`` is a whole run (``eq``) and the run holding ``c`` starts with it
    (``start``). Longer pieces win, and a tighter test counts as extra length.
    """
    pieces = literal.split(" ")
    last = len(pieces) - 1
    options = []
    for i, piece in enumerate(pieces):
        if not piece:
            continue
        where = "in" if last == 0 else "end" if i == 0 else "start" if i == last else "eq"
        bonus = {"in": 0, "end": 1, "start": 1, "eq": 2}[where]
        options.append((len(piece) + bonus, not piece.isalpha(), i, where, piece))
    best = max(options)
    return best[3], best[4]
