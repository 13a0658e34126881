"""Corpus files go through the tables readers: a cp1251 ``;`` CSV and an XLSX read and train as the UTF-8 CSV."""

import copy
import csv
from dataclasses import asdict

import numpy as np
import openpyxl
import pytest

from pipeline.training.corpus import CorpusError, prepare_data, read_corpus_file
from pipeline.training.fit import fit_model

from .conftest import TINY_CORPUS


def _rows():
    with open(TINY_CORPUS, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    """The tiny corpus as UTF-8 CSV, cp1251 CSV with ``;`` and XLSX, each named ``tiny_corpus`` (same source)."""
    base = tmp_path_factory.mktemp("corpora")
    out = {"utf8": TINY_CORPUS}
    p = base / "cp1251" / "tiny_corpus.csv"
    p.parent.mkdir()
    with open(p, "w", encoding="cp1251", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(_rows())
    out["cp1251"] = p
    p = base / "xlsx" / "tiny_corpus.xlsx"
    p.parent.mkdir()
    wb = openpyxl.Workbook()
    for row in _rows():
        wb.active.append(row)
    wb.save(p)
    out["xlsx"] = p
    return out


def _fields(corpus):
    d = asdict(corpus)
    d.pop("file")
    return d


@pytest.mark.parametrize("kind", ["cp1251", "xlsx"])
def test_corpus_in_other_formats_reads_the_same(variants, kind):
    utf8 = read_corpus_file(variants["utf8"])
    other = read_corpus_file(variants[kind])
    assert _fields(other) == _fields(utf8)
    assert other.sha256() == utf8.sha256()
    assert set(other.file) == {str(variants[kind])}


@pytest.mark.parametrize("kind", ["cp1251", "xlsx"])
def test_corpus_in_other_formats_splits_and_trains_the_same(variants, kind, tiny_config, tiny_model, tiny_corpus):
    cfgs = {}
    for k in ("utf8", kind):
        cfg = copy.deepcopy(tiny_config)
        cfg["paths"]["corpus"] = [str(variants[k])]
        cfgs[k] = cfg
    corpus_a, splits_a, _ = prepare_data(cfgs["utf8"])
    corpus_b, splits_b, _ = prepare_data(cfgs[kind])
    assert splits_b.split == splits_a.split
    model = fit_model(cfgs[kind], corpus_b.text, corpus_b.label)
    a = tiny_model.predict_batch(tiny_corpus.text)
    b = model.predict_batch(tiny_corpus.text)
    assert list(b.labels) == list(a.labels)
    np.testing.assert_array_equal(b.proba, a.proba)


def test_corpus_errors_name_file_line_and_column_in_xlsx(tmp_path):
    p = tmp_path / "bad.xlsx"
    wb = openpyxl.Workbook()
    for row in (["text", "label", "lang", "marker"], ["ок", "drone", "ru", 1], ["", "drones", "en", 2]):
        wb.active.append(row)
    wb.save(p)
    with pytest.raises(CorpusError) as err:
        read_corpus_file(p)
    msg = str(err.value)
    assert "bad.xlsx, line 3, column 'text': empty text" in msg
    assert "bad.xlsx, line 3, column 'label': unknown label 'drones'" in msg
    assert "bad.xlsx, line 3, column 'marker': '2' is not 0 or 1" in msg


def test_corpus_row_with_more_fields_than_header(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("text;label;lang\nок;drone;ru\nx;other;en;extra\n", encoding="cp1251")
    with pytest.raises(CorpusError, match=r"c.csv, line 3: more fields than the header has"):
        read_corpus_file(p)
