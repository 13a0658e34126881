"""The same leave-one-source-out folds run with several augmentation seeds, and the mean of their scores.

    python bench/compare.py --loso --folds real nomenclature --seeds 0 1 2 3 4 --save /tmp/oof
    python bench/seed_ensemble_oof.py /tmp/oof.seed0 /tmp/oof.seed1 /tmp/oof.seed2 /tmp/oof.seed3 /tmp/oof.seed4

Each saved run is labelled again from its out-of-fold scores with every rule of the config (the class thresholds and
the rules of :func:`thresholds_oof.label`, then the class terms that spare a bare word,
:mod:`pipeline.model.terms`, found on each fold's training lines); the ``ensemble`` row labels the mean of the runs'
scores the same way: what a model that averages the fits of those seeds would give. Prints each fold's macro-F1
per run, the runs' mean and the ensemble's, and the false dual-use labels on the held-out ordinary lines.
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

import thresholds_oof as T  # noqa: E402

from pipeline.config import LABELS  # noqa: E402
from pipeline.evaluation.metrics import classification_metrics  # noqa: E402
from pipeline.model.terms import class_terms, is_class_term  # noqa: E402
from pipeline.text.normalise import Normaliser  # noqa: E402
from pipeline.training.crossval import source_of_file  # noqa: E402
from pipeline.training.recipe import load_config  # noqa: E402


def fold_terms(saved: dict, cfg: dict, normalise) -> dict[str, dict[str, str]]:
    """Each saved fold's class terms, from the corpus lines of the other sources (all of them for ``ood``)."""
    t = cfg["training"]
    n_min, share = int(t.get("bare_term_lines", 0)), float(t.get("bare_term_share", 0.9))
    corpus = saved["corpus"]
    src = [source_of_file(f) for f in corpus.file]
    out = {}
    for f in saved["folds"]:
        keep = [i for i, s in enumerate(src) if s != f["fold"]]
        out[f["fold"]] = (
            class_terms([corpus.text[i] for i in keep], [corpus.label[i] for i in keep], normalise, n_min, share)
            if n_min > 0
            else {}
        )
    return out


def relabel(fold: tuple, texts: list[str], terms: dict[str, str], rule: dict, normalise) -> list[str]:
    """The labels of one fold's scores under the config's rules, with the class terms' exception to the bare-word
    rule (:func:`pipeline.model.decision.bare_word_review`)."""
    name, gold, proba, classes, fam, lines = fold
    labels = T.label(proba, classes, fam, lines=lines, **rule)
    if not terms or not rule.get("bare"):
        return labels
    before = T.label(proba, classes, fam, lines=lines, **{**rule, "bare": 0})
    for i, (b, a) in enumerate(zip(before, labels)):
        if b != a and a == "other" and is_class_term(normalise(texts[i]), b, terms):
            labels[i] = b
    return labels


def ensemble_table(paths: list[str], config: str | Path | dict) -> dict:
    """Macro-F1 per fold for each run and for the mean of the runs' scores, and false labels on ordinary lines.

    ``config``: the config (or its path) whose rules label the scores, the one the runs were fitted with.

    Returns:
        ``{"runs": [names], "folds": [names], "scores": {run or "ensemble": [macro-F1 per fold]}, "false": {run or
        "ensemble": count}}``.

    Raises:
        ValueError: when the runs do not hold the same folds with the same gold labels.
    """
    cfg = config if isinstance(config, dict) else load_config(config)
    normalise = Normaliser(**cfg["normalise"])
    rule = T.variants(cfg)["config"]
    saved = [joblib.load(p) for p in paths]
    runs = [T.folds_of(s) for s in saved]
    names = [f[0] for f in runs[0]]
    for path, folds in zip(paths[1:], runs[1:]):
        if [f[0] for f in folds] != names or any(list(a[1]) != list(b[1]) for a, b in zip(folds, runs[0])):
            raise ValueError(f"{path} holds other folds or other gold labels than {paths[0]}")
    texts = {name: lines[0] for name, lines in T.fold_lines(saved[0]).items()}
    terms = fold_terms(saved[0], cfg, normalise)
    mean = [
        (name, gold, np.mean([r[i][2] for r in runs], axis=0), classes, fam, lines)
        for i, (name, gold, _, classes, fam, lines) in enumerate(runs[0])
    ]
    scores, false = {}, {}
    for run, folds in [*zip([Path(p).name for p in paths], runs), ("ensemble", mean)]:
        scores[run], false[run] = [], 0
        for fold in folds:
            pred = relabel(fold, texts[fold[0]], terms[fold[0]], rule, normalise)
            scores[run].append(classification_metrics(fold[1], pred, LABELS)["macro_f1"])
            if fold[0] in T.ORDINARY_FOLDS:
                false[run] += sum(g == "other" and p != "other" for g, p in zip(fold[1], pred))
    return {"runs": [Path(p).name for p in paths], "folds": names, "scores": scores, "false": false}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("saved", nargs="+", help="files bench/compare.py --loso --save wrote, one run each")
    p.add_argument("--config", default=str(REPO / "configs" / "default.cfg"), help="the rules to apply")
    args = p.parse_args()
    table = ensemble_table(args.saved, args.config)
    runs = table["runs"]
    print("| held-out source | " + " | ".join(runs) + " | runs' mean | ensemble |")
    print("|" + "---|" * (len(runs) + 3))
    for i, fold in enumerate(table["folds"]):
        per = [table["scores"][r][i] for r in runs]
        cells = [fold, *(f"{v:.3f}" for v in per), f"{np.mean(per):.3f}", f"**{table['scores']['ensemble'][i]:.3f}**"]
        print("| " + " | ".join(cells) + " |")
    means = [float(np.mean(table["scores"][r])) for r in runs]
    ens = float(np.mean(table["scores"]["ensemble"]))
    print("| **mean** | " + " | ".join(f"{v:.4f}" for v in means) + f" | {np.mean(means):.4f} | **{ens:.4f}** |")
    false = table["false"]
    print("false dual-use labels on the held-out ordinary lines: " + ", ".join(f"{r} {false[r]}" for r in runs)
          + f"; ensemble {false['ensemble']}")


if __name__ == "__main__":
    main()
