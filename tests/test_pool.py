"""The pooling rule: a line the model is sure is dual-use is held to its class threshold on the dual-use sum."""

import numpy as np

from pipeline.model.decision import apply_class_thresholds, pool_rule
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

CLASSES = ["counter_drone", "drone", "other"]
THRESHOLDS = {"counter_drone": 0.9, "drone": 0.75}


def run(rows, pool):
    proba = np.array(rows, dtype=float)
    best = proba.argmax(axis=1)
    scores = proba[np.arange(len(best)), best].copy()
    review, cand = apply_class_thresholds(
        proba, best, scores, np.ones(len(best), dtype=bool), CLASSES, THRESHOLDS, pool_below=pool
    )
    return [CLASSES[j] for j in best], scores.round(3).tolist(), review.tolist(), cand


def test_a_bare_drone_split_between_two_dual_use_classes_keeps_its_label():
    # "drone": the model is sure it is dual-use, unsure whether drone or counter_drone
    row = [0.295, 0.705, 0.0]
    assert run([row], pool=0.0)[:3] == (["other"], [0.0], [1])
    labels, scores, review, cand = run([row], pool=0.03)
    assert labels == ["drone"] and review == [0] and cand == [""]
    assert scores == [0.705]  # the score stays the label's own probability


def test_lines_with_some_other_probability_keep_the_class_threshold():
    rows = [[0.25, 0.70, 0.05], [0.05, 0.70, 0.25]]
    assert run(rows, pool=0.03)[0] == ["other", "other"]
    assert run(rows, pool=0.1)[0] == ["drone", "other"]


def test_pooled_sum_still_has_to_reach_the_threshold():
    assert run([[0.88, 0.10, 0.02]], pool=0.03)[0] == ["counter_drone"]
    assert run([[0.50, 0.35, 0.15]], pool=0.2)[0] == ["other"]
    assert run([[0.50, 0.38, 0.12]], pool=0.1)[0] == ["other"]


def test_the_config_carries_the_rule_into_the_model_meta():
    cfg = load_config(REPO / "configs" / "default.cfg")
    assert pool_rule(operating_point(cfg)) == cfg["training"]["pool_below"] > 0
    off = load_config(REPO / "configs" / "default.cfg", {"training.pool_below": 0})
    assert pool_rule(operating_point(off)) == 0.0
    assert pool_rule({}) == 0.0


def test_bundled_model_labels_the_short_plain_lines_of_issue_9_drone():
    from pipeline.model.core import load_model

    model = load_model(REPO / "models" / "default")
    assert pool_rule(model.meta) > 0
    lines = ["Drone 10 pcs", "Drones 5 pcs", "дроны", "БПЛА", "drone", "Drone"]
    assert model.predict_batch(lines).labels == ["drone"] * len(lines)
