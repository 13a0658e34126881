"""Military end-use markers: a flag reported beside the label.

The rules are a plain list of regular expressions (``configs/markers.txt``) matched on the normalised text, so
that look-alike letters, ``ё`` and case do not hide a marker. Lines starting with ``!`` are exclusions (standard
disclaimers such as «не является товаром военного назначения») that are cut out of the text before matching.
"""

from __future__ import annotations

import re
from pathlib import Path


class MarkerRuleError(ValueError):
    """A marker rule file holds a line that is not a valid regular expression."""


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
        def join(rules: list[str]) -> re.Pattern | None:
            return re.compile("|".join(f"(?:{r})" for r in rules)) if rules else None

        self._pattern = join(self.patterns)
        self._exclusion = join(self.exclusions)
        # A rule can only match a text holding its required literal; checking literals with `in` first skips the
        # regular expressions for the great majority of lines, which name no military end use.
        self._pattern_literals = _prefilter(self.patterns)
        self._exclusion_literals = _prefilter(self.exclusions)
        self.__dict__.pop("_run_flags", None)

    def __getstate__(self) -> dict:
        return {"patterns": self.patterns, "exclusions": self.exclusions, "source": self.source}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._compile()

    @classmethod
    def from_file(cls, path: str | Path) -> MarkerMatcher:
        """Read rules from a text file, one regular expression a line.

        Raises:
            MarkerRuleError: naming the file and line of a rule that does not compile.
        """
        path = Path(path)
        patterns, exclusions = [], []
        for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
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
        if self._pattern is None or not normalised_text:
            return None
        text = normalised_text
        if self._pattern_literals is not None and not self._runs_may_match(text):
            return None
        if self._exclusion is not None and _may_match(self._exclusion_literals, text):
            text = self._exclusion.sub(" ", text)
        if not _may_match(self._pattern_literals, text):
            return None
        m = self._pattern.search(text)
        return m.group(0) if m else None

    def _runs_may_match(self, text: str) -> bool:
        """Whether some space-free run of ``text`` holds a piece of a required literal (cached per run).

        Every required literal has a space-free piece (its longest) that lies inside one run of any text holding
        the literal, so a text none of whose runs holds a piece cannot match; the answer for a run is cached,
        which makes the common case (no marker) a few dictionary look-ups.
        """
        cache = self.__dict__.get("_run_flags")
        if cache is None:
            cache = self._run_flags = {}
            self._pieces = tuple({_piece(lit) for lit in self._pattern_literals})
        for run in text.split(" "):
            flag = cache.get(run)
            if flag is None:
                flag = any(p in run for p in self._pieces)
                if len(cache) >= 100_000:
                    cache.clear()
                cache[run] = flag
            if flag:
                return True
        return False

    def __call__(self, normalised_text: str) -> int:
        """Return 1 when ``normalised_text`` names a military end use, else 0."""
        return int(self.find(normalised_text) is not None)


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


def _prefilter(rules: list[str]) -> tuple[str, ...] | None:
    """The required literal of every rule, or ``None`` when some rule has none (then nothing can be skipped)."""
    literals: set[str] = set()
    for rule in rules:
        lits = required_literals(rule)
        if lits is None:
            return None
        literals.update(lits)
    return tuple(sorted(literals, key=len))


def _may_match(literals: tuple[str, ...] | None, text: str) -> bool:
    return literals is None or any(lit in text for lit in literals)


def _piece(literal: str) -> str:
    """The most selective space-free piece of a literal: the longest, then not a lone letter, then the last."""
    pieces = literal.split(" ")
    best = max(range(len(pieces)), key=lambda i: (len(pieces[i]), not pieces[i].isalpha(), i))
    return pieces[best]
