"""Blends of dualuse and the char_wb peer tried on saved leave-one-source-out predictions.

    python bench/compare.py --loso --systems char_wb_svc --save /tmp/oof.joblib
    python bench/ensemble_oof.py /tmp/oof.joblib

The peer's decision values are turned into probabilities with a softmax at temperature ``T``; the blend is
``w * dualuse + (1 - w) * peer``. Each blend is scored with no class thresholds and with the config's, as mean and
worst held-out macro-F1 and the share of held-out ordinary lines (gold ``other`` of the nomenclature and real folds)
labelled dual-use.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import joblib
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.thresholds_oof import ORDINARY_FOLDS, label  # noqa: E402
from pipeline.config import LABELS  # noqa: E402
from pipeline.evaluation.metrics import classification_metrics  # noqa: E402
from pipeline.training.crossval import source_of_file  # noqa: E402
from pipeline.training.recipe import load_config  # noqa: E402


def softmax(x: np.ndarray, t: float) -> np.ndarray:
    """Row softmax of ``t * x``."""
    z = t * x - (t * x).max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def folds_of(saved: dict) -> list[tuple]:
    """``(fold, gold, dualuse proba, peer decision, familiarity)``, both matrices in LABELS column order."""
    corpus, ood = saved["corpus"], saved["ood"]
    fold_of = [source_of_file(f) for f in corpus.file]
    out = []
    for f in saved["folds"]:
        gold = list(ood.label) if f["fold"] == "ood" else [g for g, s in zip(corpus.label, fold_of) if s == f["fold"]]
        du, peer = f["extra"]["dualuse"], f["extra"]["char_wb_svc"]
        p = du["proba"][:, [list(du["classes"]).index(c) for c in LABELS]]
        d = peer["decision"][:, [list(peer["classes"]).index(c) for c in LABELS]]
        out.append((f["fold"], gold, p, d, np.asarray(du["familiarity"])))
    return out


def score(folds, w: float, t: float, thresholds: dict) -> tuple[float, float, float]:
    """Mean and worst macro-F1 and the ordinary-line false dual-use share of one blend."""
    f1s, fp, n = [], 0, 0
    for name, gold, p, d, fam in folds:
        blend = w * p + (1 - w) * softmax(d, t)
        pred = label(blend, LABELS, fam, thresholds)
        f1s.append(classification_metrics(gold, pred, LABELS)["macro_f1"])
        if name in ORDINARY_FOLDS:
            n += sum(g == "other" for g in gold)
            fp += sum(g == "other" and q != "other" for g, q in zip(gold, pred))
    return float(np.mean(f1s)), min(f1s), fp / max(n, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("saved", help="the file bench/compare.py --loso --systems char_wb_svc --save wrote")
    ap.add_argument("--config", default=None, help="config whose [thresholds] are tried")
    ap.add_argument("--weights", type=float, nargs="*", default=[1.0, 0.8, 0.65, 0.5, 0.35, 0.0])
    ap.add_argument("--temperatures", type=float, nargs="*", default=[1.0, 2.0, 4.0])
    args = ap.parse_args()
    folds = folds_of(joblib.load(args.saved))
    current = {k: float(v) for k, v in (load_config(args.config).get("thresholds") or {}).items()}
    rules = {"none": {}, "config": current}
    rules.update({f"all {u}": dict.fromkeys(current, u) for u in (0.5, 0.6)})
    for t in args.temperatures:
        for w in args.weights:
            if w == 1.0 and t != args.temperatures[0]:
                continue
            for rname, th in rules.items():
                mean, worst, fp = score(folds, w, t, th)
                print(f"w {w:.2f} T {t:<4} {rname:<8} mean {mean:.3f}  worst {worst:.3f}  ordinary FP {fp:.3%}")


if __name__ == "__main__":
    main()
