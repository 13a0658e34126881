"""What naming the decision rule costs the ``explanation`` column: rows/s with and without the notes, one run.

    python bench/explain_rules.py [FILES ...] [--lines 4000] [--rounds 3]

Labels the lines of the given labelled files (default: ``corpora/unseen/*.csv``; a sample of ``--lines``, seed 2) with
the bundled model once, then times :func:`pipeline.explain.explain_texts` on them alternately with the words alone
and with the rule notes (``batch=``), ``--rounds`` times each, and prints the best rate of each, their ratio, and how
many lines got a note (and how many lines sent to review got none). Machines here are shared: read the ratio, not
the rates.
"""

from __future__ import annotations

import argparse
import csv
import glob
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.explain import explain_texts  # noqa: E402
from pipeline.model.core import load_model  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="*")
    p.add_argument("--lines", type=int, default=4000)
    p.add_argument("--rounds", type=int, default=3)
    a = p.parse_args()
    texts = []
    for f in a.files or sorted(glob.glob(str(REPO / "corpora" / "unseen" / "*.csv"))):
        with open(f, encoding="utf-8", newline="") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    random.Random(2).shuffle(texts)
    texts = texts[: a.lines]
    model = load_model()
    batch = model.predict_batch(texts)
    explain_texts(model, texts[:50], batch.labels[:50], batch.proba[:50])  # warm the explainer
    words = notes = float("inf")
    for _ in range(a.rounds):
        t = time.perf_counter()
        explain_texts(model, texts, batch.labels, batch.proba)
        words = min(words, time.perf_counter() - t)
        t = time.perf_counter()
        out = explain_texts(model, texts, batch=batch)
        notes = min(notes, time.perf_counter() - t)
    noted = sum(" | " in x for x in out)
    unnamed = sum(1 for x, r in zip(out, batch.review) if r and " | " not in x)
    print(f"{len(texts)} lines, {noted} with a rule note; lines sent to review with none: {unnamed}")
    print(f"words alone: {len(texts) / words:.0f} rows/s; with rule notes: {len(texts) / notes:.0f} rows/s")
    print(f"time with notes / time without: {notes / words:.2f}")


if __name__ == "__main__":
    main()
