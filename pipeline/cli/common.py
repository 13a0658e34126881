"""What the commands share: exit codes, the error exit, option types, model and config arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from pipeline.config import parse_overrides

# Exit codes (README, "What comes out"): 1 is reserved for rows that could not be read cleanly.
EXIT_ROWS_UNREADABLE = 1
EXIT_USAGE = 2
EXIT_TRUNCATED = 3
EXIT_INTERRUPTED = 130

TrustPickle = Annotated[
    bool,
    typer.Option(
        "--trust-pickle",
        help="Allow a model folder of the old pickled kind (model.joblib); loading it runs the code it holds, "
        "so only for folders you made. Better: convert it once with `dualuse model convert`.",
    ),
]
ModelOption = Annotated[Path | None, typer.Option("--model", "-m", help="Model folder.")]
TextColumns = Annotated[
    list[str] | None, typer.Option("--text-column", "-c", help="Text column(s); guessed when omitted.")
]
LabelColumn = Annotated[str, typer.Option(help="Gold label column.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
Encoding = Annotated[str | None, typer.Option(help="Force the input encoding (e.g. cp1251).")]
Delimiter = Annotated[str | None, typer.Option(help="Force the CSV delimiter (use 'tab' for tab).")]
Sheet = Annotated[str | None, typer.Option(help="XLSX/XLS/ODS sheet name or 0-based number.")]
ConfigArgument = Annotated[
    Path | None, typer.Argument(help="Training recipe naming the corpus (default: the bundled default.cfg).")
]


def fail(exc: Exception | str) -> NoReturn:
    """Print ``error: …`` on stderr and exit with :data:`EXIT_USAGE`."""
    if isinstance(exc, OSError) and exc.filename and not isinstance(exc, FileNotFoundError):
        exc = f"cannot write or read {exc.filename}: {exc.strerror}"
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(EXIT_USAGE)


def delimiter_arg(delimiter: str | None) -> str | None:
    """The --delimiter value as one character ('tab' is a tab); exits with a usage error otherwise."""
    if delimiter == "tab":
        return "\t"
    if delimiter is not None and len(delimiter) != 1:
        fail(ValueError(f"--delimiter {delimiter!r}: give one character, or 'tab'"))
    return delimiter


def model_arg(model: Path | None, trust_pickle: bool):
    """The --model argument as given, or loaded here when a pickled folder is trusted (commands take either)."""
    if not trust_pickle:
        return model
    from pipeline.model.core import load_model

    return load_model(model, trust_pickle=True)


def config_and_overrides(config: str | None, args: list[str]) -> tuple[Path | None, dict]:
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
