"""``dualuse info`` and ``dualuse model convert``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.base import app, model_app
from pipeline.cli.common import TrustPickle, fail
from pipeline.errors import USER_ERRORS, ModelError


@app.command(epilog="Example: dualuse info models/default")
def info(
    model: Annotated[Path | None, typer.Argument(help="Model folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print meta.json with path and integrity.")] = False,
) -> None:
    """Show a model's labels, versions, corpus hash, thresholds and metrics; exit 1 when its files fail their hashes."""
    from pipeline.model.folder import info as info_fn
    from pipeline.report.text import format_info

    try:
        meta = info_fn(model)
    except ModelError as exc:
        fail(exc)
    typer.echo(json.dumps(meta, ensure_ascii=False, indent=2) if as_json else format_info(meta))
    if not (meta.get("integrity") or {}).get("ok", True):
        raise typer.Exit(1)


@model_app.command("convert", epilog="Example: dualuse model convert models/old models/old-safe --trust-pickle")
def model_convert(
    source: Annotated[Path, typer.Argument(help="Model folder to read (e.g. one with model.joblib).")],
    target: Annotated[Path, typer.Argument(help="Folder to write (may be SOURCE itself: replaced atomically).")],
    trust_pickle: TrustPickle = False,
) -> None:
    """Rewrite a model folder in the plain-data format (JSON and arrays), which runs no code when loaded.

    A folder with model.joblib is a pickle: reading it runs the code it holds, so --trust-pickle is required.
    """
    from pipeline.model.core import convert_model

    try:
        model = convert_model(source, target, trust_pickle=trust_pickle)
    except USER_ERRORS as exc:
        fail(exc)
    typer.echo(
        f"{source} -> {model.path} ({model.meta['format']} v{model.meta['format_version']}, "
        f"model sha256 {model.meta['model_sha256']})"
    )
