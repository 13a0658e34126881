"""Named pieces of a rules file: a line ``=NAME expression`` defines a piece that later lines write as ``{=NAME}``.

Used by :meth:`pipeline.text.markers.MarkerMatcher.from_file`, so that long alternations (the countries and forces of
the rules on other countries' militaries) are written once in ``configs/markers.txt``.
"""

from __future__ import annotations

import re

from pipeline.errors import MarkerRuleError

PIECE_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_PIECE_USE = re.compile(r"\{=([A-Z][A-Z0-9_]*)\}")


def expand_pieces(line: str, pieces: dict[str, str], where: str) -> str:
    """``line`` with each ``{=NAME}`` replaced by ``(?:`` its piece ``)``; ``where`` names the line in errors.

    Raises:
        MarkerRuleError: for a piece not defined above the line.
    """

    def piece(match: re.Match) -> str:
        name = match.group(1)
        if name not in pieces:
            raise MarkerRuleError(f"{where}: unknown piece {{={name}}}")
        return f"(?:{pieces[name]})"

    return _PIECE_USE.sub(piece, line)
