"""Precision and recall of the entity columns on a labelled entity set.

    python bench/entities.py [corpora/entities/entities_gold.csv] [--errors N]
    python bench/entities.py corpora/entities/entities_independent.csv --stated-makers

Per field, a predicted value counts as right when it equals the gold value after folding case, spaces and the
punctuation ``.,;:"«»()`` (``SZ DJI TECHNOLOGY CO., LTD`` = ``SZ DJI Technology Co. Ltd``). Precision: right / lines
with a predicted value; recall: right / lines with a gold value. Also per style of line.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.entities import ENTITY_COLUMNS, EntityExtractor  # noqa: E402
from pipeline.entities.patterns import UNITS  # noqa: E402

_PUNCT = re.compile(r"[.,;:\"«»()]")


def canon(value: str) -> str:
    """The form two values are compared in."""
    return " ".join(_PUNCT.sub(" ", value.casefold()).split())


def score(rows: list[dict], predicted: list[dict], stated_makers: bool = False) -> dict[str, dict[str, float]]:
    """Per field: ``tp``, ``predicted``, ``gold``, ``precision``, ``recall``.

    With ``stated_makers`` (a gold set whose manufacturer is only the maker the line states), a manufacturer the
    extractor filled in from the brand's gazetteer entry is not counted where the gold has a brand and no maker.
    """
    out = {}
    for field in ENTITY_COLUMNS:
        c = Counter()
        for gold, pred in zip(rows, predicted):
            g, p = canon(gold[field]), canon(pred[field])
            if field == "unit":  # units are written in one form per unit (штук -> шт, unit -> units)
                g, p = UNITS.get(g, g), UNITS.get(p, p)
            if stated_makers and field == "manufacturer" and not g and gold["brand"]:
                continue
            c["gold"] += bool(g)
            c["predicted"] += bool(p)
            c["tp"] += bool(g) and g == p
        out[field] = {
            **c,
            "precision": c["tp"] / c["predicted"] if c["predicted"] else float("nan"),
            "recall": c["tp"] / c["gold"] if c["gold"] else float("nan"),
        }
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("gold", nargs="?", default=str(REPO / "corpora" / "entities" / "entities_gold.csv"))
    p.add_argument("--errors", type=int, default=0, help="print this many wrong values per field")
    p.add_argument(
        "--stated-makers",
        action="store_true",
        help="the gold manufacturer is only a maker the line states (entities_independent.csv)",
    )
    args = p.parse_args()
    with open(args.gold, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ex = EntityExtractor()
    predicted = [ex.extract(r["text"]).as_dict() for r in rows]
    print(f"{args.gold}: {len(rows)} lines")
    print(f"{'field':<14}{'precision':>10}{'recall':>9}{'right':>7}{'predicted':>11}{'gold':>6}")
    for field, m in score(rows, predicted, args.stated_makers).items():
        print(f"{field:<14}{m['precision']:>10.3f}{m['recall']:>9.3f}{m['tp']:>7}{m['predicted']:>11}{m['gold']:>6}")
    styles = sorted({r.get("style", "") for r in rows})
    print("\nrecall by style (" + ", ".join(ENTITY_COLUMNS) + "):")
    for style in styles:
        idx = [i for i, r in enumerate(rows) if r.get("style", "") == style]
        s = score([rows[i] for i in idx], [predicted[i] for i in idx], args.stated_makers)
        figures = " ".join(f"{s[f]['recall']:.2f}" if s[f]["gold"] else "  - " for f in ENTITY_COLUMNS)
        print(f"  {style:<16}{len(idx):>4} lines  {figures}")
    for field in ENTITY_COLUMNS if args.errors else ():
        wrong = [(r, q) for r, q in zip(rows, predicted) if canon(r[field]) != canon(q[field])][: args.errors]
        for r, q in wrong:
            print(f"[{field}] gold {r[field]!r} got {q[field]!r}: {r['text']}")


if __name__ == "__main__":
    main()
