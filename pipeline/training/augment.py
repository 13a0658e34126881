"""Seeded training-data augmentation: the noise real declarations carry, added to copies of training lines.

Applied only to the lines a model is fitted on, after the corpus is split, so every variant stays in the split of
the line it came from. Each copy gets one or more of: transliteration of Russian words into Latin letters (several
romanisation habits), typos (a dropped, doubled or swapped letter), upper case (the ДТ graph-31 style), the first
Russian phrase put in the plural (:mod:`pipeline.training.inflect`), and
declaration boilerplate (quantities, disclaimers, origin) in the line's language; and, apart from that noise, a
declaration frame of invented fields (:mod:`pipeline.training.frames`).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence

from pipeline.training.frames import declaration_frame
from pipeline.training.inflect import pluralise
from pipeline.training.prose import prose_frame

_TRANSLIT_SCHEMES = [
    {"ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ы": "y", "й": "y", "ю": "yu", "я": "ya"},
    {"ж": "zh", "х": "h", "ц": "c", "ч": "ch", "ш": "sh", "щ": "sch", "ы": "i", "й": "i", "ю": "iu", "я": "ia"},
    {"ж": "j", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ы": "y", "й": "j", "ю": "ju", "я": "ja"},
]
_TRANSLIT_BASE = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "з": "z", "и": "i", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "ъ": "", "ь": "",
    "э": "e",
}  # fmt: skip

_BOILERPLATE = {
    "ru": [
        "КОЛ-ВО {n} ШТ",
        "{n} шт.",
        "НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ",
        "НЕ ЛОМ ЭЛЕКТРООБОРУДОВАНИЯ",
        "страна происхождения Китай",
        "ИЗГОТОВИТЕЛЬ ОТСУТСТВУЕТ",
        "ТОВАРНЫЙ ЗНАК ОТСУТСТВУЕТ",
        "новый, в заводской упаковке",
        "к-т {n} шт",
    ],
    "en": [
        "{n} PCS",
        "qty {n} units",
        "made in China",
        "new, original packing",
        "HS CODE 8471300000",
        "said to contain {n} cartons",
        "not for military use",
    ],
}
_WORD = re.compile(r"[А-Яа-яЁё]+")


def _lang_of(text: str) -> str:
    """``"ru"`` when ``text`` holds a Cyrillic word, else ``"en"``: the language of the boilerplate and frames added."""
    return "ru" if _WORD.search(text) else "en"


def transliterate(text: str, scheme: int = 0) -> str:
    """Write the Russian words of ``text`` in Latin letters with one of the usual romanisation habits."""
    table = {**_TRANSLIT_BASE, **_TRANSLIT_SCHEMES[scheme % len(_TRANSLIT_SCHEMES)]}

    def one(m: re.Match) -> str:
        word = m.group(0)
        out = "".join(table.get(ch.lower(), ch) for ch in word)
        return out.upper() if word.isupper() and len(word) > 1 else (out.capitalize() if word[0].isupper() else out)

    return _WORD.sub(one, text)


def add_typo(text: str, rng: random.Random) -> str:
    """Drop, double or swap one letter in one word of five or more letters."""
    words = [m for m in re.finditer(r"[^\W\d_]{5,}", text)]
    if not words:
        return text
    m = rng.choice(words)
    w = m.group(0)
    i = rng.randrange(1, len(w) - 1)
    op = rng.randrange(3)
    if op == 0:
        w2 = w[:i] + w[i + 1 :]
    elif op == 1:
        w2 = w[:i] + w[i] + w[i:]
    else:
        w2 = w[: i - 1] + w[i] + w[i - 1] + w[i + 1 :]
    return text[: m.start()] + w2 + text[m.end() :]


class Augmenter:
    """Make noisy copies of training lines.

    Args:
        copies: noisy copies per line (0 switches augmentation off).
        p_translit: chance that a copy of a line with Russian words is transliterated.
        p_typo: chance of a typo in a copy.
        p_upper: chance that a copy is put in upper case.
        p_boilerplate: chance that declaration boilerplate is appended.
        p_frame: chance that a copy, after the noise above, is put in a declaration frame of 2-5 invented fields
            (maker, mark, model, quantity, origin, state, disclaimer), mostly in the line's own language.
        p_prose: chance that a copy not put in a declaration frame is put inside invented sentences of a ruling, a
            customs decision or a news report in the line's language (:mod:`pipeline.training.prose`).
        seed: random seed; the same seed gives the same copies.
        p_inflect: chance that a copy of a line with Russian words has the nominative singular nouns, adjectives and
            participles of its first phrase put in the plural («ударопрочный ноутбук» → «ударопрочные ноутбуки»:
            :mod:`pipeline.training.inflect`), before the noise above.
        per_line: draw each copy from random streams of its own, seeded by ``seed``, the copy's number and the line's
            text, one for the noise and one for the frame: a line's copy is then the same whatever other lines are
            fitted beside it (each leave-one-source-out fold) and whatever other option draws numbers, so two recipes
            that differ in one option differ only where that option acts. ``False``: one stream for all lines, in
            order (the recipe's models were fitted so).
        copy_weight: the sample weight of each copy, as a share of its original line's weight, when a model is
            fitted on the copies (:func:`pipeline.training.fit.fit_model`): with ``p_frame = 1.0`` and ``copy_weight
            = 0.5`` every line has a framed copy at half weight, the expected fit of ``p_frame = 0.5`` at full weight
            without the draw of which lines are framed. The copies themselves do not depend on it.
    """

    def __init__(
        self,
        copies: int = 1,
        p_translit: float = 0.3,
        p_typo: float = 0.3,
        p_upper: float = 0.2,
        p_boilerplate: float = 0.3,
        p_frame: float = 0.0,
        seed: int = 0,
        p_prose: float = 0.0,
        p_inflect: float = 0.0,
        per_line: bool = False,
        copy_weight: float = 1.0,
    ):
        self.copies = copies
        self.p_translit = p_translit
        self.p_typo = p_typo
        self.p_upper = p_upper
        self.p_boilerplate = p_boilerplate
        self.p_frame = p_frame
        self.seed = seed
        self.p_prose = p_prose
        self.p_inflect = p_inflect
        self.per_line = per_line
        self.copy_weight = copy_weight

    def variant(self, text: str, rng: random.Random, frame_rng: random.Random | None = None) -> str:
        """One noisy copy of ``text`` (at least one change is made when possible).

        The frame is drawn from ``frame_rng`` (``rng`` when ``None``).
        """
        out = text
        has_ru = bool(_WORD.search(text))
        changed = False
        for _ in range(3):
            if has_ru and self.p_inflect > 0 and rng.random() < self.p_inflect:
                plural = pluralise(out)
                if plural != out:
                    out = plural
                    changed = True
            if has_ru and rng.random() < self.p_translit:
                out = transliterate(out, rng.randrange(len(_TRANSLIT_SCHEMES)))
                has_ru = False
                changed = True
            if rng.random() < self.p_typo:
                out = add_typo(out, rng)
                changed = True
            if rng.random() < self.p_upper:
                out = out.upper()
                changed = True
            if rng.random() < self.p_boilerplate:
                lang = _lang_of(out)
                extra = rng.choice(_BOILERPLATE[lang]).format(n=rng.choice([1, 2, 5, 10, 20, 50, 100, 500]))
                out = f"{out}, {extra}" if rng.random() < 0.7 else f"{extra} {out}"
                changed = True
            if changed:
                break
        if self.p_frame <= 0 and self.p_prose <= 0:
            return out
        frame_rng = rng if frame_rng is None else frame_rng
        draw = frame_rng.random()
        if draw < self.p_frame:
            lang = _lang_of(text)
            if frame_rng.random() < 0.15:
                lang = "en" if lang == "ru" else "ru"
            out = declaration_frame(out, lang, frame_rng)
        elif draw < self.p_frame + self.p_prose:
            out = prose_frame(out, _lang_of(text), frame_rng)
        return out

    def augment(self, texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str]]:
        """Return the original lines followed by ``copies`` noisy copies of each (same labels).

        Copies identical to their original are dropped.
        """
        out_t, out_l, _ = self.augment_with_origin(texts, labels)
        return out_t, out_l

    def augment_with_origin(
        self, texts: Sequence[str], labels: Sequence[str]
    ) -> tuple[list[str], list[str], list[int]]:
        """Like :meth:`augment`, and also the index of the original line each output line comes from."""
        rng = random.Random(self.seed)
        out_t, out_l, origin = list(texts), list(labels), list(range(len(texts)))
        for k in range(self.copies):
            for i, (t, lab) in enumerate(zip(texts, labels)):
                if self.per_line:
                    v = self.variant(t, _line_rng(self.seed, k, "noise", t), _line_rng(self.seed, k, "frame", t))
                else:
                    v = self.variant(t, rng)
                if v != t:
                    out_t.append(v)
                    out_l.append(lab)
                    origin.append(i)
        return out_t, out_l, origin


def _line_rng(seed: int, copy: int, purpose: str, text: str) -> random.Random:
    """A random stream of one copy of one line, for one purpose (see ``Augmenter.per_line``)."""
    key = f"{seed}\x1f{copy}\x1f{purpose}\x1f{text}".encode("utf-8", "surrogatepass")
    return random.Random(int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little"))
