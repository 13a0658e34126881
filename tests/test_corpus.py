import csv

import pytest

from pipeline.training.corpus import (
    CorpusError,
    check_corpus,
    make_splits,
    near_duplicate_pairs,
    read_corpus,
    read_corpus_file,
)
from pipeline.training.crossval import source_of_file

from .conftest import REPO, TINY_CORPUS


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_tiny_corpus(tiny_corpus):
    assert len(tiny_corpus) == 63
    assert set(tiny_corpus.lang) == {"ru", "en", "mixed"}
    assert tiny_corpus.source[0] == "tiny_corpus"
    assert tiny_corpus.line[0] == 2


def test_bad_rows_reported_with_file_line_and_column(tmp_path):
    p = write(
        tmp_path / "bad.csv",
        "text,label,lang\nок,drone,ru\n,drone,ru\nquadcopter,drones,en\nx,other,de\n",
    )
    with pytest.raises(CorpusError) as err:
        read_corpus_file(p)
    msg = str(err.value)
    assert "bad.csv, line 3, column 'text': empty text" in msg
    assert "bad.csv, line 4, column 'label': unknown label 'drones'" in msg
    assert "bad.csv, line 5, column 'lang'" in msg


def test_multiline_field_line_numbers(tmp_path):
    p = write(tmp_path / "m.csv", 'text,label,lang\n"two\nlines",other,en\nbad,nolabel,en\n')
    with pytest.raises(CorpusError, match="m.csv, line 4"):
        read_corpus_file(p)


def test_missing_column_lists_columns(tmp_path):
    p = write(tmp_path / "c.csv", "description,label\nx,other\n")
    with pytest.raises(CorpusError, match=r"missing column\(s\) \['text', 'lang'\].*columns present"):
        read_corpus_file(p)


def test_glob_matching_nothing_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="matches no file"):
        read_corpus([str(tmp_path / "*.csv")])


def test_near_duplicates_found():
    texts = ["Квадрокоптер DJI Mavic 3 Pro 5 шт", "квадрокоптер DJI Mavic 3 Pro 6 шт", "Ноутбук Lenovo IdeaPad"]
    pairs = near_duplicate_pairs(texts, 0.8)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]


def test_splits_are_seeded_grouped_and_leak_free(tmp_path):
    rows = ["text,label,lang,group"]
    for i in range(60):
        rows.append(f"уникальная строка номер {i} {'абвгдежзик'[i % 10] * (i % 7 + 1)},other,ru,g{i}")
    rows.append("Квадрокоптер DJI Mavic 3 Pro 5 шт,drone,ru,a")
    rows.append("квадрокоптер DJI Mavic 3 Pro 7 шт,drone,ru,b")
    rows.append("вариант,drone,ru,a")
    corpus = read_corpus_file(write(tmp_path / "c.csv", "\n".join(rows) + "\n"))
    s1 = make_splits(corpus, 0.2, 0.2, seed=1, threshold=0.8)
    s2 = make_splits(corpus, 0.2, 0.2, seed=1, threshold=0.8)
    assert s1.split == s2.split
    n = len(corpus)
    assert s1.split[n - 3] == s1.split[n - 2] == s1.split[n - 1]
    assert set(s1.split) == {"train", "dev", "test"}
    report = check_corpus(corpus, s1)
    assert report.ok and not report.leaks


def test_pinned_conflict_is_a_leak(tmp_path):
    p = write(
        tmp_path / "c.csv",
        "text,label,lang,split\nКвадрокоптер DJI Mavic 3 Pro 5 шт,drone,ru,train\n"
        "квадрокоптер DJI Mavic 3 Pro 6 шт,drone,ru,test\nдругое,other,ru,\n",
    )
    corpus = read_corpus_file(p)
    splits = make_splits(corpus, 0.1, 0.1, seed=0, threshold=0.8)
    splits.split[0] = "train"  # what a pinned train line next to its test copy amounts to
    report = check_corpus(corpus, splits)
    assert not report.ok
    assert report.leaks


def test_conflicting_labels_fail(tmp_path):
    p = write(tmp_path / "c.csv", "text,label,lang\nGPS tracker,navigation,en\ngps  TRACKER,other,en\n")
    corpus = read_corpus_file(p)
    report = check_corpus(corpus, make_splits(corpus, 0.1, 0.1, seed=0, threshold=0.8))
    assert report.conflicts and not report.ok


def test_ood_copies_are_excluded(tmp_path):
    corpus = read_corpus_file(TINY_CORPUS)
    ood = read_corpus_file(write(tmp_path / "ood.csv", "text,label,lang\nRC boat racing 2.4GHz 15 pcs,other,en\n"))
    splits = make_splits(corpus, 0.1, 0.1, seed=0, threshold=0.8, ood_texts=ood.text)
    excluded = [corpus.text[i] for i in splits.indices("excluded")]
    assert excluded == ["RC boat racing 2.4GHz 15 pcs"]
    assert check_corpus(corpus, splits, ood).ok


@pytest.mark.parametrize(
    ("name", "least"),
    [
        ("public_rulings_decisions", 200),
        ("public_official_texts", 300),
        ("public_texts_judge", 90),
        ("public_texts_judge2", 150),
    ],
)
def test_real_prose_lines_carry_their_origin_and_rights(name, least):
    # corpora/real_prose holds copied real sentences: each must say where it comes from and why it may be shipped
    path = REPO / "corpora" / "real_prose" / f"{name}.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= least
    rights = ("public domain", "Open Government Licence", "not an object of copyright", "reuse authorised")
    for i, row in enumerate(rows, start=2):
        assert row["origin"].startswith(("http://", "https://")), f"line {i}: no page address"
        assert any(r in row["note"] for r in rights), f"line {i}: no redistribution basis"
        assert "\ufffd" not in row["text"], f"line {i}: a replacement character"
    assert source_of_file(str(path)) == name
