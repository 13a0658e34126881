"""``dualuse summarise``: what is in a labelled dump."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.base import app
from pipeline.cli.common import Delimiter, Encoding, Sheet, delimiter_arg, fail
from pipeline.errors import USER_ERRORS


def _column(what: str) -> object:
    return typer.Option(help=f"{what} column (detected when omitted).")


@app.command(
    epilog="Example: dualuse summarise labelled.csv --output summary/ --by 'Страна происхождения'\n\n"
    "Writes summary/summary.html, the tables as CSV and the figures as PNG."
)
def summarise(
    labelled: Annotated[Path, typer.Argument(metavar="LABELLED", help="A file written by dualuse predict.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder to write the summary into.")],
    by: Annotated[list[str] | None, typer.Option("--by", help="Also count per label and COLUMN (repeatable).")] = None,
    value_column: Annotated[str | None, _column("Value")] = None,
    date_column: Annotated[str | None, _column("Date")] = None,
    importer_column: Annotated[str | None, _column("Importer")] = None,
    exporter_column: Annotated[str | None, _column("Exporter")] = None,
    country_column: Annotated[str | None, _column("Origin country")] = None,
    brand_column: Annotated[str | None, typer.Option(help="Brand column (default: brand, else manufacturer).")] = None,
    text_column: Annotated[str | None, typer.Option(help="Text column shown for the top lines.")] = None,
    encoding: Encoding = None,
    delimiter: Delimiter = None,
    sheet: Sheet = None,
) -> None:
    """Summarise a labelled file: rows and value per label, month, brand, importer; charts; summary.html."""
    from pipeline.summarise import summarise as summarise_fn
    from pipeline.summarise.text import format_roles, format_summary

    columns = {
        "value_column": value_column, "date_column": date_column, "importer_column": importer_column,
        "exporter_column": exporter_column, "country_column": country_column, "brand_column": brand_column,
        "text_column": text_column,
    }  # fmt: skip
    reading = {"encoding": encoding, "delimiter": delimiter_arg(delimiter), "sheet": sheet}
    try:
        result = summarise_fn(labelled, output, by=by or (), **columns, **reading)
    except (*USER_ERRORS, OSError) as exc:
        fail(exc)
    typer.echo(format_roles(result), err=True)
    typer.echo(format_summary(result))
    typer.echo(f"-> {result.html} ({len(result.figures)} figures, {len(result.tables)} tables as CSV)")
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
