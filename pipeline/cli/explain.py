"""``dualuse explain``: why one line gets its label."""

from __future__ import annotations

from typing import Annotated

import typer

from pipeline.cli.base import app
from pipeline.cli.common import ModelOption, TrustPickle, fail, model_arg
from pipeline.errors import USER_ERRORS


@app.command("explain", epilog='Example: dualuse explain "КВАДРОКОПТЕР DJI MAVIC 3T, 2 ШТ"')
def explain(
    text: Annotated[str, typer.Argument(help="One goods description.")],
    model: ModelOption = None,
    top: Annotated[int, typer.Option("--top", help="Words to list.")] = 10,
    trust_pickle: TrustPickle = False,
) -> None:
    """Print a line's label, the scores of all labels and the words that drove the label (exact contributions)."""
    from pipeline.explain import explain as explain_fn
    from pipeline.explain import format_explanation

    try:
        result = explain_fn(text, model_arg(model, trust_pickle))
    except USER_ERRORS as exc:
        fail(exc)
    if result is None:
        typer.echo("empty: the line holds no letters or digits (label other, score 0)")
        return
    typer.echo(format_explanation(result, top))
