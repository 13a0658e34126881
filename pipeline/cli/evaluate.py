"""``dualuse evaluate`` and ``dualuse thresholds``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.base import app
from pipeline.cli.common import AsJson, LabelColumn, ModelOption, TextColumns, TrustPickle, fail, model_arg
from pipeline.errors import USER_ERRORS

Prevalence = Annotated[
    float | None,
    typer.Option(
        min=0.0, max=1.0, help="Share of dual-use lines in your dumps (e.g. 0.005): also project precision to it."
    ),
]
CodeSlice = Annotated[
    str | None,
    typer.Option(
        "--code-column",
        help="Declared code column (usual names are detected, as by predict): the code assist applies and the "
        "metrics are also sliced by agreement of text and code (agree, text>code …).",
    ),
]
NoCodeSlice = Annotated[bool, typer.Option("--no-code-column", help="Read no code column: the text alone labels.")]


@app.command(
    epilog="Example: dualuse evaluate corpora/ood/ood_test.csv --model models/default --report reports/ood --by style"
)
def evaluate(
    data: Annotated[Path, typer.Argument(help="Labelled file in any format predict reads, with a label column.")],
    model: ModelOption = None,
    report: Annotated[
        Path | None, typer.Option("--report", "-r", help="Folder for report.html, PNG figures and errors.csv.")
    ] = None,
    as_json: AsJson = False,
    by: Annotated[list[str] | None, typer.Option("--by", help="Also slice the metrics by this column.")] = None,
    text_column: TextColumns = None,
    label_column: LabelColumn = "label",
    n_boot: Annotated[int, typer.Option(min=1, help="Bootstrap resamples for the 95% intervals.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    no_thresholds: Annotated[
        bool, typer.Option("--no-thresholds", help="Ignore the model's class thresholds (best class always).")
    ] = False,
    prevalence: Prevalence = None,
    trust_pickle: TrustPickle = False,
    code_column: CodeSlice = None,
    no_code_column: NoCodeSlice = False,
) -> None:
    """Evaluate a model on labelled data: per-class metrics with bootstrap CIs, slices, plots, error list."""
    from pipeline.api import evaluate as evaluate_fn
    from pipeline.report.text import format_evaluation

    options = {"n_boot": n_boot, "seed": seed, "apply_thresholds": not no_thresholds, "prevalence": prevalence}
    try:
        metrics = evaluate_fn(
            data, model_arg(model, trust_pickle), text_column=text_column or None, label_column=label_column,
            by=by or (), report=report, code_column=False if no_code_column else code_column, **options,
        )  # fmt: skip
    except USER_ERRORS as exc:
        fail(exc)
    typer.echo(json.dumps(metrics, ensure_ascii=False, indent=2) if as_json else format_evaluation(metrics))


@app.command(epilog="Example: dualuse thresholds corpora/dev.csv --model models/my-model --target-precision 0.95")
def thresholds(
    dev: Annotated[Path, typer.Argument(help="Labelled dev file (not training data), any format predict reads.")],
    model: Annotated[Path, typer.Option("--model", "-m", help="Model folder whose meta.json gets the thresholds.")],
    target_precision: Annotated[
        float, typer.Option("--target-precision", "-p", min=0.0, max=1.0, help="Precision each class must reach.")
    ] = 0.95,
    conservative: Annotated[
        bool, typer.Option(help="Require the 95% lower bound of the precision to reach the target.")
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the thresholds, write nothing.")] = False,
    text_column: TextColumns = None,
    label_column: LabelColumn = "label",
    force: Annotated[
        bool, typer.Option("--force", help="Go on even when most dev lines are lines the model was fitted on.")
    ] = False,
    as_json: AsJson = False,
    trust_pickle: TrustPickle = False,
) -> None:
    """Choose per-class score thresholds reaching a target precision; write them into the model's meta.

    Refused when most dev lines are lines the model was fitted on (its meta.json knows them).
    """
    from pipeline.report.text import format_thresholds
    from pipeline.training.threshold_search import thresholds as thresholds_fn

    try:
        result = thresholds_fn(
            dev, model_arg(model, trust_pickle), target_precision=target_precision, text_column=text_column or None,
            label_column=label_column, conservative=conservative, dry_run=dry_run, allow_fitted=force,
        )  # fmt: skip
    except (*USER_ERRORS, ValueError) as exc:
        fail(exc)
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2) if as_json else format_thresholds(result))
