"""The code normaliser, the code tables, the conflict logic and the code-column detection."""

import csv

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.codes import (
    CODE_OVER_TEXT,
    TEXT_OVER_CODE,
    CodeTableError,
    agreement,
    code_columns,
    conflict,
    default_code_table,
    find_code_column,
    load_code_table,
    normalise_code,
    resolve_code_column,
)
from pipeline.config import bundled_path
from pipeline.tables import InputError


@pytest.mark.parametrize(
    "cell, digits, status",
    [
        ("8806229000", "8806229000", "ok"),
        (8806229000, "8806229000", "ok"),
        (8806229000.0, "8806229000", "ok"),
        ("8806229000.0", "8806229000", "ok"),
        ("8526.91", "852691", "normalised"),
        ("8806 22 900 0", "8806229000", "normalised"),
        ("8411-91", "841191", "normalised"),
        ("8.806.22", "880622", "normalised"),
        ("\u00a08806\u00a022\u00a0", "880622", "normalised"),
        ("88", "88", "ok"),
        ("8806", "8806", "ok"),
        ("101210000", "0101210000", "padded"),
        (101210000, "0101210000", "padded"),
        ("", "", "empty"),
        ("   ", "", "empty"),
        (None, "", "empty"),
        (float("nan"), "", "empty"),
    ],
)
def test_normalise_code(cell, digits, status):
    code = normalise_code(cell)
    assert (code.digits, code.status) == (digits, status)


@pytest.mark.parametrize(
    "cell, why",
    [
        ("88O6", "other characters than digits"),
        ("8", "1 digit"),
        ("88062290001", "11 digits"),
        ("8806229000, 8807300000", "other characters"),
        ("00", "no chapter 00"),
        ("012", "starting with 0"),
        ("...", "no digits"),
        ("н/д", "other characters"),
    ],
)
def test_bad_codes_get_an_explicit_invalid_status(cell, why):
    code = normalise_code(cell)
    assert code.digits == "" and not code.valid
    assert code.status.startswith("invalid: ") and why in code.status


@given(st.one_of(st.none(), st.text(max_size=20), st.integers(), st.floats(allow_nan=True)))
def test_normalise_always_gives_a_status_and_a_well_formed_code(cell):
    code = normalise_code(cell)
    assert code.status
    if code.digits:
        assert code.digits.isdigit() and 2 <= len(code.digits) <= 10 and len(code.digits) % 2 == 0
        assert not code.digits.startswith("00")
        assert code.status in ("ok", "normalised", "padded")
        again = normalise_code(code.digits)  # idempotent
        assert (again.digits, again.status) == (code.digits, "ok")
    else:
        assert code.status == "empty" or code.status.startswith("invalid: ")


@given(
    st.integers(1, 5).flatmap(lambda k: st.from_regex(rf"\A[1-9][0-9]{{{2 * k - 1}}}\Z")),
    st.lists(st.sampled_from([".", " ", "-", "\u00a0"]), max_size=9),
)
def test_separators_between_digits_do_not_change_the_code(digits, seps):
    written = "".join(d + (seps[i] if i < len(seps) and i < len(digits) - 1 else "") for i, d in enumerate(digits))
    code = normalise_code(written)
    assert code.digits == digits
    assert code.status == ("ok" if written == digits else "normalised")


@pytest.mark.parametrize(
    "code, label",
    [
        ("8806", "drone"),
        ("8806229000", "drone"),
        ("852691", "navigation"),
        ("8526918000", "navigation"),
        ("9014208000", "navigation"),
        ("8802", "aircraft_parts"),
        ("8802400011", "aircraft_parts"),
        ("8807300000", "aircraft_parts"),
        ("8411910008", "aircraft_parts"),
        ("8411121001", "aircraft_parts"),
        ("4011300000", "aircraft_parts"),
        ("8412100001", "aircraft_parts"),
        ("8526920002", "drone"),
        # longest prefix wins over the labelled heading
        ("8802601000", ""),
        ("8807900002", ""),
        ("8411990090", ""),
        ("8411", ""),
        # headings that hold dual-use and ordinary goods imply nothing
        ("8471410000", ""),
        ("8517620009", ""),
        ("8525890000", ""),
        ("8543709000", ""),
        ("9503009500", ""),
        ("6109100000", ""),
        ("88", ""),
    ],
)
def test_code_map(code, label):
    assert default_code_table().implied(code).label == label


def test_drone_parts_sit_in_8807_without_conflict():
    table = default_code_table()
    assert "drone" in table.implied("8807300000").also
    assert conflict("drone", normalise_code("8807300000"), table) == ("aircraft_parts", "")


def test_chpl_tier():
    table = default_code_table()
    assert table.chpl_tier("8526918000") == "2"
    assert table.chpl_tier("854231") == "1"
    assert table.chpl_tier("8807300000") == "3.B"
    assert table.chpl_tier("8806229000") == ""
    assert table.chpl_tier("8526") == ""


@pytest.mark.parametrize(
    "label, code, want",
    [
        ("drone", "8806221000", ("drone", "")),
        ("drone", "9403208000", ("", TEXT_OVER_CODE)),  # a drone under furniture
        ("drone", "6307909800", ("", TEXT_OVER_CODE)),  # a drone under textile articles
        ("aircraft_parts", "4011200009", ("", TEXT_OVER_CODE)),  # aircraft tyres as bus tyres
        ("aircraft_parts", "9401100000", ("", "")),  # aircraft seats can be aircraft parts
        ("navigation", "8806221000", ("drone", TEXT_OVER_CODE)),  # code implies another label
        ("other", "8411910008", ("aircraft_parts", CODE_OVER_TEXT)),
        ("other", "8806", ("drone", CODE_OVER_TEXT)),
        ("other", "8471300000", ("", "")),
        ("counter_drone", "8543709000", ("", "")),
        ("drone", "9503009500", ("", "")),  # toy drones sit in 9503
        ("drone", "88O6", ("", "")),  # an invalid code says nothing
        ("drone", "", ("", "")),
        ("drone", "204100000", ("", "")),  # a restored leading zero (chapter 02) is not enough for text>code
        ("drone", "0204100000", ("", TEXT_OVER_CODE)),
    ],
)
def test_conflict_directions(label, code, want):
    assert conflict(label, normalise_code(code), default_code_table()) == want


def test_code_columns_review_evidence_never_changes_the_label():
    labels = ["other", "drone", "other", "other"]
    review, candidates = [0, 0, 1, 0], ["", "", "navigation", ""]
    cols = code_columns(labels, ["8411910008", "9403208000", "8526.91", "8471"], review, candidates)
    assert cols["code_conflict"] == [CODE_OVER_TEXT, TEXT_OVER_CODE, CODE_OVER_TEXT, ""]
    assert review == [1, 0, 1, 0] and candidates == ["aircraft_parts", "", "navigation", ""]
    assert labels == ["other", "drone", "other", "other"]
    assert cols["hs_code"] == ["8411910008", "9403208000", "852691", "8471"]
    assert cols["code_status"] == ["ok", "ok", "normalised", "ok"]
    assert cols["chpl_tier"] == ["", "", "2", ""]
    with pytest.raises(ValueError, match="give one code"):
        code_columns(labels, ["8806"])


def test_agreement_slices():
    got = agreement(["drone", "drone", "other", "drone", "other"], ["8806", "9403", "8806", "88O6", None])
    assert got == ["agree", "text>code", "code>text", "no code", "no code"]


def test_bundled_tables_are_well_formed():
    path = bundled_path("configs", "code_map.csv")
    with path.open(encoding="utf-8") as fh:
        prefixes = [r["prefix"] for r in csv.DictReader(fh)]
    assert len(prefixes) == len(set(prefixes)) > 20
    table = load_code_table()
    assert len(table.chpl) == 50 and table.excluded


def test_malformed_table_names_the_line(tmp_path):
    for name in ("code_map.csv", "code_exclusions.csv", "chpl.csv"):
        (tmp_path / name).write_bytes(bundled_path("configs", name).read_bytes())
    with (tmp_path / "code_map.csv").open("a", encoding="utf-8") as fh:
        fh.write("8806,drones,,typo\n")
    with pytest.raises(CodeTableError, match=r"code_map.csv, line \d+: label 'drones'"):
        load_code_table(tmp_path)
    (tmp_path / "code_map.csv").write_text("prefix,label,also,note\n88x6,drone,,\n", encoding="utf-8")
    with pytest.raises(CodeTableError, match="line 2: prefix '88x6'"):
        load_code_table(tmp_path)


@pytest.mark.parametrize(
    "name",
    ["Код ТН ВЭД", "код тн вэд", "G33", "hs_code", "HS Code", "tnved", "ТН ВЭД", "Код товара", "HS-code", "ТНВЭД"]
    + ["heading", "Declared heading", "HS heading", "declared_code", "Товарная позиция", "code", "CODE"],
)
def test_code_column_detected_by_usual_names(name):
    assert find_code_column(["№", "Описание товара", name, "qty"], None, "f.csv") == name


def test_code_column_detection_and_override():
    cols = ["text", "hs_code", "my code"]
    assert find_code_column(["text", "qty"], None, "f.csv") is None
    assert find_code_column(cols, "My Code", "f.csv") == "my code"
    assert find_code_column(cols, None, "f.csv", exclude=["hs_code"]) is None
    # A plain `code` is the least specific name: any usual name before it wins.
    assert find_code_column(["text", "code", "Код ТН ВЭД"], None, "f.csv") == "Код ТН ВЭД"
    assert resolve_code_column(cols, False, "f.csv") is None
    with pytest.raises(InputError, match="code column 'nope' not found"):
        find_code_column(cols, "nope", "f.csv")
