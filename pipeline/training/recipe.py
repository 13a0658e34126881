"""Training recipes: spaCy-style ``.cfg`` files read through confection, with overrides and validation.

One config file is the whole recipe. ``load_config`` reads it, applies ``section.key`` overrides (as given on the
command line: ``--features.min_df 2``), and checks every section and key against :func:`schema`; errors name the
file, the section and the key. The ``[normalise]``, ``[tokenise]``, ``[features]`` and ``[classifier]`` sections are
the keyword arguments of their constructors (:func:`constructor_sections`): their keys and defaults come from the
signatures, their value checks from the constructors' parameter constraints (:mod:`pipeline.params`).
"""

from __future__ import annotations

import functools
import inspect
from pathlib import Path
from typing import Any

from confection import Config

from pipeline import params
from pipeline.config import DEFAULT_CONFIG_PATH, POSITIVE_LABELS
from pipeline.errors import ConfigError
from pipeline.features.vectoriser import TokenNgramVectorizer
from pipeline.model.classifier import PARAMETER_CONSTRAINTS, build_classifier
from pipeline.model.peer import CharPeer
from pipeline.text.normalise import Normaliser
from pipeline.text.tokenise import NORMALISER_PARAMS, SpacyTokeniser

# Sections that are not the arguments of a constructor: key -> (constraint, required).
_PLAIN_SECTIONS: dict[str, dict[str, tuple[params.Constraint, bool]]] = {
    "paths": {
        "corpus": (params.string_list, True),
        "ood": (params.optional_string, False),
        "markers": (params.string, True),
        "keywords": (params.optional_string, False),
    },
    "corpus": {
        "text_column": (params.string, True),
        "label_column": (params.string, True),
        "dev_fraction": (params.fraction, True),
        "test_fraction": (params.fraction, True),
        "split_seed": (params.integer, True),
        "near_duplicate_threshold": (params.fraction, True),
        "train_on": (params.one_of("train", "train+dev", "all"), True),
    },
    "training": {
        "seed": (params.integer, True),
        "source_weighting": (params.one_of("none", "sqrt", "equal"), False),
        "other_weight": (params.positive, False),
        "unfamiliar_below": (params.fraction, False),
        "unfamiliar_lean": (params.fraction, False),
        "long_line_words": (params.count, False),
        "long_line_threshold": (params.fraction, False),
        "pool_below": (params.fraction, False),
        "code_line_words": (params.count, False),
        "code_line_threshold": (params.fraction, False),
        "code_assist": (params.fraction, False),
        "prose_words": (params.count, False),
        "prose_other_scale": (params.probability, False),
        "prose_keywords": (params.fraction, False),
        "keyword_agree": (params.fraction, False),
        "keyword_terms": (params.count, False),
        "bare_words": (params.count, False),
        "bare_term_lines": (params.count, False),
        "bare_term_share": (params.fraction, False),
        "ground_rule": (params.boolean, False),
        "counter_cue_rule": (params.boolean, False),
        "aircraft_destination": (params.fraction, False),
    },
    "thresholds": {label: (params.fraction, False) for label in POSITIVE_LABELS},
    "augment": {
        "copies": (params.count, False),
        "p_translit": (params.probability, False),
        "p_typo": (params.probability, False),
        "p_upper": (params.probability, False),
        "p_boilerplate": (params.probability, False),
        "p_frame": (params.probability, False),
        "p_prose": (params.probability, False),
        "p_inflect": (params.probability, False),
        "per_line": (params.boolean, False),
        "copy_weight": (params.positive, False),
        "seed": (params.integer, False),
    },
}
# Keys a recipe must state in the constructor sections, so that a model's config.cfg records the choices that shape
# it; other keys of those sections may be left out and take the constructor's default.
RECIPE_KEYS = {
    "normalise": ("nfkc", "strip_invisible", "yo_to_e", "join_spaced_letters", "fix_lookalikes", "lowercase"),
    "tokenise": ("lang", "lemmatise", "max_chars"),
    "features": (
        "word_ngram_range", "char_ngram_range", "min_df", "max_features", "sublinear_tf", "use_idf", "char_weight",
    ),
    "classifier": ("type", "C", "class_weight", "max_iter"),
    "peer": ("weight", "temperature"),
}  # fmt: skip
# Sections that may be left out of a config (their keys then take the library defaults).
OPTIONAL_SECTIONS = frozenset({"augment", "thresholds", "peer"})
MAX_HELD_OUT = 0.9  # dev_fraction + test_fraction must stay below this
_NOT_CONFIG = frozenset({"random_state"})  # constructor arguments that come from elsewhere ([training] seed)


def constructor_sections() -> dict[str, tuple[Any, dict[str, params.Constraint]]]:
    """The sections that are a constructor's keyword arguments: section -> (constructor, parameter constraints)."""
    tok = SpacyTokeniser._parameter_constraints
    return {
        "normalise": (Normaliser, {k: tok[k] for k in NORMALISER_PARAMS}),
        "tokenise": (SpacyTokeniser, {k: v for k, v in tok.items() if k not in NORMALISER_PARAMS}),
        "features": (TokenNgramVectorizer, TokenNgramVectorizer._parameter_constraints),
        "classifier": (build_classifier, PARAMETER_CONSTRAINTS),
        "peer": (CharPeer, CharPeer._parameter_constraints),
    }


@functools.cache
def schema() -> dict[str, dict[str, tuple[params.Constraint, bool]]]:
    """Section -> key -> (constraint, required): the constructor sections' keys from the signatures.

    ``[tokenise]`` holds the tokeniser's own parameters, ``[normalise]`` those it passes on to its Normaliser.
    """
    out = {name: dict(keys) for name, keys in _PLAIN_SECTIONS.items()}
    for section, (make, constraints) in constructor_sections().items():
        names = [n for n in inspect.signature(make).parameters if n in constraints and n not in _NOT_CONFIG]
        out[section] = {n: (constraints[n], n in RECIPE_KEYS[section]) for n in names}
    ordered = ("paths", "corpus", "normalise", "tokenise", "features", "classifier", "peer", "training", "thresholds")
    return {name: out[name] for name in (*ordered, "augment")}


def validate_config(cfg: dict, source: str = "<config>") -> None:
    """Check sections, keys and value types of a config against :func:`schema`.

    Raises:
        ConfigError: naming ``source``, the section and the key at fault.
    """
    sections = schema()
    for section in cfg:
        if section not in sections:
            raise ConfigError(f"{source}: unknown section [{section}]; expected one of {sorted(sections)}")
    for section, keys in sections.items():
        if section not in cfg:
            if section in OPTIONAL_SECTIONS:
                continue
            raise ConfigError(f"{source}: missing section [{section}]")
        values = cfg[section]
        for key in values:
            if key not in keys:
                raise ConfigError(f"{source}: [{section}] unknown key {key!r}; expected one of {sorted(keys)}")
        for key, (check, required) in keys.items():
            if key not in values:
                if required:
                    raise ConfigError(f"{source}: [{section}] missing key {key!r}")
                continue
            value = values[key]
            if not check(value):
                raise ConfigError(f"{source}: [{section}] {key} = {value!r}: expected {check.__doc__}")
    for key in ("prose_keywords", "keyword_agree", "keyword_terms", "bare_words"):
        if cfg["training"].get(key, 0) and not cfg["paths"].get("keywords"):
            raise ConfigError(f"{source}: [training] {key} needs [paths] keywords (the keyword file)")
    if cfg["training"].get("keyword_terms", 0) and not cfg["training"].get("prose_keywords", 0):
        raise ConfigError(f"{source}: [training] keyword_terms needs prose_keywords > 0 (the assist it widens)")
    c = cfg["corpus"]
    if c["dev_fraction"] + c["test_fraction"] >= MAX_HELD_OUT:
        raise ConfigError(f"{source}: [corpus] dev_fraction + test_fraction must be below {MAX_HELD_OUT}")
    if cfg["features"]["word_ngram_range"][1] == 0 and cfg["features"]["char_ngram_range"][1] == 0:
        raise ConfigError(f"{source}: [features] word and character n-grams cannot both be [0, 0]")
    peer = cfg.get("peer") or {}
    if peer.get("weight", 0) and list(peer.get("ngram_range", [1, 6]))[0] < 1:
        raise ConfigError(f"{source}: [peer] ngram_range must start at 1 or more (the peer reads characters)")
    aug = cfg.get("augment") or {}
    if aug.get("p_frame", 0.0) + aug.get("p_prose", 0.0) > 1:
        raise ConfigError(f"{source}: [augment] p_frame + p_prose must be at most 1")


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Read, override and validate a training config.

    Args:
        path: the ``.cfg`` file; the bundled ``configs/default.cfg`` when ``None``.
        overrides: ``{"section.key": value}`` applied on top of the file.

    Returns:
        The interpolated, validated config.

    Raises:
        ConfigError: when the file is missing or unparsable, or a section, key or value is invalid.
    """
    path = Path(path) if path is not None else DEFAULT_CONFIG_PATH
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    overrides = dict(overrides or {})
    for key in overrides:
        section, _, name = key.partition(".")
        if section not in schema() or name not in schema()[section]:
            raise ConfigError(f"override --{key}: unknown section or key in {path}")
    try:
        cfg = Config().from_str(path.read_text(encoding="utf-8"), overrides=overrides)
    except Exception as exc:  # confection raises several error types for bad syntax
        raise ConfigError(f"{path}: cannot parse config: {exc}") from exc
    validate_config(cfg, source=str(path))
    return cfg
