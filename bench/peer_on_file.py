"""The plain peers of issue 9 fitted on the config's corpus and scored on labelled files nobody trained on.

    python bench/peer_on_file.py NEW.csv [NEW2.csv ...] [--config configs/default.cfg] [--without NAME ...]

Fits the char_wb TF-IDF + LinearSVC peer of ``bench/compare.py`` on every corpus line of the config (the OOD test is
not a corpus file; ``--without`` leaves out corpus files whose name contains a given string) and prints, per file,
its macro-F1 and dual-use precision/recall beside the keyword lists'. Score dualuse on the same files with
``dualuse evaluate FILE --json`` (``--no-thresholds`` for the best class always).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from compare import charwb_peer_fit_predict, keyword_predict  # noqa: E402

from pipeline.evaluation.metrics import classification_metrics  # noqa: E402
from pipeline.training.corpus import read_corpus  # noqa: E402
from pipeline.training.recipe import load_config  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", help="labelled CSV files (columns text,label)")
    p.add_argument("--config", default=None)
    p.add_argument("--without", nargs="*", default=[], help="leave out corpus files whose name contains any of these")
    args = p.parse_args()
    cfg = load_config(args.config)
    corpus = read_corpus(cfg["paths"]["corpus"], cfg["corpus"]["text_column"], cfg["corpus"]["label_column"])
    corpus = corpus.subset([i for i, f in enumerate(corpus.file) if not any(w in f for w in args.without)])
    for path in args.files:
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
        peer = classification_metrics(gold, charwb_peer_fit_predict(list(corpus.text), list(corpus.label), texts))
        keywords = classification_metrics(gold, keyword_predict(texts))
        d = peer["any_dual_use"]
        print(
            f"{path}: {len(rows)} lines; char_wb peer macro-F1 {peer['macro_f1']:.3f} "
            f"(dual-use P {d['precision']:.3f} R {d['recall']:.3f}); keywords {keywords['macro_f1']:.3f}"
        )


if __name__ == "__main__":
    main()
