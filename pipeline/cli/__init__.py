"""The ``dualuse`` command line: thin typer commands over the library functions of the same name.

Each command module registers its commands on :data:`app` when imported; the library it calls is imported inside
the command, so ``dualuse --help`` starts without loading spaCy or scikit-learn.
"""

import importlib

from pipeline.cli.base import app
from pipeline.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_ROWS_UNREADABLE,
    EXIT_TRUNCATED,
    EXIT_USAGE,
    config_and_overrides,
)

# Importing a command module registers its commands, in this order in ``dualuse --help``.
COMMAND_MODULES = ("train", "evaluate", "predict", "explain", "summarise", "review", "model")
for _name in COMMAND_MODULES:
    importlib.import_module(f"pipeline.cli.{_name}")

__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_ROWS_UNREADABLE",
    "EXIT_TRUNCATED",
    "EXIT_USAGE",
    "app",
    "config_and_overrides",
]
