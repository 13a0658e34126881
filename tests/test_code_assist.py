"""The code assist: a line the text leans to the label its declared code implies takes that label."""

import copy
import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.codes import code_assist
from pipeline.run.predict import predict
from pipeline.tables import TableReader

CLASSES = ["aircraft_parts", "drone", "navigation", "other"]
# label, status, code, the text's probabilities (in CLASSES order)
LINES = [
    ("other", "ok", "8807300000", [0.56, 0.0, 0.0, 0.44]),  # "ailerons" under 8807: relabelled
    ("other", "ok", "8801000000", [0.05, 0.0, 0.0, 0.95]),  # a pilot balloon under 8801: the text says no
    ("drone", "ok", "8807300000", [0.10, 0.9, 0.0, 0.0]),  # already dual-use: the code never changes it
    ("other", "ok", "9403208000", [0.60, 0.0, 0.0, 0.40]),  # furniture code implies nothing
    ("other", "empty", "8807300000", [0.0, 0.0, 0.0, 0.0]),  # no text
    ("other", "ok", "88O7", [0.90, 0.0, 0.0, 0.10]),  # invalid code
    ("other", "truncated", "852691", [0.0, 0.0, 0.31, 0.69]),  # radio navigation aid
]


def run(threshold, lines=LINES):
    asked = []

    def proba_of(rows):
        asked.extend(rows)
        return np.array([lines[i][3] for i in rows]), CLASSES

    hits = code_assist([x[0] for x in lines], [x[1] for x in lines], [x[2] for x in lines], proba_of, threshold)
    return hits, asked


def test_assist_relabels_only_text_leaning_lines_under_a_dual_use_code():
    hits, asked = run(0.3)
    assert hits == {0: ("aircraft_parts", 0.56), 6: ("navigation", 0.31)}
    assert asked == [0, 1, 6]  # only lines labelled other with a valid code that implies a label


def test_assist_threshold_and_off():
    assert run(0.6)[0] == {}
    assert run(0.0) == ({}, [])
    assert set(run(0.05)[0]) == {0, 1, 6}
    with pytest.raises(ValueError, match="give one code"):
        code_assist(["other"], ["ok"], [], lambda rows: (np.zeros((0, 4)), CLASSES), 0.3)


@pytest.fixture()
def assisted_model(tiny_model):
    model = copy.copy(tiny_model)
    model.meta = dict(tiny_model.meta, code_assist=1e-9, thresholds={"drone": 0.2})  # thresholds: review columns
    return model


LAPTOP = "Ноутбук Lenovo IdeaPad 3 15 дюймов 20 шт"  # `other` in the tiny corpus


def test_api_assist_and_its_trace(tiny_model, assisted_model):
    (plain,) = tiny_model.predict(LAPTOP, codes="8411910008")
    assert (plain.label, plain.code_conflict) == ("other", "code>text")
    (one,) = assisted_model.predict(LAPTOP, codes="8411910008")
    assert (one.label, one.review, one.candidate, one.code_conflict) == ("aircraft_parts", 1, "aircraft_parts", "")
    assert one.score == pytest.approx(assisted_model.predict_proba([LAPTOP])[0][0], abs=1e-6)
    assert assisted_model.predict(LAPTOP)[0].label == "other"  # no code: the text alone
    assert assisted_model.predict(LAPTOP, codes="8411910008", apply_thresholds=False)[0].label == "other"
    strict = copy.copy(tiny_model)
    strict.meta = dict(tiny_model.meta, code_assist=0.999)
    assert strict.predict(LAPTOP, codes="8411910008")[0].code_conflict == "code>text"


@pytest.mark.parametrize("jobs", [1, 2])
def test_file_predict_applies_the_assist(assisted_model, tmp_path, jobs):
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["description", "tnved"])
        w.writerows([[LAPTOP, "8411910008"], [LAPTOP, "8471300000"], [LAPTOP, ""]] * 5)
    summary = predict(src, out, model=assisted_model, jobs=jobs, chunk_size=4, explain=True)
    assert summary.code_conflicts["code-assisted"] == 5 and "code>text" not in summary.code_conflicts
    rows = [r for r, _, _ in TableReader(out).iter_rows()]
    assert [r["label"] for r in rows] == ["aircraft_parts", "other", "other"] * 5
    assert all(r["review"] == "1" and r["candidate"] == "aircraft_parts" for r in rows[::3])
    assert all(r["code_conflict"] == "" and r["explanation"] for r in rows[::3])


def test_dask_engine_counts_and_writes_the_assist(assisted_model, tmp_path):
    distributed = pytest.importorskip("distributed")
    import pandas as pd

    from pipeline.run.dask_engine import predict_dask

    model_dir = tmp_path / "m"
    assisted_model.save(model_dir)
    src = tmp_path / "in.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["description", "tnved"])
        w.writerows([[LAPTOP, "8411910008"], [LAPTOP, "8471300000"]] * 20)
    local = predict(src, tmp_path / "local.csv", model=model_dir)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        s = predict_dask(str(src), tmp_path / "out", model=model_dir, scheduler=c.scheduler_address, blocksize=600)
    assert s.partitions > 1
    assert dict(s.code_conflicts) == dict(local.code_conflicts) == {"code-assisted": 20}
    df = pd.read_parquet(tmp_path / "out")
    assert df["label"].tolist() == ["aircraft_parts", "other"] * 20


def test_summary_line_only_when_lines_were_assisted():
    from pipeline.report.text import format_code_counts

    assert "code assist" not in format_code_counts({"text>code": 1}, {"ok": 3})
    text = format_code_counts({"code-assisted": 2, "code>text": 1}, {"ok": 3})
    assert "code assist: 2 line(s)" in text and "code>text=1" in text


def test_evaluate_applies_the_assist_and_detects_the_code_column(assisted_model, tmp_path):
    src = tmp_path / "gold.csv"
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "tnved"])
        w.writerows([[LAPTOP, "aircraft_parts", "8411910008"], [LAPTOP, "other", "8471300000"]])
    model_dir = tmp_path / "m"
    assisted_model.save(model_dir)
    base = ["evaluate", str(src), "-m", str(model_dir), "--n-boot", "20"]
    named = CliRunner().invoke(app, [*base, "--json", "--code-column", "tnved"])
    assert named.exit_code == 0, named.output
    assert json.loads(named.output)["code_assist"] == {"threshold": 1e-9, "lines": 1}
    found = json.loads(CliRunner().invoke(app, [*base, "--json"]).output)
    assert found["code_column"] == "tnved" and found["code_assist"]["lines"] == 1 and found["accuracy"] == 1.0
    off = json.loads(CliRunner().invoke(app, [*base, "--json", "--no-code-column"]).output)
    assert off["code_column"] is None and "code_assist" not in off and off["accuracy"] == 0.5
    text = CliRunner().invoke(app, base).output
    assert "code column: tnved; code assist at 1e-09 labelled 1 line(s)" in text
