"""Run the CLI as ``python -m pipeline``."""

from pipeline.cli import app

app()
