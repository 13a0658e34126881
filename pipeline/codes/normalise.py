"""Normalising a declared customs code (ТН ВЭД ЕАЭС, HS, CN …) to its digits, with an explicit status.

A code is 2 to 10 digits: a chapter (2), a heading (4), an HS subheading (6), a CN/HTS line (8) or a ТН ВЭД ЕАЭС
subheading (10). What people and programs write around those digits is undone here:

* dots, spaces (also no-break and thin spaces) and hyphens between digits: ``8526.91``, ``8806 22 900 0``,
  ``8411-91``, ``8.806.22`` → status ``normalised``;
* a spreadsheet number: ``8806229000.0`` (a float printed as text), or an ``int``/``float`` cell → ``ok`` when
  nothing else had to change;
* an odd number of digits (3, 5, 7, 9): a leading zero dropped by a spreadsheet (``101210000`` for
  ``0101210000``) is put back → status ``padded``.

Anything else gets ``invalid: <why>`` and no code (letters such as ``88O6``, 1 or more than 10 digits, chapter
00); an empty cell gets ``empty``. A status is never blank.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NamedTuple

STATUS_OK = "ok"
STATUS_NORMALISED = "normalised"
STATUS_PADDED = "padded"
STATUS_EMPTY = "empty"
STATUS_INVALID = "invalid"

_SEPARATORS = re.compile(r"[\s.\-\u00a0\u2009\u202f\u2007\u200b\u200c\u200d\ufeff]+")
_SPREADSHEET_FLOAT = re.compile(r"^(\d{7,10})\.0+$")
_DIGITS = re.compile(r"^[0-9]+$")
MIN_DIGITS, MAX_DIGITS = 2, 10


class Code(NamedTuple):
    """A normalised code: ``digits`` (``""`` unless the status is ok, normalised or padded) and its status."""

    digits: str
    status: str

    @property
    def valid(self) -> bool:
        """Whether the cell held a usable code."""
        return bool(self.digits)


def _as_text(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell of a numeric column
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e11 else repr(value)
    return str(value)


def normalise_code(value: Any) -> Code:
    """Normalise one code cell; see the module docstring for what is accepted.

    Args:
        value: the cell as read (text, a number from a spreadsheet or Parquet file, or ``None``).

    Returns:
        A :class:`Code`; ``digits`` is empty when the status is ``empty`` or ``invalid: …``.
    """
    text = unicodedata.normalize("NFKC", _as_text(value)).strip()
    if not text:
        return Code("", STATUS_EMPTY)
    status = STATUS_OK
    float_text = _SPREADSHEET_FLOAT.match(text)
    if float_text:
        text = float_text.group(1)
    stripped = _SEPARATORS.sub("", text)
    if stripped != text:
        status = STATUS_NORMALISED
    if not stripped:
        return Code("", f"{STATUS_INVALID}: no digits in {text[:40]!r}")
    if not _DIGITS.match(stripped):
        return Code("", f"{STATUS_INVALID}: not a code, holds other characters than digits: {text[:40]!r}")
    n = len(stripped)
    if n < MIN_DIGITS or n > MAX_DIGITS:
        return Code("", f"{STATUS_INVALID}: {n} digit{'s' if n != 1 else ''}, a code has {MIN_DIGITS} to {MAX_DIGITS}")
    if n % 2:
        if stripped[0] == "0":
            return Code("", f"{STATUS_INVALID}: {n} digits starting with 0, a code has an even number: {text[:40]!r}")
        stripped, status = "0" + stripped, STATUS_PADDED
    if stripped.startswith("00"):
        return Code("", f"{STATUS_INVALID}: no chapter 00 in the nomenclature: {text[:40]!r}")
    return Code(stripped, status)


def normalise_codes(values: list[Any]) -> list[Code]:
    """:func:`normalise_code` of each value."""
    return [normalise_code(v) for v in values]
