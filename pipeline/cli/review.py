"""``dualuse review``: the local review queue in the browser."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.base import app
from pipeline.cli.common import fail
from pipeline.errors import USER_ERRORS


@app.command(epilog="Example: dualuse review labelled.csv --model models/default --store corrections.csv")
def review(
    labelled: Annotated[Path, typer.Argument(help="A file written by `dualuse predict`.")],
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder that scores the queue.")] = None,
    store: Annotated[
        Path, typer.Option("--store", help="Corrections CSV (corpus format); resumed when it exists.")
    ] = Path("corrections.csv"),
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8080,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; anything but 127.0.0.1/localhost/::1 needs the token.")
    ] = "127.0.0.1",
    order: Annotated[str, typer.Option("--order", help="Queue order: margin, flagged or input.")] = "margin",
    retrain_every: Annotated[
        int, typer.Option("--retrain-every", min=0, help="Refit in the background after N decisions (0: button).")
    ] = 0,
    config: Annotated[
        Path | None, typer.Option("--config", help="Recipe for refits (default: the model folder's config.cfg).")
    ] = None,
    text_column: Annotated[
        list[str] | None, typer.Option("--text-column", "-c", help="Description column(s) of LABELLED.")
    ] = None,
) -> None:
    """Review labelled lines in the browser; each decision is appended to the store as a corpus row.

    Keys: 1-6 label, Enter accepts the model's label, M toggles the military flag, S skips, U undoes.
    """
    from pipeline.review import StoreError
    from pipeline.review import review as review_fn

    try:
        server = review_fn(labelled, model=model, store=store, host=host, port=port, order=order,
                           retrain_every=retrain_every, config=config, text_columns=text_column)  # fmt: skip
    except (*USER_ERRORS, StoreError, ValueError) as exc:
        fail(exc)
    p = server.session.progress()
    typer.echo(f"{p['lines']} lines, {p['decided']} decided in {store}, {p['queue']} to review")
    if server.token:
        typer.echo(f"access token: {server.token} (every request must carry it; the URL below does)")
    typer.echo(f"review at {server.url}  (Ctrl-C to stop)")
    try:
        server.serve()
    except OSError as exc:
        fail(exc)
    p = server.session.progress()
    typer.echo(f"stopped: {p['decided']} decided in {store} ({p['session']} this session), {p['queue']} left")
