import csv
import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

from .conftest import DATA, TINY_CORPUS, write_tiny_config

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Train through the CLI on the tiny corpus; return (workdir, model folder)."""
    d = tmp_path_factory.mktemp("cli")
    cfg = write_tiny_config(d)
    model_dir = d / "models" / "tiny"
    result = run(
        "train", cfg, "--output", model_dir,
        "--paths.corpus", json.dumps([str(d / "tiny_corpus.csv")]),
        "--paths.markers", str(d / "markers.txt"),
        "--paths.ood", "null",
        "--features.min_df", "1",
        "--corpus.test_fraction", "0.3",
        "--corpus.dev_fraction", "0.0",
        "--corpus.train_on", "train",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "test split" in result.output and "macro" in result.output
    return d, model_dir


def test_train_writes_model_folder(trained):
    _, model_dir = trained
    meta = json.loads((model_dir / "meta.json").read_text())
    for key in ("labels", "versions", "corpus", "metrics", "model_sha256", "trained_at"):
        assert key in meta
    assert len(meta["corpus"]["sha256"]) == 64
    assert "macro_f1" in meta["metrics"]["test"]
    assert (model_dir / "config.cfg").read_text().count("[features]") == 1
    # `dualuse train` writes the plain-data format (issue 10, item 2): no pickle in the folder.
    assert meta["format"] == "dualuse-linear" and set(meta["files"]) >= {"model.json", "vocabulary.json", "weights.npz"}
    assert not (model_dir / "model.joblib").exists()


def test_train_bad_override_is_a_clean_error(tmp_path):
    cfg = write_tiny_config(tmp_path)
    result = run("train", cfg, "--output", tmp_path / "m", "--features.nope", "1")
    assert result.exit_code == 2
    assert "features.nope" in result.output


def test_evaluate_table_and_json(trained):
    _, model_dir = trained
    result = run("evaluate", TINY_CORPUS, "--model", model_dir)
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "confusion" in result.output
    result = run("evaluate", TINY_CORPUS, "--model", model_dir, "--json")
    metrics = json.loads(result.output)
    assert metrics["n"] == 63
    assert set(metrics["per_class"]) == {
        "drone", "counter_drone", "rugged_computer", "navigation", "aircraft_parts", "other"
    }  # fmt: skip


def read_csv(path, encoding="utf-8", delimiter=","):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def test_predict_cp1251_semicolon_keeps_rows_and_order(trained, tmp_path):
    _, model_dir = trained
    src = DATA / "dump_cp1251.csv"
    out = tmp_path / "out.csv"
    result = run("predict", src, "--output", out, "--model", model_dir)
    # the fixture holds a row with too many fields: reported, written, exit code 1
    assert result.exit_code == 1, result.output
    assert "line 8" in result.output
    rows_in = read_csv(src, encoding="cp1251", delimiter=";")
    rows_out = read_csv(out)
    assert len(rows_out) == len(rows_in) == 6
    for a, b in zip(rows_in, rows_out):
        for col in a:
            if col is not None:
                assert b[col] == (a[col] or ""), col
    assert rows_out[0]["Описание товара"].startswith("Квадрокоптер")
    assert rows_out[0]["label"] == "drone"
    assert rows_out[0]["military_marker"] == "1"
    assert [r["status"] for r in rows_out][2:4] == ["empty", "empty"]
    assert rows_out[5]["status"].startswith("malformed")
    for r in rows_out:
        assert 0.0 <= float(r["score"]) <= 1.0
        assert r["label"] in {"drone", "counter_drone", "rugged_computer", "navigation", "aircraft_parts", "other"}


@pytest.mark.parametrize("ext", ["jsonl", "xlsx", "csv"])
def test_predict_output_formats(trained, tmp_path, ext):
    _, model_dir = trained
    out = tmp_path / f"out.{ext}"
    src = tmp_path / "in.csv"
    shutil.copy(DATA / "dump_utf8.csv", src)
    result = run("predict", src, "--output", out, "--model", model_dir, "--text-column", "DESCRIPTION")
    assert result.exit_code == 0, result.output
    if ext == "jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    elif ext == "xlsx":
        import openpyxl

        ws = openpyxl.load_workbook(out, read_only=True).worksheets[0]
        values = list(ws.iter_rows(values_only=True))
        rows = [dict(zip(values[0], v)) for v in values[1:]]
    else:
        rows = read_csv(out)
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"] or [r["id"] for r in rows] == [1, 2, 3, 4]
    assert [r["label"] for r in rows][:2] == ["counter_drone", "rugged_computer"]
    assert {"label", "score", "military_marker", "status"} <= set(rows[0])


def test_predict_txt_one_line_each(trained, tmp_path):
    _, model_dir = trained
    src = tmp_path / "lines.txt"
    src.write_text("Квадрокоптер DJI Mavic 3\n\nRugged tablet Getac UX10\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = run("predict", src, "--output", out, "--model", model_dir)
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert [r["label"] for r in rows] == ["drone", "other", "rugged_computer"]
    assert [r["status"] for r in rows] == ["ok", "empty", "ok"]


def test_predict_missing_column_lists_columns(trained, tmp_path):
    _, model_dir = trained
    out = tmp_path / "out.csv"
    result = run("predict", DATA / "dump_utf8.csv", "--output", out, "--model", model_dir, "--text-column", "nope")
    assert result.exit_code == 2
    assert "columns present" in result.output and "DESCRIPTION" in result.output
    assert not out.exists()


def test_info_shows_meta(trained):
    _, model_dir = trained
    result = run("info", model_dir)
    assert result.exit_code == 0
    assert "model_sha256" in result.output or "sha256" in result.output


def test_help_has_examples():
    for cmd in ("train", "evaluate", "predict", "info"):
        result = run(cmd, "--help")
        assert result.exit_code == 0
        assert "Example" in result.output


def test_corpus_check_and_export(tmp_path):
    cfg = write_tiny_config(tmp_path)
    text = cfg.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^corpus = .*$", f'corpus = ["{tmp_path / "tiny_corpus.csv"}"]', text)
    text = text.replace('ood = "corpora/ood/ood_test.csv"', "ood = null")
    text = text.replace("test_fraction = 0.15", "test_fraction = 0.3")
    cfg.write_text(text, encoding="utf-8")
    result = run("corpus", "check", cfg)
    assert result.exit_code == 0, result.output
    assert "corpus check passed" in result.output
    assert "tiny_corpus" in result.output
    out = tmp_path / "test_split.csv"
    result = run("corpus", "export", cfg, "--split", "test", "--output", out)
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert rows and {r["split"] for r in rows} == {"test"}
    assert int(result.output.split()[0]) == len(rows)
    assert run("corpus", "export", cfg, "--split", "nope", "--output", out).exit_code == 2
