"""Class thresholds tried on saved leave-one-source-out predictions: held-out macro-F1 against ordinary-line FP.

    python bench/compare.py --loso --save /tmp/oof.joblib      # the out-of-fold probabilities of every fold
    python bench/thresholds_oof.py /tmp/oof.joblib [--per-fold VARIANT [--ci 1000]] [--search 0.001 0.002]

For each threshold variant (none, one value for all classes, the config's ``[thresholds]`` shifted, and the config's
waived or scaled for unfamiliar lines, and with ``--search`` the thresholds a coordinate search finds for each given
ordinary-line false dual-use budget) prints the mean and worst held-out macro-F1 over the folds, the mean over the
writer folds (all but the nomenclature and real folds, as ``bench/compare.py`` counts them) and the share of the
held-out ordinary lines (gold ``other`` of the nomenclature and real folds) labelled dual-use. ``--per-fold`` adds
each fold's macro-F1 and dual-use precision/recall, ``--ci N`` a percentile bootstrap interval of that macro-F1 over
N resamples of the fold's lines: how much a fold's figure says, given how few dual-use lines it holds.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import joblib
import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import LABELS  # noqa: E402
from pipeline.evaluation.metrics import bootstrap_intervals, classification_metrics  # noqa: E402
from pipeline.model.decision import (  # noqa: E402
    apply_class_thresholds,
    model_codes,
    names_a_type,
    opens_assist,
    prose_word_counts,
    scale_other,
    word_counts,
)
from pipeline.model.keywords import KeywordRules, read_keywords  # noqa: E402
from pipeline.text.counter_cues import has_counter_cue  # noqa: E402
from pipeline.text.destination import declares_aircraft  # noqa: E402
from pipeline.text.ground import ground_reason  # noqa: E402
from pipeline.text.normalise import Normaliser  # noqa: E402
from pipeline.training.crossval import source_of_file  # noqa: E402
from pipeline.training.recipe import load_config  # noqa: E402

ORDINARY_FOLDS = ("nomenclature", "real")
MAX_CHARS = 2000  # the default config's [tokenise] max_chars: the long-line rule counts words up to it


def folds_of(saved: dict, temperature: float = 1.0) -> list[tuple]:
    """``(fold, gold, proba, classes, familiarity, lines)`` of every saved fold (``lines``: each line's word count
    ``words``, whether it holds a model ``code``, its count of ``prose`` function words and the column of the class
    its keywords name, ``keyword``, -1 for none, and whether it holds a word that opens a long line to the keyword
    assist, ``opener``; a structured array).

    ``temperature`` rescales the saved scores as a softmax of ``temperature * log(score)``: for the ``svm`` type,
    whose scores are a softmax of its decision values, that is the scores it would give at that temperature.
    """
    held_out = fold_lines(saved)
    out = []
    for f in saved["folds"]:
        texts, gold = held_out[f["fold"]]
        ex = f["extra"]["dualuse"]
        lines = np.rec.fromarrays(
            [
                word_counts(texts, MAX_CHARS),
                model_codes(texts, MAX_CHARS),
                prose_word_counts(texts, MAX_CHARS),
                keyword_classes(texts, list(ex["classes"])),
                np.fromiter((opens_assist(t[:MAX_CHARS]) for t in texts), dtype=bool, count=len(texts)),
                named_lines(texts),
                ground_lines(texts),
                cue_lines(texts),
                destination_lines(texts),
            ],
            names="words,code,prose,keyword,opener,named,ground,cue,destination",
        )
        proba = ex["proba"] if temperature == 1.0 else rescale(ex["proba"], temperature)
        out.append((f["fold"], gold, proba, list(ex["classes"]), np.asarray(ex["familiarity"]), lines))
    return out


def fold_lines(saved: dict) -> dict[str, tuple[list[str], list[str]]]:
    """``{fold: (texts, gold labels)}`` of every saved fold's held-out lines, in the order of its saved scores."""
    corpus, ood = saved["corpus"], saved["ood"]
    fold_of = [source_of_file(f) for f in corpus.file]
    out = {}
    for f in saved["folds"]:
        if f["fold"] == "ood":
            out["ood"] = (list(ood.text), list(ood.label))
            continue
        idx = [i for i, s in enumerate(fold_of) if s == f["fold"]]
        out[f["fold"]] = ([corpus.text[i] for i in idx], [corpus.label[i] for i in idx])
    return out


def keyword_classes(texts: list[str], classes: list[str]) -> np.ndarray:
    """The column of the class the first matching rule of ``configs/keywords.txt`` names, on the normalised text of
    the default recipe (-1: no rule matches)."""
    normalise = Normaliser(**load_config(REPO / "configs" / "default.cfg")["normalise"])
    match = KeywordRules(read_keywords(REPO / "configs" / "keywords.txt"))
    found = (match(normalise(t)) for t in texts)
    return np.fromiter((classes.index(k) if k in classes else -1 for k in found), dtype=np.int64, count=len(texts))


def named_lines(texts: list[str]) -> np.ndarray:
    """Which texts name an aircraft type or a military system (a token the tokeniser would mark), on the normalised
    text of the default recipe."""
    normalise = Normaliser(**load_config(REPO / "configs" / "default.cfg")["normalise"])
    return np.fromiter((names_a_type(normalise(t)) for t in texts), dtype=bool, count=len(texts))


def ground_lines(texts: list[str]) -> np.ndarray:
    """Which texts the ground rule reads as a ground machine's engine or aviation's ground equipment
    (:func:`pipeline.text.ground.ground_reason`), on the normalised text of the default recipe."""
    normalise = Normaliser(**load_config(REPO / "configs" / "default.cfg")["normalise"])
    return np.fromiter((bool(ground_reason(normalise(t))) for t in texts), dtype=bool, count=len(texts))


def cue_lines(texts: list[str]) -> np.ndarray:
    """Which texts hold a counter-drone cue (:func:`pipeline.text.counter_cues.has_counter_cue`), on the normalised
    text of the default recipe."""
    normalise = Normaliser(**load_config(REPO / "configs" / "default.cfg")["normalise"])
    return np.fromiter((has_counter_cue(normalise(t)) for t in texts), dtype=bool, count=len(texts))


def destination_lines(texts: list[str]) -> np.ndarray:
    """Which texts declare their goods for manned aircraft (:func:`pipeline.text.destination.declares_aircraft`), on
    the normalised text of the default recipe."""
    normalise = Normaliser(**load_config(REPO / "configs" / "default.cfg")["normalise"])
    return np.fromiter((declares_aircraft(normalise(t)) for t in texts), dtype=bool, count=len(texts))


def rescale(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Row softmax of ``temperature * log(proba)``."""
    z = temperature * np.log(np.clip(proba, 1e-300, None))
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def label(
    proba,
    classes,
    familiarity,
    thresholds: dict,
    below=0.0,
    scale=1.0,
    lines=None,
    long=(0, 0.0),
    pool=0.0,
    code=(0, 0.0),
    prose=(0, 1.0),
    keywords=0.0,
    agree=0.0,
    bare=0,
    terms=0,
    ground=False,
    cue=False,
    destination=0.0,
) -> list[str]:
    """Labels as ``predict`` gives them (:func:`pipeline.model.decision.apply_class_thresholds`, with the long-line
    rule ``long`` = ``(words, threshold)`` on lines of more than that many words, the model-code rule ``code`` =
    ``(words, threshold)`` on lines of at most that many words with a model code (``lines``: see :func:`folds_of`)
    the pooling rule ``pool``, the prose rule ``prose`` = ``(function words, other scale)`` and on its prose lines the
    keyword assist at ``keywords`` (and on lines of at most ``terms`` words), and on any line the keyword agreement
    at ``agree``, :mod:`pipeline.model.keywords`, then the bare-word rule on lines of at most ``bare`` words,
    :func:`pipeline.model.decision.bare_word_review`, with ``ground`` the ground rule,
    :func:`pipeline.model.ground_rule.ground_review`, with ``cue`` the counter-drone cue rule on prose lines,
    :func:`pipeline.model.cue_rule.cue_review`, and the destination rule at ``destination``,
    :func:`pipeline.model.destination_rule.destination_assist`);
    the variant tried here on top: thresholds scaled by ``scale`` on lines with familiarity under ``below``."""
    is_prose = None
    if lines is not None and prose[0] > 0 and prose[1] < 1:
        proba = proba.copy()
        is_prose = lines.prose >= prose[0]
        scale_other(proba, is_prose, classes, prose[1])
    best = proba.argmax(axis=1)
    scores = proba[np.arange(len(best)), best].copy()
    has_text = np.ones(len(best), dtype=bool)
    caps = np.ones(len(best))
    if lines is not None and long[0] > 0 and long[1] > 0:
        caps[lines.words > long[0]] = long[1]
    if lines is not None and code[0] > 0 and code[1] > 0:
        coded = lines.code & (lines.words <= code[0])
        caps[coded] = np.minimum(caps[coded], code[1])
    if below > 0:
        unfamiliar = np.asarray(familiarity) < below
        scaled = {c: t * scale for c, t in thresholds.items()}
        for mask, th in ((unfamiliar, scaled), (~unfamiliar, thresholds)):
            sub_best, sub_scores = best[mask], scores[mask]
            apply_class_thresholds(
                proba[mask], sub_best, sub_scores, has_text[mask], classes, th, pool_below=pool, caps=caps[mask]
            )
            best[mask] = sub_best
    else:
        apply_class_thresholds(proba, best, scores, has_text, classes, thresholds, pool_below=pool, caps=caps)
    if keywords > 0 and is_prose is not None and thresholds:
        scope = is_prose | ((lines.words > long[0]) & lines.opener) if long[0] > 0 else is_prose
        if terms > 0:
            scope = scope | ((lines.words > 0) & (lines.words <= terms))
        assisted = scope & (best == classes.index("other")) & (lines.keyword >= 0)
        rows = np.flatnonzero(assisted)
        hit = rows[proba[rows, lines.keyword[rows]] >= keywords]
        best[hit] = lines.keyword[hit]
    if agree > 0 and lines is not None and thresholds:
        top = proba.argmax(axis=1)
        rows = np.flatnonzero((best == classes.index("other")) & (lines.keyword >= 0) & (top == lines.keyword))
        hit = rows[proba[rows, lines.keyword[rows]] >= agree]
        best[hit] = lines.keyword[hit]
    if bare > 0 and lines is not None and thresholds:
        other = classes.index("other")
        plain = (lines.words <= bare) & (lines.words > 0) & ~lines.code & (lines.keyword < 0) & ~lines.named
        best[(best != other) & plain] = other
    if ground and lines is not None and thresholds and "aircraft_parts" in classes:
        best[(best == classes.index("aircraft_parts")) & lines.ground] = classes.index("other")
    if cue and is_prose is not None and thresholds and "counter_drone" in classes:
        best[(best == classes.index("counter_drone")) & is_prose & ~lines.cue] = classes.index("other")
    if destination > 0 and lines is not None and thresholds and "aircraft_parts" in classes:
        parts, other = classes.index("aircraft_parts"), classes.index("other")
        rivals = proba.copy()
        rivals[:, other] = -1.0
        lead = (rivals.argmax(axis=1) == parts) & (proba[:, parts] >= destination)
        best[(best == other) & lines.destination & lead] = parts
    return [classes[j] for j in best.tolist()]


def per_fold(folds: list[tuple], **rule) -> list[tuple[str, float, float, float]]:
    """Each fold's name, macro-F1 and dual-use (any class against `other`) precision and recall."""
    rows = []
    for name, gold, proba, classes, fam, lines in folds:
        pred = label(proba, classes, fam, lines=lines, **rule)
        gold_du = np.array([g != "other" for g in gold])
        pred_du = np.array([q != "other" for q in pred])
        hits = int((gold_du & pred_du).sum())
        f1 = classification_metrics(gold, pred, LABELS)["macro_f1"]
        rows.append((name, f1, hits / max(int(pred_du.sum()), 1), hits / max(int(gold_du.sum()), 1)))
    return rows


def evaluate(folds: list[tuple], **rule) -> tuple[float, float, float, list[float]]:
    """Mean and worst macro-F1 over the folds, ordinary-line false dual-use share, per-fold macro-F1."""
    f1s, fp, n = [], 0, 0
    for name, gold, proba, classes, fam, lines in folds:
        pred = label(proba, classes, fam, lines=lines, **rule)
        f1s.append(classification_metrics(gold, pred, LABELS)["macro_f1"])
        if name in ORDINARY_FOLDS:
            n += sum(g == "other" for g in gold)
            fp += sum(g == "other" and p != "other" for g, p in zip(gold, pred))
    return float(np.mean(f1s)), min(f1s), fp / max(n, 1), f1s


def variants(config: dict) -> dict[str, dict]:
    """The threshold rules tried."""
    current = {k: float(v) for k, v in (config.get("thresholds") or {}).items()}
    long = (int(config["training"].get("long_line_words", 0)), float(config["training"].get("long_line_threshold", 0)))
    pool = float(config["training"].get("pool_below", 0.0))
    code = (int(config["training"].get("code_line_words", 0)), float(config["training"].get("code_line_threshold", 0)))
    prose = (int(config["training"].get("prose_words", 0)), float(config["training"].get("prose_other_scale", 1.0)))
    keywords = float(config["training"].get("prose_keywords", 0.0))
    agree = float(config["training"].get("keyword_agree", 0.0))
    bare = int(config["training"].get("bare_words", 0))
    terms = int(config["training"].get("keyword_terms", 0))
    ground = bool(config["training"].get("ground_rule", False))
    cue = bool(config["training"].get("counter_cue_rule", False))
    destination = float(config["training"].get("aircraft_destination", 0.0))
    cfg = {
        "thresholds": current,
        "long": long,
        "pool": pool,
        "code": code,
        "prose": prose,
        "keywords": keywords,
        "agree": agree,
        "bare": bare,
        "terms": terms,
        "ground": ground,
        "cue": cue,
        "destination": destination,
    }
    out = {"none": {"thresholds": {}}, "config": cfg}
    out["config without the ground rule"] = {**cfg, "ground": False}
    out["config with the ground rule"] = {**cfg, "ground": True}
    out["config without the counter-drone cue rule"] = {**cfg, "cue": False}
    out["config with the counter-drone cue rule"] = {**cfg, "cue": True}
    out["config without the destination rule"] = {**cfg, "destination": 0.0}
    for at in (0.01, 0.02, 0.05, 0.1):
        out[f"config, destination rule at {at:g}"] = {**cfg, "destination": at}
    out["config without the bare-word rule"] = {**cfg, "bare": 0}
    for words in (1, 2):
        out[f"config, bare-word rule on lines of <= {words} words"] = {**cfg, "bare": words}
    out["config without the long-line rule"] = {**cfg, "long": (0, 0.0)}
    out["config without the pooling rule"] = {**cfg, "pool": 0.0}
    out["config without the model-code rule"] = {**cfg, "code": (0, 0.0)}
    out["config without the prose rule"] = {**cfg, "prose": (0, 1.0)}
    out["config without the keyword assist"] = {**cfg, "keywords": 0.0}
    for at in (0.003, 0.03, 0.1):
        out[f"config, keyword assist at {at}"] = {**cfg, "keywords": at}
    out["config without terms in the keyword assist"] = {**cfg, "terms": 0}
    for words in (1, 2, 3, 4):
        out[f"config, terms of <= {words} words in the keyword assist"] = {**cfg, "terms": words}
    out["config without the keyword agreement"] = {**cfg, "agree": 0.0}
    for at in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        out[f"config, keyword agreement at {at}"] = {**cfg, "agree": at}
    for words in (2, 3):
        for scale in (0.1, 0.2, 0.3, 0.5):
            name = f"config, prose lines of >= {words} function words, p(other) x {scale}"
            out[name] = {**cfg, "prose": (words, scale)}
    for words in (5, 8):
        for t in (0.6, 0.7, 0.8):
            out[f"config, model-code lines of <= {words} words at {t}"] = {**cfg, "code": (words, t)}
    for below in (0.01, 0.03, 0.1):
        out[f"config, pooled under p(other) {below}"] = {**cfg, "pool": below}
    for words in (3, 5, 8):
        for t in (0.5, 0.6):
            out[f"config, long lines over {words} words at {t}"] = {**cfg, "long": (words, t)}
    for u in (0.4, 0.5, 0.55, 0.6):
        out[f"all {u}"] = {"thresholds": dict.fromkeys(current, u)}
    for delta in (-0.05, -0.1, -0.15):
        out[f"config {delta:+.2f}"] = {**cfg, "thresholds": {k: v + delta for k, v in current.items()}}
    for below in (0.5, 0.7, 0.9):
        for scale in (0.0, 0.7):
            out[f"config, x{scale} under familiarity {below}"] = {**cfg, "below": below, "scale": scale}
    return out


def search(folds: list[tuple], start: dict, budget: float, grid=None, rounds: int = 3, wide=False, **rules) -> dict:
    """Class thresholds by coordinate search: the highest mean macro-F1 whose ordinary-line false dual-use share
    stays within ``budget`` (one class at a time, over ``grid``, by default 0.30 to 0.90 in steps of 0.05, with
    ``wide`` also 0.93, 0.95, 0.97; ``rounds`` passes; ``rules``: the long-line, model-code and pooling rules kept
    while searching, as :func:`label` takes them)."""
    grid = grid or [round(0.3 + 0.05 * i, 2) for i in range(13)] + ([0.93, 0.95, 0.97] if wide else [])

    def value(th):
        mean, _, fp, _ = evaluate(folds, thresholds=th, **rules)
        return mean if fp <= budget else mean - 10 * (fp - budget)

    return coordinate_search(start, grid, value, rounds)


def coordinate_search(start: dict, grid: list[float], value, rounds: int = 3) -> dict:
    """The thresholds that maximise ``value(thresholds)``, one class at a time over ``grid``, ``rounds`` passes from
    ``start`` (a change is kept only when it raises the value)."""
    best = dict(start)
    current = value(best)
    for _ in range(rounds):
        changed = False
        for cls in best:
            for t in grid:
                trial = {**best, cls: t}
                v = value(trial)
                if v > current + 1e-9:
                    best, current, changed = trial, v, True
        if not changed:
            break
    return best


def rules_of(rule: dict) -> dict:
    """A variant's rules other than its thresholds."""
    return {k: v for k, v in rule.items() if k != "thresholds"}


def halves(folds: list[tuple], seed: int = 0) -> tuple[list[tuple], list[tuple]]:
    """Each fold's lines split at random into two halves: ``(first halves, second halves)``."""
    rng = np.random.default_rng(seed)
    a, b = [], []
    for name, gold, proba, classes, fam, lines in folds:
        pick = rng.random(len(gold)) < 0.5
        for out, mask in ((a, pick), (b, ~pick)):
            idx = np.flatnonzero(mask)
            out.append((name, [gold[i] for i in idx], proba[idx], classes, fam[idx], lines[idx]))
    return a, b


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("saved", help="the file bench/compare.py --loso --save wrote")
    p.add_argument("--config", default=None, help="config whose [thresholds] are the starting point")
    p.add_argument("--per-fold", default=None, help="also print every fold's macro-F1 for this variant")
    p.add_argument(
        "--ci",
        type=int,
        default=0,
        help="with --per-fold: also a 95%% percentile bootstrap interval of each fold's macro-F1 (this many resamples)",
    )
    p.add_argument("--temperature", type=float, default=1.0, help="rescale the saved scores (see folds_of)")
    p.add_argument(
        "--search",
        type=float,
        nargs="*",
        default=[],
        help="also search class thresholds for these ordinary-line false dual-use budgets (e.g. 0.001 0.002)",
    )
    p.add_argument(
        "--wide", action="store_true", help="with --search: also try thresholds 0.93, 0.95 and 0.97 (else 0.30-0.90)"
    )
    p.add_argument(
        "--check-halves",
        action="store_true",
        help="with --search: also choose on a random half of every fold's lines and score the other half",
    )
    args = p.parse_args()
    folds = folds_of(joblib.load(args.saved), args.temperature)
    rules = variants(load_config(args.config))
    cfg_rule = rules["config"]
    if args.search and args.check_halves:
        for budget in args.search:
            for seed in range(3):
                a, b = halves(folds, seed)
                found = search(a, cfg_rule["thresholds"], budget, wide=args.wide, **rules_of(cfg_rule))
                on_a, on_b = (evaluate(half, thresholds=found, **rules_of(cfg_rule)) for half in (a, b))
                print(
                    f"budget {budget:.2%}, split {seed}: chosen on half A: mean {on_a[0]:.3f}, false dual-use "
                    f"{on_a[2]:.3%}; on half B: mean {on_b[0]:.3f}, false dual-use {on_b[2]:.3%}"
                )
    for budget in args.search:
        found = search(folds, cfg_rule["thresholds"], budget, wide=args.wide, **rules_of(cfg_rule))
        rules[f"searched, budget {budget:.2%}"] = {**cfg_rule, "thresholds": found}
        print(f"searched for budget {budget:.2%}: " + ", ".join(f"{k} {v:.2f}" for k, v in found.items()))
    writer = [i for i, (name, *_) in enumerate(folds) if name not in ORDINARY_FOLDS]
    for name, rule in rules.items():
        mean, worst, fp, f1s = evaluate(folds, **rule)
        writer_mean = float(np.mean([f1s[i] for i in writer])) if writer else float("nan")
        print(
            f"{name:<38} mean {mean:.3f}  worst {worst:.3f}  writer-fold mean {writer_mean:.3f}  "
            f"ordinary-line false dual-use {fp:.3%}"
        )
    if args.per_fold:
        rule = rules[args.per_fold]
        for fold, (name, f1, precision, recall) in zip(folds, per_fold(folds, **rule)):
            interval = ""
            if args.ci:
                gold, proba, classes, fam, lines = fold[1:]
                pred = label(proba, classes, fam, lines=lines, **rule)
                lo, hi = bootstrap_intervals(gold, pred, LABELS, n_boot=args.ci)["macro_f1"] or (f1, f1)
                interval = f" [{lo:.3f}-{hi:.3f}]"
            print(f"  {name:<22} {f1:.3f}{interval}  dual-use P / R {precision:.3f} / {recall:.3f}")


if __name__ == "__main__":
    main()
