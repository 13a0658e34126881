"""How far a wider review net reaches: `other` lines whose best dual-use class still scores at least x, sent to review.

    python bench/review_net.py --saved OOF [--at 0.2 0.3 0.4]
    python bench/review_net.py --files corpora/unseen/*.csv [--model models/default] [--at 0.2 0.3 0.4]

`dualuse predict` sends to review (``review=1``) the lines it cannot vouch for; a line the model reads as `other`,
familiar and above every threshold's reach, is not among them even when a dual-use class is its runner-up at 0.3. A
user who wants a wider net can take such lines from ``--top-k 2`` output (``label`` `other`, ``review`` 0,
``score_2`` >= x). This prints, for each x, what that net adds: the gold-`other` lines it would add to review and the
gold dual-use lines, labelled `other` without review, that it would catch.

``--saved``: a whole leave-one-source-out run (``bench/compare.py --loso --save``), labelled again with the config's
rules (``bench/seed_ensemble_oof.py``); the `other` lines counted are those of the held-out ordinary folds (the
nomenclature and the real terms), the dual-use lines those of every fold. A line counts as already in review when its
best class before the rules was a dual-use one (held under a threshold or a rule) or when it is unfamiliar (under 0.75)
and leans to a dual-use class at 0.3: what ``predict`` flags, up to the keyword and code rules. ``--files``: labelled
CSV files (``text``, ``label``) scored by a fitted model, with its own ``review`` column.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def runner_up(proba: np.ndarray, classes: list[str]) -> np.ndarray:
    """Each row's best dual-use score."""
    return np.delete(proba, classes.index("other"), axis=1).max(axis=1)


def from_saved(path: str, config: str, at: list[float]) -> dict:
    """Counts of :func:`main`'s table from a saved whole run."""
    import seed_ensemble_oof as S
    import thresholds_oof as T

    prep = S.prepared([path], config)
    out = {"ordinary": 0, "silent": 0, "added": dict.fromkeys(at, 0), "caught": dict.fromkeys(at, 0)}
    for fold in prep["runs"][0]:
        name, gold, proba, classes, fam, _ = fold
        pred = S.relabel(fold, prep["texts"][name], prep["terms"][name], prep["rule"], prep["normalise"])
        du = runner_up(proba, classes)
        in_review = (proba.argmax(axis=1) != classes.index("other")) | ((np.asarray(fam) < 0.75) & (du >= 0.3))
        for i, (g, p) in enumerate(zip(gold, pred)):
            ordinary = g == "other" and name in T.ORDINARY_FOLDS
            out["ordinary"] += ordinary
            if p != "other" or in_review[i] or not (ordinary or g != "other"):
                continue
            out["silent"] += g != "other"
            for x in at:
                hit = bool(du[i] >= x)
                out["added" if ordinary else "caught"][x] += hit
    return out


def from_files(model_dir: str | None, files: list[str], at: list[float]) -> dict:
    """Counts of :func:`main`'s table from labelled files and a fitted model."""
    from pipeline.model.core import load_model

    model = load_model(model_dir)
    out = {"ordinary": 0, "silent": 0, "added": dict.fromkeys(at, 0), "caught": dict.fromkeys(at, 0)}
    for path in files:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        batch = model.predict_batch([r["text"] for r in rows])
        du = runner_up(batch.proba, list(batch.classes))
        for i, row in enumerate(rows):
            ordinary = row["label"] == "other"
            out["ordinary"] += ordinary
            if batch.labels[i] != "other" or batch.review[i]:
                continue
            out["silent"] += not ordinary
            for x in at:
                out["added" if ordinary else "caught"][x] += bool(du[i] >= x)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--saved", help="a file bench/compare.py --loso --save wrote (one run)")
    src.add_argument("--files", nargs="+", help="labelled CSV files (text, label)")
    p.add_argument("--model", default=None, help="with --files: the model folder (default: the bundled model)")
    p.add_argument("--config", default=str(REPO / "configs" / "default.cfg"), help="with --saved: the rules")
    p.add_argument("--at", type=float, nargs="+", default=[0.2, 0.3, 0.4], help="runner-up scores to try")
    args = p.parse_args()
    res = from_saved(args.saved, args.config, args.at) if args.saved else from_files(args.model, args.files, args.at)
    print(f"gold `other` lines: {res['ordinary']}; dual-use lines labelled `other` without review: {res['silent']}")
    print("| runner-up at least | `other` lines added to review | dual-use lines caught |")
    print("|---|---|---|")
    for x in args.at:
        added, caught = res["added"][x], res["caught"][x]
        print(f"| {x} | {added} ({added / max(res['ordinary'], 1):.3%}) | {caught} of {res['silent']} |")


if __name__ == "__main__":
    main()
