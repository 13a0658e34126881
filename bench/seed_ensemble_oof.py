"""The same leave-one-source-out folds run with several augmentation seeds, and the mean of their scores.

    python bench/compare.py --loso --folds real nomenclature --seeds 0 1 2 3 4 --save /tmp/oof
    python bench/seed_ensemble_oof.py /tmp/oof.seed0 /tmp/oof.seed1 /tmp/oof.seed2 /tmp/oof.seed3 /tmp/oof.seed4

Each saved run is labelled again from its out-of-fold scores with every rule of the config (the class thresholds and
the rules of :func:`thresholds_oof.label`, then the class terms that spare a bare word,
:mod:`pipeline.model.terms`, found on each fold's training lines); the ``ensemble`` row labels the mean of the runs'
scores the same way: what a model that averages the fits of those seeds would give. Prints each fold's macro-F1
per run, the runs' mean and the ensemble's, and the false dual-use labels on the held-out ordinary lines.

With ``--intervals N`` it prints instead each run's folds with the 95 % bootstrap interval of their macro-F1 (N
resamples of each fold's lines) and their count of gold dual-use lines: a fold with few of them (the real tariff
terms: 33) moves by more with the draw of its lines than most changes of the recipe move it.

With ``--oracle FOLD`` it prints instead what thresholds fitted to that fold could give: the class thresholds a
coordinate search finds on the fold's own gold labels (every other rule of the config kept), which no new text
allows. If even they leave the fold well under a goal, thresholds will not reach it; only a change to the fit can.
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
from pipeline.evaluation.metrics import bootstrap_intervals, classification_metrics  # noqa: E402
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


def prepared(paths: list[str], config: str | Path | dict) -> dict:
    """The saved runs read once for labelling again: their folds (:func:`thresholds_oof.folds_of`), the folds'
    held-out texts and class terms, the config's rules and normaliser, and the mean of the runs' scores.

    Raises:
        ValueError: when the runs do not hold the same folds with the same gold labels.
    """
    cfg = config if isinstance(config, dict) else load_config(config)
    normalise = Normaliser(**cfg["normalise"])
    saved = [joblib.load(p) for p in paths]
    runs = [T.folds_of(s) for s in saved]
    names = [f[0] for f in runs[0]]
    for path, folds in zip(paths[1:], runs[1:]):
        if [f[0] for f in folds] != names or any(list(a[1]) != list(b[1]) for a, b in zip(folds, runs[0])):
            raise ValueError(f"{path} holds other folds or other gold labels than {paths[0]}")
    mean = [
        (name, gold, np.mean([r[i][2] for r in runs], axis=0), classes, fam, lines)
        for i, (name, gold, _, classes, fam, lines) in enumerate(runs[0])
    ]
    return {
        "names": [Path(p).name for p in paths],
        "folds": names,
        "runs": runs,
        "mean": mean,
        "texts": {name: lines[0] for name, lines in T.fold_lines(saved[0]).items()},
        "terms": fold_terms(saved[0], cfg, normalise),
        "rule": T.variants(cfg)["config"],
        "normalise": normalise,
    }


def scored(prep: dict, folds: list[tuple], thresholds: dict | None = None) -> tuple[list[float], int]:
    """Macro-F1 of every fold of one run under the config's rules (with ``thresholds`` in place of the config's),
    and its false dual-use labels on the held-out ordinary lines."""
    rule = prep["rule"] if thresholds is None else {**prep["rule"], "thresholds": thresholds}
    f1s, false = [], 0
    for fold in folds:
        pred = relabel(fold, prep["texts"][fold[0]], prep["terms"][fold[0]], rule, prep["normalise"])
        f1s.append(classification_metrics(fold[1], pred, LABELS)["macro_f1"])
        if fold[0] in T.ORDINARY_FOLDS:
            false += sum(g == "other" and p != "other" for g, p in zip(fold[1], pred))
    return f1s, false


def fold_intervals(prep: dict, folds: list[tuple], n_boot: int = 1000, seed: int = 0) -> list[dict]:
    """Each fold's macro-F1 under the config's rules with its 95 % percentile bootstrap interval (the fold's lines
    resampled, :func:`pipeline.evaluation.metrics.bootstrap_intervals`) and its count of gold dual-use lines: how
    far a fold's figure can move by the draw of its lines alone.

    Returns:
        ``[{"fold", "macro_f1", "low", "high", "dual_use"}]`` in fold order.
    """
    out = []
    for fold in folds:
        pred = relabel(fold, prep["texts"][fold[0]], prep["terms"][fold[0]], prep["rule"], prep["normalise"])
        low, high = bootstrap_intervals(fold[1], pred, LABELS, n_boot=n_boot, seed=seed)["macro_f1"]
        out.append(
            {
                "fold": fold[0],
                "macro_f1": classification_metrics(fold[1], pred, LABELS)["macro_f1"],
                "low": low,
                "high": high,
                "dual_use": sum(g != "other" for g in fold[1]),
            }
        )
    return out


def ensemble_table(paths: list[str], config: str | Path | dict) -> dict:
    """Macro-F1 per fold for each run and for the mean of the runs' scores, and false labels on ordinary lines.

    ``config``: the config (or its path) whose rules label the scores, the one the runs were fitted with.

    Returns:
        ``{"runs": [names], "folds": [names], "scores": {run or "ensemble": [macro-F1 per fold]}, "false": {run or
        "ensemble": count}}``.

    Raises:
        ValueError: when the runs do not hold the same folds with the same gold labels.
    """
    prep = prepared(paths, config)
    scores, false = {}, {}
    for run, folds in [*zip(prep["names"], prep["runs"]), ("ensemble", prep["mean"])]:
        scores[run], false[run] = scored(prep, folds)
    return {"runs": prep["names"], "folds": prep["folds"], "scores": scores, "false": false}


def ordinary_lines(prep: dict) -> int:
    """How many held-out ordinary lines (gold `other` of the nomenclature and real folds) each run holds."""
    return sum(sum(g == "other" for g in f[1]) for f in prep["runs"][0] if f[0] in T.ORDINARY_FOLDS)


def pooled_search(prep: dict, budget: float, grid=None, rounds: int = 3) -> dict:
    """Class thresholds for the runs together: the highest mean over the runs of their fold mean whose false
    dual-use labels stay within ``budget`` (a share of the held-out ordinary lines) on EVERY run, by coordinate search
    from the config's thresholds over ``grid`` (0.30 to 0.90 in steps of 0.05, then 0.93, 0.95, 0.97).

    Returns:
        ``{"thresholds": {class: value}, "means": [fold mean per run], "false": [count per run], "allowed": count}``.
    """
    grid = grid or [round(0.3 + 0.05 * i, 2) for i in range(13)] + [0.93, 0.95, 0.97]
    allowed = int(budget * ordinary_lines(prep) + 1e-9)

    def value(th):
        res = [scored(prep, run, th) for run in prep["runs"]]
        return float(np.mean([np.mean(f) for f, _ in res])) - sum(max(0, n - allowed) for _, n in res)

    best = T.coordinate_search(prep["rule"]["thresholds"], grid, value, rounds)
    res = [scored(prep, run, best) for run in prep["runs"]]
    return {
        "thresholds": best,
        "means": [float(np.mean(f)) for f, _ in res],
        "false": [n for _, n in res],
        "allowed": allowed,
    }


ORACLE_GRID = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99, 1.01]


def oracle(prep: dict, fold: str, grid=None) -> list[dict]:
    """For each run, one fold's macro-F1 and false dual-use labels under the config's thresholds and under the class
    thresholds that maximise that fold's own macro-F1 (coordinate search over ``grid``; 1.01 never labels the class
    by its score): what thresholds chosen with the answers in hand could give on these scores.

    Returns:
        ``[{"run", "config": (macro-F1, false), "oracle": (macro-F1, false), "thresholds"}]``.

    Raises:
        KeyError: when the runs hold no such fold.
    """
    if fold not in prep["folds"]:
        raise KeyError(f"no fold {fold!r} in the saved runs (folds: {', '.join(prep['folds'])})")
    out = []
    for name, run in zip(prep["names"], prep["runs"]):
        one = next(f for f in run if f[0] == fold)

        def result(th: dict, one: tuple = one) -> tuple[float, int]:
            rule = {**prep["rule"], "thresholds": th}
            pred = relabel(one, prep["texts"][fold], prep["terms"][fold], rule, prep["normalise"])
            false = sum(g == "other" and p != "other" for g, p in zip(one[1], pred))
            return classification_metrics(one[1], pred, LABELS)["macro_f1"], false

        start = prep["rule"]["thresholds"]
        best = T.coordinate_search(start, grid or ORACLE_GRID, lambda th: result(th)[0])
        out.append({"run": name, "config": result(start), "oracle": result(best), "thresholds": best})
    return out


def halves(prep: dict, seed: int = 0) -> tuple[dict, dict]:
    """The prepared runs cut into two halves of every fold's lines at random (the same lines in every run)."""
    rng = np.random.default_rng(seed)
    picks = {name: rng.random(len(prep["texts"][name])) < 0.5 for name in prep["folds"]}
    out = []
    for keep in (True, False):
        runs = []
        for run in [*prep["runs"], prep["mean"]]:
            cut = []
            for name, gold, proba, classes, fam, lines in run:
                idx = np.flatnonzero(picks[name] == keep)
                sub = None if lines is None else lines[idx]
                cut.append((name, [gold[i] for i in idx], proba[idx], classes, np.asarray(fam)[idx], sub))
            runs.append(cut)
        texts = {name: [t for t, k in zip(prep["texts"][name], picks[name]) if k == keep] for name in prep["folds"]}
        out.append({**prep, "runs": runs[:-1], "mean": runs[-1], "texts": texts})
    return out[0], out[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("saved", nargs="+", help="files bench/compare.py --loso --save wrote, one run each")
    p.add_argument("--config", default=str(REPO / "configs" / "default.cfg"), help="the rules to apply")
    p.add_argument(
        "--search",
        type=float,
        default=None,
        metavar="BUDGET",
        help="instead: search class thresholds for the runs together, false labels within BUDGET (e.g. 0.001) on each",
    )
    p.add_argument(
        "--check-halves",
        type=int,
        default=0,
        metavar="N",
        help="with --search: also choose on a random half of every fold's lines and score the other half, N splits",
    )
    p.add_argument(
        "--intervals",
        type=int,
        default=0,
        metavar="N",
        help="instead: each run's folds with the 95 %% bootstrap interval of their macro-F1 (N resamples)",
    )
    p.add_argument(
        "--oracle",
        default=None,
        metavar="FOLD",
        help="instead: FOLD's macro-F1 with class thresholds searched on its own gold labels",
    )
    args = p.parse_args()
    if args.oracle:
        for row in oracle(prepared(args.saved, args.config), args.oracle):
            (f0, k0), (f1, k1) = row["config"], row["oracle"]
            th = ", ".join(f"{k} {v:.2f}" for k, v in row["thresholds"].items())
            print(f"{row['run']} {args.oracle}: config {f0:.4f} ({k0} false); oracle {f1:.4f} ({k1} false) at {th}")
        return
    if args.intervals:
        prep = prepared(args.saved, args.config)
        for name, run in zip(prep["names"], prep["runs"]):
            print(f"{name}: held-out source, macro-F1 [95 % bootstrap interval], gold dual-use lines")
            for row in sorted(fold_intervals(prep, run, args.intervals), key=lambda r: r["macro_f1"]):
                span = f"[{row['low']:.3f}, {row['high']:.3f}]"
                print(f"  {row['fold']}: {row['macro_f1']:.3f} {span}, {row['dual_use']}")
        return
    if args.search is not None:
        prep = prepared(args.saved, args.config)
        start = [scored(prep, run) for run in prep["runs"]]
        print(
            "config's thresholds: "
            + "; ".join(
                f"{n} mean {np.mean(f):.5f}, worst {min(f):.3f}, {k} false" for n, (f, k) in zip(prep["names"], start)
            )
        )
        found = pooled_search(prep, args.search)
        met = "" if max(found["false"]) <= found["allowed"] else ", NOT met by any thresholds of the grid"
        print(
            f"searched (at most {found['allowed']} false labels on each run{met}): "
            + ", ".join(f"{k} {v:.2f}" for k, v in found["thresholds"].items())
        )
        for n, run in zip(prep["names"], prep["runs"]):
            f, k = scored(prep, run, found["thresholds"])
            print(f"  {n}: mean {np.mean(f):.5f}, worst {min(f):.3f}, {k} false")
        for seed in range(args.check_halves):
            a, b = halves(prep, seed)
            chosen = pooled_search(a, args.search)
            shares = [scored(b, run, chosen["thresholds"])[1] / max(ordinary_lines(b), 1) for run in b["runs"]]
            print(
                f"split {seed}: chosen on half A of every fold's lines ("
                + ", ".join(f"{k} {v:.2f}" for k, v in chosen["thresholds"].items())
                + "), false dual-use on half B's ordinary lines: "
                + ", ".join(f"{n} {v:.3%}" for n, v in zip(prep["names"], shares))
            )
        return
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
    print(
        "false dual-use labels on the held-out ordinary lines: "
        + ", ".join(f"{r} {false[r]}" for r in runs)
        + f"; ensemble {false['ensemble']}"
    )


if __name__ == "__main__":
    main()
