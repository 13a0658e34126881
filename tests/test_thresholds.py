import copy
import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline import load_model
from pipeline.cli import app
from pipeline.config import LABELS
from pipeline.model.core import read_meta, sha256_file
from pipeline.model.decision import threshold_labels as apply_thresholds
from pipeline.model.meta import CONFIG_FILE
from pipeline.run.predict import predict
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config
from pipeline.training.threshold_search import (
    STATUS_NO_DATA,
    STATUS_OK,
    STATUS_UNREACHABLE,
    SWITCHED_OFF,
    select_thresholds,
    thresholds,
    wilson_lower,
)

from .conftest import TINY_CORPUS

CLASSES = ["drone", "navigation", "other"]


def _synthetic():
    """Lines whose best class is drone, by falling score, and whether they are drone; plus extra lines."""
    rows = [
        (0.95, "drone"),
        (0.90, "drone"),
        (0.80, "other"),
        (0.70, "drone"),
        (0.60, "drone"),
        (0.55, "navigation"),
    ]
    proba, gold = [], []
    for score, g in rows:
        rest = (1 - score) / 2
        proba.append([score, rest, rest])
        gold.append(g)
    # a drone line the model gives to other: counts in drone recall, never labelled drone
    proba.append([0.3, 0.1, 0.6])
    gold.append("drone")
    # navigation: every line whose best class is navigation is wrong
    proba.append([0.1, 0.8, 0.1])
    gold.append("other")
    return np.array(proba), gold


@pytest.mark.parametrize(
    "target, threshold, precision, recall, labelled",
    [
        # cumulative precision by cut: 1/1, 2/2, 2/3, 3/4, 4/5, 4/6; drone support 5
        (0.75, 0.60, 0.8, 0.8, 5),
        (0.80, 0.60, 0.8, 0.8, 5),
        (0.90, 0.90, 1.0, 0.4, 2),
        (1.00, 0.90, 1.0, 0.4, 2),
        (0.50, 0.60, 0.8, 0.8, 5),
    ],
)
def test_select_thresholds_known_answer(target, threshold, precision, recall, labelled):
    proba, gold = _synthetic()
    out = select_thresholds(gold, proba, CLASSES, target)
    d = out["drone"]
    assert d["status"] == STATUS_OK
    assert d["threshold"] == pytest.approx(threshold)
    assert d["precision"] == pytest.approx(precision)
    assert d["recall"] == pytest.approx(recall)
    assert d["labelled"] == labelled
    assert d["support"] == 5
    assert "other" not in out


def test_unreachable_and_no_data():
    proba, gold = _synthetic()
    out = select_thresholds(gold, proba, ["drone", "navigation", "other"], 0.9)
    assert out["navigation"]["status"] == STATUS_UNREACHABLE
    assert out["navigation"]["threshold"] == 1.0
    out = select_thresholds(gold, proba[:, [0, 2, 1]], ["drone", "other", "rugged_computer"], 0.9)
    # rugged_computer is nobody's gold; it is the best class of the last line, which is wrong
    assert out["rugged_computer"]["status"] == STATUS_UNREACHABLE
    empty = select_thresholds(["other"], np.array([[0.1, 0.9]]), ["drone", "other"], 0.9)
    assert empty["drone"]["status"] == STATUS_NO_DATA and empty["drone"]["threshold"] is None


def test_tied_scores_are_not_split():
    proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.8, 0.2]])
    gold = ["drone", "drone", "other"]
    # cutting between the two 0.8 lines would give 2/2, but a threshold takes both or neither
    out = select_thresholds(gold, proba, ["drone", "other"], 0.9)
    assert out["drone"]["threshold"] == pytest.approx(0.9)
    assert out["drone"]["labelled"] == 1


def test_conservative_uses_the_lower_bound():
    proba = np.array([[0.9 - i / 100, 0.1 + i / 100] for i in range(10)])
    gold = ["drone"] * 10
    # 10/10 correct: the Wilson lower bound is 0.72, enough for 0.7 but not for 0.8
    assert select_thresholds(gold, proba, ["drone", "other"], 0.8)["drone"]["labelled"] == 10
    strict = select_thresholds(gold, proba, ["drone", "other"], 0.7, conservative=True)["drone"]
    assert strict["labelled"] == 10
    assert strict["precision_lower"] == pytest.approx(wilson_lower(10, 10))
    assert (
        select_thresholds(gold, proba, ["drone", "other"], 0.8, conservative=True)["drone"]["status"]
        == STATUS_UNREACHABLE
    )
    # 3/3 correct is too few lines for a lower bound of 0.7
    assert (
        select_thresholds(gold[:3], proba[:3], ["drone", "other"], 0.7, conservative=True)["drone"]["status"]
        == STATUS_UNREACHABLE
    )


def test_wilson_lower_bound():
    assert wilson_lower(0, 0) is None
    assert wilson_lower(50, 100) == pytest.approx(0.4038, abs=1e-3)
    assert wilson_lower(10, 10) == pytest.approx(0.7225, abs=1e-3)


def test_bad_target_is_an_error():
    proba, gold = _synthetic()
    with pytest.raises(ValueError):
        select_thresholds(gold, proba, CLASSES, 0.0)
    with pytest.raises(ValueError):
        select_thresholds(gold, proba, CLASSES, 1.5)


def test_apply_thresholds_matches_the_chosen_operating_point():
    proba, gold = _synthetic()
    thr = select_thresholds(gold, proba, CLASSES, 0.9)
    labels = apply_thresholds(proba, CLASSES, {c: r["threshold"] for c, r in thr.items()})
    assert labels[:2] == ["drone", "drone"]
    assert all(lab == "other" for lab in labels[2:])


@pytest.fixture()
def model_copy_dir(tiny_model, tmp_path):
    model = copy.copy(tiny_model)
    model.meta = {"text_rules": tiny_model.meta["text_rules"]}  # no thresholds, nothing else
    return model.save(tmp_path / "model")


def test_thresholds_written_to_meta_and_model_still_loads(model_copy_dir):
    before = read_meta(model_copy_dir)
    result = thresholds(TINY_CORPUS, model_copy_dir, target_precision=0.9)
    meta = read_meta(model_copy_dir)
    assert meta["thresholds"] == result["thresholds"]
    assert set(meta["thresholds"]) == set(LABELS) - {"other"}
    assert meta["thresholds_info"]["target_precision"] == 0.9
    # the same fitted files, the recipe rewritten, other decisions: another model name
    fitted = {k: v for k, v in meta["files"].items() if k != CONFIG_FILE}
    assert fitted == {k: v for k, v in before["files"].items() if k != CONFIG_FILE}
    assert meta["files"][CONFIG_FILE] != before["files"][CONFIG_FILE]
    assert meta["model_sha256"] != before["model_sha256"]
    assert meta["decision_sha256"] != before["decision_sha256"]
    # the folder's recipe states the operating point the model now labels at
    recipe = load_config(model_copy_dir / CONFIG_FILE)
    point = operating_point(recipe)
    assert point["thresholds"] == meta["thresholds"]
    assert {k: point[k] for k in SWITCHED_OFF} == {k: meta[k] for k in SWITCHED_OFF} == SWITCHED_OFF
    assert not list(model_copy_dir.parent.glob(".model.*"))
    loaded = load_model(model_copy_dir)
    assert loaded.thresholds == result["thresholds"]
    # the tiny model reproduces its training labels, so precision 1 is reached everywhere
    for r in result["per_class"].values():
        assert r["status"] == STATUS_OK and r["precision"] == 1.0
    assert result["expected"]["accuracy"] == 1.0


def test_thresholds_dry_run_writes_nothing(model_copy_dir):
    result = thresholds(TINY_CORPUS, model_copy_dir, target_precision=0.9, dry_run=True)
    assert result["written"] is None
    assert "thresholds" not in read_meta(model_copy_dir)


def test_thresholds_warns_when_dev_is_training_data(tiny_model, tmp_path):
    model = copy.copy(tiny_model)
    model.meta = {"corpus": {"files": {str(TINY_CORPUS): sha256_file(TINY_CORPUS)}}}
    model.save(tmp_path / "m")
    result = thresholds(TINY_CORPUS, tmp_path / "m", target_precision=0.9, dry_run=True)
    assert any("training corpus" in w for w in result["warnings"])


def test_cli_thresholds_needs_an_explicit_model(model_copy_dir):
    runner = CliRunner()
    res = runner.invoke(app, ["thresholds", str(TINY_CORPUS), "--target-precision", "0.9"])
    assert res.exit_code != 0
    res = runner.invoke(
        app, ["thresholds", str(TINY_CORPUS), "--model", str(model_copy_dir), "--target-precision", "0.9"]
    )
    assert res.exit_code == 0, res.output
    assert "drone" in res.output and "thresholds written to" in res.output
    res = runner.invoke(
        app, ["thresholds", str(TINY_CORPUS), "--model", str(model_copy_dir), "--target-precision", "1.5"]
    )
    assert res.exit_code != 0


def test_written_thresholds_switch_the_long_line_rule_off(tiny_model, tmp_path):
    model = copy.copy(tiny_model)
    model.meta = dict(
        tiny_model.meta or {}, long_line_words=8, long_line_threshold=0.5, code_line_words=5, code_line_threshold=0.6
    )
    model.save(tmp_path / "m")
    thresholds(TINY_CORPUS, tmp_path / "m", target_precision=0.9, allow_fitted=True)
    meta = read_meta(tmp_path / "m")
    assert meta["long_line_words"] == meta["code_line_words"] == 0


def _drone_threshold_between(tiny_model, tiny_corpus):
    """A drone threshold that puts some training drone lines below it and some above."""
    batch = tiny_model.predict_batch(tiny_corpus.text, apply_thresholds=False)
    scores = sorted(float(batch.scores[i]) for i, lab in enumerate(batch.labels) if lab == "drone")
    mid = len(scores) // 2
    return (scores[mid - 1] + scores[mid]) / 2, batch


def test_predict_batch_review_and_candidate(tiny_model, tiny_corpus):
    thr, raw = _drone_threshold_between(tiny_model, tiny_corpus)
    model = copy.copy(tiny_model)
    model.meta = {"thresholds": {"drone": thr}}
    batch = model.predict_batch(tiny_corpus.text)
    other = raw.classes.index("other")
    n_review = 0
    for i, lab in enumerate(raw.labels):
        if lab == "drone" and raw.scores[i] < thr:
            n_review += 1
            assert batch.labels[i] == "other"
            assert batch.review[i] == 1 and batch.candidates[i] == "drone"
            assert batch.scores[i] == pytest.approx(raw.proba[i, other])
        else:
            assert batch.labels[i] == lab
            assert batch.review[i] == 0 and batch.candidates[i] == ""
    assert n_review >= 1
    unthresholded = model.predict_batch(tiny_corpus.text, apply_thresholds=False)
    assert unthresholded.labels == raw.labels and unthresholded.review.sum() == 0


def _read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_predict_file_writes_review_candidate_and_top_k(tiny_model, tiny_corpus, tmp_path):
    thr, raw = _drone_threshold_between(tiny_model, tiny_corpus)
    model = copy.copy(tiny_model)
    model.meta = {"thresholds": {"drone": thr}}
    model_dir = model.save(tmp_path / "m")
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i, t in enumerate(tiny_corpus.text):
            w.writerow([i, t])
    out = tmp_path / "out.csv"
    predict(src, out, model=model_dir, top_k=3)
    rows = _read_csv(out)
    assert len(rows) == len(tiny_corpus)
    assert {"review", "candidate", "label_2", "score_2", "label_3", "score_3"} <= set(rows[0])
    tops = raw.top_k(3)
    for i, row in enumerate(rows):
        below = raw.labels[i] == "drone" and raw.scores[i] < thr
        assert row["review"] == ("1" if below else "0")
        assert row["candidate"] == ("drone" if below else "")
        assert row["label"] == ("other" if below else raw.labels[i])
        assert [row["label_2"], row["label_3"]] == [tops[i][1][0], tops[i][2][0]]
        assert float(row["score_2"]) >= float(row["score_3"])
        assert row["label_2"] != tops[i][0][0]

    # without thresholds there are no review columns
    plain = tmp_path / "plain.csv"
    bare = copy.copy(tiny_model)
    bare.meta = {}
    predict(src, plain, model=bare.save(tmp_path / "bare"))
    assert "review" not in _read_csv(plain)[0]


def test_cli_predict_top_k(tiny_model_dir, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Квадрокоптер DJI Mavic 3\nстол письменный\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(
        app, ["predict", str(src), "--output", str(out), "--model", str(tiny_model_dir), "--top-k", "2"]
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and "label_2" in rows[0] and "score_2" in rows[0]
