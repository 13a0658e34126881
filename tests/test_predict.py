import csv
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.run.predict import PredictInterrupted, errors_path_for, predict, state_path_for
from pipeline.run.progress import Progress, format_progress
from pipeline.tables import TableReader

from .conftest import TINY_CORPUS


def make_dump(path, n=60):
    with open(TINY_CORPUS, encoding="utf-8") as fh:
        texts = [r["text"] for r in csv.DictReader(fh)]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["№", "Описание товара", "qty"])
        for i in range(n):
            w.writerow([i, texts[i % len(texts)] if i % 17 else "", i * 3])
    return path


def rows_of(path):
    return [r for r, _, _ in TableReader(path).iter_rows()]


def test_output_contract_csv(tiny_model, tmp_path):
    src = make_dump(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    s = predict(src, out, model=tiny_model, chunk_size=7)
    assert s.text_columns == ["Описание товара"]
    got = rows_of(out)
    inp = rows_of(src)
    assert len(got) == len(inp) == s.rows == 60
    added = [
        "label",
        "score",
        "military_marker",
        "military_wording",
        "status",
        "manufacturer",
        "brand",
        "model",
        "quantity",
        "unit",
    ]
    assert list(got[0]) == ["№", "Описание товара", "qty", *added]
    assert [{k: r[k] for k in inp[0]} for r in got] == inp
    assert got[0]["status"] == "empty" and got[1]["status"] == "ok"
    assert sum(s.labels.values()) == 60
    assert not s.failed and s.errors_path is None
    assert not state_path_for(out).exists()


@pytest.mark.parametrize("name", ["out.jsonl", "out.parquet", "out.xlsx", "out.csv.gz", "out.tsv"])
def test_output_formats(tiny_model, tmp_path, name):
    src = make_dump(tmp_path / "in.csv", n=25)
    ref = tmp_path / "ref.csv"
    predict(src, ref, model=tiny_model)
    out = tmp_path / name
    predict(src, out, model=tiny_model, chunk_size=10, top_k=2)
    got = rows_of(out)
    want = rows_of(ref)
    assert [r["label"] for r in got] == [r["label"] for r in want]
    assert [str(r["№"]) for r in got] == [str(i) for i in range(25)]
    assert "label_2" in got[0] and "score_2" in got[0]


def test_jobs_two_equals_jobs_one(tiny_model, tmp_path):
    src = make_dump(tmp_path / "in.csv", n=200)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    predict(src, a, model=tiny_model, jobs=1, chunk_size=16)
    s = predict(src, b, model=tiny_model, jobs=2, chunk_size=16)
    assert s.jobs == 2
    assert a.read_bytes() == b.read_bytes()


def test_jobs_with_model_folder(tiny_model_dir, tmp_path):
    src = make_dump(tmp_path / "in.csv", n=50)
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    predict(src, a, model=tiny_model_dir, jobs=1, chunk_size=20)
    predict(src, b, model=tiny_model_dir, jobs=2, chunk_size=20)
    assert a.read_bytes() == b.read_bytes()


class StopAfter:
    def __init__(self, n):
        self.n = n
        self.seen = []

    def __call__(self, p: Progress):
        self.seen.append(p.rows)
        if len(self.seen) == self.n:
            raise KeyboardInterrupt


@pytest.mark.parametrize("name, jobs", [("out.csv", 1), ("out.csv.gz", 2), ("out.parquet", 1), ("out.jsonl", 2)])
def test_resume_gives_same_output(tiny_model, tmp_path, name, jobs):
    src = make_dump(tmp_path / "in.csv", n=100)
    bad = src.read_text(encoding="utf-8").replace("\n5;", '\n"5;', 1)  # a broken quote early on
    src.write_text(bad, encoding="utf-8")
    ref = tmp_path / ("ref_" + name)
    ref_summary = predict(src, ref, model=tiny_model, chunk_size=12, jobs=jobs)
    out = tmp_path / name
    with pytest.raises(PredictInterrupted) as exc:
        predict(src, out, model=tiny_model, chunk_size=12, jobs=jobs, progress=StopAfter(3))
    assert exc.value.summary.rows == 36
    assert not out.exists() and state_path_for(out).exists()
    s = predict(src, out, model=tiny_model, chunk_size=12, jobs=jobs, resume=True)
    assert s.resumed_rows == 36 and s.rows == 100
    assert s.labels == ref_summary.labels and s.failed == ref_summary.failed == 1
    if name.endswith(".parquet"):
        assert pq.read_table(out).equals(pq.read_table(ref))
    else:
        assert rows_of(out) == rows_of(ref)
    assert not state_path_for(out).exists()
    assert errors_path_for(out).read_text() == errors_path_for(ref).read_text()


def test_resume_refuses_changed_options(tiny_model, tmp_path):
    src = make_dump(tmp_path / "in.csv", n=50)
    out = tmp_path / "out.csv"
    with pytest.raises(PredictInterrupted):
        predict(src, out, model=tiny_model, chunk_size=10, progress=StopAfter(1))
    from pipeline.tables import InputError

    with pytest.raises(InputError, match="chunk_size"):
        predict(src, out, model=tiny_model, chunk_size=20, resume=True)
    # without --resume a fresh run replaces the interrupted one
    s = predict(src, out, model=tiny_model, chunk_size=20)
    assert s.rows == 50 and s.resumed_rows == 0


def test_resume_refuses_a_model_with_other_thresholds(tiny_model, tmp_path):
    """The same fitted files with other thresholds label otherwise: an interrupted run does not resume under them."""
    import copy

    from pipeline.tables import InputError

    src = make_dump(tmp_path / "in.csv", n=50)
    out = tmp_path / "out.csv"
    with pytest.raises(PredictInterrupted):
        predict(src, out, model=tiny_model, chunk_size=10, progress=StopAfter(1))
    other = copy.copy(tiny_model)
    other.meta = {**tiny_model.meta, "thresholds": {"drone": 0.99}}
    with pytest.raises(InputError, match="decisions"):
        predict(src, out, model=other, chunk_size=10, resume=True)


def test_resume_without_state_is_a_fresh_run(tiny_model, tmp_path):
    src = make_dump(tmp_path / "in.csv", n=20)
    s = predict(src, tmp_path / "out.csv", model=tiny_model, resume=True)
    assert s.rows == 20 and s.resumed_rows == 0


def test_malformed_rows_reported(tiny_model, tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(
        "text,qty\nквадрокоптер DJI,1\n".encode()
        + b"\xd0\xbd\xd0\xbe\xff\xfe,2\n"
        + '"broken quote,3\nноутбук,4\na,b,c\n'.encode()
    )
    out = tmp_path / "out.csv"
    s = predict(src, out, model=tiny_model, encoding="utf-8")
    got = rows_of(out)
    assert len(got) == 5 and s.rows == 5
    assert got[1]["status"].startswith("undecodable")
    assert got[2]["status"].startswith("malformed")
    assert got[3]["text"] == "ноутбук" and got[3]["status"] == "ok"
    assert got[4]["status"].startswith("malformed")
    assert s.failed == 3
    assert [line for line, _ in s.errors] == [3, 4, 6]
    side = list(csv.DictReader(open(errors_path_for(out), encoding="utf-8")))
    assert [r["line"] for r in side] == ["3", "4", "6"]


def test_progress_callback(tiny_model, tmp_path):
    src = make_dump(tmp_path / "in.csv", n=30)
    seen = []
    predict(src, tmp_path / "o.csv", model=tiny_model, chunk_size=10, progress=seen.append)
    assert [p.rows for p in seen] == [10, 20, 30]
    assert seen[-1].rows_total is None and seen[-1].bytes_read == seen[-1].bytes_total
    line = format_progress(seen[-1])
    assert "30 rows" in line and "rows/s" in line and "100.0%" in line


def test_progress_line_with_known_total():
    line = format_progress(Progress(50, 200, 0, 1000, 10.0, 50))
    assert "50/200 rows" in line and "ETA 0:00:30" in line


def test_cli_predict_exit_codes_and_summary(tiny_model_dir, tmp_path):
    runner = CliRunner()
    src = make_dump(tmp_path / "in.csv", n=30)
    out = tmp_path / "out.parquet"
    res = runner.invoke(app, ["predict", str(src), "-o", str(out), "-m", str(tiny_model_dir), "-j", "1", "-q"])
    assert res.exit_code == 0, res.output
    assert "Описание товара" in res.output and "30 rows" in res.output and "errors: 0" in res.output
    assert pq.read_table(out).num_rows == 30
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "квадрокоптер"}, ensure_ascii=False) + "\n{oops\n", encoding="utf-8")
    res = runner.invoke(
        app, ["predict", str(bad), "-o", str(tmp_path / "bad_out.csv"), "-m", str(tiny_model_dir), "-j", "1"]
    )
    assert res.exit_code == 1
    assert "line 2: malformed JSON" in res.output
    res = runner.invoke(
        app, ["predict", str(src), "-o", str(tmp_path / "x.csv"), "-m", str(tiny_model_dir), "-c", "no such column"]
    )
    assert res.exit_code == 2 and "not found" in res.output


def test_cli_joined_text_columns(tiny_model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("G31_1,desc_extension\nквадрокоптер,DJI Mavic\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = CliRunner().invoke(
        app,
        [
            "predict",
            str(src),
            "-o",
            str(out),
            "-m",
            str(tiny_model_dir),
            "--text-column",
            "g31_1",
            "--text-column",
            "DESC_EXTENSION",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "G31_1, desc_extension" in res.output
    assert json.loads(out.read_text(encoding="utf-8"))["label"] == "drone"
