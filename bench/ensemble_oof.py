"""Blends of dualuse and the char_wb peer tried on saved leave-one-source-out scores: the ``[peer]`` section's choice.

    python bench/compare.py --loso --systems char_wb_svc --peer.weight 0 --save OOF
    python bench/ensemble_oof.py OOF [--weights 0.2 0.35 0.5] [--temperatures 2 4 8] [--search]

The run must be of the recipe without its peer (``--peer.weight 0``): each fold then holds dualuse's scores and the
char_wb peer's decision values, fitted on the same training lines as the ``[peer]`` section fits them. The peer's
decision values become scores by a softmax at temperature ``T``; the blend is ``(1 - w) * dualuse + w * peer``, and
every rule of the config's operating point (prose, caps, pooling, keyword assist and agreement, bare-word rule;
:func:`bench.thresholds_oof.label`) reads it. Each blend is scored with the config's class thresholds and, with
``--search``, with thresholds searched again on its own scores (``bench/thresholds_oof.py``'s search: the highest
mean within the false dual-use budget on the ordinary folds), as the mean, worst and writer-fold macro-F1 and the
false dual-use labels on the held-out ordinary lines. ``--check-halves`` also searches on one random half of every
fold's lines and scores on the other, for the blend and for dualuse alone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import joblib
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.thresholds_oof import ORDINARY_FOLDS, evaluate, folds_of, halves, search, variants  # noqa: E402
from pipeline.model.svm import softmax_scores  # noqa: E402
from pipeline.training.recipe import load_config  # noqa: E402

NOT_WRITERS = (*ORDINARY_FOLDS, "ood")


def peer_decisions(saved: dict, folds: list[tuple]) -> list[np.ndarray]:
    """The char_wb peer's decision values of every fold, in the column order of dualuse's scores."""
    out = []
    for f, (_, _, _, classes, _, _) in zip(saved["folds"], folds):
        extra = f["extra"].get("char_wb_svc")
        if extra is None:
            raise SystemExit(f"fold {f['fold']}: no char_wb peer decisions saved; run compare.py --systems char_wb_svc")
        out.append(extra["decision"][:, [list(extra["classes"]).index(c) for c in classes]])
    return out


def blended(folds: list[tuple], decisions: list[np.ndarray], w: float, t: float) -> list[tuple]:
    """The folds with dualuse's scores replaced by the blend ``(1 - w) * dualuse + w * softmax(t * peer)``."""
    return [
        (name, gold, (1 - w) * p + w * softmax_scores(d, t), classes, fam, lines)
        for (name, gold, p, classes, fam, lines), d in zip(folds, decisions)
    ]


def summary(folds: list[tuple], thresholds: dict, rules: dict) -> str:
    """Mean, worst (with its fold), writer-fold mean and false dual-use labels on the ordinary folds."""
    mean, worst, share, f1s = evaluate(folds, thresholds=thresholds, **rules)
    names = [f[0] for f in folds]
    writers = [f1 for n, f1 in zip(names, f1s) if n not in NOT_WRITERS]
    n_other = sum(sum(g == "other" for g in f[1]) for f in folds if f[0] in ORDINARY_FOLDS)
    return (
        f"mean {mean:.5f}  worst {worst:.3f} ({names[int(np.argmin(f1s))]})  writer folds {np.mean(writers):.5f}  "
        f"false dual-use {round(share * n_other)} of {n_other} ({share:.3%})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("saved", help="the file bench/compare.py --loso --systems char_wb_svc --save wrote")
    ap.add_argument("--config", default=None, help="config whose operating point is applied")
    ap.add_argument("--weights", type=float, nargs="*", default=[0.2, 0.35, 0.5])
    ap.add_argument("--temperatures", type=float, nargs="*", default=[2.0, 4.0, 8.0])
    ap.add_argument("--search", action="store_true", help="also search the class thresholds again for each blend")
    ap.add_argument("--budget", type=float, default=0.001, help="false dual-use share allowed in the search")
    ap.add_argument("--check-halves", action="store_true", help="search on half of every fold, score the other")
    args = ap.parse_args()
    saved = joblib.load(args.saved)
    folds = folds_of(saved)
    decisions = peer_decisions(saved, folds)
    cfg = variants(load_config(args.config))["config"]
    rules = {k: v for k, v in cfg.items() if k != "thresholds"}
    print(f"dualuse alone, config thresholds: {summary(folds, cfg['thresholds'], rules)}", flush=True)
    for w in args.weights:
        for t in args.temperatures:
            mixed = blended(folds, decisions, w, t)
            print(f"w {w:g} T {t:g}, config thresholds: {summary(mixed, cfg['thresholds'], rules)}", flush=True)
            if args.search:
                th = search(mixed, cfg["thresholds"], args.budget, wide=True, **rules)
                print(f"w {w:g} T {t:g}, searched {th}: {summary(mixed, th, rules)}", flush=True)
            if args.check_halves:
                for tag, fs in (("dualuse alone", folds), (f"w {w:g} T {t:g}", mixed)):
                    a, b = halves(fs)
                    for s_name, s, t_name, other in (("A", a, "B", b), ("B", b, "A", a)):
                        th = search(s, cfg["thresholds"], args.budget, wide=True, **rules)
                        print(f"  {tag}: searched on half {s_name}, on half {t_name}: {summary(other, th, rules)}")


if __name__ == "__main__":
    main()
