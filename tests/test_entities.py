"""Entities: each pattern, look-alike spellings, the columns in every predict path."""

import csv

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.entities import ENTITY_COLUMNS, Entities, EntityExtractor, extract
from pipeline.entities.gazetteer import Gazetteer, fold_mixed
from pipeline.run.labelling import ENTITY_COLUMNS as PREDICT_ENTITY_COLUMNS
from pipeline.run.predict import predict


@pytest.fixture(scope="module")
def ex():
    return EntityExtractor()


@pytest.mark.parametrize("spelling", ["DJI", "DJl", "ДЖИАЙ", "ДЖИ-АЙ", "DJІ", "dji", "Д Ж И А Й", "DJ1"])
def test_lookalike_spellings_are_one_brand(ex, spelling):
    e = ex.extract(f"Квадрокоптер {spelling} Mavic 3T, 2 шт")
    assert e.brand == "DJI"
    assert e.manufacturer == "SZ DJI Technology Co., Ltd."
    assert e.model == "Mavic 3T"


def test_latin_cyrillic_mix_inside_a_brand(ex):
    assert ex.extract("Ноутбук PANASОNIC Toughbook CF-33, 3 шт").brand == "Panasonic"  # Cyrillic О
    assert ex.extract("Навигатор Gаrmin GPSMAP 67i").brand == "Garmin"  # Cyrillic а


@pytest.mark.parametrize(
    "text, field, value",
    [
        (
            "КВАДРОКОПТЕР, ИЗГОТОВИТЕЛЬ SZ DJI TECHNOLOGY CO., LTD, ТОВАРНЫЙ ЗНАК DJI",
            "manufacturer",
            "SZ DJI TECHNOLOGY CO., LTD",
        ),
        ("Антенна, производитель Harxon, модель HX-CSX601A, 10 шт", "manufacturer", "Harxon"),
        ("GNSS antenna, MFR: Tallysman, P/N 33-2710NW-00-1000, 25 pcs", "manufacturer", "Tallysman"),
        ("НАВИГАТОР, ТОВАРНЫЙ ЗНАК GARMIN, МОДЕЛЬ GPSMAP 67I", "brand", "Garmin"),
        ("НАВИГАТОР, ТОВАРНЫЙ ЗНАК ОТСУТСТВУЕТ, 12 ШТ", "brand", ""),
        ("РАМА, МАРКА SKYRACER, 5 ШТ", "brand", "SKYRACER"),
        ("Rugged Notebook; Brand: Getac; Model: B360 Pro; Qty: 8 units", "brand", "Getac"),
        ("Rugged Notebook; Brand: Getac; Model: B360 Pro; Qty: 8 units", "model", "B360 Pro"),
        ("ДРОН, МОДЕЛЬ MAVIC 3T, КОЛ-ВО 10 ШТ", "model", "MAVIC 3T"),
        ("ПЛАТА, АРТИКУЛ 11045-B, 20 ШТ", "model", "11045-B"),
        ("ЛОПАТКА ТУРБИНЫ CFM56-7B P/N 1873M13P01 4 ШТ", "model", "1873M13P01"),
        ("ДРОН, КОЛ-ВО 10 ШТ", "quantity", "10"),
        ("ДРОН, КОЛ-ВО: 7", "quantity", "7"),
        ("Cotton hoodies, 1 200 pcs", "quantity", "1200"),
        ("Jammer 3 units", "unit", "units"),
        ("Spare kits, 2 sets", "unit", "sets"),
        ("Колодки тормозные, 200 компл", "unit", "компл"),
        ("kvadrokopter agro DJI Agras T40 2 sht", "unit", "шт"),
        ("Cable 10 pcs", "unit", "pcs"),
    ],
)
def test_field_patterns(ex, text, field, value):
    assert getattr(ex.extract(text), field) == value


@pytest.mark.parametrize(
    "text, model",
    [
        ("Квадрокоптер DJI Mavic 3T с тепловизором, 25 шт", "Mavic 3T"),
        ("Защищенный ноутбук Panasonic Toughbook FZ-55, 5 шт", "Toughbook FZ-55"),
        ("Rugged tablet Getac F110 G6 IP66 drop tested 6ft 10 pcs", "F110 G6"),
        ("Модуль ГНСС u-blox ZED-F9P двухчастотный 50 шт", "ZED-F9P"),
        ("Аккумулятор LiPo 6S 1300mAh 120C, 400 шт", ""),
        ('Планшет Durabook R8 8" IP66, 25 шт', "R8"),
    ],
)
def test_model_code_next_to_a_brand(ex, text, model):
    assert ex.extract(text).model == model


def test_brand_after_for_is_what_the_goods_fit(ex):
    e = ex.extract("Сумка для квадрокоптера DJI Mini 4 Pro, 200 шт")
    assert e.brand == "" and e.model == "" and e.quantity == "200"
    assert ex.extract("Ноутбук Lenovo IdeaPad 3").brand == "Lenovo"  # «к» at a word's end is not «к»


def test_no_entities_on_plain_lines(ex):
    assert ex.extract("Футболки мужские хлопковые") == Entities()
    assert ex.extract("") == Entities() and ex.extract(None) == Entities()


def test_columns_and_api():
    assert tuple(Entities().as_dict()) == ENTITY_COLUMNS == PREDICT_ENTITY_COLUMNS
    assert extract("Квадрокоптер DJI Mavic 3T, 2 шт").brand == "DJI"


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80))
def test_extract_never_fails_and_values_come_from_the_text(text):
    e = extract(text)
    assert set(e.as_dict()) == set(ENTITY_COLUMNS)
    if e.quantity:
        assert e.quantity.isdigit()


@given(st.text(alphabet="abcdefxyzабвгдеіјо0123 -", max_size=30))
def test_fold_mixed_keeps_length(text):
    assert len(fold_mixed(text)) == len(text)


def test_gazetteer_file_is_complete():
    g = Gazetteer()
    assert len(g.brands) >= 60
    wanted = {"drone", "counter_drone", "rugged_computer", "navigation", "aircraft_parts"}
    assert {b.category for b in g.brands} >= wanted
    assert g.lookup("ДЖИАЙ").name == g.lookup("DJl").name == "DJI"


def _rows(path):
    return list(csv.DictReader(path.open(encoding="utf-8")))


def test_predict_entity_columns_default_and_no_entities(tiny_model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('text\n"Квадрокоптер ДЖИАЙ Mavic 3T, 2 шт"\n\n', encoding="utf-8")
    predict(src, tmp_path / "a.csv", model=tiny_model_dir)
    rows = _rows(tmp_path / "a.csv")
    assert list(rows[0])[-5:] == list(ENTITY_COLUMNS)
    assert (rows[0]["brand"], rows[0]["model"], rows[0]["quantity"], rows[0]["unit"]) == ("DJI", "Mavic 3T", "2", "шт")
    assert rows[1]["brand"] == "" and rows[1]["status"] == "empty"
    predict(src, tmp_path / "b.csv", model=tiny_model_dir, entities=False)
    assert "brand" not in _rows(tmp_path / "b.csv")[0]
    # Entities never change the label.
    assert [r["label"] for r in rows] == [r["label"] for r in _rows(tmp_path / "b.csv")]


def test_predict_entities_with_workers_equal_in_process(tiny_model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\n" + "\n".join(f'"Квадрокоптер DJl Mavic 3T, {i} шт"' for i in range(1, 30)), encoding="utf-8")
    predict(src, tmp_path / "a.csv", model=tiny_model_dir, jobs=1, chunk_size=7)
    predict(src, tmp_path / "b.csv", model=tiny_model_dir, jobs=2, chunk_size=7)
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == (tmp_path / "b.csv").read_text(encoding="utf-8")
    assert _rows(tmp_path / "b.csv")[4]["quantity"] == "5"


def test_dask_label_partition_adds_the_same_columns(tiny_model):
    pd = pytest.importorskip("pandas")
    from pipeline.run.dask_engine import label_partition
    from pipeline.run.labelling import added_columns

    df = pd.DataFrame({"text": ["Квадрокоптер DJI Mavic 3T, 2 шт", ""]})
    extra = added_columns(tiny_model, 0, True, explain=True, entities=True)
    names = {c: c for c in extra}
    out = label_partition(df, tiny_model, ["text"], names, extra, 0, explain=True, entities=True)
    assert list(out.columns) == ["text", *extra]
    assert out["brand"].tolist() == ["DJI", ""] and out["explanation"].tolist()[1] == ""


def test_entity_modes_fill_flagged_rows_all_rows_or_none(tiny_model, tmp_path):
    lines = ["Квадрокоптер DJI Mavic 3T, 2 шт", "Футболки хлопковые Nike, 40 шт"]
    src = tmp_path / "in.csv"
    src.write_text("text\n" + "\n".join(f'"{t}"' for t in lines), encoding="utf-8")
    labels = [p.label for p in tiny_model.predict(lines)]
    assert labels[1] == "other"
    predict(src, tmp_path / "f.csv", model=tiny_model)  # the default: flagged rows only
    flagged = _rows(tmp_path / "f.csv")
    assert flagged[1]["quantity"] == "" and flagged[1]["brand"] == ""
    if labels[0] != "other":
        assert flagged[0]["brand"] == "DJI" and flagged[0]["quantity"] == "2"
    predict(src, tmp_path / "a.csv", model=tiny_model, entities="all")
    assert _rows(tmp_path / "a.csv")[1]["quantity"] == "40"
    predict(src, tmp_path / "n.csv", model=tiny_model, entities="none")
    assert "brand" not in _rows(tmp_path / "n.csv")[0]
    with pytest.raises(ValueError):
        predict(src, tmp_path / "x.csv", model=tiny_model, entities="some")


def test_cli_refuses_an_unknown_entity_mode(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    src = tmp_path / "in.csv"
    src.write_text("text\nDrone\n", encoding="utf-8")
    res = CliRunner().invoke(app, ["predict", str(src), "-o", str(tmp_path / "o.csv"), "--entities", "most"])
    assert res.exit_code == 2 and "--entities" in res.output


def test_api_predictions_carry_entities_when_asked(tiny_model):
    plain = tiny_model.predict("Квадрокоптер DJI Mavic 3T, 2 шт")[0]
    assert plain.entities is None
    p = tiny_model.predict("Квадрокоптер DJI Mavic 3T, 2 шт", entities=True)[0]
    assert p.entities["brand"] == "DJI" and p.entities["quantity"] == "2" and "Mavic" in p.entities["model"]
    coded = tiny_model.predict("Квадрокоптер DJI Mavic 3T, 2 шт", codes="8806", entities=True)[0]
    assert coded.entities == p.entities and coded.hs_code == "8806"


@pytest.mark.parametrize(
    ("line", "quantity", "unit"),
    [
        ("u-blox MAX-M10S GNSS module, 2,500 pcs", "2500", "pcs"),
        ("Brand: Samsung; Model: SM-A155F/DS; Qty: 1,200 pcs", "1200", "pcs"),
        ("Модуль GNSS, 1 200 шт", "1200", "шт"),
        ("Аккумулятор 2,5 Ач, 40 шт", "40", "шт"),
    ],
)
def test_quantities_with_grouped_thousands(ex, line, quantity, unit):
    e = ex.extract(line)
    assert (e.quantity, e.unit) == (quantity, unit)
