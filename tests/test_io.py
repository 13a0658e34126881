import csv
import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.tables import ChunkWriter, InputError, TableReader, detect_encoding, find_columns, row_text
from pipeline.tables.readers import base as reader_limits

ROWS = [
    {"G31_1": "Квадрокоптер DJI Mavic 3, 2 шт", "qty": "2"},
    {"G31_1": 'Труба стальная 5" бесшовная', "qty": "10"},
    {"G31_1": "Многострочное\nописание; с | разделителями\tи табом", "qty": "1"},
    {"G31_1": "ноутбук Lenovo ёлка", "qty": ""},
]


def write_csv(path, rows=ROWS, delimiter=",", encoding="utf-8", opener=open):
    with opener(path, "wt", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(rows)


def read_all(path, **kw):
    reader = TableReader(path, **kw)
    return reader, list(reader.iter_rows())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251", "cp866"])
def test_encodings_detected(tmp_path, encoding):
    p = tmp_path / "in.csv"
    write_csv(p, encoding=encoding)
    reader, rows = read_all(p)
    assert reader.encoding == encoding
    assert reader.columns == ["G31_1", "qty"]
    assert [r for r, _, _ in rows] == ROWS
    assert all(err is None for _, _, err in rows)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_detected(tmp_path, delimiter):
    p = tmp_path / "in.csv"
    write_csv(p, delimiter=delimiter)
    reader, rows = read_all(p)
    assert reader.delimiter == delimiter
    assert [r for r, _, _ in rows] == ROWS


def test_overrides(tmp_path):
    p = tmp_path / "in.csv"
    write_csv(p, delimiter=";", encoding="cp1251")
    reader, rows = read_all(p, encoding="cp1251", delimiter=";")
    assert [r for r, _, _ in rows] == ROWS
    with pytest.raises(InputError):
        TableReader(p, encoding="no-such-encoding")


def test_multiline_quoted_field_line_numbers(tmp_path):
    p = tmp_path / "in.csv"
    write_csv(p)
    _, rows = read_all(p)
    # header is line 1; the third row spans lines 4-5
    assert [line for _, line, _ in rows] == [2, 3, 4, 6]


@pytest.mark.parametrize("name", ["in.csv.gz", "in.tsv.gz"])
def test_gzip_csv(tmp_path, name):
    p = tmp_path / name
    write_csv(p, delimiter="\t" if "tsv" in name else ",", opener=gzip.open)
    reader, rows = read_all(p)
    assert reader.gzipped
    assert [r for r, _, _ in rows] == ROWS


@pytest.mark.parametrize("name", ["in.jsonl", "in.jsonl.gz"])
def test_jsonl(tmp_path, name):
    p = tmp_path / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(p, "wt", encoding="utf-8") as fh:
        for r in ROWS:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        fh.write("{broken json\n")
    reader, rows = read_all(p)
    assert [r for r, _, _ in rows[:4]] == ROWS
    assert rows[4][1] == 5 and rows[4][2].startswith("malformed JSON")


def test_txt_and_gz_txt(tmp_path):
    for name, opener in (("in.txt", open), ("in.txt.gz", gzip.open)):
        p = tmp_path / name
        with opener(p, "wt", encoding="cp1251") as fh:
            fh.write("квадрокоптер\nноутбук\n")
        _, rows = read_all(p)
        assert [r["text"] for r, _, _ in rows] == ["квадрокоптер", "ноутбук"]


def test_parquet(tmp_path):
    p = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), p)
    reader, rows = read_all(p)
    assert reader.rows_total == 4
    assert [r for r, _, _ in rows] == ROWS


def test_xlsx_sheet_choice(tmp_path):
    import openpyxl

    p = tmp_path / "in.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "cover"
    ws.append(["note"])
    ws.append(["nothing here"])
    ws2 = wb.create_sheet("goods")
    ws2.append(["Описание товара", "qty"])
    ws2.append(["Квадрокоптер", 2])
    ws2.append(["ноутбук", 1])
    wb.save(p)
    for sheet in ("goods", 1, "1"):
        reader, rows = read_all(p, sheet=sheet)
        assert reader.columns == ["Описание товара", "qty"]
        assert [r["qty"] for r, _, _ in rows] == [2, 1]
    _, rows = read_all(p)
    assert rows[0][0] == {"note": "nothing here"}
    with pytest.raises(InputError):
        TableReader(p, sheet="missing")


@pytest.mark.parametrize(
    "columns, wanted, expect",
    [
        (["id", "«ОПИСАНИЕ ТОВАРА»"], None, ["«ОПИСАНИЕ ТОВАРА»"]),
        (["id", "Описание  товара "], None, ["Описание  товара "]),
        (["id", "g31_1"], None, ["g31_1"]),
        (["id", "G31_1", "Desc_Extension"], ["g31 1", "desc extension"], ["G31_1", "Desc_Extension"]),
        (["id", "G31_1", "desc extension"], ["G31_1", "DESC EXTENSION"], ["G31_1", "desc extension"]),
        (["id", "G31_1"], ["G31_2"], None),
        (["id", "goods_description", "qty"], None, ["goods_description"]),
        (["id", "Description of goods", "qty"], None, ["Description of goods"]),
        (["id", "G31", "G33"], None, ["G31"]),
    ],
)
def test_find_columns(columns, wanted, expect):
    if expect is None:
        with pytest.raises(InputError, match="not found"):
            find_columns(columns, wanted, "f")
    else:
        assert find_columns(columns, wanted, "f") == expect


def test_row_text_joins_columns():
    assert row_text({"a": " x ", "b": None, "c": "y"}, ["a", "b", "c"]) == "x y"


def test_broken_quote_does_not_swallow_rows(tmp_path):
    p = tmp_path / "in.csv"
    lines = ["text,qty", '"broken quote row,1', "ноутбук,2", "телефон,3", '"ok, quoted",4']
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, rows = read_all(p)
    assert len(rows) == 4
    assert rows[0][1] == 2 and rows[0][2].startswith("malformed")
    assert [(r["text"], line, err) for r, line, err in rows[1:]] == [
        ("ноутбук", 3, None),
        ("телефон", 4, None),
        ("ok, quoted", 5, None),
    ]


def test_stray_quote_closed_later_is_split_back(tmp_path):
    p = tmp_path / "in.csv"
    lines = ["text,qty", '"abc,1', "def,2", 'ghi,3"', "jkl,4"]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, rows = read_all(p)
    assert [line for _, line, _ in rows] == [2, 3, 4, 5]
    assert rows[0][2].startswith("malformed") and rows[1][2] is None
    assert rows[3][0] == {"text": "jkl", "qty": "4"}


def test_undecodable_bytes_and_wrong_field_count(tmp_path):
    p = tmp_path / "in.csv"
    p.write_bytes("text,qty\nноутбук,1\n".encode() + b"bad \xff\xfe bytes,2\n" + b"a,b,c\n")
    _, rows = read_all(p, encoding="utf-8")
    assert len(rows) == 3
    assert rows[1][1] == 3 and "undecodable" in rows[1][2]
    assert rows[1][0]["text"].startswith("bad ")
    assert rows[2][1] == 4 and "3 fields" in rows[2][2]


def test_over_long_field(tmp_path, monkeypatch):
    monkeypatch.setattr(reader_limits, "MAX_FIELD_CHARS", 50)
    p = tmp_path / "in.csv"
    p.write_text("text,qty\n" + "x" * 80 + ",1\nok,2\n", encoding="utf-8")
    _, rows = read_all(p)
    assert "longer than 50" in rows[0][2] and len(rows[0][0]["text"]) == 50
    assert rows[1][2] is None


def test_detect_encoding_cp866_vs_cp1251():
    text = "Квадрокоптер с камерой и пультом управления, ноутбук, телефон"
    assert detect_encoding(text.encode("cp866")) == "cp866"
    assert detect_encoding(text.encode("cp1251")) == "cp1251"


def test_skip_chunks_gives_same_chunks(tmp_path):
    p = tmp_path / "in.csv"
    write_csv(p, rows=[{"text": f"row {i}", "n": str(i)} for i in range(25)])
    reader = TableReader(p)
    chunks = list(reader.iter_chunks(10))
    rest = list(reader.iter_chunks(10, skip_chunks=1))
    assert [c.rows for c in rest] == [c.rows for c in chunks[1:]]
    assert [c.lines for c in rest] == [c.lines for c in chunks[1:]]


ROWS_OUT = [{"a": "x", "n": 1}, {"a": 'ы,"q"\nz', "n": 2}, {"a": None, "n": 3}]


def read_back(path):
    return [r for r, _, _ in TableReader(path).iter_rows()]


@pytest.mark.parametrize("name", ["o.csv", "o.tsv", "o.csv.gz", "o.jsonl", "o.jsonl.gz", "o.parquet", "o.xlsx"])
def test_chunk_writer_atomic_and_resumable(tmp_path, name):
    out = tmp_path / name
    w = ChunkWriter(out, ["a", "n"])
    w.write(ROWS_OUT[:1])
    state = w.state
    w.write(ROWS_OUT[1:2])  # written after the checkpoint: must be dropped on resume
    w.close(keep=True)
    assert not out.exists()
    w = ChunkWriter(out, ["a", "n"], resume=state)
    w.write(ROWS_OUT[1:])
    w.commit()
    assert out.exists() and not w.tmp_path.exists()
    got = read_back(out)
    assert len(got) == 3
    assert got[1]["a"] == 'ы,"q"\nz'
    assert [str(r["n"]) for r in got] == ["1", "2", "3"]
