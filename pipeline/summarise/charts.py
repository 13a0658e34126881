"""The summary's figures (matplotlib, Agg backend), saved as PNG files; matplotlib is imported when drawing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import POSITIVE_LABELS
from pipeline.summarise.aggregate import MALFORMED_DATE, MISSING_DATE, Aggregates
from pipeline.summarise.tables import PLURAL, label_order

COLOURS = {
    "drone": "#d62728",
    "counter_drone": "#9467bd",
    "rugged_computer": "#8c564b",
    "navigation": "#1f77b4",
    "aircraft_parts": "#ff7f0e",
    "other": "#7f7f7f",
}
TOP_BARS = 8
NAME_CHARS = 34
MAX_FILLED_MONTHS = 240


@dataclass
class Figure:
    """A saved figure: ``name`` (file stem), ``title``, ``path`` of the PNG and a ``caption``."""

    name: str
    title: str
    path: Path
    caption: str


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def month_axis(months) -> list[str]:
    """The calendar months from the first to the last of ``months`` (gaps filled with the months between)."""
    dated = sorted(m for m in months if m not in (MISSING_DATE, MALFORMED_DATE))
    if not dated:
        return []
    (y0, m0), (y1, m1) = (map(int, dated[0].split("-")), map(int, dated[-1].split("-")))
    span = (y1 - y0) * 12 + m1 - m0
    if span > MAX_FILLED_MONTHS:
        return dated
    return [f"{y0 + (m0 - 1 + i) // 12:04d}-{(m0 - 1 + i) % 12 + 1:02d}" for i in range(span + 1)]


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _thousands():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: f"{v:,.0f}".replace(",", "\u202f"))


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return path


def _monthly(agg: Aggregates, out_dir: Path, what: str) -> Figure | None:
    months = month_axis(m for _, m in agg.label_month)
    labels = [lb for lb in label_order({lb for lb, _ in agg.label_month}) if lb in POSITIVE_LABELS]
    if not months or not labels:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9.5, 4))
    bottom = [0.0] * len(months)
    for lb in labels:
        ys = [
            getattr(agg.label_month[(lb, m)], "rows" if what == "rows" else "value")
            if (lb, m) in agg.label_month
            else 0
            for m in months
        ]
        ax.bar(range(len(months)), ys, bottom=bottom, label=lb, color=COLOURS.get(lb), width=0.8)
        bottom = [b + y for b, y in zip(bottom, ys)]
    step = max(1, len(months) // 24)
    ax.set_xticks(range(0, len(months), step), months[::step], rotation=60, ha="right", fontsize=8)
    ylabel = "dual-use rows" if what == "rows" else f"dual-use value ({agg.roles['value']})"
    ax.set_ylabel(ylabel)
    ax.set_title(f"{_cap(ylabel)} per month, by label")
    ax.yaxis.set_major_formatter(_thousands())
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    undated = sum(
        c.rows
        for (lb, m), c in agg.label_month.items()
        if m in (MISSING_DATE, MALFORMED_DATE) and lb in POSITIVE_LABELS
    )
    caption = (
        f"{ylabel} per month of {agg.roles['date']}; {undated} dual-use row(s) without a readable date "
        "are not in the chart (see label_month.csv)."
    )
    name = f"monthly_{what}"
    return Figure(name, f"{_cap(ylabel)} per month", _save(fig, out_dir / f"{name}.png"), caption)


def _top_per_label(cells: dict, out_dir: Path, name: str, what: str) -> Figure | None:
    per_label: dict[str, list] = defaultdict(list)
    for (lb, key), c in cells.items():
        if lb in POSITIVE_LABELS:
            per_label[lb].append((c.rows, c.value, key))
    labels = [lb for lb in POSITIVE_LABELS if per_label.get(lb)]
    if not labels:
        return None
    plt = _plt()
    tops = {lb: sorted(per_label[lb], key=lambda t: (-t[0], -t[1], t[2]))[:TOP_BARS][::-1] for lb in labels}
    heights = [len(tops[lb]) + 2.6 for lb in labels]
    fig, axes = plt.subplots(
        len(labels), 1, figsize=(7.5, 0.27 * sum(heights) + 0.4), squeeze=False, gridspec_kw={"height_ratios": heights}
    )
    for ax, lb in zip(axes.flat, labels):
        top = tops[lb]
        slots = range(len(top))
        bars = ax.barh(list(slots), [n for n, _, _ in top], color=COLOURS.get(lb), height=0.75)
        ax.bar_label(bars, fontsize=7, padding=2)
        ax.set_yticks(list(slots), [_short(k) for _, _, k in top])
        ax.set_ylim(-0.6, len(top) - 0.4)
        ax.margins(x=0.12)
        ax.set_title(lb, fontsize=10, loc="left")
        ax.tick_params(axis="y", labelsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Top {what} per dual-use label (rows)", x=0.01, ha="left")
    fig.tight_layout()
    caption = f"The {TOP_BARS} {what} with most rows in each dual-use label; the full counts are in {name}.csv."
    return Figure(name, f"Top {what} per label", _save(fig, out_dir / f"{name}.png"), caption)


def _military(agg: Aggregates, out_dir: Path) -> Figure | None:
    months = month_axis(agg.month_military)
    if not months:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9.5, 3.6))
    counts = [agg.month_military.get(m, [0, 0, 0, 0]) for m in months]
    share_all = [100 * c[2] / c[0] if c[0] else 0.0 for c in counts]
    share_dual = [100 * c[3] / c[1] if c[1] else 0.0 for c in counts]
    x = range(len(months))
    ax.bar(x, share_dual, color="#d62728", alpha=0.35, width=0.8, label="% of dual-use rows flagged")
    ax.plot(x, share_all, color="#222", marker="o", markersize=3, label="% of all rows flagged")
    step = max(1, len(months) // 24)
    ax.set_xticks(range(0, len(months), step), months[::step], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("% of rows with military_marker=1")
    ax.set_title("Military end-use flag share per month")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    caption = (
        "Share of rows naming a military end use («для нужд СВО», «в/ч …»), per month; counts in military_by_month.csv."
    )
    return Figure(
        "military_share", "Military-flag share over time", _save(fig, out_dir / "military_share.png"), caption
    )


def draw_charts(agg: Aggregates, out_dir: Path) -> list[Figure]:
    """Draw every figure the data allows and save it as ``NAME.png`` in ``out_dir``."""
    r = agg.roles
    figures = []
    if r["date"]:
        figures.append(_monthly(agg, out_dir, "rows"))
        if r["value"]:
            figures.append(_monthly(agg, out_dir, "value"))
    if r["brand"] or r["manufacturer"]:
        figures.append(_top_per_label(agg.label_brand, out_dir, "label_brand", "brands"))
    for role, cells in (
        ("importer", agg.label_importer),
        ("exporter", agg.label_exporter),
        ("country", agg.label_country),
    ):
        if r[role]:
            what = {"importer": "importers", "exporter": "exporters", "country": "origin countries"}[role]
            figures.append(_top_per_label(cells, out_dir, f"dual_use_{PLURAL[role]}", what))
    if r["date"] and r["military_marker"]:
        figures.insert(len(figures) - bool(r["exporter"]) - bool(r["country"]), _military(agg, out_dir))
    return [f for f in figures if f is not None]
