"""Finding the code column of a dump: asked for by name, or detected from the usual names."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.tables import InputError

# Usual names of the declared-code column, compared without case, spaces, underscores, hyphens, dots or «№».
CODE_COLUMN_CANDIDATES = (
    "кодтнвэд",
    "кодтнвэдеаэс",
    "тнвэд",
    "тнвэдеаэс",
    "кодтоварапотнвэд",
    "кодтовара",
    "g33",
    "g331",
    "графа33",
    "hscode",
    "hs",
    "hs6",
    "tnved",
    "tnvedcode",
    "codetnved",
    "htscode",
    "hts",
    "cncode",
    "commoditycode",
    "tariffcode",
    "customscode",
    "declaredcode",
    "declaredhscode",
    "heading",
    "declaredheading",
    "hsheading",
    "tariffheading",
    "tnvedheading",
    "товарнаяпозиция",
    # Last, as the least specific: the corpus files and the public reference data name their declared code `code`.
    "code",
)


def _key(name: str) -> str:
    return re.sub(r"[\s_\-.№«»\"']+", "", str(name)).casefold()


def find_code_column(
    columns: Sequence[str], wanted: str | None, source: str, exclude: Sequence[str] = ()
) -> str | None:
    """The code column: ``wanted`` (matched like text columns), else the first usual name present, else ``None``.

    Args:
        columns: the columns present.
        wanted: the name asked for (``--code-column``), or ``None`` to detect.
        source: the file, for error messages.
        exclude: columns never taken when detecting (the text columns).

    Raises:
        InputError: when ``wanted`` is not a column, listing the columns present.
    """
    by_key = {}
    for c in columns:
        by_key.setdefault(_key(c), c)
    if wanted is not None:
        hit = by_key.get(_key(wanted))
        if hit is None:
            raise InputError(f"{source}: code column {wanted!r} not found; columns present: {list(columns)}")
        return hit
    for cand in CODE_COLUMN_CANDIDATES:
        hit = by_key.get(cand)
        if hit is not None and hit not in exclude:
            return hit
    return None


def resolve_code_column(
    columns: Sequence[str], wanted: str | bool | None, source: str, exclude: Sequence[str] = ()
) -> str | None:
    """The code column to read: ``wanted`` by name, detected when ``None`` or ``True``, none when ``False``.

    Raises:
        InputError: when a named column is not present.
    """
    if wanted is False:
        return None
    return find_code_column(columns, None if wanted in (None, True) else str(wanted), source, exclude=exclude)
