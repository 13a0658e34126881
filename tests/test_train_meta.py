"""Issue 10, item 11: config validation, CONFIG optional, marker file and fitted lines in meta.json, thresholds on
fitted lines, the bundled model and config in a non-editable install."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app, config_and_overrides
from pipeline.config import ConfigError
from pipeline.model.core import sha256_file
from pipeline.training.recipe import load_config
from pipeline.training.threshold_search import thresholds

from .conftest import DATA, REPO, TINY_CORPUS, write_tiny_config

runner = CliRunner()


def cli(*args):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize(
    "key,value",
    [
        ("tokenise.max_chars", -5),
        ("features.min_df", 0),
        ("features.max_features", -1),
        ("classifier.max_iter", 0),
        ("classifier.calibration_folds", 1),
        ("features.char_weight", -0.5),
        ("augment.copies", -2),
    ],
)
def test_out_of_range_values_are_refused(key, value):
    section, name = key.split(".")
    with pytest.raises(ConfigError, match=rf"\[{section}\] {name} = {value}: expected"):
        load_config(REPO / "configs" / "default.cfg", {key: value})


def test_max_chars_zero_still_means_no_limit():
    assert load_config(REPO / "configs" / "default.cfg", {"tokenise.max_chars": 0})["tokenise"]["max_chars"] == 0


@pytest.mark.parametrize(
    "config,args,want_config,want",
    [
        ("--paths.ood", ["null", "--features.min_df", "2"], None, {"paths.ood": None, "features.min_df": 2}),
        ("a.cfg", ["--paths.ood", "null"], "a.cfg", {"paths.ood": None}),
        ("--paths.ood", ["null", "a.cfg"], "a.cfg", {"paths.ood": None}),
        ("--paths.corpus", ['["x/*.csv"]', "--paths.ood=null"], None, {"paths.corpus": ["x/*.csv"], "paths.ood": None}),
        (None, [], None, {}),
    ],
)
def test_config_is_optional_and_may_come_anywhere(config, args, want_config, want):
    got_config, got = config_and_overrides(config, args)
    assert (None if got_config is None else str(got_config)) == want_config and got == want


@pytest.fixture(scope="module")
def trained_without_config(tmp_path_factory):
    """The README's `dualuse train --output … --paths.corpus … --paths.ood null`, CONFIG left out."""
    d = tmp_path_factory.mktemp("noconfig")
    cfg = write_tiny_config(d)
    markers = d / "elsewhere" / "my_markers.txt"
    markers.parent.mkdir()
    shutil.copy(REPO / "configs" / "markers.txt", markers)
    model_dir = d / "models" / "my"
    mp = pytest.MonkeyPatch()
    mp.setattr("pipeline.config.DEFAULT_CONFIG_PATH", cfg)
    try:
        result = cli(
            "train", "--output", model_dir,
            "--paths.corpus", json.dumps([str(d / "tiny_corpus.csv")]),
            "--paths.ood", "null",
            "--paths.markers", str(markers),
            "--features.min_df", "1",
            "--corpus.test_fraction", "0.3",
            "--corpus.dev_fraction", "0.2",
            "--corpus.train_on", "train+dev",
        )  # fmt: skip
    finally:
        mp.undo()
    assert result.exit_code == 0, result.output
    return d, model_dir, markers


def test_train_records_marker_file_with_hash(trained_without_config):
    _, model_dir, markers = trained_without_config
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["markers"]["path"] == str(markers)
    assert meta["markers"]["sha256"] == sha256_file(markers)
    assert meta["markers"]["rules"] > 0
    info = cli("info", model_dir)
    assert "my_markers.txt" in info.output and meta["markers"]["sha256"][:16] in info.output


def test_train_records_featuriser_check(trained_without_config):
    _, model_dir, _ = trained_without_config
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    check = meta["featuriser_check"]
    assert check["passed"] is True and check["max_abs_difference"] == 0.0 and check["sample"] > 10


def test_train_records_the_word_lists_and_loads_without_warning(trained_without_config):
    import warnings

    from pipeline.model.core import load_model
    from pipeline.text.aircraft import DESIGNATIONS_VERSION
    from pipeline.text.systems import SYSTEMS_VERSION

    _, model_dir, _ = trained_without_config
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    # the default recipe marks aircraft types and named systems
    assert meta["text_rules"] == {"aircraft_designations": DESIGNATIONS_VERSION, "system_names": SYSTEMS_VERSION}
    assert "thresholds" in meta
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(model_dir)


def test_thresholds_refuses_lines_the_model_was_fitted_on(trained_without_config, tmp_path):
    _, model_dir, _ = trained_without_config
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["corpus"]["fitted_lines"]["n"] > 0
    result = cli("thresholds", TINY_CORPUS, "--model", model_dir, "--dry-run")
    assert result.exit_code == 2 and "fitted on" in result.output and "--force" in result.output
    result = cli("thresholds", TINY_CORPUS, "--model", model_dir, "--dry-run", "--force")
    assert result.exit_code == 0 and "fitted on" in result.output


def test_thresholds_on_unseen_lines_has_no_fitted_warning(trained_without_config, tmp_path):
    _, model_dir, _ = trained_without_config
    dev = tmp_path / "dev.csv"
    dev.write_text(
        "text,label\nКвадрокоптер Autel EVO Max 4T новый,drone\nGNSS приёмник Trimble R12i,navigation\n"
        "Стул офисный,other\n",
        encoding="utf-8",
    )
    result = thresholds(dev, model_dir, target_precision=0.9, dry_run=True)
    assert not any("fitted on" in w for w in result["warnings"])


def test_thresholds_checks_an_older_model_folder_by_its_corpus(trained_without_config, tmp_path):
    _, model_dir, _ = trained_without_config
    old = tmp_path / "old"
    shutil.copytree(model_dir, old)
    meta = json.loads((old / "meta.json").read_text(encoding="utf-8"))
    del meta["corpus"]["fitted_lines"]
    meta["corpus"]["fit_on"] = ["train", "dev"]
    meta["corpus"]["files"] = {str(TINY_CORPUS): sha256_file(TINY_CORPUS)}
    (old / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="likely fitted on"):
        thresholds(TINY_CORPUS, old, target_precision=0.9, dry_run=True)
    meta["corpus"]["fit_on"] = ["train"]
    (old / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert thresholds(TINY_CORPUS, old, target_precision=0.9, dry_run=True)["n"] > 0


def test_built_package_carries_default_model_and_config(tmp_path):
    pytest.importorskip("setuptools")
    build = tmp_path / "build"
    res = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "-d", str(build)], cwd=REPO, capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    data = build / "pipeline" / "data"
    bundled = sorted(p.name for p in (REPO / "models" / "default").iterdir())
    assert sorted(p.name for p in (data / "models" / "default").iterdir()) == bundled
    for name in bundled:
        assert (data / "models" / "default" / name).read_bytes() == (REPO / "models" / "default" / name).read_bytes()
    assert (data / "configs" / "default.cfg").is_file() and (data / "configs" / "markers.txt").is_file()
    # Run from elsewhere with only the built package importable: the bundled model and config are found in it.
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(DATA / "tiny_corpus.csv", work / "in.csv")
    env = {**os.environ, "PYTHONPATH": str(build)}
    code = (
        "import pipeline.config as c, pipeline.model.core as m;"
        "print(c.DEFAULT_CONFIG_PATH); print(m.DEFAULT_MODEL_DIR);"
        "print(m.load_model().predict(['Квадрокоптер DJI Mavic 3'])[0].label)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=work, env=env, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    cfg_path, model_dir, label = res.stdout.split()
    assert Path(cfg_path) == data / "configs" / "default.cfg"
    assert Path(model_dir) == data / "models" / "default"
    assert label == "drone"


def test_test_metrics_never_come_from_a_model_that_saw_the_test_split(tmp_path):
    from pipeline.evaluation.evaluate import evaluate_texts
    from pipeline.training.corpus import prepare_data
    from pipeline.training.train import train

    cfg_path = write_tiny_config(tmp_path / "cfg")
    base = {
        "paths.corpus": [str(tmp_path / "cfg" / "tiny_corpus.csv")],
        "paths.markers": str(tmp_path / "cfg" / "markers.txt"),
        "paths.ood": None,
        "features.min_df": 1,
        "corpus.test_fraction": 0.3,
    }
    held = train(cfg_path, None, {**base, "corpus.train_on": "train+dev"})
    every = train(cfg_path, None, {**base, "corpus.train_on": "all"})
    assert "scored_by" not in held.metrics["test"]
    assert "train + dev only" in every.metrics["test"]["scored_by"]
    # the figures are those of the train+dev fit, not of the saved model that was fitted on the test lines too
    for key in ("macro_f1", "accuracy"):
        assert every.metrics["test"][key] == pytest.approx(held.metrics["test"][key])
    corpus, splits, _ = prepare_data(load_config(cfg_path, {**base, "corpus.train_on": "all"}))
    test = corpus.subset(splits.indices("test"))
    assert evaluate_texts(every.model, test.text, test.label)["accuracy"] == 1.0
