"""The short text form of a :class:`~pipeline.summarise.Summary`, for the command line (the CLI prints it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.summarise.render import fmt

if TYPE_CHECKING:
    from pipeline.summarise import Summary

SHORT_ROWS = 5


def format_roles(summary: Summary) -> str:
    """One line per input role: the column chosen and whether it was given or detected."""
    lines = []
    for role in ("date", "value", "importer", "exporter", "country", "brand", "text"):
        col = summary.roles[role]
        lines.append(f"{role:>9}: {col!r} ({summary.roles.how[role]})" if col else f"{role:>9}: - (not found)")
    if summary.roles.by:
        lines.append(f"{'by':>9}: {', '.join(map(repr, summary.roles.by))}")
    return "\n".join(lines)


def _grid(header: list[str], rows: list[list]) -> str:
    cells = [header] + [[fmt(v) for v in r] for r in rows]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
        for r in cells
    )


def _top_keys(summary: Summary, name: str, key: str, what: str) -> str | None:
    table = summary.table(name)
    if table is None:
        return None
    totals: dict[str, int] = {}
    for r in table.as_dicts():
        totals[r[key]] = totals.get(r[key], 0) + r["rows"]
    top = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:SHORT_ROWS]
    return f"top {what} of dual-use rows: " + "; ".join(f"{k} ({n})" for k, n in top)


def format_summary(summary: Summary) -> str:
    """The headline, the per-label table and the top importers, exporters, countries and brands, in short."""
    h = summary.headline
    out = [
        f"{fmt(h['rows'])} rows, {fmt(h['dual_use_rows'])} dual-use"
        + (f" worth {fmt(h['dual_use_value'])} ({summary.roles['value']})" if h["dual_use_value"] is not None else "")
        + f", {fmt(h['military_flagged'])} military-flagged, review queue {fmt(h['review_queue'])}"
    ]
    if h["first_month"]:
        out.append(
            f"months: {h['first_month']} to {h['last_month']} ({h['months']} with rows); dates missing "
            f"{h['date_missing']}, malformed {h['date_malformed']}"
        )
    if h["value_missing"] is not None:
        out.append(f"values missing {h['value_missing']}, malformed {h['value_malformed']}")
    labels = summary.table("labels")
    keep = [i for i, c in enumerate(labels.header) if c in ("label", "rows", "value", "military_flagged")]
    out.append(_grid([labels.header[i] for i in keep], [[r[i] for i in keep] for r in labels.rows]))
    for name, key, what in (
        ("label_brand", "brand", "brands"),
        ("dual_use_importers", "importer", "importers"),
        ("dual_use_exporters", "exporter", "exporters"),
        ("dual_use_countries", "country", "origin countries"),
    ):
        line = _top_keys(summary, name, key, what)
        if line:
            out.append(line)
    conflicts = summary.table("code_conflicts")
    if conflicts is not None:
        n = sum(r[2] for r in conflicts.rows if r[1] != "(none)")
        out.append(f"code conflicts: {n} row(s) (code_conflicts.csv)")
    return "\n".join(out)
