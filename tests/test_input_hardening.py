"""Issue 10, input side: encodings decided per line, per-row failures, no lost columns or content, binary input."""

import copy
import csv
import json
import zipfile
from xml.sax.saxutils import escape

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.run.predict import PredictInterrupted, errors_path_for, predict, state_path_for
from pipeline.tables import InputError, TableReader, detect_encodings, spool_stdin

from .test_predict import StopAfter

RU = ["Квадрокоптер DJI Mavic 3", "Ноутбук Lenovo", "Подавитель сигналов БПЛА для нужд СВО", "Труба стальная"]


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# --- item 1: encodings -------------------------------------------------------------------------------------------


def test_issue_mixed_utf8_and_cp1251_rows(tiny_model, tmp_path):
    """The issue's reproduction: the UTF-8 rows stay as written, the cp1251 row is read right and marked."""
    src = tmp_path / "m.csv"
    src.write_bytes(
        "id,text\n1,Квадрокоптер DJI Mavic 3\n".encode()
        + "2,Ноутбук Lenovo\n".encode("cp1251")
        + "3,Подавитель сигналов БПЛА для нужд СВО\n".encode()
    )
    out = tmp_path / "m_out.csv"
    s = predict(src, out, model=tiny_model)
    rows = read_csv(out)
    assert [r["text"] for r in rows] == [RU[0], RU[1], RU[2]]
    assert [r["status"] for r in rows] == ["ok", "recoded from cp1251", "ok"]
    assert s.encoding == "utf-8" and s.failed == 1
    errors = read_csv(errors_path_for(out))
    assert errors == [{"line": "3", "status": "recoded from cp1251", "text": RU[1], "raw": "2,Ноутбук Lenovo"}]


def test_stray_byte_in_utf8_file_touches_only_its_row(tmp_path):
    lines = [f"{i},{RU[i % 4]} {i}" for i in range(200)]
    data = ("id,text\n" + "\n".join(lines) + "\n").encode()
    cut = data.index("Ноутбук Lenovo 101".encode())
    src = tmp_path / "ff.csv"
    src.write_bytes(data[:cut] + b"\xff" + data[cut:])
    reader = TableReader(src)
    assert reader.encoding == "utf-8"
    rows = list(reader.iter_rows())
    assert len(rows) == 200
    bad = [(r["id"], e) for r, _, e in rows if e]
    assert bad == [("101", "undecodable bytes for encoding utf-8")]
    assert [r["text"] for r, _, e in rows if not e] == [f"{RU[i % 4]} {i}" for i in range(200) if i != 101]
    chunk = next(TableReader(src).iter_chunks(1000))
    assert chunk.raw[101] == "101,\\xffНоутбук Lenovo 101"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "koi8-r", "cp866", "cp1251"])
def test_whole_file_encodings(tmp_path, encoding):
    src = tmp_path / "in.csv"
    src.write_bytes(("id;text\n" + "".join(f"{i};{t}\n" for i, t in enumerate(RU))).encode(encoding))
    reader = TableReader(src)
    assert reader.encoding == encoding
    rows = list(reader.iter_rows())
    assert [r["text"] for r, _, _ in rows] == RU
    assert all(e is None for _, _, e in rows)


def test_utf8_line_in_a_cp1251_file_is_recoded(tmp_path):
    src = tmp_path / "in.txt"
    src.write_bytes("Ноутбук Lenovo\nТруба стальная\n".encode("cp1251") + "Квадрокоптер DJI\n".encode())
    reader = TableReader(src)
    assert (reader.encoding, reader.fallback_encoding) == ("cp1251", "utf-8")
    rows = list(reader.iter_rows())
    assert [r["text"] for r, _, _ in rows] == ["Ноутбук Lenovo", "Труба стальная", "Квадрокоптер DJI"]
    assert [e for _, _, e in rows] == [None, None, "recoded from utf-8"]


def test_koi8_rows_in_a_utf8_file_are_guessed_per_line():
    sample = "Квадрокоптер DJI\n".encode() + "Ноутбук Lenovo для офиса\n".encode("koi8-r")
    assert detect_encodings(sample) == ("utf-8", "koi8-r")


def test_forced_encoding_is_not_second_guessed(tmp_path):
    src = tmp_path / "in.csv"
    src.write_bytes(b"text\n" + "Ноутбук\n".encode("cp1251"))
    rows = list(TableReader(src, encoding="utf-8").iter_rows())
    assert rows[0][2] == "undecodable bytes for encoding utf-8"


# --- item 3: a row that makes labelling fail -------------------------------------------------------------------


def test_issue_lone_surrogate_row_gets_a_status(tiny_model, tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_text('{"text":"Квадрокоптер DJI"}\n{"text":"Ноутбук \\ud83d Lenovo"}\n', encoding="utf-8")
    out = tmp_path / "p_out.csv"
    s = predict(src, out, model=tiny_model)
    rows = read_csv(out)
    assert s.rows == 2 and rows[0]["status"] == "ok"
    assert rows[1]["status"].startswith("malformed: lone surrogate")
    assert read_csv(errors_path_for(out))[0]["raw"] == '{"text":"Ноутбук \\ud83d Lenovo"}'


def poisoned(model):
    """A copy of ``model`` whose batch labelling raises on any text with POISON (as spaCy did on lone surrogates)."""

    class Poisoned(type(model)):
        def predict_batch(self, texts, apply_thresholds=True):
            if any("POISON" in t for t in texts):
                raise UnicodeEncodeError("utf-8", "\ud83d", 0, 1, "surrogates not allowed")
            return super().predict_batch(texts, apply_thresholds=apply_thresholds)

    clone = copy.copy(model)
    clone.__class__ = Poisoned
    return clone


def test_label_failure_is_the_row_status_and_resume_works(tiny_model, tmp_path):
    poison = poisoned(tiny_model)
    src = tmp_path / "in.csv"
    texts = [RU[i % 4] if i not in (7, 30) else f"POISON {i}" for i in range(40)]
    src.write_text("text\n" + "\n".join(texts) + "\n", encoding="utf-8")
    ref = tmp_path / "ref.csv"
    s = predict(src, ref, model=poison, chunk_size=16)
    rows = read_csv(ref)
    assert s.rows == 40 and s.failed == 2
    assert [i for i, r in enumerate(rows) if r["status"] != "ok"] == [7, 30]
    assert rows[7]["status"].startswith("failed: UnicodeEncodeError")
    assert rows[7]["label"] == "other" and rows[7]["score"] == "0.0" and rows[8]["label"] == "drone"
    errors = read_csv(errors_path_for(ref))
    assert [e["line"] for e in errors] == ["9", "32"] and json.loads(errors[0]["raw"]) == {"text": "POISON 7"}
    out = tmp_path / "out.csv"
    with pytest.raises(PredictInterrupted):
        predict(src, out, model=poison, chunk_size=16, progress=StopAfter(1))
    assert state_path_for(out).exists()
    s2 = predict(src, out, model=poison, chunk_size=16, resume=True)
    assert s2.resumed_rows == 16 and s2.rows == 40
    assert out.read_text(encoding="utf-8") == ref.read_text(encoding="utf-8")


# --- item 5: duplicate spreadsheet headers ----------------------------------------------------------------------


def test_xlsx_duplicate_headers_keep_both_columns(tiny_model, tmp_path):
    import openpyxl

    src = tmp_path / "dup.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["text", "text", "qty", "text_2"])
    ws.append(["Квадрокоптер DJI", "Ноутбук Lenovo", 2, "x"])
    wb.save(src)
    reader = TableReader(src)
    assert reader.columns == ["text", "text_3", "qty", "text_2"]
    out = tmp_path / "out.csv"
    predict(src, out, model=tiny_model)
    row = read_csv(out)[0]
    assert (row["text"], row["text_3"], row["text_2"]) == ("Квадрокоптер DJI", "Ноутбук Lenovo", "x")


# --- item 7: raw content of bad rows; late JSONL keys; uncalculated formulas ------------------------------------


def test_raw_content_of_bad_rows_in_errors_file(tiny_model, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "Квадрокоптер"}\n{"text": "Ноутбук", broken\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    predict(src, out, model=tiny_model)
    assert read_csv(errors_path_for(out))[0]["raw"] == '{"text": "Ноутбук", broken'
    src = tmp_path / "in.csv"
    src.write_text("text,qty\nКвадрокоптер,1\nНоутбук,2,surplus,fields\n", encoding="utf-8")
    out = tmp_path / "out2.csv"
    predict(src, out, model=tiny_model)
    (err,) = read_csv(errors_path_for(out))
    assert err["status"] == "malformed: 4 fields, expected 2" and err["raw"] == "Ноутбук,2,surplus,fields"


def test_jsonl_keys_first_seen_late_are_kept(tiny_model, tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [{"text": RU[i % 4]} for i in range(150)]
    lines[140]["country"] = "CN"
    src.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines), encoding="utf-8")
    assert TableReader(src).columns == ["text", "country"]
    out = tmp_path / "out.csv"
    predict(src, out, model=tiny_model)
    rows = read_csv(out)
    assert rows[140]["country"] == "CN" and rows[0]["country"] == ""


def test_xlsx_formula_without_cached_value_gets_a_status(tiny_model, tmp_path):
    import openpyxl

    src = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["text", "qty"])
    ws.append(["Квадрокоптер DJI", 1])
    ws.append(['=CONCATENATE("Ноутбук ", "Lenovo")', 2])  # openpyxl stores no cached value
    wb.save(src)
    out = tmp_path / "out.csv"
    s = predict(src, out, model=tiny_model)
    rows = read_csv(out)
    assert rows[0]["status"] == "ok"
    assert rows[1]["status"].startswith("formula without a cached value in 'text'")
    assert s.failed == 1
    assert json.loads(read_csv(errors_path_for(out))[0]["raw"])[0].startswith("=CONCATENATE")


# --- item 9: binary input ---------------------------------------------------------------------------------------


def test_binary_input_is_refused(tiny_model_dir, tmp_path):
    src = tmp_path / "image.csv"
    src.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    result = CliRunner().invoke(app, ["predict", str(src), "-o", str(tmp_path / "o.csv"), "-m", str(tiny_model_dir)])
    assert result.exit_code == 2
    assert "PNG image" in result.output and "refusing" in result.output
    src = tmp_path / "blob.txt"
    src.write_bytes(bytes(range(32)) * 50)
    with pytest.raises(InputError, match="binary data"):
        TableReader(src)


# --- item 11: .xls/.ods and standard input -----------------------------------------------------------------------


def write_ods(path, rows):
    """A minimal OpenDocument spreadsheet (strings and floats)."""

    def cell(v):
        if isinstance(v, (int, float)):
            head = f'<table:table-cell office:value-type="float" office:value="{v}">'
            return f"{head}<text:p>{v}</text:p></table:table-cell>"
        return f'<table:table-cell office:value-type="string"><text:p>{escape(v)}</text:p></table:table-cell>'

    body = "".join("<table:table-row>" + "".join(cell(v) for v in r) + "</table:table-row>" for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="goods">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)


def write_xls(path, rows):
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("goods")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            ws.write(i, j, v)
    wb.save(str(path))


@pytest.mark.parametrize("ext", ["xls", "ods"])
def test_xls_and_ods_are_read(tiny_model, tmp_path, ext):
    src = tmp_path / f"in.{ext}"
    (write_xls if ext == "xls" else write_ods)(src, [["Описание товара", "qty", "qty"], [RU[0], 2, 3], [RU[1], 1, 0]])
    reader = TableReader(src)
    assert reader.columns == ["Описание товара", "qty", "qty_2"]
    assert reader.rows_total == 2
    assert [r for r, _, _ in reader.iter_rows()] == [
        {"Описание товара": RU[0], "qty": 2, "qty_2": 3},
        {"Описание товара": RU[1], "qty": 1, "qty_2": 0},
    ]
    out = tmp_path / "out.parquet"
    s = predict(src, out, model=tiny_model)
    assert s.rows == 2 and s.failed == 0
    assert pq.read_table(out).column("label").to_pylist()[0] == "drone"


def test_stdin_input(tiny_model_dir, tmp_path):
    data = ("id;text\n" + "".join(f"{i};{t}\n" for i, t in enumerate(RU))).encode("cp1251")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(app, ["predict", "-", "-o", str(out), "-m", str(tiny_model_dir)], input=data)
    assert result.exit_code == 0, result.output
    assert [r["text"] for r in read_csv(out)] == RU
    result = CliRunner().invoke(
        app, ["predict", "-", "-o", str(out), "-m", str(tiny_model_dir), "--resume"], input=data
    )
    assert result.exit_code == 2 and "standard input" in result.output


@pytest.mark.parametrize(
    "data, suffix",
    [(b'{"text": "a"}\n', ".jsonl"), (b"text\na\n", ".csv"), (b"PAR1xxxx", ".parquet"), (b"PK\x03\x04xx", ".xlsx")],
)
def test_spool_stdin_recognises_the_format(data, suffix):
    import io
    import shutil

    path = spool_stdin(io.BytesIO(data))
    try:
        assert path.name == "stdin" + suffix and path.read_bytes() == data
    finally:
        shutil.rmtree(path.parent)
