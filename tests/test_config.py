import pytest

from pipeline.config import ConfigError, parse_overrides
from pipeline.training.recipe import load_config

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


def test_constructor_sections_name_constructor_parameters():
    import inspect

    from confection import Config

    from pipeline.training.recipe import RECIPE_KEYS, constructor_sections, schema

    cfg = Config().from_disk(DEFAULT, interpolate=False)
    for section, (make, constraints) in constructor_sections().items():
        signature = inspect.signature(make).parameters
        for key in cfg[section]:
            assert key in signature, f"[{section}] {key} is not a parameter of {make.__name__}"
        assert set(RECIPE_KEYS[section]) <= set(schema()[section])
        assert set(constraints) <= set(signature)


def test_every_constructor_parameter_has_a_constraint_and_defaults_agree():
    import inspect

    from pipeline.features.vectoriser import TokenNgramVectorizer
    from pipeline.model.classifier import PARAMETER_CONSTRAINTS, build_classifier
    from pipeline.text.normalise import Normaliser
    from pipeline.text.tokenise import NORMALISER_PARAMS, SpacyTokeniser

    def defaults(make):
        return {k: p.default for k, p in inspect.signature(make).parameters.items()}

    assert set(defaults(TokenNgramVectorizer)) == set(TokenNgramVectorizer._parameter_constraints)
    assert set(defaults(SpacyTokeniser)) == set(SpacyTokeniser._parameter_constraints)
    assert set(defaults(build_classifier)) - {"random_state"} == set(PARAMETER_CONSTRAINTS)
    # The tokeniser passes its normalisation parameters to Normaliser: same names, same defaults.
    tok = defaults(SpacyTokeniser)
    assert {k: tok[k] for k in NORMALISER_PARAMS} == defaults(Normaliser)
    # Every default passes its own constraint.
    for make, constraints in (
        (TokenNgramVectorizer, TokenNgramVectorizer._parameter_constraints),
        (SpacyTokeniser, SpacyTokeniser._parameter_constraints),
        (build_classifier, PARAMETER_CONSTRAINTS),
    ):
        for key, check in constraints.items():
            assert check(defaults(make)[key]), (make.__name__, key)


def test_build_pipeline_passes_sections_unrenamed():
    from pipeline.model.core import build_pipeline

    cfg = load_config(DEFAULT, {"normalise.strip_marks": False, "tokenise.cache_size": 7, "features.keep_digits": 2})
    steps = build_pipeline(cfg).named_steps
    tok, vec, clf = steps["tokenise"], steps["features"], steps["classifier"]
    for key, value in {**cfg["normalise"], **cfg["tokenise"]}.items():
        assert tok.get_params()[key] == value
    assert tok.normaliser.strip_marks is False
    for key, value in cfg["features"].items():
        assert vec.get_params()[key] == (tuple(value) if isinstance(value, list) else value)
    assert clf.C == cfg["classifier"]["C"] and clf.max_iter == cfg["classifier"]["max_iter"]


def test_bad_constructor_value_named_in_fit_and_config():
    from pipeline.features.vectoriser import TokenNgramVectorizer

    with pytest.raises(ValueError, match=r"features.char_ngram_range = \(1, 9\)"):
        TokenNgramVectorizer(char_ngram_range=(1, 9)).fit([("a",)])
    with pytest.raises(ConfigError, match=r"\[features\] char_ngram_range = \[1, 9\]: expected"):
        load_config(DEFAULT, {"features.char_ngram_range": [1, 9]})
    with pytest.raises(ConfigError, match=r"\[normalise\] strip_marks = 'yes': expected true or false"):
        load_config(DEFAULT, {"normalise.strip_marks": "yes"})
