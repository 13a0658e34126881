"""Shared fixtures: a tiny RU/EN corpus, a small training config and a model overfitted on the corpus."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from pipeline.training.corpus import read_corpus_file
from pipeline.training.fit import fit_model
from pipeline.training.recipe import load_config

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
TINY_CORPUS = DATA / "tiny_corpus.csv"


def write_tiny_config(tmp_dir: Path) -> Path:
    """Write a training config over the tiny corpus into ``tmp_dir`` and return its path."""
    tmp_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(TINY_CORPUS, tmp_dir / "tiny_corpus.csv")
    shutil.copy(REPO / "configs" / "markers.txt", tmp_dir / "markers.txt")
    text = (REPO / "configs" / "default.cfg").read_text(encoding="utf-8")
    # The default's class thresholds were chosen for the full corpus; a model of 65 lines scores lower.
    text = re.sub(r"(?ms)^\[thresholds\].*?(?=^\[)", "", text)
    cfg_path = tmp_dir / "tiny.cfg"
    cfg_path.write_text(text, encoding="utf-8")
    return cfg_path


TINY_OVERRIDES = {
    "features.min_df": 1,
    "classifier.C": 100.0,
    "corpus.train_on": "all",
}


@pytest.fixture(scope="session")
def tiny_corpus():
    return read_corpus_file(TINY_CORPUS)


@pytest.fixture(scope="session")
def tiny_config(tmp_path_factory):
    """A validated config whose paths point at copies of the tiny corpus and the marker rules."""
    d = tmp_path_factory.mktemp("cfg")
    cfg_path = write_tiny_config(d)
    overrides = dict(TINY_OVERRIDES)
    overrides["paths.corpus"] = [str(d / "tiny_corpus.csv")]
    overrides["paths.markers"] = str(d / "markers.txt")
    overrides["paths.ood"] = None
    return load_config(cfg_path, overrides)


@pytest.fixture(scope="session")
def tiny_model(tiny_config, tiny_corpus):
    """A model fitted on the whole tiny corpus (it overfits: it must reproduce the training labels)."""
    return fit_model(tiny_config, tiny_corpus.text, tiny_corpus.label)


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory):
    """The tiny model saved as a model folder."""
    return tiny_model.save(tmp_path_factory.mktemp("models") / "tiny")
