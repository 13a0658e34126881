"""Output hardening (issue 10, items 4, 6, 8 and the output/CLI parts of 11)."""

import csv
import gzip
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from pipeline.cli import EXIT_TRUNCATED, app
from pipeline.run.predict import predict
from pipeline.tables import ChunkWriter, InputError, TableReader

from .test_predict import StopAfter, make_dump

runner = CliRunner()
# Subprocesses import this checkout's pipeline package.
ENV = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def records(path, **kw):
    with open(path, encoding=kw.pop("encoding", "utf-8"), newline="") as fh:
        return list(csv.reader(fh, **kw))


# item 4: a bare CR inside a field


def test_bare_cr_in_field_round_trips(tiny_model, tmp_path):
    src = tmp_path / "cr.csv"
    src.write_bytes('id,text,country\n1,"Квадрокоптер\rDJI Mavic 3",CN\n2,Ноутбук Lenovo,CN\n'.encode())
    out = tmp_path / "out.csv"
    predict(src, out, model=tiny_model)
    got = records(out)
    assert len(got) == 3 and all(len(r) == 13 for r in got)  # 3 input + 5 label + 5 entity columns
    assert got[1][:3] == ["1", "Квадрокоптер\rDJI Mavic 3", "CN"]
    assert got[2][:3] == ["2", "Ноутбук Lenovo", "CN"]
    # and through the project's own reader
    rows = [r for r, _, _ in TableReader(out).iter_rows()]
    assert [r["text"] for r in rows] == ["Квадрокоптер\rDJI Mavic 3", "Ноутбук Lenovo"]


@pytest.mark.parametrize("value", ["a\rb", "a\r\nb", "a\nb", "\r", 'q"\r', "end\r"])
def test_writer_quotes_every_line_break(tmp_path, value):
    out = tmp_path / "w.csv"
    w = ChunkWriter(out, ["a", "b"])
    w.write([{"a": value, "b": "x"}, {"a": "plain", "b": "y"}])
    w.commit()
    assert records(out) == [["a", "b"], [value, "x"], ["plain", "y"]]


# item 6: output = input, existing output


def test_output_equal_to_input_is_refused(tiny_model, tmp_path):
    src = make_dump(tmp_path / "s.csv", n=10)
    before = src.read_bytes()
    with pytest.raises(InputError, match="is the input"):
        predict(src, src, model=tiny_model)
    with pytest.raises(InputError, match="is the input"):
        predict(src, tmp_path / "." / "s.csv", model=tiny_model, overwrite=True)
    link = tmp_path / "hard.csv"
    link.hardlink_to(src)
    with pytest.raises(InputError, match="is the input"):
        predict(src, link, model=tiny_model, overwrite=True)
    assert src.read_bytes() == before
    result = cli("predict", src, "-o", src, "-m", "models/default", "-q")
    assert result.exit_code == 2 and "is the input" in result.output
    assert src.read_bytes() == before


def test_existing_output_needs_force(tiny_model_dir, tmp_path):
    src = make_dump(tmp_path / "s.csv", n=10)
    out = tmp_path / "o.csv"
    out.write_text("keep me\n", encoding="utf-8")
    result = cli("predict", src, "-o", out, "-m", tiny_model_dir, "-q", "-j", "1")
    assert result.exit_code == 2 and "already exists" in result.output and "--force" in result.output
    assert out.read_text(encoding="utf-8") == "keep me\n"
    result = cli("predict", src, "-o", out, "-m", tiny_model_dir, "-q", "-j", "1", "--force")
    assert result.exit_code == 0, result.output
    assert len(records(out)) == 11


def test_resume_continues_despite_partial_output(tiny_model, tmp_path):
    src = make_dump(tmp_path / "s.csv", n=40)
    ref = tmp_path / "ref.csv"
    predict(src, ref, model=tiny_model, chunk_size=10)
    out = tmp_path / "o.csv"
    with pytest.raises(KeyboardInterrupt):
        predict(src, out, model=tiny_model, chunk_size=10, progress=StopAfter(2))
    s = predict(src, out, model=tiny_model, chunk_size=10, resume=True)
    assert s.resumed_rows == 20 and out.read_bytes() == ref.read_bytes()
    # a finished output is not silently replaced by a --resume with nothing to resume
    with pytest.raises(InputError, match="already exists"):
        predict(src, out, model=tiny_model, chunk_size=10, resume=True)


# item 8: truncated .gz, folder output, unwritable output, bad delimiter


def _gz_dump(tmp_path, n):
    src = make_dump(tmp_path / "full.csv", n=n)
    gz = tmp_path / "full.csv.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    return src, gz


@pytest.mark.parametrize("keep", [0.5, 0.97])
def test_truncated_gz_labels_rows_read_and_exits_3(tiny_model_dir, tmp_path, keep):
    src, gz = _gz_dump(tmp_path, n=3000)
    cut = tmp_path / "cut.csv.gz"
    data = gz.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])
    out = tmp_path / "out.csv"
    result = cli("predict", cut, "-o", out, "-m", tiny_model_dir, "-q", "-j", "1", "--chunk-size", "500")
    assert result.exit_code == EXIT_TRUNCATED, result.output
    assert "ends early" in result.output and "Traceback" not in result.output
    got = [r for r, _, _ in TableReader(out).iter_rows()]
    full = [r for r, _, _ in TableReader(src).iter_rows()]
    assert 0 < len(got) < len(full)
    # every row but the last one read is complete and unchanged; the last one is marked
    assert [{k: r[k] for k in full[0]} for r in got[:-1]] == full[: len(got) - 1]
    assert got[-1]["status"] != "ok"


def test_gz_cut_in_its_first_block(tiny_model, tmp_path):
    _, gz = _gz_dump(tmp_path, n=40)
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gz.read_bytes()[:600])
    out = tmp_path / "o.csv"
    s = predict(cut, out, model=tiny_model)
    assert s.truncated and "ends early" in s.truncated
    assert s.rows > 0 and s.failed >= 1
    assert [r for r, _, _ in TableReader(out).iter_rows()][-1]["status"] != "ok"


def test_gz_that_is_not_gzip_is_a_usage_error(tiny_model_dir, tmp_path):
    bad = tmp_path / "bad.csv.gz"
    bad.write_bytes(b"id,text\n1,plain text, not gzip\n")
    result = cli("predict", bad, "-o", tmp_path / "o.csv", "-m", tiny_model_dir, "-q")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_output_is_a_folder(tiny_model_dir, tmp_path):
    src = make_dump(tmp_path / "s.csv", n=5)
    (tmp_path / "d").mkdir()
    result = cli("predict", src, "-o", tmp_path / "d", "-m", tiny_model_dir, "-q")
    assert result.exit_code == 2 and "is a folder" in result.output


def test_unwritable_output_gives_message_and_exit_2(tiny_model_dir, tmp_path, monkeypatch):
    src = make_dump(tmp_path / "s.csv", n=5)
    ro = tmp_path / "ro"
    ro.mkdir()
    monkeypatch.setattr("pipeline.run.inputs.os.access", lambda path, mode: str(path) != str(ro))
    result = cli("predict", src, "-o", ro / "o.csv", "-m", tiny_model_dir, "-q")
    assert result.exit_code == 2 and "not writable" in result.output and "Traceback" not in result.output
    monkeypatch.undo()

    def deny(*a, **k):
        raise PermissionError(13, "Permission denied", str(ro / ".o.csv.partial"))

    monkeypatch.setattr("pipeline.tables.writers.open", deny, raising=False)
    result = cli("predict", src, "-o", ro / "o.csv", "-m", tiny_model_dir, "-q", "-j", "1")
    assert result.exit_code == 2 and "Permission denied" in result.output


@pytest.mark.parametrize("delim", [";;", "", "ab"])
def test_bad_delimiter_is_a_usage_error(tiny_model_dir, tmp_path, delim):
    src = make_dump(tmp_path / "s.csv", n=5)
    result = cli("predict", src, "-o", tmp_path / "o.csv", "-m", tiny_model_dir, "-q", "--delimiter", delim)
    assert result.exit_code == 2 and "one character" in result.output


# item 11: --version, -o -, --excel, XLSX row limit


def test_version():
    from pipeline import __version__

    result = cli("--version")
    assert result.exit_code == 0 and result.output.strip() == f"dualuse {__version__}"


def test_output_to_stdout(tiny_model_dir, tmp_path):
    src = make_dump(tmp_path / "s.csv", n=25)
    ref = tmp_path / "ref.csv"
    predict(src, ref, model=tiny_model_dir, chunk_size=10)
    cmd = ["predict", str(src), "-o", "-", "-m", str(tiny_model_dir), "-q", "--chunk-size", "10", "-j", "1"]
    result = subprocess.run([sys.executable, "-m", "pipeline", *cmd], capture_output=True, cwd=tmp_path, env=ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ref.read_bytes()
    assert b"rows labelled" in result.stderr
    assert not list(tmp_path.glob("-*")) and not (tmp_path / "-").exists()


def test_stdin_to_stdout_and_force_from_stdin(tiny_model_dir, tmp_path):
    src = make_dump(tmp_path / "s.csv", n=12)
    ref = tmp_path / "ref.csv"
    predict(src, ref, model=tiny_model_dir)
    cmd = [sys.executable, "-m", "pipeline", "predict", "-", "-m", str(tiny_model_dir), "-q", "-j", "1"]
    res = subprocess.run([*cmd, "-o", "-"], input=src.read_bytes(), capture_output=True, cwd=tmp_path, env=ENV)
    assert res.returncode == 0, res.stderr
    assert res.stdout == ref.read_bytes()
    out = tmp_path / "o.csv"
    out.write_text("old\n", encoding="utf-8")
    res = subprocess.run([*cmd, "-o", str(out)], input=src.read_bytes(), capture_output=True, cwd=tmp_path, env=ENV)
    assert res.returncode == 2 and b"already exists" in res.stderr
    res = subprocess.run(
        [*cmd, "-o", str(out), "--force", "--excel"], input=src.read_bytes(), capture_output=True, env=ENV
    )
    assert res.returncode == 0, res.stderr
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")


def test_excel_csv(tiny_model, tmp_path):
    src = make_dump(tmp_path / "s.csv", n=12)
    out = tmp_path / "o.csv"
    predict(src, out, model=tiny_model, chunk_size=5, excel=True)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    got = records(out, encoding="utf-8-sig", delimiter=";")
    assert got[0][:3] == ["№", "Описание товара", "qty"] and len(got) == 13
    plain = [r for r, _, _ in TableReader(src).iter_rows()]
    assert [r[:3] for r in got[1:]] == [[r["№"], r["Описание товара"], r["qty"]] for r in plain]


def test_xlsx_output_past_sheet_limit_splits_sheets(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setattr(ChunkWriter, "XLSX_MAX_ROWS", 10)
    src = make_dump(tmp_path / "s.csv", n=25)
    out = tmp_path / "o.xlsx"
    s = predict(src, out, model=tiny_model, chunk_size=7)
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == ["labels", "labels_2", "labels_3"]
    counts = [sum(1 for _ in ws.iter_rows()) - 1 for ws in wb.worksheets]
    assert counts == [9, 9, 7] and sum(counts) == s.rows == 25
    assert s.notes and "3 sheets" in s.notes[0]


def test_stdout_cannot_resume(tiny_model, tmp_path):
    src = make_dump(tmp_path / "s.csv", n=5)
    with pytest.raises(InputError, match="standard output"):
        predict(src, "-", model=tiny_model, resume=True)


def test_writer_to_stdout_writes_bom_once(monkeypatch):
    buf = io.BytesIO()

    class Out:
        buffer = buf

    monkeypatch.setattr("pipeline.tables.writers.sys.stdout", Out)
    w = ChunkWriter("-", ["a"], encoding="utf-8-sig", delimiter=";")
    w.write([{"a": "x"}])
    w.write([{"a": "y"}])
    w.commit()
    assert buf.getvalue() == b"\xef\xbb\xbfa\nx\ny\n"
