"""Run the CLI as ``python -m pipeline``."""

from .cli import app

app()
