"""Labelled files scored by several fitted models alone and by the mean of their scores under the rules.

    python bench/seed_ensemble_files.py --models models/default /tmp/seed1 /tmp/seed2 --files corpora/unseen/*.csv

The models are fits of one recipe (augmentation seeds, say: ``dualuse train … --augment.seed 1``). The ``mean``
column labels each line from the mean of the models' blended scores with the first model's decision path (its
thresholds and rules, familiarity and review flags): what a model averaging those fits would give. Prints each
file's macro-F1 per model and for the mean, and the mean over the files.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.config import LABELS  # noqa: E402
from pipeline.evaluation.metrics import classification_metrics  # noqa: E402
from pipeline.model.core import DualUseModel, load_model  # noqa: E402


def averaged(path: str | Path, members: list[DualUseModel]) -> DualUseModel:
    """The model at ``path`` (loaded anew) labelling from the mean of ``members``' blended scores.

    The scores enter :meth:`DualUseModel.predict_batch` where the character peer is blended in, so everything after
    that (thresholds, rules, familiarity) is the model's own; with one member equal to it, its labels are unchanged.

    Raises:
        ValueError: when the model has no peer to replace or a member orders its classes differently.
    """
    base = load_model(path)
    if base.peer is None:
        raise ValueError(f"{path}: a model without [peer] has no blend to replace")
    if any(m.classes != base.classes for m in members):
        raise ValueError("the members order their classes differently")
    # A replaced blend: the scores of the kept lines, already blended, as every member gives them.
    base.peer.blend = lambda proba, texts, classes: np.mean([m.predict_proba(list(texts)) for m in members], axis=0)
    return base


def score_files(model_dirs: list[str], files: list[str]) -> dict:
    """``{"names": [model names and "mean"], "files": [paths], "f1": {name: [macro-F1 per file]}}``."""
    members = [load_model(d) for d in model_dirs]
    systems = {f"m{i}": m for i, m in enumerate(members)}
    systems["mean"] = averaged(model_dirs[0], members)
    out = {"names": list(systems), "files": list(files), "f1": {k: [] for k in systems}}
    for f in files:
        with open(f, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
        for name, model in systems.items():
            out["f1"][name].append(classification_metrics(gold, model.predict_batch(texts).labels, LABELS)["macro_f1"])
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", required=True, help="model folders, the first one's rules label the mean")
    p.add_argument("--files", nargs="+", required=True, help="labelled CSV files with text and label columns")
    args = p.parse_args()
    res = score_files(args.models, args.files)
    for i, d in enumerate(args.models):
        print(f"m{i}: {d}")
    print(f"{'file':<40}" + "".join(f"{n:>9}" for n in res["names"]))
    for j, f in enumerate(res["files"]):
        print(f"{Path(f).name[:40]:<40}" + "".join(f"{res['f1'][n][j]:9.4f}" for n in res["names"]))
    print(f"{'mean':<40}" + "".join(f"{np.mean(res['f1'][n]):9.4f}" for n in res["names"]))


if __name__ == "__main__":
    main()
