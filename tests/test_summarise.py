import csv
import random
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.summarise import summarise
from pipeline.summarise.roles import detect_roles, parse_month, parse_value
from pipeline.tables import ChunkWriter, InputError

ROOT = Path(__file__).resolve().parent.parent
LABELS = ["drone", "counter_drone", "rugged_computer", "navigation", "aircraft_parts", "other"]
COLUMNS = [
    "Описание товара",
    "Дата ДТ",
    "Стоимость, USD",
    "Получатель",
    "Отправитель",
    "Страна происхождения",
    "label",
    "score",
    "military_marker",
    "military_wording",
    "status",
    "review",
    "candidate",
    "familiarity",
    "brand",
    "manufacturer",
    "model",
    "quantity",
    "unit",
    "explanation",
    "hs_code",
    "code_label",
    "chpl_tier",
    "code_conflict",
]


def make_dump(n=500, seed=7):
    """Rows of a labelled dump with every kind of date and value, and the entity and code columns."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = rng.choice(LABELS)
        kind = i % 10
        date_cell = (
            ""
            if kind == 0
            else "31.02.2023"
            if kind == 1
            else "вчера"
            if kind == 2
            else f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.choice([2023, 2024])}"
        )
        cents = rng.randint(0, 10_000_00)
        value_cell = "" if kind == 3 else "н/д" if kind == 4 else f"{cents // 100},{cents % 100:02d}"
        rows.append(
            {
                "Описание товара": f"ТОВАР {i} <b>&amp;</b>" if i % 17 else f"<script>alert({i})</script>",
                "Дата ДТ": date_cell,
                "Стоимость, USD": value_cell,
                "Получатель": rng.choice(["ООО «А»", "ООО «Б»", "<i>ЗАО</i>", ""]),
                "Отправитель": rng.choice(["SHIPPER 1", "SHIPPER 2"]),
                "Страна происхождения": rng.choice(["CN", "HK"]),
                "label": label,
                "score": f"{rng.random():.4f}",
                "military_marker": str(int(rng.random() < 0.1)),
                "military_wording": rng.choice(["для нужд СВО", "ДЛЯ НУЖД  СВО", "в/ч 12345", "Minoborony"]),
                "status": "ok",
                "review": str(int(label == "other" and rng.random() < 0.2)),
                "candidate": "drone" if label == "other" else "",
                "familiarity": "0.9",
                "brand": rng.choice(["DJI", "Autel", "", "Getac"]),
                "manufacturer": "",
                "model": "M3T",
                "quantity": "2",
                "unit": "шт",
                "explanation": f"слово «квадрокоптер» {i}",
                "hs_code": "8806229000",
                "code_label": "drone",
                "chpl_tier": "1",
                "code_conflict": rng.choice(["", "", "text>code", "code>text"]),
            }
        )
    for r in rows:
        if r["military_marker"] == "0":
            r["military_wording"] = ""
    return rows


def direct_counts(rows):
    """What the summary must say, counted directly on the rows."""
    out = {
        "labels": Counter(),
        "value": defaultdict(float),
        "value_missing": 0,
        "value_malformed": 0,
        "date_missing": 0,
        "date_malformed": 0,
        "months": Counter(),
        "brands": Counter(),
        "conflicts": Counter(),
    }
    for r in rows:
        lb = r["label"]
        out["labels"][lb] += 1
        v = r["Стоимость, USD"]
        if v == "":
            out["value_missing"] += 1
        elif v == "н/д":
            out["value_malformed"] += 1
        else:
            out["value"][lb] += float(v.replace(",", "."))
        d = r["Дата ДТ"]
        if d == "":
            out["date_missing"] += 1
        elif d in ("31.02.2023", "вчера"):
            out["date_malformed"] += 1
        else:
            out["months"][(lb, f"{d[6:]}-{d[3:5]}")] += 1
        out["brands"][(lb, r["brand"] or "(none)")] += 1
        if r["code_conflict"]:
            out["conflicts"][(lb, r["code_conflict"])] += 1
    return out


def write_dump(rows, path):
    w = ChunkWriter(path, COLUMNS, encoding="utf-8-sig" if path.suffix == ".csv" else "utf-8")
    for i in range(0, len(rows), 128):
        w.write(rows[i : i + 128])
    return w.commit()


@pytest.fixture(scope="module")
def dump_rows():
    return make_dump()


@pytest.mark.parametrize("ext", ["csv", "jsonl", "parquet", "xlsx", "csv.gz"])
def test_totals_equal_direct_counts(tmp_path, dump_rows, ext):
    path = write_dump(dump_rows, tmp_path / f"labelled.{ext}")
    s = summarise(path, tmp_path / "out", chunk_size=37, charts=False)
    want = direct_counts(dump_rows)
    h = s.headline
    assert h["rows"] == len(dump_rows) == 500
    assert (h["date_missing"], h["date_malformed"]) == (want["date_missing"], want["date_malformed"]) == (50, 100)
    assert (h["value_missing"], h["value_malformed"]) == (want["value_missing"], want["value_malformed"]) == (50, 50)
    labels = {r["label"]: r for r in s.table("labels").as_dicts()}
    assert labels["total"]["rows"] == 500
    for lb in LABELS:
        assert labels[lb]["rows"] == want["labels"][lb]
        assert labels[lb]["value"] == pytest.approx(want["value"][lb], abs=0.01)
    months = {(r["label"], r["month"]): r["rows"] for r in s.table("label_month").as_dicts()}
    assert sum(months.values()) == 500  # undated rows are counted under their own month key
    assert {k: v for k, v in months.items() if not k[1].startswith("(")} == dict(want["months"])
    assert sum(v for k, v in months.items() if k[1] == "(malformed date)") == 100
    brands = {(r["label"], r["brand"]): r["rows"] for r in s.table("label_brand").as_dicts()}
    assert brands == dict(want["brands"])
    conflicts = {(r["label"], r["code_conflict"]): r["rows"] for r in s.table("code_conflicts").as_dicts()}
    assert {k: v for k, v in conflicts.items() if k[1] != "(none)"} == dict(want["conflicts"])
    assert sum(conflicts.values()) == 500
    dual = [r for r in dump_rows if r["label"] != "other"]
    importers = s.table("dual_use_importers").as_dicts()
    assert sum(r["rows"] for r in importers) == len(dual)
    assert h["dual_use_rows"] == len(dual)
    assert h["military_flagged"] == sum(r["military_marker"] == "1" for r in dump_rows)
    assert h["review_queue"] == sum(r["review"] == "1" for r in dump_rows)
    wording = {
        r["military_wording"].casefold(): (r["military_flagged"], r["military_flagged_dual_use"])
        for r in s.table("military_wording").as_dicts()
    }
    flagged = [r for r in dump_rows if r["military_marker"] == "1"]
    for shown, variants in (("для нужд сво", ("для нужд СВО", "ДЛЯ НУЖД  СВО")), ("в/ч 12345", ("в/ч 12345",))):
        mine = [r for r in flagged if r["military_wording"] in variants]
        assert wording[shown] == (len(mine), sum(r["label"] != "other" for r in mine))  # case and spacing folded
    assert sum(n for n, _ in wording.values()) == len(flagged)


def test_top_lines_are_the_highest_scoring_dual_use_lines(tmp_path, dump_rows):
    path = write_dump(dump_rows, tmp_path / "labelled.csv")
    s = summarise(path, tmp_path / "out", charts=False)
    top = s.table("top_flagged").as_dicts()
    dual = sorted((r for r in dump_rows if r["label"] != "other"), key=lambda r: -float(r["score"]))
    assert len(top) == 50
    assert [t["score"] for t in top] == [float(r["score"]) for r in dual[:50]]
    assert all(t["explanation"].startswith("слово") for t in top)
    assert (tmp_path / "out" / "top_flagged.csv").is_file()


def test_html_is_self_contained_and_escaped(tmp_path, dump_rows):
    path = write_dump(dump_rows, tmp_path / "labelled.csv")
    s = summarise(path, tmp_path / "out")
    page = s.html.read_text(encoding="utf-8")
    assert len(s.figures) >= 4
    names = {f.name for f in s.figures}
    assert {"monthly_rows", "monthly_value", "label_brand", "dual_use_importers", "military_share"} <= names
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', page)) == len(s.figures)
    assert all((tmp_path / "out" / f"{n}.png").is_file() for n in names)
    assert "<script" not in page and "&lt;script&gt;alert(" in page
    assert "<b>&amp;</b>" not in page and "&lt;b&gt;&amp;amp;&lt;/b&gt;" in page
    assert "&lt;i&gt;ЗАО&lt;/i&gt;" in page
    assert not re.search(r'(src|href)="(https?:)?//', page)
    top_table = page.split('<table class="top">')[1].split("</table>")[0]
    assert top_table.count("<tr>") == 51  # header + 50 lines
    assert "explanation" in top_table
    flagged_top = [r for r in s.table("top_flagged").as_dicts() if r["military_marker"]]
    assert flagged_top and all(f'<span class="milw">«{r["military_wording"]}»</span>' in top_table for r in flagged_top)
    assert "Military end-use flags by the words that raised them" in page
    for t in s.tables:
        assert (tmp_path / "out" / f"{t.name}.csv").is_file()


def test_tables_csv_round_trip(tmp_path, dump_rows):
    path = write_dump(dump_rows, tmp_path / "labelled.csv")
    summarise(path, tmp_path / "out", charts=False)
    with open(tmp_path / "out" / "labels.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows[-1]["label"] == "total" and rows[-1]["rows"] == "500"


def test_roles_detected_given_and_missing_label():
    cols = [*COLUMNS[:6], "dualuse_label", "label", "score"]
    roles = detect_roles(cols)
    assert roles["label"] == "dualuse_label"
    assert (roles["date"], roles["value"], roles["importer"], roles["exporter"], roles["country"]) == tuple(
        COLUMNS[1:6]
    )
    roles = detect_roles(["date", "usd", "consignee", "shipper", "origin", "label", "x"], {"value": "X"})
    assert (roles["value"], roles.how["value"], roles["importer"], roles["country"]) == (
        "x",
        "given",
        "consignee",
        "origin",
    )
    with pytest.raises(InputError, match="no 'label' column"):
        detect_roles(["text", "date"])
    with pytest.raises(InputError, match="not found"):
        detect_roles(["label"], {"date": "when"})


@pytest.mark.parametrize(
    "cell,want",
    [
        ("98500", 98500.0),
        ("9,2", 9.2),
        ("1 234 567,50", 1234567.5),
        ("1\u00a0234,5", 1234.5),
        ("1,234,567.50", 1234567.5),
        ("1.234.567,50", 1234567.5),
        ("USD 12.5", 12.5),
        ("$1,000.00", 1000.0),
        (42, 42.0),
        (1.5, 1.5),
        ("", "missing"),
        (None, "missing"),
        ("  ", "missing"),
        ("н/д", "malformed"),
        ("12abc", "malformed"),
        ("nan", "malformed"),
        (float("inf"), "malformed"),
        ("-", "malformed"),
    ],
)
def test_parse_value(cell, want):
    assert parse_value(cell) == want


@pytest.mark.parametrize(
    "cell,want",
    [
        ("15.03.2023", "2023-03"),
        ("15/03/2023", "2023-03"),
        ("1.2.24", "2024-02"),
        ("2023-03-15", "2023-03"),
        ("2023-03-15T10:00:00", "2023-03"),
        ("15.03.2023 0:00:00", "2023-03"),
        (date(2024, 8, 1), "2024-08"),
        ("", ""),
        (None, ""),
        ("31.02.2023", None),
        ("15.13.2023", None),
        ("вчера", None),
        ("15.03.1800", None),
    ],
)
def test_parse_month(cell, want):
    assert parse_month(cell) == want


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_parse_month_property(d):
    want = f"{d.year:04d}-{d.month:02d}"
    assert parse_month(d.strftime("%d.%m.%Y")) == want == parse_month(d.isoformat()) == parse_month(d)


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from([" ", "\u00a0", ""]))
def test_parse_value_property(cents, sep):
    whole, frac = divmod(cents, 100)
    grouped = f"{whole:,}".replace(",", sep)
    assert parse_value(f"{grouped},{frac:02d}") == pytest.approx(cents / 100)
    assert parse_value(f"{whole:,}.{frac:02d}") == pytest.approx(cents / 100)


def test_cli_summarise(tmp_path, dump_rows):
    path = write_dump(dump_rows, tmp_path / "labelled.csv")
    out = tmp_path / "summary"
    result = CliRunner().invoke(app, ["summarise", str(path), "--output", str(out), "--by", "Страна происхождения"])
    assert result.exit_code == 0, result.output
    assert "date: 'Дата ДТ' (detected)" in result.output
    assert "500 rows" in result.output and "top brands of dual-use rows" in result.output
    assert (out / "summary.html").is_file() and (out / "by_страна_происхождения.csv").is_file()
    bad = CliRunner().invoke(app, ["summarise", str(path), "--output", str(out), "--date-column", "nope"])
    assert bad.exit_code == 2 and "'nope' not found" in bad.output
    src = tmp_path / "plain.csv"
    src.write_text("text\nhello\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["summarise", str(src), "--output", str(out)])
    assert bad.exit_code == 2 and "no 'label' column" in bad.output


def test_predict_then_summarise_sample(tmp_path):
    labelled = tmp_path / "x.csv"
    runner = CliRunner()
    result = runner.invoke(
        app, ["predict", str(ROOT / "corpora/samples/declarations_sample.csv"), "--output", str(labelled), "--quiet"]
    )
    assert result.exit_code in (0, 1), result.output
    result = runner.invoke(app, ["summarise", str(labelled), "--output", str(tmp_path / "summary")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "summary" / "summary.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') >= 4
    for name in ("labels", "label_month", "dual_use_importers", "military_by_month", "top_flagged"):
        assert (tmp_path / "summary" / f"{name}.csv").is_file()
    assert "61 rows" in result.output


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium not installed")
def test_page_renders_in_chromium(tmp_path, dump_rows):
    path = write_dump(dump_rows, tmp_path / "labelled.csv")
    s = summarise(path, tmp_path / "out")
    for width in (1280, 390):
        shot = tmp_path / f"shot_{width}.png"
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                f"--user-data-dir={tmp_path / 'profile'}",
                f"--screenshot={shot}",
                f"--window-size={width},2000",
                s.html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        assert shot.stat().st_size > 20_000


def test_xlsx_split_over_sheets_is_read_whole(tmp_path, dump_rows, monkeypatch):
    monkeypatch.setattr(ChunkWriter, "XLSX_MAX_ROWS", 200)
    path = write_dump(dump_rows, tmp_path / "labelled.xlsx")
    s = summarise(path, tmp_path / "out", charts=False)
    assert s.headline["rows"] == 500
    assert {r["label"]: r["rows"] for r in s.table("labels").as_dicts()}["drone"] == sum(
        r["label"] == "drone" for r in dump_rows
    )
    lines = [t["line"] for t in s.table("top_flagged").as_dicts()]
    assert len(set(lines)) == len(lines)
