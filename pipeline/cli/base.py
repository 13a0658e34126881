"""The typer application and its sub-command groups; the command modules register themselves on them."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    name="dualuse",
    help="Label customs goods descriptions (Russian/English) with dual-use categories.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
corpus_app = typer.Typer(help="Inspect and check the labelled corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
model_app = typer.Typer(help="Convert model folders.", no_args_is_help=True)
app.add_typer(model_app, name="model")


def _version(value: bool) -> None:
    if value:
        from pipeline import __version__

        typer.echo(f"dualuse {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """Label customs goods descriptions (Russian/English) with dual-use categories."""
