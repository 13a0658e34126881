"""``dualuse train`` and the ``dualuse corpus`` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.base import app, corpus_app
from pipeline.cli.common import ConfigArgument, config_and_overrides, fail
from pipeline.errors import USER_ERRORS

SPLITS = ("train", "dev", "test", "excluded")


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    epilog="Examples: dualuse train configs/default.cfg --output models/my-model --features.min_df 3\n\n"
    "dualuse train --output models/my --paths.corpus '[\"my_labelled/*.csv\"]' --paths.ood null",
)
def train(
    ctx: typer.Context,
    config: Annotated[
        str | None, typer.Argument(help="Training recipe (.cfg); the bundled configs/default.cfg when omitted.")
    ] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Model folder to write.")] = None,
    cv: Annotated[
        int, typer.Option("--cv", min=0, help="Also report K-fold cross-validated metrics (K >= 2; folds grouped).")
    ] = 0,
) -> None:
    """Train a model from a config; evaluate it on the test split; write the model folder.

    Any config key can be overridden as --section.key value.
    """
    from pipeline.report.text import format_cv, metrics_table
    from pipeline.training.train import train as train_fn

    try:
        config_path, overrides = config_and_overrides(config, list(ctx.args))
        if cv == 1:
            raise ValueError("--cv 1: need at least 2 folds")
        result = train_fn(config_path, output, overrides, cv=cv)
    except (*USER_ERRORS, ValueError) as exc:
        fail(exc)
    typer.echo("split sizes: " + ", ".join(f"{k}={v}" for k, v in result.split_counts.items()))
    for name, m in result.metrics.items():
        title = "test split" if name == "test" else "out-of-distribution test"
        if m.get("scored_by"):
            title += f" (scored by {m['scored_by']})"
        typer.echo("\n" + (format_cv(m) if name == "cv" else metrics_table(m, title)))
    if result.output:
        typer.echo(f"\nmodel written to {result.output}")


@corpus_app.command("check", epilog="Example: dualuse corpus check configs/default.cfg")
def corpus_check(
    config: ConfigArgument = None,
    show: Annotated[int, typer.Option(help="How many duplicates/leaks to list.")] = 10,
) -> None:
    """Count lines per label × language × source and split; list duplicates and leaks; fail on a leak."""
    from pipeline.report.text import format_corpus_check
    from pipeline.training.corpus import check

    try:
        report = check(config)
    except USER_ERRORS as exc:
        fail(exc)
    typer.echo(format_corpus_check(report, show))
    if not report.ok:
        for e in report.errors:
            typer.echo(f"FAIL: {e}", err=True)
        raise typer.Exit(1)
    typer.echo("corpus check passed")


@corpus_app.command(
    "export", epilog="Example: dualuse corpus export configs/default.cfg --split dev --output dev_split.csv"
)
def corpus_export(
    config: ConfigArgument = None,
    split: Annotated[
        list[str] | None, typer.Option("--split", "-s", help="train, dev, test or excluded; repeatable (dev).")
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write.")] = Path("dev_split.csv"),
) -> None:
    """Write the lines of corpus splits to a CSV (e.g. the dev split for `dualuse thresholds`)."""
    from pipeline.training.corpus import export

    split = split or ["dev"]
    bad = [s for s in split if s not in SPLITS]
    if bad:
        fail(ValueError(f"unknown split(s) {bad}; use train, dev, test or excluded"))
    try:
        n = export(config, split, output)
    except USER_ERRORS as exc:
        fail(exc)
    typer.echo(f"{n} lines of split(s) {', '.join(split)} written to {output}")
