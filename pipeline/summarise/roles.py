"""Column roles of a labelled file and the parsers of its dates, values and flags.

A role (date, value, importer, ...) is found from the usual column names, Russian and English, compared case- and
space-insensitively; every role can be given explicitly instead. The columns ``dualuse predict`` adds are found
under their own names, or with the ``dualuse_`` prefix predict gives them when the input already had that name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipeline.errors import InputError
from pipeline.tables.columns import TEXT_COLUMN_CANDIDATES, column_key

# Roles found from the input's own columns: name → candidate column names (normalised), most specific first.
# A candidate ending in "*" matches any column starting with it ("стоимость, usd").
INPUT_ROLES: dict[str, tuple[str, ...]] = {
    "date": ("дата дт", "дата декларации", "дата", "date", "declaration date", "shipment date", "arrival date"),
    "value": (
        "стоимость, usd",
        "стоимость usd",
        "статистическая стоимость",
        "фактурная стоимость",
        "стоимость*",
        "value, usd",
        "value usd",
        "usd",
        "value",
        "total value",
        "amount",
        "cost",
    ),
    "importer": ("получатель", "импортер", "импортёр", "importer", "consignee", "buyer"),
    "exporter": ("отправитель", "экспортер", "экспортёр", "exporter", "shipper", "seller", "supplier"),
    "country": (
        "страна происхождения",
        "страна",
        "country of origin",
        "origin country",
        "origin",
        "country",
    ),
    "text": tuple(TEXT_COLUMN_CANDIDATES),
}
# Columns written by `dualuse predict` and by the entity (issue 13) and code (issue 12) steps.
PREDICT_ROLES = (
    "label",
    "score",
    "military_marker",
    "military_wording",
    "status",
    "review",
    "candidate",
    "brand",
    "manufacturer",
    "model",
    "quantity",
    "unit",
    "explanation",
    "hs_code",
    "code_label",
    "chpl_tier",
    "code_conflict",
)
ROLE_OPTIONS = ("date", "value", "importer", "exporter", "country", "brand", "text")


@dataclass
class Roles:
    """The columns chosen for each role (``None``: not present), and how each was chosen.

    Attributes:
        columns: role → column name or ``None``.
        how: role → ``"given"`` or ``"detected"`` for each role with a column.
        by: the extra ``--by`` columns.
    """

    columns: dict[str, str | None] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)
    by: list[str] = field(default_factory=list)

    def __getitem__(self, role: str) -> str | None:
        return self.columns.get(role)


def _find(by_norm: dict[str, str], candidates: Sequence[str]) -> str | None:
    for cand in candidates:
        if cand.endswith("*"):
            hits = [c for n, c in by_norm.items() if n.startswith(cand[:-1])]
            if hits:
                return hits[0]
        elif cand in by_norm:
            return by_norm[cand]
    return None


def detect_roles(
    columns: Sequence[str], given: dict[str, str | None] | None = None, by: Sequence[str] = (), source: str = "input"
) -> Roles:
    """Choose the column of each role.

    Args:
        columns: the file's columns.
        given: role → column name given by the user (overrides detection).
        by: extra grouping columns.
        source: the file, for error messages.

    Raises:
        InputError: a given column is absent, or the file has no ``label`` column (not a labelled file).
    """
    by_norm = {column_key(c): c for c in columns}
    roles = Roles()

    def resolve(name: str, what: str) -> str:
        hit = by_norm.get(column_key(name))
        if hit is None:
            raise InputError(f"{source}: {what} column {name!r} not found; columns present: {list(columns)}")
        return hit

    for role in PREDICT_ROLES:
        present = set(columns)
        roles.columns[role] = next((c for c in (f"dualuse_{role}", role) if c in present), None)
        if roles.columns[role]:
            roles.how[role] = "detected"
    if roles["label"] is None:
        raise InputError(
            f"{source}: no 'label' column: give a file written by `dualuse predict`; columns present: {list(columns)}"
        )
    for role in ROLE_OPTIONS:
        name = (given or {}).get(role)
        if name:
            roles.columns[role], roles.how[role] = resolve(name, role), "given"
        elif role in INPUT_ROLES:
            roles.columns[role] = _find(by_norm, INPUT_ROLES[role])
            if roles.columns[role]:
                roles.how[role] = "detected"
    roles.by = [resolve(b, "--by") for b in by]
    return roles


_DMY = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})(?:[ T].*)?")
_YMD = re.compile(r"(\d{4})[./-](\d{1,2})[./-](\d{1,2})(?:[ T].*)?")
_YM = re.compile(r"(\d{4})-(\d{1,2})")
MIN_YEAR, MAX_YEAR = 1900, 2100


def parse_month(value: Any) -> str | None:
    """The ``YYYY-MM`` of a date cell; ``""`` when the cell is empty; ``None`` when it is not a date.

    Accepts ``15.03.2023``, ``15/03/2023``, ``15.03.23``, ``2023-03-15`` (with a time after it or not),
    ``2023-03`` and date/datetime objects (spreadsheets, Parquet). A date that does not exist (``31.02.2023``)
    or lies outside 1900–2100 is not a date.
    """
    if value is None:
        return ""
    if isinstance(value, (datetime, date)):
        y, m, d = value.year, value.month, value.day
    else:
        text = str(value).strip()
        if not text:
            return ""
        if hit := _DMY.fullmatch(text):
            d, m, y = int(hit[1]), int(hit[2]), int(hit[3])
            if len(hit[3]) == 2:
                y += 2000
        elif hit := _YMD.fullmatch(text):
            y, m, d = int(hit[1]), int(hit[2]), int(hit[3])
        elif hit := _YM.fullmatch(text):
            y, m, d = int(hit[1]), int(hit[2]), 1
        else:
            return None
    try:
        date(y, m, d)
    except ValueError:
        return None
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    return f"{y:04d}-{m:02d}"


_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_CURRENCY = re.compile(r"^(?:usd|us\$|\$|долл\.?)\s*|\s*(?:usd|us\$|\$|долл\.?)$", re.IGNORECASE)
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def parse_value(value: Any) -> float | str:
    """A money value as a float; ``"missing"`` for an empty cell; ``"malformed"`` when it is not a number.

    Decimal commas (``9,2``) and thousands separators (``1 234 567,50``, ``1,234,567.50``, ``1.234.567,50``)
    are read; a single comma is a decimal comma (the Russian convention). A currency mark (``USD``, ``$``)
    before or after the number is dropped. Infinite and NaN values are malformed.
    """
    if value is None or isinstance(value, bool):
        return "missing" if value is None else "malformed"
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else "malformed"
    text = _CURRENCY.sub("", str(value).strip())
    text = _SPACES.sub("", text)
    if not text:
        return "missing" if not str(value).strip() else "malformed"
    if "," in text and "." in text:
        dec = "," if text.rfind(",") > text.rfind(".") else "."
        text = text.replace("." if dec == "," else ",", "").replace(",", ".")
    elif text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    if not _NUMBER.fullmatch(text):
        return "malformed"
    out = float(text)
    return out if math.isfinite(out) else "malformed"


def parse_flag(value: Any) -> bool:
    """Whether a 0/1 flag cell (``1``, ``"1"``, ``1.0``, ``True``, ``"true"``) is set."""
    if value is None:
        return False
    if isinstance(value, (bool, int, float)):
        return bool(value) and value == value
    return str(value).strip().casefold() in ("1", "1.0", "true", "yes")


def parse_score(value: Any) -> float:
    """A score cell as a float (0 when empty or not a number)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return 0.0
    return out if math.isfinite(out) else 0.0


def cell_text(value: Any) -> str:
    """A category cell (importer, brand, ...) as stripped text; numbers from spreadsheets without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())
