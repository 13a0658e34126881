"""The code assist tried on saved leave-one-source-out predictions: held-out folds whose lines carry a declared code.

    python bench/compare.py --loso --save /tmp/oof.joblib
    python bench/code_assist_oof.py /tmp/oof.joblib [--assist 0.1 0.2 0.3 0.5]

For every held-out fold with codes (the ``code`` column of its corpus file: the real UK tariff terms and the CBP
ruling subjects, the nomenclature, a few hand-written lines) prints macro-F1, dual-use recall and the lines of gold
`other` labelled dual-use, with the config's thresholds and rules alone and then with the code assist at each value
(:mod:`pipeline.codes.assist`: a line labelled `other` whose code implies a dual-use label and whose text gives that
label at least the value takes it). The nomenclature fold is not a fair test: the code map was made from it.
"""

from __future__ import annotations

import argparse
import csv
import sys
from functools import cache
from pathlib import Path

import joblib

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from thresholds_oof import folds_of, label, rules_of, variants  # noqa: E402

from pipeline.codes import code_assist  # noqa: E402
from pipeline.config import LABELS  # noqa: E402
from pipeline.evaluation.metrics import classification_metrics  # noqa: E402
from pipeline.training.crossval import source_of_file  # noqa: E402
from pipeline.training.recipe import load_config  # noqa: E402


@cache
def codes_of_file(path: str) -> dict[str, str]:
    """Text → the ``code`` cell of a corpus file (empty when it has no ``code`` column)."""
    with open(REPO / path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if "code" not in (reader.fieldnames or []):
            return {}
        return {(row.get("text") or "").strip(): row.get("code") or "" for row in reader}


def scores(gold: list[str], pred: list[str]) -> tuple[float, float, int]:
    """Macro-F1, dual-use recall and the count of gold `other` lines labelled dual-use."""
    m = classification_metrics(gold, pred, LABELS)
    fp = sum(g == "other" and p != "other" for g, p in zip(gold, pred))
    return m["macro_f1"], m["any_dual_use"]["recall"], fp


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("saved")
    p.add_argument("--config", default=str(REPO / "configs" / "default.cfg"))
    p.add_argument("--assist", type=float, nargs="+", default=[0.05, 0.1, 0.2, 0.3, 0.5])
    args = p.parse_args(argv)
    saved = joblib.load(args.saved)
    rule = variants(load_config(args.config))["config"]
    corpus = saved["corpus"]
    fold_of = [source_of_file(f) for f in corpus.file]
    totals = {a: [0, 0] for a in [0.0, *args.assist]}
    print(f"{'fold':<16}{'coded':>7}{'implied':>8}  " + "  ".join(f"{'assist ' + str(a):>22}" for a in totals))
    for name, gold, proba, classes, fam, lines in folds_of(saved):
        if name == "ood":
            continue
        idx = [i for i, s in enumerate(fold_of) if s == name]
        codes = [codes_of_file(corpus.file[i]).get(corpus.text[i], "") for i in idx]
        if not any(codes):
            continue
        base = label(proba, classes, fam, lines=lines, thresholds=rule["thresholds"], **rules_of(rule))
        statuses = ["ok"] * len(base)

        def proba_of(rows, proba=proba, classes=classes):
            return proba[rows], classes

        cells = []
        for a in totals:
            hits = code_assist(base, statuses, codes, proba_of, a)
            pred = [hits[i][0] if i in hits else q for i, q in enumerate(base)]
            f1, rec, fp = scores(gold, pred)
            cells.append(f"{f1:.3f} R {rec:.3f} FP {fp:>3}")
            if name != "nomenclature":
                totals[a][0] += fp
                totals[a][1] += sum(g == "other" for g in gold)
        implied = len(code_assist(base, statuses, codes, proba_of, 1e-12))
        print(f"{name:<16}{sum(bool(c) for c in codes):>7}{implied:>8}  " + "  ".join(f"{c:>22}" for c in cells))
    print("gold `other` lines of the coded folds but the nomenclature labelled dual-use: "
          + ", ".join(f"assist {a}: {fp} of {n}" for a, (fp, n) in totals.items()))  # fmt: skip


if __name__ == "__main__":
    main()
