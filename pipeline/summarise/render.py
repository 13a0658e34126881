"""``summary.html``: the Jinja2 template filled from a :class:`~pipeline.summarise.Summary`, figures embedded."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.summarise import Summary

TEMPLATES = Path(__file__).parent / "templates"
ROWS_SHOWN = 40
# Tables shown on the page, in order (all are written as CSV); the top lines have a section of their own.
PAGE_TABLES = (
    "labels",
    "military",
    "military_wording",
    "label_brand",
    "dual_use_importers",
    "dual_use_exporters",
    "dual_use_countries",
    "code_conflicts",
    "review",
    "statuses",
    "label_month",
    "military_by_month",
)


def fmt(value: Any) -> str:
    """A table cell for the page: integers with thin-space thousands, floats with two decimals or as a share."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return f"{value:,}".replace(",", "\u202f")
    if isinstance(value, float):
        if value.is_integer() and abs(value) >= 1:
            return f"{value:,.0f}".replace(",", "\u202f")
        return f"{value:,.4f}".replace(",", "\u202f") if abs(value) < 1 else f"{value:,.2f}".replace(",", "\u202f")
    return str(value)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _environment():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    return env


def render_html(summary: Summary) -> str:
    """The page as text (self-contained: inline styles, figures as ``data:`` URIs, no script, no network)."""
    by_name = {t.name: t for t in summary.tables}
    tables = [by_name[n] for n in PAGE_TABLES if n in by_name]
    tables += [t for t in summary.tables if t.name.startswith("by_")]
    top = by_name.get("top_flagged")
    figures = [
        {
            "title": f.title,
            "caption": f.caption,
            "file": f.path.name,
            "src": _data_uri(f.path),
            "tall": not f.name.startswith(("monthly", "military")),
        }
        for f in summary.figures
    ]
    roles = [(role, col, summary.roles.how.get(role, "")) for role, col in summary.roles.columns.items() if col]
    return (
        _environment()
        .get_template("summary.html")
        .render(
            summary=summary,
            h=summary.headline,
            roles=roles,
            figures=figures,
            tables=tables,
            top=top.as_dicts() if top else [],
            top_fields=[k for k in ("brand", "model", "importer", "date", "value") if top and k in top.header],
            rows_shown=ROWS_SHOWN,
            generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        )
    )
