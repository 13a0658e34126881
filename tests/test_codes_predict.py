"""The declared code in the predict paths (in process, worker processes, Dask), the CLI, the API and evaluate."""

import csv
import json
import shutil

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.codes import CODE_COLUMNS
from pipeline.model.core import load_model
from pipeline.run.labelling import ENTITY_COLUMNS
from pipeline.run.predict import predict
from pipeline.tables import TableReader

from .conftest import REPO, TINY_CORPUS

DATA = REPO / "tests" / "data"
SAMPLE = REPO / "corpora" / "samples" / "declarations_sample.csv"
# Lines of the tiny corpus (the tiny model reproduces them) with a code that agrees, conflicts or is broken.
CODED = [
    ("Квадрокоптер DJI Mavic 3 Pro с пультом управления 2 шт", "8806221000"),
    ("FPV дрон 7 дюймов с камерой Caddx Ratel 10 шт", "9403.20.800.0"),
    ("Ноутбук Lenovo IdeaPad 3 15 дюймов 20 шт", "8411910008"),
    ("Лопатка турбины авиационного двигателя ПС-90А", "88O6"),
    ("Смартфон Samsung Galaxy A54 с GPS 100 шт", ""),
]


def rows_of(path):
    return [r for r, _, _ in TableReader(path).iter_rows()]


def write_coded(path, n=40, column="tnved"):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "description", column])
        for i in range(n):
            text, code = CODED[i % len(CODED)]
            w.writerow([i, text, code])
    return path


def check_coded(rows, model):
    assert len(rows) == 40
    for i, r in enumerate(rows):
        assert r["hs_code"] == ["8806221000", "9403208000", "8411910008", "", ""][i % 5]
        assert r["code_status"] == ["ok", "normalised", "ok", "", "empty"][i % 5] or (
            i % 5 == 3 and r["code_status"].startswith("invalid: ")
        )
        assert r["code_label"] == ["drone", "", "aircraft_parts", "", ""][i % 5]
        assert r["code_conflict"] == ["", "text>code", "code>text", "", ""][i % 5]
        assert r["label"] == ["drone", "drone", "other", "aircraft_parts", "other"][i % 5]
        if model.reviews and i % 5 == 2:
            assert (str(r["review"]), r["candidate"]) == ("1", "aircraft_parts")


@pytest.mark.parametrize("jobs", [1, 2])
def test_predict_with_codes_in_process_and_workers(tiny_model, tmp_path, jobs):
    src = write_coded(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    s = predict(src, out, model=tiny_model, jobs=jobs, chunk_size=7)
    assert s.code_column == "tnved"
    rows = rows_of(out)
    assert list(rows[0])[-5:] == list(CODE_COLUMNS)
    check_coded(rows, tiny_model)
    assert dict(s.code_conflicts) == {"text>code": 8, "code>text": 8}
    assert dict(s.code_statuses) == {"ok": 16, "normalised": 8, "invalid": 8, "empty": 8}


def test_code_column_override_and_off(tiny_model, tmp_path):
    src = write_coded(tmp_path / "in.csv", column="my code")
    s = predict(src, tmp_path / "a.csv", model=tiny_model)
    assert s.code_column is None and "hs_code" not in rows_of(tmp_path / "a.csv")[0]
    s = predict(src, tmp_path / "b.csv", model=tiny_model, code_column="My Code")
    assert s.code_column == "my code"
    check_coded(rows_of(tmp_path / "b.csv"), tiny_model)
    src = write_coded(tmp_path / "in2.csv")
    predict(src, tmp_path / "c.csv", model=tiny_model, code_column=False)
    review = ["review", "candidate", "familiarity"] if tiny_model.reviews else []
    expected = [
        "id",
        "description",
        "tnved",
        "label",
        "score",
        "military_marker",
        "military_wording",
        "status",
        *review,
        *ENTITY_COLUMNS,
    ]
    assert list(rows_of(tmp_path / "c.csv")[0]) == expected


def test_dump_without_codes_is_unchanged(tiny_model, tmp_path):
    """No code column: no new columns, the same bytes as with code reading switched off."""
    shutil.copy(DATA / "dump_utf8.csv", tmp_path / "in.csv")
    s = predict(tmp_path / "in.csv", tmp_path / "a.csv", model=tiny_model)
    predict(tmp_path / "in.csv", tmp_path / "b.csv", model=tiny_model, code_column=False)
    assert s.code_column is None and not s.code_conflicts and not s.code_statuses
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert not set(CODE_COLUMNS) & set(rows_of(tmp_path / "a.csv")[0])


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_codeless_sample_is_byte_identical_to_before(tmp_path, jobs):
    """The sample without its code column gives the output main gave before code reading (golden file)."""
    model = load_model()
    golden = DATA / "sample_nocode.golden.csv"
    if model.meta.get("model_sha256") != GOLDEN_MODEL_SHA256:
        pytest.skip("models/default changed since the golden file was made: regenerate it with dualuse predict")
    out = tmp_path / "out.csv"
    # (the golden file was made when every row got entity columns: --entities all)
    res = CliRunner().invoke(app, ["predict", str(DATA / "sample_nocode.csv"), "-o", str(out), "-j", jobs,
                                   "--chunk-size", "10", "-q", "--entities", "all"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert "code column" not in res.output and "code conflicts" not in res.output
    assert out.read_bytes() == golden.read_bytes()


# The model that made tests/data/sample_nocode.golden.csv. The file was first made by the code before code reading
# (identical then to this test's output); since models/default was retrained it is remade with code reading switched
# off (--no-code-column), which is what a dump without a code column must give. Session 51: the same file from the
# model with the session-51 thresholds, whose name now covers its thresholds and rules (decision_sha256). Session 52:
# remade from the model fitted with w97/w98 (one score changed: row 35, `other` 0.9094 -> 0.8946). Session 59: the
# model refitted with the «СВО-10» exception and the marker rules of probes MP-MP4 (same weights); golden unchanged.
# Session 60: the marker rules of MP5-MP8 (same weights) and the new military_wording column; the file is the old one
# with that column added (every other cell identical); the same file from the model with the final rules (R60h).
# Session 62: the model refitted with the ground rule on and the marker rules for other countries' militaries and
# for marker letters in names and the front, R3 and R4 (same weights); golden unchanged.
GOLDEN_MODEL_SHA256 = "e5dce159f6e3f5c1d0c19779a2099a3ec77deb04da2f3476cec0f9f27f555a26"


def test_sample_with_default_model_shows_both_directions(tmp_path):
    out = tmp_path / "x.csv"
    res = CliRunner().invoke(app, ["predict", str(SAMPLE), "--output", str(out), "-q"])
    assert res.exit_code == 0, res.output
    assert "code column: Код ТН ВЭД" in res.output
    assert "code conflicts: text>code=3, code>text=1" in res.output
    rows = {r["№ п/п"]: r for r in rows_of(out)}
    assert len(rows) == 61
    for n in ("34", "36", "40"):  # a drone under textiles and furniture, aircraft tyres declared as bus tyres
        assert rows[n]["code_conflict"] == "text>code" and float(rows[n]["score"]) > 0.9
    r35 = rows["35"]  # «ЧАСТИ ПРОЧИЕ» under a turbojet-parts subheading
    assert (r35["label"], r35["code_label"], r35["code_conflict"]) == ("other", "aircraft_parts", "code>text")
    assert (r35["review"], r35["candidate"]) == ("1", "aircraft_parts") and float(r35["score"]) > 0.8
    assert (rows["60"]["hs_code"], rows["60"]["code_status"]) == ("880622", "normalised")
    assert rows["61"]["hs_code"] == "" and rows["61"]["code_status"].startswith("invalid: ")
    assert rows["61"]["label"] == "drone"  # a bad code never blocks the text's label
    assert rows["5"]["chpl_tier"] == "2" and rows["1"]["chpl_tier"] == ""
    assert rows["10"]["code_status"] == "empty"


def test_python_api_takes_codes(tiny_model):
    texts = [t for t, _ in CODED]
    preds = tiny_model.predict(texts, codes=[c for _, c in CODED])
    assert [p.code_conflict for p in preds] == ["", "text>code", "code>text", "", ""]
    assert preds[2].review == 1 and preds[2].candidate == "aircraft_parts" and preds[2].label == "other"
    assert preds[0].as_dict()["hs_code"] == "8806221000"
    (one,) = tiny_model.predict(CODED[0][0], codes="8806.22")
    assert (one.hs_code, one.code_label, one.code_status) == ("880622", "drone", "normalised")
    assert not hasattr(tiny_model.predict(CODED[0][0])[0], "hs_code")
    with pytest.raises(ValueError, match="give one code"):
        tiny_model.predict(texts, codes=["8806"])


def test_evaluate_slices_by_code_agreement(tiny_model_dir, tmp_path):
    src = tmp_path / "gold.csv"
    with open(TINY_CORPUS, encoding="utf-8") as fh:
        gold = {r["text"]: r["label"] for r in csv.DictReader(fh)}
    with open(src, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "tnved"])
        for text, code in CODED:
            w.writerow([text, gold[text], code])
    res = CliRunner().invoke(
        app, ["evaluate", str(src), "-m", str(tiny_model_dir), "--code-column", "tnved", "--json", "--n-boot", "20"]
    )
    assert res.exit_code == 0, res.output
    sl = json.loads(res.output)["slices"]["code agreement"]
    assert {k: v["n"] for k, v in sl.items()} == {"agree": 1, "text>code": 1, "code>text": 1, "no code": 2}
    res = CliRunner().invoke(app, ["evaluate", str(src), "-m", str(tiny_model_dir), "--code-column", "nope"])
    assert res.exit_code == 2 and "code column 'nope' not found" in res.output


def test_cli_predict_code_column_options(tiny_model_dir, tmp_path):
    src = write_coded(tmp_path / "in.csv", column="G33")
    runner = CliRunner()
    res = runner.invoke(app, ["predict", str(src), "-o", str(tmp_path / "a.csv"), "-m", str(tiny_model_dir), "-q"])
    assert res.exit_code == 0 and "code column: G33" in res.output and "text>code=8, code>text=8" in res.output
    res = runner.invoke(
        app, ["predict", str(src), "-o", str(tmp_path / "b.csv"), "-m", str(tiny_model_dir), "--no-code-column"]
    )
    assert res.exit_code == 0 and "code column" not in res.output and "code conflicts" not in res.output
    assert "G33" in rows_of(tmp_path / "b.csv")[0] and "hs_code" not in rows_of(tmp_path / "b.csv")[0]
    res = runner.invoke(
        app, ["predict", str(src), "-o", str(tmp_path / "c.csv"), "-m", str(tiny_model_dir), "--code-column", "x"]
    )
    assert res.exit_code == 2 and "code column 'x' not found" in res.output


def test_dask_engine_writes_the_same_code_columns(tiny_model_dir, tmp_path):
    distributed = pytest.importorskip("distributed")
    import pandas as pd

    from pipeline.run.dask_engine import predict_dask

    src = write_coded(tmp_path / "in.csv")
    predict(src, tmp_path / "local.csv", model=tiny_model_dir)
    want = rows_of(tmp_path / "local.csv")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        s = predict_dask(str(src), tmp_path / "out", model=tiny_model_dir, scheduler=c.scheduler_address, blocksize=600)
    assert s.partitions > 1 and s.code_column == "tnved"
    assert dict(s.code_conflicts) == {"text>code": 8, "code>text": 8}
    assert dict(s.code_statuses) == {"ok": 16, "normalised": 8, "invalid": 8, "empty": 8}
    df = pd.read_parquet(tmp_path / "out")
    assert list(df.columns) == list(want[0])
    for col in CODE_COLUMNS + ("label",):
        assert df[col].tolist() == [r[col] for r in want], col


def test_resume_keeps_the_code_counts(tiny_model, tmp_path):
    from pipeline.run.predict import PredictInterrupted

    from .test_predict import StopAfter

    src = write_coded(tmp_path / "in.csv")
    ref = predict(src, tmp_path / "ref.csv", model=tiny_model, chunk_size=6)
    with pytest.raises(PredictInterrupted):
        predict(src, tmp_path / "out.csv", model=tiny_model, chunk_size=6, progress=StopAfter(3))
    s = predict(src, tmp_path / "out.csv", model=tiny_model, chunk_size=6, resume=True)
    assert s.resumed_rows == 18
    assert s.code_conflicts == ref.code_conflicts and s.code_statuses == ref.code_statuses
    assert rows_of(tmp_path / "out.csv") == rows_of(tmp_path / "ref.csv")
