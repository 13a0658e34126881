import pytest

from pipeline.config import ConfigError, load_config, parse_overrides

from .conftest import REPO

DEFAULT = REPO / "configs" / "default.cfg"


def test_default_config_is_valid():
    cfg = load_config(DEFAULT)
    assert cfg["tokenise"]["lang"] in ("xx", "ru", "en")
    assert cfg["features"]["char_ngram_range"][0] >= 1


def test_overrides_are_applied():
    cfg = load_config(DEFAULT, {"features.min_df": 5, "tokenise.lemmatise": True})
    assert cfg["features"]["min_df"] == 5
    assert cfg["tokenise"]["lemmatise"] is True


def test_parse_overrides_types():
    got = parse_overrides(
        ["--features.min_df", "3", "--tokenise.lang", "ru", "--features.word_ngram_range=[1,3]", "--tokenise.lemmatise"]
    )
    assert got == {
        "features.min_df": 3,
        "tokenise.lang": "ru",
        "features.word_ngram_range": [1, 3],
        "tokenise.lemmatise": True,
    }


def test_parse_overrides_rejects_garbage():
    with pytest.raises(ConfigError, match="--section.key"):
        parse_overrides(["min_df", "3"])


def test_unknown_override_key_named():
    with pytest.raises(ConfigError, match="features.min_dff"):
        load_config(DEFAULT, {"features.min_dff": 2})


def test_bad_value_names_section_and_key():
    with pytest.raises(ConfigError, match=r"\[features\] min_df"):
        load_config(DEFAULT, {"features.min_df": "many"})
    with pytest.raises(ConfigError, match=r"\[classifier\] type"):
        load_config(DEFAULT, {"classifier.type": "forest"})


def test_missing_key_and_unknown_section_named(tmp_path):
    text = DEFAULT.read_text(encoding="utf-8")
    bad = tmp_path / "bad.cfg"
    bad.write_text(text.replace("min_df = 2\n", ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.cfg: \[features\] missing key 'min_df'"):
        load_config(bad)
    bad.write_text(text + "\n[extra]\nx = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown section \[extra\]"):
        load_config(bad)


def test_missing_file_and_syntax_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "none.cfg")
    broken = tmp_path / "broken.cfg"
    broken.write_text("[paths\ncorpus = [", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.cfg"):
        load_config(broken)
