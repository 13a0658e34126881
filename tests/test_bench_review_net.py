"""``bench/review_net.py``: what a wider review net (`other` lines with a dual-use runner-up) would add and catch."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
import review_net  # noqa: E402


def test_runner_up_is_the_best_dual_use_score():
    classes = ["drone", "other", "navigation"]
    proba = np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    assert review_net.runner_up(proba, classes).tolist() == [0.2, 0.5]


def test_files_count_silent_lines_and_what_each_net_reaches(tiny_model_dir, tiny_corpus, tmp_path):
    from pipeline.model.core import load_model

    texts, gold = list(tiny_corpus.text), list(tiny_corpus.label)
    batch = load_model(tiny_model_dir).predict_batch(texts)
    silent = [i for i, p in enumerate(batch.labels) if p == "other" and not batch.review[i]]
    gold[silent[0]] = "drone"  # a line the model reads as plain `other`, gold dual-use: a silent miss
    path = tmp_path / "labelled.csv"
    pd.DataFrame({"text": texts, "label": gold}).to_csv(path, index=False)
    res = review_net.from_files(str(tiny_model_dir), [str(path)], [0.0, 1.01])
    assert res["ordinary"] == sum(g == "other" for g in gold)
    assert res["silent"] == sum(gold[i] != "other" for i in silent) >= 1
    assert res["caught"] == {0.0: res["silent"], 1.01: 0}
    assert res["added"] == {0.0: sum(gold[i] == "other" for i in silent), 1.01: 0}
