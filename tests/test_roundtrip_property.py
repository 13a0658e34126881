"""Property (issue 10): random tables in every input format and encoding come out row for row, each text unchanged
or with a status saying why, and nothing in them is executed."""

import csv
import gzip
import io
import json
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.run.predict import predict
from pipeline.tables import InputError

from .test_input_hardening import write_ods, write_xls

# Statuses of rows read and labelled as written.
CLEAN = ("ok", "empty", "truncated")
SENTINEL = Path(tempfile.gettempdir()) / "dualuse_property_executed"
PAYLOADS = [
    "=1+1",
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    f"__import__('os').system('touch {SENTINEL}')",
    f"{{{{ __import__('os').system('touch {SENTINEL}') }}}}",
]
SPECIAL = ['"', "'", ",", ";", "\t", "|", "\n", "\r", "\r\n", " ", "😀", "🇷🇺", "Квадрокоптер", "ё", "№", "«", "»"]
SPECIAL += ["\x1f"]
WORDS = "квадрокоптер Ноутбук защищенный ДЛЯ нужд СВО подавитель сигналов БПЛА труба стальная ёлка DJI Mavic 3".split()
TEXT_FORMATS = {
    "csv": ["utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8-r", "cp866"],
    "tsv": ["utf-8"],
    "csv.gz": ["utf-8", "cp1251"],
    "txt": ["utf-8", "cp1251"],
    "jsonl": ["utf-8"],
    "jsonl.gz": ["utf-8"],
}
OTHER_FORMATS = ["xlsx", "xls", "ods", "parquet"]
CASES = [(f, e) for f, encs in TEXT_FORMATS.items() for e in encs] + [(f, None) for f in OTHER_FORMATS]

any_chars = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=6)
unicode_text = st.lists(st.one_of(any_chars, st.sampled_from(SPECIAL)), max_size=8).map("".join)
# Single-byte Cyrillic encodings are told apart by how Russian the text reads: use words, not random letters.
russian_text = st.lists(st.sampled_from(WORDS + SPECIAL[:9] + ["2", "x"]), max_size=8).map("".join)


def fits(text: str, fmt: str, encoding: str | None) -> str:
    """The text made writable in the format (what a writer of that format could hold at all)."""
    if encoding in ("cp1251", "koi8-r", "cp866"):
        text = text.encode(encoding, errors="ignore").decode(encoding)
    if fmt == "txt":
        text = text.replace("\r", " ").replace("\n", " ")
    if fmt in ("xlsx", "ods"):
        # XML 1.0 holds no C0 controls but tab/newline; ODS text collapses white space.
        text = "".join(ch for ch in text if ch >= " " or ch in "\t\n\r").replace("\ufffe", "").replace("\uffff", "")
        text = text.replace("\r", "")
        if fmt == "ods":
            text = " ".join(text.split())
    return text


def write_table(path: Path, fmt: str, encoding: str | None, texts: list[str]) -> None:
    rows = [[i, t] for i, t in enumerate(texts)]
    base = fmt.removesuffix(".gz")
    if base in ("csv", "tsv"):
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter="\t" if base == "tsv" else ",", lineterminator="\r\n")
        writer.writerows([["id", "text"]] + rows)
        data = buf.getvalue().encode(encoding)
    elif base == "txt":
        data = "".join(t + "\n" for t in texts).encode(encoding)
    elif base == "jsonl":
        data = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=i % 2 == 0) + "\n" for i, t in rows).encode()
    elif fmt == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        for r in [["id", "text"]] + rows:
            wb.active.append(r)
        wb.save(path)
        return
    elif fmt == "xls":
        write_xls(path, [["id", "text"]] + rows)
        return
    elif fmt == "ods":
        write_ods(path, [["id", "text"]] + rows)
        return
    else:
        pq.write_table(pa.table({"id": list(range(len(texts))), "text": texts}), path)
        return
    path.write_bytes(gzip.compress(data) if fmt.endswith(".gz") else data)


@st.composite
def tables(draw):
    fmt, encoding = draw(st.sampled_from(CASES))
    strategy = russian_text if encoding in ("cp1251", "koi8-r", "cp866") else unicode_text
    texts = draw(st.lists(st.one_of(strategy, st.sampled_from(PAYLOADS)), min_size=1, max_size=12))
    if strategy is russian_text:
        # cp1251, KOI8-R and cp866 differ only in which letters the bytes mean: a file needs some Russian text for
        # any detector to tell them apart (a real dump has thousands of lines; "ДЛЯ" alone is undecidable).
        texts = ["Подавитель сигналов БПЛА для нужд СВО, квадрокоптер"] + texts
    return fmt, encoding, [fits(t, fmt, encoding) for t in texts]


@pytest.mark.filterwarnings("ignore")
# PROP_N=2000 for a longer search; 25 keeps CI quick.
@settings(max_examples=int(os.environ.get("PROP_N", 25)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_rows_out_equal_rows_in(tiny_model, table):
    fmt, encoding, texts = table
    SENTINEL.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"in.{fmt}"
        write_table(src, fmt, encoding, texts)
        out = Path(tmp) / "out.parquet"
        try:
            s = predict(src, out, model=tiny_model, chunk_size=5)
        except InputError as exc:
            # Refused as binary only by the documented rule: more than 8 control bytes, and more than 2 %.
            data = src.read_bytes()
            control = sum(b < 32 and b not in b"\t\n\r\x0b\x0c\x1a\x1b" for b in data)
            assert "binary data" in str(exc) and control > max(8, len(data) // 50)
            return
        got = pq.read_table(out).to_pylist()
    assert s.rows == len(got) == len(texts)
    for want, row in zip(texts, got):
        text = row["text"]
        text = "" if text is None else str(text)
        if row["status"] in CLEAN:
            assert text == want, (fmt, encoding, row["status"])
    assert not SENTINEL.exists()
