"""Evasion fuzz: do spelling tricks flip the labels of clear dual-use lines?

    python bench/evasions.py                          # models/default on corpora/ood/ood_test.csv
    python bench/evasions.py --model /tmp/m --seed 3 --markdown

Takes the dual-use lines of the out-of-distribution test that the model labels correctly as written, applies one
trick at a time to every word of four or more letters (random choices come from ``--seed``), labels the altered
lines and prints, per trick: the lines it altered, how many became ``other``, how many got another dual-use label
and how many kept their label. Always exits 0: it is a measurement, not a test.

The tricks are the ones an exporter can type to hide a word from a keyword filter while a reader still sees it:
Hangul fillers inside words, combining marks (strike-through, accents), letters spaced apart by two spaces or
separated by dots or hyphens, right-to-left override with the word typed backwards, Greek look-alike letters and
the digit zero for the letter О.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # measure this checkout's pipeline, not another installed copy

from pipeline.config import POSITIVE_LABELS  # noqa: E402
from pipeline.model.core import load_model  # noqa: E402

_WORD = re.compile(r"[^\W\d_]{4,}")

FILLERS = ["\u3164", "\u115f", "\u1160", "\uffa0"]
MARKS = ["\u0301", "\u0300", "\u0308", "\u0303", "\u0327", "\u0332", "\u0335", "\u0338", "\u0305"]
# Latin and Cyrillic letters -> the Greek letter that looks the same.
GREEK = {
    "A": "Α", "B": "Β", "E": "Ε", "H": "Η", "I": "Ι", "K": "Κ", "M": "Μ", "N": "Ν", "O": "Ο", "P": "Ρ", "T": "Τ",
    "X": "Χ", "Y": "Υ", "Z": "Ζ", "a": "α", "i": "ι", "k": "κ", "o": "ο", "p": "ρ", "u": "υ", "v": "ν", "x": "χ",
    "А": "Α", "В": "Β", "Г": "Γ", "Е": "Ε", "К": "Κ", "Л": "Λ", "М": "Μ", "Н": "Η", "О": "Ο", "П": "Π", "Р": "Ρ",
    "Т": "Τ", "Ф": "Φ", "Х": "Χ", "а": "α", "к": "κ", "о": "ο", "р": "ρ", "х": "χ",
}  # fmt: skip


def _filler(word: str, rng: random.Random) -> str:
    chars = list(word)
    for _ in range(rng.randint(1, 2)):
        chars.insert(rng.randint(1, len(chars) - 1), rng.choice(FILLERS))
    return "".join(chars)


def _strike(word: str, rng: random.Random) -> str:
    return "".join(ch + "\u0336" for ch in word)


def _marks(word: str, rng: random.Random) -> str:
    return "".join(ch + rng.choice(MARKS) if rng.random() < 0.5 else ch for ch in word)


def _joined(sep: str) -> Callable[[str, random.Random], str]:
    return lambda word, rng: sep.join(word)


def _rlo(word: str, rng: random.Random) -> str:
    return "\u202e" + word[::-1] + "\u202c"


def _greek(word: str, rng: random.Random) -> str:
    return "".join(GREEK[ch] if ch in GREEK and rng.random() < 0.7 else ch for ch in word)


def _zero(word: str, rng: random.Random) -> str:
    return word.replace("О", "0").replace("о", "0")


TRICKS: dict[str, Callable[[str, random.Random], str]] = {
    "hangul_filler": _filler,
    "strike_through": _strike,
    "combining_marks": _marks,
    "double_spaced": _joined("  "),
    "dotted": _joined("."),
    "hyphenated": _joined("-"),
    "rlo_reversed": _rlo,
    "greek_lookalikes": _greek,
    "zero_for_o": _zero,
}


def apply_trick(text: str, trick: Callable[[str, random.Random], str], rng: random.Random) -> str:
    """Apply ``trick`` to every word of four or more letters of ``text``."""
    return _WORD.sub(lambda m: trick(m.group(0), rng), text)


def dual_use_lines(path: Path) -> tuple[list[str], list[str]]:
    """The texts and labels of the dual-use lines of a labelled CSV file."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("label") in POSITIVE_LABELS]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "models" / "default"))
    ap.add_argument("--data", default=str(REPO / "corpora" / "ood" / "ood_test.csv"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tricks", nargs="*", choices=sorted(TRICKS), help="only these tricks (default: all)")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--show", type=int, default=0, help="print up to N flipped lines per trick")
    args = ap.parse_args(argv)

    model = load_model(args.model)
    texts, gold = dual_use_lines(Path(args.data))
    clean = [p.label for p in model.predict(texts)]
    keep = [i for i, (c, g) in enumerate(zip(clean, gold)) if c == g]
    texts = [texts[i] for i in keep]
    labels = [gold[i] for i in keep]
    print(f"model {args.model}; {len(gold)} dual-use lines in {args.data}, {len(keep)} labelled correctly as written")

    header = ("trick", "lines", "to other", "to another label", "kept")
    rows = []
    for name in args.tricks or TRICKS:
        rng = random.Random(f"{args.seed}:{name}")
        altered = [apply_trick(t, TRICKS[name], rng) for t in texts]
        idx = [i for i, (a, t) in enumerate(zip(altered, texts)) if a != t]
        preds = [p.label for p in model.predict([altered[i] for i in idx])]
        to_other = [i for i, p in zip(idx, preds) if p == "other"]
        to_another = [i for i, p in zip(idx, preds) if p not in ("other", labels[i])]
        rows.append((name, len(idx), len(to_other), len(to_another), len(idx) - len(to_other) - len(to_another)))
        for i in (to_other + to_another)[: args.show]:
            print(f"  {name}: {labels[i]} -> {altered[i]!r}")
    total = tuple(sum(r[k] for r in rows) for k in range(1, 5))
    rows.append(("all", *total))

    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] + ["---:"] * 4) + "|")
        for r in rows:
            print("| " + " | ".join(str(x) for x in r) + " |")
    else:
        print(f"{header[0]:<18}" + "".join(f"{h:>18}" for h in header[1:]))
        for r in rows:
            print(f"{r[0]:<18}" + "".join(f"{x:>18}" for x in r[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
