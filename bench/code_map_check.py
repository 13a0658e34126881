"""Check the code map against hand labels it was not made from: how often a declared code's label is the line's.

For each labelled file with a ``code`` column: code statuses; of the lines whose code implies a dual-use label,
how many carry that label by hand (and which do not); of the hand-labelled dual-use lines with a valid code, how
many get their own label from the code, and how many fall under an exclusion (a false ``text>code``).

Run from the repository root::

    python bench/code_map_check.py [FILE ...]     # default: corpora/real/*_labelled.csv
"""

from __future__ import annotations

import argparse
import csv
import glob
from collections import Counter

from pipeline.codes import default_code_table, normalise_code, status_kind


def check(path: str) -> None:
    """Print the figures of one file."""
    table = default_code_table()
    statuses: Counter = Counter()
    implied = agree = gold_du = gold_du_coded = excluded = gold_other = other_implied = 0
    misses = []
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        code = normalise_code(r.get("code"))
        statuses[status_kind(code.status)] += 1
        if not code.valid:
            continue
        imp = table.implied(code.digits)
        gold = r["label"]
        if imp.label:
            implied += 1
            if gold == imp.label or gold in imp.also:
                agree += 1
            else:
                misses.append(f"{r['text'][:60]} ({code.digits}: {imp.label}, by hand {gold})")
        if gold == "other":
            gold_other += 1
            other_implied += bool(imp.label)
        else:
            gold_du += 1
            gold_du_coded += imp.label == gold or gold in imp.also
            excluded += not imp.label and bool(table.cannot_sit(code.digits, gold))
    print(f"{path}: {len(rows)} lines; code statuses {dict(sorted(statuses.items()))}")
    print(f"  code implies a dual-use label: {implied}; carrying that label by hand: {agree}")
    print(f"  hand-labelled dual-use with a valid code: {gold_du}; given their label by the code: {gold_du_coded}")
    print(f"  hand-labelled other with a valid code: {gold_other}; with a dual-use code label: {other_implied}")
    print(f"  hand-labelled dual-use under an exclusion (false text>code): {excluded}")
    for m in misses:
        print(f"    code label differs: {m}")


def main() -> None:
    """Check the files given (default: the real labelled lines)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=sorted(glob.glob("corpora/real/*_labelled.csv")))
    for path in parser.parse_args().files:
        check(path)


if __name__ == "__main__":
    main()
