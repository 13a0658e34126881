"""The ``dualuse`` command line: thin typer commands over the library functions of the same name."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from .config import ConfigError, parse_overrides
from .corpus import CorpusError
from .io import InputError
from .markers import MarkerRuleError
from .model import ModelError

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

USER_ERRORS = (ConfigError, CorpusError, InputError, ModelError, MarkerRuleError, FileNotFoundError)
# Exit codes (README, "What comes out"): 1 is reserved for rows that could not be read cleanly.
EXIT_ROWS_UNREADABLE = 1
EXIT_USAGE = 2
EXIT_TRUNCATED = 3
EXIT_INTERRUPTED = 130


def _fail(exc: Exception) -> None:
    if isinstance(exc, OSError) and exc.filename and not isinstance(exc, FileNotFoundError):
        exc = f"cannot write or read {exc.filename}: {exc.strerror}"
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _version(value: bool) -> None:
    if value:
        from . import __version__

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


TrustPickle = Annotated[
    bool,
    typer.Option(
        "--trust-pickle",
        help="Allow a model folder of the old pickled kind (model.joblib); loading it runs the code it holds, "
        "so only for folders you made. Better: convert it once with `dualuse model convert`.",
    ),
]


def _model_arg(model: Path | None, trust_pickle: bool):
    """The --model argument as given, or loaded here when a pickled folder is trusted (commands take either)."""
    if not trust_pickle:
        return model
    from .model import load_model

    return load_model(model, trust_pickle=True)


def _format_metrics(m: dict, title: str) -> str:
    lines = [f"{title}  (n={m['n']})", f"{'label':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for lab, r in m["per_class"].items():
        lines.append(f"{lab:<16}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['f1']:>10.3f}{r['support']:>10d}")
    lines.append(f"{'macro':<16}{m['macro_precision']:>10.3f}{m['macro_recall']:>10.3f}{m['macro_f1']:>10.3f}")
    lines.append(f"accuracy {m['accuracy']:.3f}")
    return "\n".join(lines)


def _format_confusion(m: dict) -> str:
    labels = m["labels"]
    short = [lab[:8] for lab in labels]
    lines = ["confusion (rows: gold, columns: predicted)", " " * 16 + "".join(f"{s:>9}" for s in short)]
    for lab, row in zip(labels, m["confusion"]):
        lines.append(f"{lab:<16}" + "".join(f"{v:>9d}" for v in row))
    return "\n".join(lines)


def _config_and_overrides(config: str | None, args: list[str]) -> tuple[Path | None, dict]:
    """Separate the CONFIG argument from ``--section.key value`` overrides, whatever their order.

    Click takes the first argument it does not know for CONFIG, so with CONFIG left out (``dualuse train --output
    models/my --paths.ood null``) it holds an override's name; and a ``.cfg`` given after the overrides is among
    them.
    """
    args = list(args)
    if config is not None and config.startswith("--"):
        args.insert(0, config)
        config = None
    rest: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            rest.append(arg)
            if "=" not in arg and i + 1 < len(args) and not args[i + 1].startswith("--"):
                rest.append(args[i + 1])
                i += 1
        elif config is None and arg.endswith(".cfg"):
            config = arg
        else:
            rest.append(arg)
        i += 1
    return (Path(config) if config is not None else None), parse_overrides(rest)


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
    from .train import train as train_fn

    try:
        config_path, overrides = _config_and_overrides(config, list(ctx.args))
        if cv == 1:
            raise ValueError("--cv 1: need at least 2 folds")
        result = train_fn(config_path, output, overrides, cv=cv)
    except (*USER_ERRORS, ValueError) as exc:
        _fail(exc)
    typer.echo("split sizes: " + ", ".join(f"{k}={v}" for k, v in result.split_counts.items()))
    for name, m in result.metrics.items():
        if name == "cv":
            from .report import format_cv

            typer.echo("\n" + format_cv(m))
            continue
        typer.echo(_format_metrics(m, f"\n{name} split" if name == "test" else "\nout-of-distribution test"))
    if result.output:
        typer.echo(f"\nmodel written to {result.output}")


@app.command(
    epilog="Example: dualuse evaluate corpora/ood/ood_test.csv --model models/default --report reports/ood --by style"
)
def evaluate(
    data: Annotated[Path, typer.Argument(help="Labelled file in any format predict reads, with a label column.")],
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder.")] = None,
    report: Annotated[
        Path | None, typer.Option("--report", "-r", help="Folder for report.html, PNG figures and errors.csv.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    by: Annotated[list[str] | None, typer.Option("--by", help="Also slice the metrics by this column.")] = None,
    text_column: Annotated[
        list[str] | None, typer.Option("--text-column", "-c", help="Text column(s); guessed when omitted.")
    ] = None,
    label_column: Annotated[str, typer.Option(help="Gold label column.")] = "label",
    n_boot: Annotated[int, typer.Option(min=1, help="Bootstrap resamples for the 95% intervals.")] = 1000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
    no_thresholds: Annotated[
        bool, typer.Option("--no-thresholds", help="Ignore the model's class thresholds (best class always).")
    ] = False,
    prevalence: Annotated[
        float | None,
        typer.Option(
            min=0.0, max=1.0, help="Share of dual-use lines in your dumps (e.g. 0.005): also project precision to it."
        ),
    ] = None,
    trust_pickle: TrustPickle = False,
) -> None:
    """Evaluate a model on labelled data: per-class metrics with bootstrap CIs, slices, plots, error list."""
    from .evaluate import evaluate as evaluate_fn
    from .report import format_evaluation

    try:
        metrics = evaluate_fn(
            data,
            _model_arg(model, trust_pickle),
            text_column=text_column or None,
            label_column=label_column,
            by=by or (),
            report=report,
            n_boot=n_boot,
            seed=seed,
            apply_thresholds=not no_thresholds,
            prevalence=prevalence,
        )
    except USER_ERRORS as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(metrics, ensure_ascii=False, indent=2))
        return
    typer.echo(format_evaluation(metrics))


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
    text_column: Annotated[
        list[str] | None, typer.Option("--text-column", "-c", help="Text column(s); guessed when omitted.")
    ] = None,
    label_column: Annotated[str, typer.Option(help="Gold label column.")] = "label",
    force: Annotated[
        bool, typer.Option("--force", help="Go on even when most dev lines are lines the model was fitted on.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    trust_pickle: TrustPickle = False,
) -> None:
    """Choose per-class score thresholds reaching a target precision; write them into the model's meta.

    Refused when most dev lines are lines the model was fitted on (its meta.json knows them).
    """
    from .report import format_thresholds
    from .thresholds import thresholds as thresholds_fn

    try:
        result = thresholds_fn(
            dev,
            _model_arg(model, trust_pickle),
            target_precision=target_precision,
            text_column=text_column or None,
            label_column=label_column,
            conservative=conservative,
            dry_run=dry_run,
            allow_fitted=force,
        )
    except (*USER_ERRORS, ValueError) as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    typer.echo(format_thresholds(result))


@app.command(
    epilog="Examples: dualuse predict dump.csv.gz --output labelled.parquet --jobs 2\n\n"
    "dualuse predict --engine dask --scheduler tcp://HOST:8786 'dumps/*.csv' --output labelled_dir"
)
def predict(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help="CSV/TSV/TXT/JSONL/XLSX/XLS/ODS/Parquet (.gz ok); - for stdin; a glob with --engine dask.",
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", help="Output file (format from its extension; '-' for CSV on stdout); a folder with dask."
        ),
    ],
    text_column: Annotated[
        list[str] | None,
        typer.Option("--text-column", "-c", help="Text column; repeat to join several. Guessed when omitted."),
    ] = None,
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder.")] = None,
    encoding: Annotated[str | None, typer.Option(help="Force the input encoding (e.g. cp1251).")] = None,
    delimiter: Annotated[str | None, typer.Option(help="Force the CSV delimiter (use 'tab' for tab).")] = None,
    sheet: Annotated[str | None, typer.Option(help="XLSX/XLS/ODS sheet name or 0-based number.")] = None,
    no_header: Annotated[bool, typer.Option("--no-header", help="The CSV has no header line.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", help="Also write the next best labels (K in total).")] = 0,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes (0: all cores; dask: local workers).")
    ] = 0,
    chunk_size: Annotated[int, typer.Option("--chunk-size", help="Rows per chunk.")] = 10_000,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run from its last finished chunk.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    force: Annotated[bool, typer.Option("--force", "-f", help="Overwrite an existing output file.")] = False,
    excel: Annotated[
        bool, typer.Option("--excel", help="CSV for Excel in a Russian locale: UTF-8 with BOM, ';' between fields.")
    ] = False,
    engine: Annotated[str, typer.Option(help="'local' (this machine) or 'dask' (a Dask cluster).")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address; a local cluster is started when omitted.")
    ] = None,
    output_format: Annotated[str, typer.Option("--output-format", help="Dask output: parquet or csv.")] = "parquet",
    trust_pickle: TrustPickle = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Add 'explanation': the words that drove each label (slower).")
    ] = False,
    no_entities: Annotated[
        bool, typer.Option("--no-entities", help="Leave out manufacturer, brand, model, quantity, unit.")
    ] = False,
) -> None:
    """Label every row of a file; input columns pass through, plus label, score, military_marker, status.

    Exit code 0: all rows read cleanly; 1: some rows could not be read or labelled (see OUTPUT.errors.csv);
    2: error, nothing written (also a binary input, an output that is the input or exists without --force);
    3: the input ends early (a cut .gz): the rows before the cut are written; 130: interrupted (run again with
    --resume).
    """
    if delimiter == "tab":
        delimiter = "\t"
    if delimiter is not None and len(delimiter) != 1:
        _fail(ValueError(f"--delimiter {delimiter!r}: give one character, or 'tab'"))
    if engine == "dask":
        from .engine_dask import predict_dask

        try:
            result = predict_dask(
                str(input_path),
                output,
                text_columns=text_column or None,
                model=model,
                scheduler=scheduler,
                jobs=jobs or None,
                encoding=encoding,
                delimiter=delimiter,
                header=not no_header,
                output_format=output_format,
                trust_pickle=trust_pickle,
                explain=explain,
                entities=not no_entities,
            )
        except (*USER_ERRORS, ValueError) as exc:
            _fail(exc)
        typer.echo(f"text column(s): {', '.join(result.text_columns)}", err=True)
        typer.echo(
            f"{result.rows} rows labelled in {result.seconds:.1f}s on {result.scheduler} "
            f"-> {result.output} ({result.partitions} partitions)\n"
            f"labels: {', '.join(f'{k}={v}' for k, v in sorted(result.labels.items()))}\n"
            f"military end-use flagged: {result.flagged}\n"
            f"errors: {result.failed}"
        )
        if result.failed:
            typer.echo(f"{result.failed} row(s) could not be read cleanly: their status column says why", err=True)
            raise typer.Exit(1)
        return
    if engine != "local":
        _fail(ValueError(f"--engine must be 'local' or 'dask', not {engine!r}"))
    from .predict import PredictInterrupted
    from .predict import predict as predict_fn
    from .progress import ProgressBar

    bar = ProgressBar() if not quiet and sys.stderr.isatty() else None
    try:
        summary = predict_fn(
            input_path,
            output,
            text_columns=text_column or None,
            model=_model_arg(model, trust_pickle),
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            header=not no_header,
            top_k=top_k,
            jobs=jobs or None,
            chunk_size=chunk_size,
            resume=resume,
            progress=bar,
            overwrite=force,
            excel=excel,
            explain=explain,
            entities=not no_entities,
        )
    except (*USER_ERRORS, OSError) as exc:
        if bar:
            bar.close()
        _fail(exc)
    except PredictInterrupted as exc:
        if bar:
            bar.close()
        typer.echo(f"interrupted after {exc.summary.rows} rows; run the same command with --resume to finish", err=True)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if bar:
        bar.close()
    to_stdout = str(output) == "-"
    typer.echo(
        f"text column(s): {', '.join(summary.text_columns)}; encoding {summary.encoding or '-'}; "
        f"delimiter {summary.delimiter!r}",
        err=True,
    )
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
    for note in summary.notes:
        typer.echo(f"note: {note}", err=True)
    if summary.failed_rows:
        where = f"all in {summary.errors_path}" if summary.errors_path else "see the status column"
        typer.echo(f"{summary.failed_rows} row(s) could not be read cleanly ({where}):", err=True)
        for line, reason in summary.errors[:20]:
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


@app.command("explain", epilog='Example: dualuse explain "КВАДРОКОПТЕР DJI MAVIC 3T, 2 ШТ"')
def explain_cmd(
    text: Annotated[str, typer.Argument(help="One goods description.")],
    model: Annotated[Path | None, typer.Option("--model", "-m", help="Model folder.")] = None,
    top: Annotated[int, typer.Option("--top", help="Words to list.")] = 10,
    trust_pickle: TrustPickle = False,
) -> None:
    """Print a line's label, the scores of all labels and the words that drove the label (exact contributions)."""
    from .explain import explain, format_explanation

    try:
        result = explain(text, _model_arg(model, trust_pickle))
    except USER_ERRORS as exc:
        _fail(exc)
    if result is None:
        typer.echo("empty: the line holds no letters or digits (label other, score 0)")
        return
    typer.echo(format_explanation(result, top))


@app.command(epilog="Example: dualuse info models/default")
def info(
    model: Annotated[Path | None, typer.Argument(help="Model folder.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the raw meta.json.")] = False,
) -> None:
    """Show a model's labels, library versions, corpus hash, thresholds and metrics."""
    from .report import format_info
    from .report import info as info_fn

    try:
        meta = info_fn(model)
    except ModelError as exc:
        _fail(exc)
    if as_json:
        typer.echo(json.dumps(meta, ensure_ascii=False, indent=2))
        return
    typer.echo(format_info(meta))


@model_app.command("convert", epilog="Example: dualuse model convert models/old models/old-safe --trust-pickle")
def model_convert(
    source: Annotated[Path, typer.Argument(help="Model folder to read (e.g. one with model.joblib).")],
    target: Annotated[Path, typer.Argument(help="Folder to write (may be SOURCE itself: replaced atomically).")],
    trust_pickle: TrustPickle = False,
) -> None:
    """Rewrite a model folder in the plain-data format (JSON and arrays), which runs no code when loaded.

    A folder with model.joblib is a pickle: reading it runs the code it holds, so --trust-pickle is required.
    """
    from .model import convert_model

    try:
        model = convert_model(source, target, trust_pickle=trust_pickle)
    except USER_ERRORS as exc:
        _fail(exc)
    typer.echo(
        f"{source} -> {model.path} ({model.meta['format']} v{model.meta['format_version']}, "
        f"model sha256 {model.meta['model_sha256']})"
    )


@corpus_app.command("check", epilog="Example: dualuse corpus check configs/default.cfg")
def corpus_check(
    config: Annotated[
        Path | None, typer.Argument(help="Training recipe naming the corpus (default: the bundled default.cfg).")
    ] = None,
    show: Annotated[int, typer.Option(help="How many duplicates/leaks to list.")] = 10,
) -> None:
    """Count lines per label × language × source and split; list duplicates and leaks; fail on a leak."""
    from .corpus import check

    try:
        report = check(config)
    except USER_ERRORS as exc:
        _fail(exc)
    cols = ("train", "dev", "test", "excluded", "ood")
    typer.echo(f"{'label':<16}{'lang':<7}{'source':<28}" + "".join(f"{c:>9}" for c in cols))
    for (lab, lang, src), cnt in report.counts.items():
        typer.echo(f"{lab:<16}{lang:<7}{src[:27]:<28}" + "".join(f"{cnt.get(c, 0):>9d}" for c in cols))
    typer.echo(
        f"\n{report.n_lines} corpus lines; {len(report.duplicates)} duplicate text group(s); "
        f"{len(report.conflicts)} label conflict(s); {len(report.leaks)} leak(s) across splits; "
        f"{len(report.ood_overlap)} corpus line(s) near OOD lines (excluded from training)"
    )
    for group in report.conflicts[:show]:
        typer.echo("conflict: " + " | ".join(group))
    for a, b, s in report.leaks[:show]:
        typer.echo(f"leak: {a} ~ {b} ({s:.2f})")
    if not report.ok:
        for e in report.errors:
            typer.echo(f"FAIL: {e}", err=True)
        raise typer.Exit(1)
    typer.echo("corpus check passed")


@corpus_app.command(
    "export", epilog="Example: dualuse corpus export configs/default.cfg --split dev --output dev_split.csv"
)
def corpus_export(
    config: Annotated[
        Path | None, typer.Argument(help="Training recipe naming the corpus (default: the bundled default.cfg).")
    ] = None,
    split: Annotated[
        list[str] | None, typer.Option("--split", "-s", help="train, dev, test or excluded; repeatable (dev).")
    ] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="CSV to write.")] = Path("dev_split.csv"),
) -> None:
    """Write the lines of corpus splits to a CSV (e.g. the dev split for `dualuse thresholds`)."""
    from .corpus import export

    split = split or ["dev"]
    bad = [s for s in split if s not in ("train", "dev", "test", "excluded")]
    if bad:
        _fail(ValueError(f"unknown split(s) {bad}; use train, dev, test or excluded"))
    try:
        n = export(config, split, output)
    except USER_ERRORS as exc:
        _fail(exc)
    typer.echo(f"{n} lines of split(s) {', '.join(split)} written to {output}")


def main() -> None:  # pragma: no cover
    """Entry point for ``python -m pipeline``."""
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
