"""Training recipes: spaCy-style ``.cfg`` files read through confection, with overrides and validation.

One config file is the whole recipe. ``load_config`` reads it, applies ``section.key`` overrides (as given on the
command line: ``--features.min_df 2``), and checks every section and key against :data:`SCHEMA`; errors name the
file, the section and the key.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from confection import Config

from pipeline.errors import ConfigError

LABELS = ("drone", "counter_drone", "rugged_computer", "navigation", "aircraft_parts", "other")
POSITIVE_LABELS = LABELS[:-1]
# The status of an output row whose text was labelled, was empty, or was cut to the model's length limit.
STATUS_OK = "ok"
STATUS_EMPTY = "empty"
STATUS_TRUNCATED = "truncated"

_PACKAGE_DIR = Path(__file__).resolve().parent
# An installed (non-editable) package carries copies of the repository's configs/ and models/default here; the build
# (setup.py) puts them there, so the repository keeps one copy of each.
PACKAGE_DATA_DIR = _PACKAGE_DIR / "data"


def bundled_path(*parts: str) -> Path:
    """A file or folder shipped with dualuse (``configs/…``, ``models/default``).

    The installed package's copy when there is one, else the one at the top of the repository (a checkout or an
    editable install).
    """
    installed = PACKAGE_DATA_DIR.joinpath(*parts)
    return installed if installed.exists() else _PACKAGE_DIR.parent.joinpath(*parts)


DEFAULT_CONFIG_PATH = bundled_path("configs", "default.cfg")



def _int_pair(v: Any) -> bool:
    return (
        isinstance(v, (list, tuple)) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
    )


def _str_list(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _count(v: Any) -> bool:
    return _int(v) and v >= 0


def _positive_int(v: Any) -> bool:
    return _int(v) and v >= 1


def _at_least_two(v: Any) -> bool:
    return _int(v) and v >= 2


def _non_negative(v: Any) -> bool:
    return _number(v) and v >= 0


def _bool(v: Any) -> bool:
    return isinstance(v, bool)


def _str(v: Any) -> bool:
    return isinstance(v, str)


def _opt_str(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _fraction(v: Any) -> bool:
    return _number(v) and 0.0 <= v < 1.0


def _one_of(*choices: Any):
    def check(v: Any) -> bool:
        return v in choices

    check.__doc__ = "one of " + ", ".join(repr(c) for c in choices)
    return check


_DESCRIPTIONS = {
    _int_pair: "a pair of integers like [1, 2]",
    _str_list: "a list of strings",
    _number: "a number",
    _int: "an integer",
    _count: "an integer >= 0",
    _positive_int: "an integer >= 1",
    _at_least_two: "an integer >= 2",
    _non_negative: "a number >= 0",
    _bool: "true or false",
    _str: "a string",
    _opt_str: "a string or null",
    _fraction: "a number in [0, 1)",
}

# section -> key -> (check, required)
SCHEMA: dict[str, dict[str, tuple[Any, bool]]] = {
    "paths": {
        "corpus": (_str_list, True),
        "ood": (_opt_str, False),
        "markers": (_str, True),
    },
    "corpus": {
        "text_column": (_str, True),
        "label_column": (_str, True),
        "dev_fraction": (_fraction, True),
        "test_fraction": (_fraction, True),
        "split_seed": (_int, True),
        "near_duplicate_threshold": (_fraction, True),
        "train_on": (_one_of("train", "train+dev", "all"), True),
    },
    "normalise": {
        "nfkc": (_bool, True),
        "strip_invisible": (_bool, True),
        "yo_to_e": (_bool, True),
        "join_spaced_letters": (_bool, True),
        "fix_lookalikes": (_bool, True),
        "lowercase": (_bool, True),
    },
    "tokenise": {
        "lang": (_one_of("xx", "ru", "en"), True),
        "lemmatise": (_bool, True),
        "max_chars": (_count, True),
    },
    "features": {
        "word_ngram_range": (_int_pair, True),
        "char_ngram_range": (_int_pair, True),
        "min_df": (_positive_int, True),
        "max_features": (_count, True),
        "sublinear_tf": (_bool, True),
        "use_idf": (_bool, True),
        "char_weight": (_non_negative, True),
        "translit": (_one_of(True, False, "only"), False),
        "keep_digits": (_count, False),
    },
    "classifier": {
        "type": (_one_of("logreg", "svm_calibrated", "sgd"), True),
        "C": (_number, True),
        "class_weight": (_one_of("balanced", None), True),
        "max_iter": (_positive_int, True),
        "calibration_folds": (_at_least_two, False),
        "calibration_ensemble": (_bool, False),
    },
    "training": {
        "seed": (_int, True),
        "source_weighting": (_one_of("none", "sqrt", "equal"), False),
        "unfamiliar_below": (_fraction, False),
        "unfamiliar_lean": (_fraction, False),
    },
    "thresholds": {label: (_fraction, False) for label in POSITIVE_LABELS},
    "augment": {
        "copies": (_count, False),
        "p_translit": (_fraction, False),
        "p_typo": (_fraction, False),
        "p_upper": (_fraction, False),
        "p_boilerplate": (_fraction, False),
        "seed": (_int, False),
    },
}
# Sections that may be left out of a config (their keys then take the library defaults).
OPTIONAL_SECTIONS = frozenset({"augment", "thresholds"})


def parse_override_value(raw: str) -> Any:
    """Turn a command-line override string into a value: JSON when it parses, else the plain string."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, ValueError):
        return raw


def parse_overrides(args: list[str]) -> dict[str, Any]:
    """Parse ``["--section.key", "value", "--flag.key=value", ...]`` into ``{"section.key": value}``.

    Raises:
        ConfigError: for an argument that is not of the ``--section.key value`` form.
    """
    out: dict[str, Any] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or "." not in arg:
            raise ConfigError(f"override {arg!r}: expected --section.key value")
        key = arg[2:]
        if "=" in key:
            key, raw = key.split("=", 1)
            i += 1
        elif i + 1 < len(args) and not args[i + 1].startswith("--"):
            raw = args[i + 1]
            i += 2
        else:
            raw = "true"
            i += 1
        out[key.replace("-", "_")] = parse_override_value(raw)
    return out


def validate_config(cfg: dict, source: str = "<config>") -> None:
    """Check sections, keys and value types of a config against :data:`SCHEMA`.

    Raises:
        ConfigError: naming ``source``, the section and the key at fault.
    """
    for section in cfg:
        if section not in SCHEMA:
            raise ConfigError(f"{source}: unknown section [{section}]; expected one of {sorted(SCHEMA)}")
    for section, keys in SCHEMA.items():
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
                what = _DESCRIPTIONS.get(check) or check.__doc__ or "a valid value"
                raise ConfigError(f"{source}: [{section}] {key} = {value!r}: expected {what}")
    c = cfg["corpus"]
    if c["dev_fraction"] + c["test_fraction"] >= 0.9:
        raise ConfigError(f"{source}: [corpus] dev_fraction + test_fraction must be below 0.9")
    for name in ("word_ngram_range", "char_ngram_range"):
        lo, hi = cfg["features"][name]
        if not ((lo == hi == 0) or (1 <= lo <= hi <= 8)):
            raise ConfigError(f"{source}: [features] {name} = {[lo, hi]}: expected 1 <= min <= max <= 8, or [0, 0]")
    if cfg["features"]["word_ngram_range"][1] == 0 and cfg["features"]["char_ngram_range"][1] == 0:
        raise ConfigError(f"{source}: [features] word and character n-grams cannot both be [0, 0]")
    if cfg["classifier"]["C"] <= 0:
        raise ConfigError(f"{source}: [classifier] C must be positive")


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
        if section not in SCHEMA or name not in SCHEMA[section]:
            raise ConfigError(f"override --{key}: unknown section or key in {path}")
    try:
        cfg = Config().from_str(path.read_text(encoding="utf-8"), overrides=overrides)
    except Exception as exc:  # confection raises several error types for bad syntax
        raise ConfigError(f"{path}: cannot parse config: {exc}") from exc
    validate_config(cfg, source=str(path))
    return cfg


def config_to_str(cfg: Config) -> str:
    """Serialise a config in ``.cfg`` format."""
    return Config(cfg).to_str()
