"""What every part of the package shares: the labels, row statuses, bundled files, ``--section.key`` overrides.

Reading and validating a training recipe is :mod:`pipeline.training.recipe`.
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
# Which rows get the entity columns filled: only rows labelled dual-use or sent to review, every row, or none (the
# columns are then left out). "flagged" is predict's default: an investigator groups flagged shipments by maker, and
# in a real dump (about 0.5 % dual-use) it costs almost nothing, where "all" costs about as much as labelling.
ENTITY_MODES = ("flagged", "all", "none")
# The entity columns (pipeline.entities fills them; named here so that labelling can add them without spaCy).
ENTITY_COLUMNS = ("manufacturer", "brand", "model", "quantity", "unit")

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


def config_to_str(cfg: Config) -> str:
    """Serialise a config in ``.cfg`` format."""
    return Config(cfg).to_str()
