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
        if self._exclusion is not None:
            text = self._exclusion.sub(" ", text)
        m = self._pattern.search(text)
        return m.group(0) if m else None

    def __call__(self, normalised_text: str) -> int:
        """Return 1 when ``normalised_text`` names a military end use, else 0."""
        return int(self.find(normalised_text) is not None)
