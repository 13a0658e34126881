"""Compare dualuse with its peers on the same splits, in one run.

Systems, all fitted on the same lines (the config's ``train_on`` splits) and scored on the test split and on the
out-of-distribution test:

- ``keywords``: the regular-expression keyword lists analysts use today (first matching class wins);
- ``fasttext``: fastText supervised (``fasttext-wheel``) with word bigrams and subword n-grams;
- ``tfidf_svc``: plain scikit-learn word TF-IDF (1-2 grams) + LinearSVC;
- ``dualuse``: this project's pipeline with the given config.

Prints macro-F1, macro-F1 per language and per-class precision/recall for each system, as plain text and as a
Markdown table (for the README's model card)::

    python bench/compare.py                     # configs/default.cfg
    python bench/compare.py --markdown-only
    python bench/compare.py --corpus.train_on train     # any --section.key value override of the config
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pipeline.config import LABELS, POSITIVE_LABELS, parse_overrides
from pipeline.evaluation.metrics import classification_metrics
from pipeline.model.keywords import read_keywords
from pipeline.training.corpus import prepare_data
from pipeline.training.fit import fit_model, operating_point
from pipeline.training.recipe import load_config

# The analysts' keyword lists: one file for this peer and for the model's keyword assist ([training] prose_keywords).
KEYWORDS = [tuple(rule) for rule in read_keywords(Path(__file__).resolve().parent.parent / "configs" / "keywords.txt")]
_KEYWORD_RES = [(lab, re.compile(p, re.IGNORECASE)) for lab, p in KEYWORDS]


def keyword_predict(texts: Sequence[str]) -> list[str]:
    """Label with the analysts' keyword lists: the first class whose pattern matches, else ``other``."""
    out = []
    for t in texts:
        for lab, rx in _KEYWORD_RES:
            if rx.search(t):
                out.append(lab)
                break
        else:
            out.append("other")
    return out


def _ft_clean(t: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"([^\w\s.\-/])", r" \1 ", t.lower())).strip()


def fasttext_fit_predict(train_x, train_y, test_sets, seed: int = 0):
    """Train fastText supervised on ``train_x``; return predictions for each text list in ``test_sets``."""
    import fasttext

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        for x, y in zip(train_x, train_y):
            fh.write(f"__label__{y} {_ft_clean(x)}\n")
        path = fh.name
    try:
        model = fasttext.train_supervised(
            path, epoch=30, lr=0.5, wordNgrams=2, minn=2, maxn=5, dim=100, loss="softmax", seed=seed, thread=1,
            verbose=0,
        )  # fmt: skip
    finally:
        os.unlink(path)
    # model.predict() breaks under NumPy 2 (np.array(copy=False)); the binding's own predict returns (prob, label).
    return [[model.f.predict(_ft_clean(x) + "\n", 1, 0.0, "strict")[0][1][9:] for x in xs] for xs in test_sets]


def tfidf_svc_fit_predict(train_x, train_y, test_sets):
    """Plain scikit-learn baseline: word TF-IDF (1-2 grams) + LinearSVC."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), LinearSVC(C=1.0))
    pipe.fit(train_x, train_y)
    return [list(pipe.predict(xs)) for xs in test_sets]


def charwb_peer_fit_predict(train_x, train_y, test_x, decision: bool = False):
    """The plain character peer of issue 9: char_wb TF-IDF (1-6) + class-balanced LinearSVC.

    With ``decision`` returns ``(labels, decision_function matrix, classes)``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    pipe = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 6), min_df=2, sublinear_tf=True),
        LinearSVC(class_weight="balanced"),
    )
    pipe.fit(train_x, train_y)
    if decision:
        return list(pipe.predict(test_x)), pipe.decision_function(test_x), list(pipe.classes_)
    return list(pipe.predict(test_x))


ORDINARY_FOLDS = ("nomenclature", "real")


class DualuseSystem:
    """``fit_predict`` of this project's pipeline under one config (picklable, for parallel folds)."""

    def __init__(self, cfg):
        self.cfg = cfg

    def __call__(self, train_x, train_y, sources, test_x):
        model = fit_model(self.cfg, train_x, train_y, sources)
        model.meta = {**model.meta, **operating_point(self.cfg)}
        batch = model.predict_batch(test_x)
        extra = {"proba": batch.proba, "classes": batch.classes, "familiarity": batch.familiarity}
        extra.update(self.more(model, test_x))
        return batch.labels, batch.scores, extra

    def more(self, model, test_x) -> dict:
        """Anything more a variant keeps of the fold's model in its ``extra`` (nothing here)."""
        return {}


def _keywords(train_x, train_y, sources, test_x):
    return keyword_predict(test_x), None


def _charwb(train_x, train_y, sources, test_x):
    labels, dec, classes = charwb_peer_fit_predict(train_x, train_y, test_x, decision=True)
    return labels, None, {"decision": dec, "classes": classes}


def _word_svc(train_x, train_y, sources, test_x):
    return tfidf_svc_fit_predict(train_x, train_y, [test_x])[0], None


def loso_main(
    cfg, config_name: str, only, n_jobs: int, markdown_only: bool, system_names=None, save=None, seeds=None
) -> None:
    """Print the leave-one-source-out table: dualuse and its peers on every held-out source.

    With ``seeds``, the folds are run once per augmentation seed (``[augment] seed``; the copies, and with them the
    fit, differ from seed to seed) and the seed table of :func:`seed_table` is printed after the first seed's table;
    ``save`` then names one file per seed (``SAVE.seedS``).
    """
    from pipeline.training.corpus import read_corpus
    from pipeline.training.crossval import leave_one_source_out

    corpus = read_corpus(cfg["paths"]["corpus"], cfg["corpus"]["text_column"], cfg["corpus"]["label_column"])
    ood = read_corpus([cfg["paths"]["ood"]]) if cfg["paths"].get("ood") else None
    runs: list[tuple[str, list[dict]]] = []
    for seed in seeds or [None]:
        run_cfg = cfg if seed is None else {**cfg, "augment": {**(cfg.get("augment") or {}), "seed": seed}}
        systems = {
            "dualuse": DualuseSystem(run_cfg),
            "char_wb_svc": _charwb,
            "word_svc": _word_svc,
            "keywords": _keywords,
        }
        if system_names:
            systems = {k: v for k, v in systems.items() if k in system_names or k == "dualuse"}
        t0 = time.perf_counter()
        res = leave_one_source_out(run_cfg, corpus, systems, ood=ood, only=only, n_jobs=n_jobs)
        if save:
            import joblib

            path = save if seed is None else f"{save}.seed{seed}"
            joblib.dump({"folds": res["folds"], "corpus": corpus, "ood": ood}, path)
        if not markdown_only:
            n_folds, secs = len(res["folds"]), time.perf_counter() - t0
            at = "" if seed is None else f"; augmentation seed {seed}"
            print(f"config {config_name}; leave-one-source-out over {n_folds} folds{at}; {secs:.0f} s")
        if not runs:
            print_loso(res["folds"], list(systems))
            print(military_flag_summary(corpus, cfg))
        runs.append(("default" if seed is None else f"seed {seed}", res["folds"]))
    if len(runs) > 1:
        print_seed_table(seed_table(runs))


def seed_table(runs: Sequence[tuple[str, list[dict]]]) -> dict:
    """dualuse's leave-one-source-out figures over several runs of the same folds (augmentation seeds, say).

    Args:
        runs: ``(name, folds)`` per run, ``folds`` as ``leave_one_source_out`` returns them (or a ``--save`` file
            holds them); every run must hold the same folds.

    Returns:
        ``{"runs": [names], "folds": [{"fold", "n", "scores": [macro-F1 per run], "mean", "min", "max", "peers":
        {system: mean macro-F1 over the runs}}], "mean": [per run], "worst": [(macro-F1, fold) per run],
        "false": [false dual-use labels on the held-out ordinary lines per run] or None when no ordinary fold was
        run, "peers": [peer names]}``.

    Raises:
        ValueError: when the runs do not hold the same folds.
    """
    names = [name for name, _ in runs]
    order = [f["fold"] for f in runs[0][1]]
    for name, folds in runs[1:]:
        if [f["fold"] for f in folds] != order:
            raise ValueError(f"run {name!r} holds other folds than run {names[0]!r}")
    peers = [n for n in runs[0][1][0]["systems"] if n != "dualuse"] if order else []
    rows = []
    for i, fold in enumerate(order):
        scores = [folds[i]["systems"]["dualuse"]["macro_f1"] for _, folds in runs]
        rows.append(
            {
                "fold": fold,
                "n": runs[0][1][i]["n"],
                "scores": scores,
                "mean": sum(scores) / len(scores),
                "min": min(scores),
                "max": max(scores),
                "peers": {p: sum(f[i]["systems"][p]["macro_f1"] for _, f in runs) / len(runs) for p in peers},
            }
        )
    per_run = [[r["scores"][k] for r in rows] for k in range(len(runs))]
    ordinary = [i for i, fold in enumerate(order) if fold in ORDINARY_FOLDS]
    false = [sum(_false_dual_use(folds[i]["systems"]["dualuse"]) for i in ordinary) for _, folds in runs]
    return {
        "runs": names,
        "folds": rows,
        "mean": [sum(s) / len(s) if s else 0.0 for s in per_run],
        "worst": [min(zip(s, order)) if s else (0.0, "") for s in per_run],
        "false": false if ordinary else None,
        "peers": peers,
    }


def print_seed_table(table: dict) -> None:
    """Print :func:`seed_table`: one column per run, then dualuse's mean, lowest and highest, and each peer's mean."""
    runs, peers = table["runs"], table["peers"]
    head = ["held-out source", "lines", *runs, "mean", "lowest", "highest", *peers]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in table["folds"]:
        cells = [r["fold"], str(r["n"])] + [f"{v:.3f}" for v in r["scores"]]
        cells += [f"**{r['mean']:.3f}**", f"{r['min']:.3f}", f"{r['max']:.3f}"]
        cells += [f"{r['peers'][p]:.3f}" for p in peers]
        print("| " + " | ".join(cells) + " |")
    worst = [v for v, _ in table["worst"]]
    for name, values, fmt in (("**mean**", table["mean"], ".4f"), ("**worst**", worst, ".3f")):
        cells = [name, ""] + [f"{v:{fmt}}" for v in values] + [f"{sum(values) / len(values):{fmt}}", "", ""]
        print("| " + " | ".join(cells + [""] * len(peers)) + " |")
    print("worst fold per run: " + ", ".join(f"{name} {fold}" for name, (_, fold) in zip(runs, table["worst"])))
    if table["false"] is not None:
        print("false dual-use labels on the held-out ordinary lines per run: " + ", ".join(map(str, table["false"])))


def print_loso(folds: list[dict], names: list[str]) -> None:
    """The leave-one-source-out table, then per system: false dual-use labels on the held-out ordinary lines and
    the writer-fold mean (every fold but the nomenclature and real lines), with dualuse's wins against each peer."""
    print("| held-out source | lines | " + " | ".join(names) + " | dualuse dual-use P / R | dualuse ECE |")
    print("|" + "---|" * (len(names) + 4))
    for f in folds:
        d = f["systems"]["dualuse"]
        cells = [f["fold"], str(f["n"])] + [f"{f['systems'][n]['macro_f1']:.3f}" for n in names]
        cells.append(f"{d['any_dual_use']['precision']:.3f} / {d['any_dual_use']['recall']:.3f}")
        cells.append(f"{d.get('ece', float('nan')):.3f}")
        print("| " + " | ".join(cells) + " |")
    scores = {n: [(f["systems"][n]["macro_f1"], f["fold"]) for f in folds] for n in names}
    for stat, pick in (("mean", None), ("worst", min)):
        cells = [f"**{stat}**", ""]
        cells += [f"{(pick(scores[n])[0] if pick else sum(v for v, _ in scores[n]) / len(folds)):.3f}" for n in names]
        print("| " + " | ".join(cells + ["", ""]) + " |")
    print("worst folds: " + ", ".join(f"{n} {min(scores[n])[1]}" for n in names))
    ordinary = [f for f in folds if f["fold"] in ORDINARY_FOLDS]
    if ordinary:
        n_other = sum(f["systems"]["dualuse"]["per_class"]["other"]["support"] for f in ordinary)
        print(f"ordinary lines (gold other of the held-out nomenclature and real folds): {n_other}; labelled dual-use:")
        for n in names:
            per = {f["fold"]: _false_dual_use(f["systems"][n]) for f in ordinary}
            total = sum(per.values())
            parts = ", ".join(f"{k} {v}" for k, v in per.items())
            print(f"  {n}: {total} ({total / max(n_other, 1):.3%}; {parts})")
    writer = [f for f in folds if f["fold"] not in ORDINARY_FOLDS]
    if writer:
        own = [f["systems"]["dualuse"]["macro_f1"] for f in writer]
        print(
            f"writer folds ({len(writer)}): mean macro-F1 "
            + ", ".join(f"{n} {sum(f['systems'][n]['macro_f1'] for f in writer) / len(writer):.3f}" for n in names)
        )
        for n in names[1:]:
            peer = [f["systems"][n]["macro_f1"] for f in writer]
            ahead = sum(a > b + 0.002 for a, b in zip(own, peer))
            behind = sum(a < b - 0.002 for a, b in zip(own, peer))
            print(
                f"  dualuse against {n}: ahead on {ahead}, level (±0.002) on {len(own) - ahead - behind}, "
                f"behind on {behind}"
            )


def _false_dual_use(metrics) -> int:
    """Gold ``other`` lines given a dual-use label, from a confusion matrix in LABELS order."""
    other = LABELS.index("other")
    return int(sum(v for j, v in enumerate(metrics["confusion"][other]) if j != other))


def military_flag_summary(corpus, cfg) -> str:
    """False and true military flags of the marker rules over every corpus line with a gold marker column."""
    from pipeline.text.markers import MarkerMatcher
    from pipeline.text.normalise import Normaliser

    matcher = MarkerMatcher.from_file(cfg["paths"]["markers"])
    norm = Normaliser()
    ordinary = false_ordinary = marked = caught = false_other = unmarked = 0
    for text, label, marker, file in zip(corpus.text, corpus.label, corpus.marker, corpus.file):
        flag = matcher(norm(text))
        if marker == 1:
            marked += 1
            caught += flag
            continue
        if marker != 0:
            continue
        unmarked += 1
        false_other += flag
        if "nomenclature" in file or "real" in file or label == "other":
            ordinary += 1
            false_ordinary += flag
    return (
        f"military flag: {false_ordinary} false flags on {ordinary} ordinary lines (nomenclature, real terms, corpus "
        f"other); {false_other} false flags on all {unmarked} unmarked lines; {caught} of {marked} marked lines flagged"
    )


def per_language(gold, pred, langs) -> dict[str, float]:
    """Macro-F1 per language slice."""
    out = {}
    for lang in ("ru", "en", "mixed"):
        idx = [i for i, lg in enumerate(langs) if lg == lang]
        if idx:
            out[lang] = classification_metrics([gold[i] for i in idx], [pred[i] for i in idx])["macro_f1"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="configs/default.cfg")
    ap.add_argument("--markdown-only", action="store_true")
    ap.add_argument("--loso", action="store_true", help="leave-one-source-out table instead of the split table")
    ap.add_argument("--folds", nargs="*", help="with --loso: only these held-out sources")
    ap.add_argument("--jobs", type=int, default=2, help="with --loso: folds scored at once")
    ap.add_argument("--systems", nargs="*", help="with --loso: peers to run beside dualuse (default: all)")
    ap.add_argument("--save", help="with --loso: write the folds with dualuse's out-of-fold probabilities (joblib)")
    ap.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        help="with --loso: run the folds once per augmentation seed and print the seed table (mean, lowest, highest)",
    )
    ap.add_argument(
        "--from-saved",
        nargs="+",
        help="print the leave-one-source-out table of a file --save wrote, fitting nothing; with several files "
        "(one run each: seeds, say), their seed table",
    )
    args, extra = ap.parse_known_args()
    if args.from_saved:
        import joblib

        runs = [(Path(f).name, joblib.load(f)["folds"]) for f in args.from_saved]
        if len(runs) == 1:
            print_loso(runs[0][1], list(runs[0][1][0]["systems"]))
        else:
            print_seed_table(seed_table(runs))
        return
    cfg = load_config(args.config, parse_overrides(extra))
    if args.loso:
        loso_main(cfg, args.config, args.folds, args.jobs, args.markdown_only, args.systems, args.save, args.seeds)
        return
    corpus, splits, ood = prepare_data(cfg)
    fit_on = {"train": ("train",), "train+dev": ("train", "dev"), "all": ("train", "dev", "test")}[
        cfg["corpus"]["train_on"]
    ]
    fit = corpus.subset(splits.indices(*fit_on))
    test = corpus.subset(splits.indices("test"))
    sets = {"test": test}
    if ood is not None:
        sets["ood"] = ood
    names = list(sets)
    texts = [sets[n].text for n in names]
    preds: dict[str, list[list[str]]] = {}
    seconds: dict[str, float] = {}

    t0 = time.perf_counter()
    preds["keywords"] = [keyword_predict(xs) for xs in texts]
    seconds["keywords"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    preds["fasttext"] = fasttext_fit_predict(fit.text, fit.label, texts)
    seconds["fasttext"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    preds["tfidf_svc"] = tfidf_svc_fit_predict(fit.text, fit.label, texts)
    seconds["tfidf_svc"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = fit_model(cfg, fit.text, fit.label)
    preds["dualuse"] = [model.predict_batch(xs).labels for xs in texts]
    seconds["dualuse"] = time.perf_counter() - t0

    rows = []
    for system, per_set in preds.items():
        for name, pred in zip(names, per_set):
            gold = sets[name].label
            m = classification_metrics(gold, pred, LABELS)
            langs = per_language(gold, pred, sets[name].lang)
            rows.append((system, name, m, langs))

    if not args.markdown_only:
        print(
            f"config {args.config}; fitted on {'+'.join(fit_on)} ({len(fit)} lines); "
            + "; ".join(f"{n}: {len(sets[n])} lines" for n in names)
        )
        print("fit+predict seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items()))
        head = f"{'system':<11}{'set':<6}{'macroF1':>8}{'ru':>7}{'en':>7}{'mixed':>7}"
        head += "".join(f"{lab[:8] + ' P/R':>15}" for lab in POSITIVE_LABELS)
        print(head)
        for system, name, m, langs in rows:
            line = f"{system:<11}{name:<6}{m['macro_f1']:>8.3f}"
            line += "".join(f"{langs.get(lg, float('nan')):>7.3f}" for lg in ("ru", "en", "mixed"))
            for lab in POSITIVE_LABELS:
                pc = m["per_class"][lab]
                line += f"{pc['precision']:>9.3f}/{pc['recall']:.3f}"
            print(line)
        print()
    cols = " | ".join(f"{lab} P / R" for lab in POSITIVE_LABELS)
    print(f"| system | set | macro-F1 | ru | en | mixed | {cols} |")
    print("|" + "---|" * (6 + len(POSITIVE_LABELS)))
    for system, name, m, langs in rows:
        cells = [system, name, f"{m['macro_f1']:.3f}"]
        cells += [f"{langs[lg]:.3f}" if lg in langs else "–" for lg in ("ru", "en", "mixed")]
        for lab in POSITIVE_LABELS:
            pc = m["per_class"][lab]
            cells.append(f"{pc['precision']:.3f} / {pc['recall']:.3f}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
