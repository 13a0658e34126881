"""Choose features and classifier settings on the DEV split only (never test, never OOD).

Each candidate is a set of config overrides; the model is fitted on train and scored on dev. Prints one row per
candidate: dev macro-F1, the lowest per-class precision among the positive classes, and the fit time.

    python bench/tune.py                      # the built-in grid
    python bench/tune.py --grid '[{"features.min_df": 1}, {"classifier.C": 50}]'
"""

from __future__ import annotations

import argparse
import json
import time

from pipeline.config import POSITIVE_LABELS
from pipeline.evaluation.evaluate import evaluate_texts
from pipeline.training.corpus import prepare_data
from pipeline.training.fit import fit_model
from pipeline.training.recipe import load_config

GRID = [
    {},
    {"classifier.C": 5.0},
    {"classifier.C": 50.0},
    {"features.min_df": 1},
    {"features.char_ngram_range": [1, 4]},
    {"features.char_ngram_range": [2, 6]},
    {"features.char_ngram_range": [3, 5]},
    {"features.word_ngram_range": [1, 1]},
    {"features.word_ngram_range": [1, 3]},
    {"features.char_weight": 0.5},
    {"features.char_weight": 2.0},
    {"tokenise.lemmatise": True},
    {"classifier.type": "svm_calibrated", "classifier.C": 1.0},
    {"classifier.type": "sgd"},
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", default="configs/default.cfg")
    ap.add_argument("--grid", help="JSON list of override dicts (default: built-in grid)")
    args = ap.parse_args()
    grid = json.loads(args.grid) if args.grid else GRID
    base = load_config(args.config)
    corpus, splits, _ = prepare_data(base)
    train = corpus.subset(splits.indices("train"))
    dev = corpus.subset(splits.indices("dev"))
    print(f"train={len(train)} dev={len(dev)}")
    print(f"{'overrides':<62}{'dev macro-F1':>13}{'min pos P':>11}{'fit s':>8}")
    for overrides in grid:
        cfg = load_config(args.config, overrides)
        t0 = time.perf_counter()
        model = fit_model(cfg, train.text, train.label)
        fit_s = time.perf_counter() - t0
        m = evaluate_texts(model, dev.text, dev.label)
        min_p = min(m["per_class"][lab]["precision"] for lab in POSITIVE_LABELS)
        print(f"{json.dumps(overrides, ensure_ascii=False)[:61]:<62}{m['macro_f1']:>13.4f}{min_p:>11.4f}{fit_s:>8.1f}")


if __name__ == "__main__":
    main()
