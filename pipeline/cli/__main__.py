"""``python -m pipeline.cli``: the ``dualuse`` command."""

from pipeline.cli.base import app

app()
