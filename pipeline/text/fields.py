"""Declaration field labels: the words that name a field of graph 31, not the goods.

Russian graph 31 frames the goods with field labels («ИЗГОТОВИТЕЛЬ … ТОВАРНЫЙ ЗНАК … МОДЕЛЬ … АРТИКУЛ … КОЛ-ВО»).
They stand in declarations of every kind of goods, but most corpus lines that carry them are ordinary goods, so a
linear model reads them as evidence of ``other``. :func:`drop_field_labels` removes them; it is the optional
whole-text step ``drop_field_labels`` of :class:`~pipeline.text.normalise.Normaliser`.
"""

from __future__ import annotations

import re

_FIELD = re.compile(
    r"(?<!\w)(?:изготовитель|производитель|товарный\s+знак|торговая\s+марка|артикул|кол-во|количество"
    r"|сер\.?\s*(?:№|no\.?)|серийный\s+номер|страна\s+происхождения|дата\s+изготовления|manufacturer|trademark"
    r"|country\s+of\s+origin)(?!\w)\s*:?"
    r"|(?<!\w)(?-i:МОДЕЛЬ|MODEL)(?!\w)\s*:?|(?<!\w)(?:модель|model):",
    re.IGNORECASE,
)
_HINT = re.compile(
    r"изгот|производит|знак|марка|артикул|кол|сер|страна|дата|модел|manufact|trademark|origin|model", re.IGNORECASE
).search


def drop_field_labels(text: str) -> str:
    """Remove graph-31 field labels (``МОДЕЛЬ`` only in upper case or with a colon right after it); idempotent."""
    if not _HINT(text):
        return text
    # Until nothing changes: a dropped label can bring two words of another together («ТОВАРНЫЙ ИЗГОТОВИТЕЛЬ ЗНАК»).
    while True:
        dropped = _FIELD.sub(" ", text)
        if dropped == text:
            return text
        text = dropped
