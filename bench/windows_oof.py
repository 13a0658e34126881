"""The window rule, tried on held-out sources: long lines also scored in windows of a few words.

    python bench/windows_oof.py --folds real nomenclature w10_rulings_en w12_news ... [--jobs 2] [--save FILE]
    python bench/windows_oof.py --from-saved FILE

A line of more than 10 words is cut into windows of 5 or 8 words (half overlapping). The window with the lowest
``other`` probability stands in for the line, when it is lower than the line's own and its best dual-use class
reaches a minimum ("replace"), or is averaged with the line ("mean"); the config's thresholds and rules then apply.
The idea came from real news sentences that name their goods in passing ("4,619 drones ... were seized"), which the
line's other words dilute. Prints, per variant, the mean and worst macro-F1 over the folds, the false dual-use labels
on the held-out ordinary lines (nomenclature and real folds) and the folds that rose and fell; it was not adopted
(README model card, "tried").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import joblib
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from compare import DualuseSystem  # noqa: E402
from thresholds_oof import ORDINARY_FOLDS, folds_of, label, variants  # noqa: E402

from pipeline.config import LABELS  # noqa: E402
from pipeline.evaluation.metrics import classification_metrics  # noqa: E402
from pipeline.training.recipe import load_config  # noqa: E402

MIN_WORDS = 10
SIZES = (5, 8)


def windows_of(text: str, size: int) -> list[str]:
    """Windows of ``size`` words, stride ``size // 2``, the last flush with the end; none for short lines."""
    words = text.split()
    if len(words) <= MIN_WORDS:
        return []
    starts = list(range(0, len(words) - size + 1, size // 2))
    if starts[-1] != len(words) - size:
        starts.append(len(words) - size)
    return [" ".join(words[s : s + size]) for s in starts]


class WindowSystem(DualuseSystem):
    """The config's pipeline on a fold, keeping each window's probabilities too (picklable)."""

    def more(self, model, test_x) -> dict:
        win = {}
        for size in SIZES:
            flat, owner = [], []
            for i, text in enumerate(test_x):
                found = windows_of(text, size)
                flat.extend(found)
                owner.extend([i] * len(found))
            win[size] = (owner, model.predict_batch(flat, apply_thresholds=False).proba if flat else None)
        return {"win": win}


def combine(proba, classes, win, mode: str, min_score: float, size: int) -> np.ndarray:
    """The lines' probabilities under one variant of the rule (a copy)."""
    out = proba.copy()
    owner, wp = win[size]
    if wp is None:
        return out
    other = classes.index("other")
    best = {}
    for j, i in enumerate(owner):
        if i not in best or wp[j, other] < wp[best[i], other]:
            best[i] = j
    for i, j in best.items():
        dual = np.delete(wp[j], other).max()
        if wp[j, other] < out[i, other] and dual >= min_score:
            out[i] = wp[j] if mode == "replace" else (out[i] + wp[j]) / 2
    return out


def report(saved: dict, config: dict) -> None:
    """Print every variant against the config's rules on the saved folds."""
    rule = variants(config)["config"]
    folds = folds_of(saved)
    wins = {f["fold"]: f["extra"]["dualuse"]["win"] for f in saved["folds"]}

    def run(transform):
        f1s, fp, n = {}, 0, 0
        for name, gold, proba, classes, fam, lines in folds:
            pred = label(transform(name, proba, classes), classes, fam, lines=lines, **rule)
            f1s[name] = classification_metrics(gold, pred, LABELS)["macro_f1"]
            if name in ORDINARY_FOLDS:
                n += sum(g == "other" for g in gold)
                fp += sum(g == "other" and p != "other" for g, p in zip(gold, pred))
        return f1s, fp, n

    base, fp, n = run(lambda name, p, c: p)
    print(
        f"{len(base)} folds; config's rules: mean {np.mean(list(base.values())):.4f}, worst "
        f"{min(base.values()):.3f}, ordinary false dual-use {fp} of {n}"
    )
    for size in SIZES:
        for mode in ("replace", "mean"):
            for min_score in (0.0, 0.5, 0.8, 0.9):
                f1s, fp, _ = run(lambda name, p, c, m=mode, s=min_score, w=size: combine(p, c, wins[name], m, s, w))
                d = {k: f1s[k] - base[k] for k in base}
                low = min(d, key=d.get)
                print(
                    f"windows of {size}, {mode}, window's dual-use >= {min_score}: mean "
                    f"{np.mean(list(f1s.values())):.4f}, worst {min(f1s.values()):.3f}, false dual-use {fp}; "
                    f"up {sum(v > 0.001 for v in d.values())}, down {sum(v < -0.001 for v in d.values())}, "
                    f"largest drop {low} {d[low]:+.3f}"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default=str(REPO / "configs" / "default.cfg"))
    ap.add_argument("--folds", nargs="*", default=None)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--save")
    ap.add_argument("--from-saved")
    args = ap.parse_args()
    cfg = load_config(args.config)
    if args.from_saved:
        saved = joblib.load(args.from_saved)
    else:
        from pipeline.training.corpus import read_corpus
        from pipeline.training.crossval import leave_one_source_out

        corpus = read_corpus(cfg["paths"]["corpus"], cfg["corpus"]["text_column"], cfg["corpus"]["label_column"])
        ood = read_corpus([cfg["paths"]["ood"]]) if cfg["paths"].get("ood") else None
        res = leave_one_source_out(
            cfg, corpus, {"dualuse": WindowSystem(cfg)}, ood=ood, only=args.folds, n_jobs=args.jobs
        )
        saved = {"folds": res["folds"], "corpus": corpus, "ood": ood}
        if args.save:
            joblib.dump(saved, args.save)
    report(saved, cfg)


if __name__ == "__main__":
    main()
