"""``dualuse predict``: label every row of a file, here or on a Dask cluster."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.cli.base import app
from pipeline.cli.common import (
    EXIT_INTERRUPTED,
    EXIT_ROWS_UNREADABLE,
    EXIT_TRUNCATED,
    Delimiter,
    Encoding,
    ModelOption,
    Sheet,
    TrustPickle,
    delimiter_arg,
    fail,
    model_arg,
)
from pipeline.config import ENTITY_MODES
from pipeline.errors import USER_ERRORS

# How many unreadable rows the summary lists (all of them are in OUTPUT.errors.csv).
LISTED_ERRORS = 20

Input = Annotated[
    Path,
    typer.Argument(
        metavar="INPUT", help="CSV/TSV/TXT/JSONL/XLSX/XLS/ODS/Parquet (.gz ok); - for stdin; a glob with --engine dask."
    ),
]
Output = Annotated[
    Path,
    typer.Option(
        "--output", "-o", help="Output file (format from its extension; '-' for CSV on stdout); a folder with dask."
    ),
]
TextColumns = Annotated[
    list[str] | None,
    typer.Option("--text-column", "-c", help="Text column; repeat to join several. Guessed when omitted."),
]
Jobs = Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (0: all cores; dask: local workers).")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue an interrupted run from its last finished chunk.")]
Excel = Annotated[
    bool, typer.Option("--excel", help="CSV for Excel in a Russian locale: UTF-8 with BOM, ';' between fields.")
]
Scheduler = Annotated[str | None, typer.Option(help="Dask scheduler address; a local cluster is started when omitted.")]
CodeColumn = Annotated[
    str | None,
    typer.Option(
        "--code-column",
        help="Declared customs code column (ТН ВЭД/HS); usual names (Код ТН ВЭД, G33, hs_code …) are detected.",
    ),
]
Explain = Annotated[
    bool, typer.Option("--explain", help="Add 'explanation': the words that drove each label (slower).")
]
Entities = Annotated[
    str,
    typer.Option(
        "--entities",
        help="Fill manufacturer, brand, model, quantity, unit on 'flagged' rows (dual-use or review), 'all' rows, "
        "or 'none' (no entity columns).",
    ),
]
NoEntities = Annotated[bool, typer.Option("--no-entities", help="Same as --entities none.")]
NoCodeColumn = Annotated[
    bool, typer.Option("--no-code-column", help="Read no code column (no code columns in the output).")
]


@app.command(
    epilog="Examples: dualuse predict dump.csv.gz --output labelled.parquet --jobs 2\n\n"
    "dualuse predict --engine dask --scheduler tcp://HOST:8786 'dumps/*.csv' --output labelled_dir"
)
def predict(
    input_path: Input,
    output: Output,
    text_column: TextColumns = None,
    model: ModelOption = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    sheet: Sheet = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="The CSV has no header line.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", help="Also write the next best labels (K in total).")] = 0,
    jobs: Jobs = 0,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Rows per chunk.")] = 10_000,
    resume: Resume = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing output file.")] = False,
    excel: Excel = False,
    engine: Annotated[str, typer.Option(help="'local' (this machine) or 'dask' (a Dask cluster).")] = "local",
    scheduler: Scheduler = None,
    output_format: Annotated[str, typer.Option("--output-format", help="Dask output: parquet or csv.")] = "parquet",
    trust_pickle: TrustPickle = False,
    code_column: CodeColumn = None,
    no_code_column: NoCodeColumn = False,
    explain: Explain = False,
    entities: Entities = "flagged",
    no_entities: NoEntities = False,
) -> None:
    """Label every row; input columns pass through, plus label, score, military_marker, military_wording, status.

    Exit code 0: all rows read cleanly; 1: some rows could not be read or labelled (see OUTPUT.errors.csv);
    2: error, nothing written (also a binary input, an output that is the input or exists without --force);
    3: the input ends early (a cut .gz): the rows before the cut are written; 130: interrupted (run again with
    --resume).
    """
    if entities not in ENTITY_MODES:
        fail(ValueError(f"--entities {entities!r}: use flagged, all or none"))
    common = {
        "text_columns": text_column or None,
        "encoding": encoding,
        "delimiter": delimiter_arg(delimiter),
        "header": not no_header,
        "code_column": False if no_code_column else code_column,
        "explain": explain,
        "entities": "none" if no_entities else entities,
    }
    if engine == "dask":
        dask_options = {"scheduler": scheduler, "output_format": output_format, "trust_pickle": trust_pickle}
        _predict_dask(str(input_path), output, model=model, jobs=jobs or None, **common, **dask_options)
        return
    if engine != "local":
        fail(ValueError(f"--engine must be 'local' or 'dask', not {engine!r}"))
    local_options = {"sheet": sheet, "top_k": top_k, "chunk_size": chunk_size, "resume": resume, "excel": excel}
    summary = _predict_local(
        input_path, output, quiet, model=model_arg(model, trust_pickle), jobs=jobs or None, overwrite=force,
        **common, **local_options,
    )  # fmt: skip
    _echo_summary(summary, to_stdout=str(output) == "-")


def _predict_dask(input_glob: str, output: Path, **options: Any) -> None:
    """Run the Dask engine and print its summary; exits 1 when rows could not be read cleanly."""
    from pipeline.report.text import format_code_counts
    from pipeline.run.dask_engine import predict_dask

    try:
        result = predict_dask(input_glob, output, **options)
    except (*USER_ERRORS, ValueError) as exc:
        fail(exc)
    typer.echo(f"text column(s): {', '.join(result.text_columns)}", err=True)
    if result.code_column:
        typer.echo(f"code column: {result.code_column}", err=True)
    typer.echo(
        f"{result.rows} rows labelled in {result.seconds:.1f}s on {result.scheduler} "
        f"-> {result.output} ({result.partitions} partitions)\n"
        f"labels: {', '.join(f'{k}={v}' for k, v in sorted(result.labels.items()))}\n"
        f"military end-use flagged: {result.flagged}\n"
        f"errors: {result.failed}"
    )
    if result.code_column:
        typer.echo(format_code_counts(result.code_conflicts, result.code_statuses))
    if result.failed:
        typer.echo(f"{result.failed} row(s) could not be read cleanly: their status column says why", err=True)
        raise typer.Exit(EXIT_ROWS_UNREADABLE)


def _predict_local(input_path: Path, output: Path, quiet: bool, **options: Any):
    """Run :func:`pipeline.run.predict.predict` with a progress bar on a terminal; exits on errors."""
    from pipeline.run.predict import PredictInterrupted
    from pipeline.run.predict import predict as predict_fn
    from pipeline.run.progress import ProgressBar

    bar = ProgressBar() if not quiet and sys.stderr.isatty() else None
    try:
        return predict_fn(input_path, output, progress=bar, **options)
    except (*USER_ERRORS, OSError) as exc:
        fail(exc)
    except PredictInterrupted as exc:
        typer.echo(f"interrupted after {exc.summary.rows} rows; run the same command with --resume to finish", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        if bar:
            bar.close()


def _echo_summary(summary, to_stdout: bool) -> None:
    """Print a local run's summary (on stderr when the labelled rows go to stdout) and exit with its code."""
    from pipeline.report.text import format_code_counts

    typer.echo(
        f"text column(s): {', '.join(summary.text_columns)}; encoding {summary.encoding or '-'}; "
        f"delimiter {summary.delimiter!r}",
        err=True,
    )
    if summary.code_column:
        typer.echo(f"code column: {summary.code_column}", err=True)
    labels = ", ".join(f"{k}={v}" for k, v in sorted(summary.labels.items()))
    resumed = f" (resumed after {summary.resumed_rows})" if summary.resumed_rows else ""
    typer.echo(
        f"{summary.rows} rows{resumed} labelled in {summary.seconds:.1f}s with {summary.jobs} job(s) "
        f"-> {summary.output}\n"
        f"labels: {labels}\nmilitary end-use flagged: {summary.flagged}\n"
        f"statuses: {', '.join(f'{k}={v}' for k, v in sorted(summary.statuses.items()))}\n"
        f"errors: {summary.failed_rows}",
        err=to_stdout,
    )
    if summary.code_column:
        typer.echo(format_code_counts(summary.code_conflicts, summary.code_statuses), err=to_stdout)
    for note in summary.notes:
        typer.echo(f"note: {note}", err=True)
    _exit_for_errors(summary)


def _exit_for_errors(summary) -> None:
    """List unreadable rows and exit 3 for a cut input, 1 for unreadable rows; return when all went well."""
    if summary.failed_rows:
        where = f"all in {summary.errors_path}" if summary.errors_path else "see the status column"
        typer.echo(f"{summary.failed_rows} row(s) could not be read cleanly ({where}):", err=True)
        for line, reason in summary.errors[:LISTED_ERRORS]:
            typer.echo(f"  line {line}: {reason}", err=True)
    if summary.truncated:
        typer.echo(
            f"error: {summary.truncated}; the {summary.rows} row(s) read before that point are labelled in "
            f"{summary.output}, the rest of the input is missing",
            err=True,
        )
        raise typer.Exit(EXIT_TRUNCATED)
    if summary.failed_rows:
        raise typer.Exit(EXIT_ROWS_UNREADABLE)
