"""Reports: the self-contained HTML evaluation report, text summaries for the CLI, and ``dualuse info``.

The HTML report is one file: styles are inline and every figure is embedded as a base64 ``data:image/png`` URI,
so it opens in a browser with no network and can be mailed as is. Next to it :func:`write_report` leaves the PNG
files, ``errors.csv`` (misclassified rows, most confident first) and ``metrics.json``.
"""

from __future__ import annotations

import base64
import csv
import html
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import STATUS_EMPTY
from pipeline.report.plots import plot_confusion, plot_pr_curves, plot_reliability

if TYPE_CHECKING:
    from pipeline.evaluation.evaluate import Evaluation

REPORT_FILE = "report.html"
ERRORS_FILE = "errors.csv"
METRICS_FILE = "metrics.json"
FIGURES = {"pr_curves": "pr_curves.png", "calibration": "calibration.png", "confusion": "confusion.png"}
ERROR_COLUMNS = ("line", "text", "gold", "predicted", "score", "review", "candidate", "lang")
HTML_ERRORS_SHOWN = 50

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2em auto;max-width:1100px;
color:#222;line-height:1.4;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right;vertical-align:top}
th{background:#f0f3f7}td.l,th.l{text-align:left}td.text{text-align:left;max-width:520px;word-break:break-word}
.ci{color:#666;font-size:.85em}.key{font-size:1.15em;font-weight:600}
.note{color:#555;font-size:.9em}figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figure.small img{max-width:640px}
"""


def _ci(value: float | None, ci: list[float] | None) -> str:
    if value is None:
        return "–"
    text = f"{value:.3f}"
    if ci:
        text += f' <span class="ci">[{ci[0]:.3f}–{ci[1]:.3f}]</span>'
    return text


def _num(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return html.escape(str(v))


def _table(header: list[str] | None, rows: list[list[str]], left: int = 1) -> str:
    """An HTML table (no header row when ``header`` is ``None``); the first ``left`` columns are left-aligned.

    Cells are already escaped HTML.
    """
    head = "".join(f'<th class="l">{h}</th>' if i < left else f"<th>{h}</th>" for i, h in enumerate(header or []))
    body = "".join(
        "<tr>" + "".join(f'<td class="l">{c}</td>' if i < left else f"<td>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    thead = f"<thead><tr>{head}</tr></thead>" if header else ""
    return f"<table>{thead}<tbody>{body}</tbody></table>"


def _img(path: Path, alt: str, small: bool = False) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    cls = ' class="small"' if small else ""
    return (
        f'<figure{cls}><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
        f'<figcaption class="note">{html.escape(path.name)}</figcaption></figure>'
    )


def write_errors_csv(errors: list[dict[str, Any]], path: str | Path) -> Path:
    """Write the error rows (UTF-8 with BOM so spreadsheet programs read Cyrillic) and return the path."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ERROR_COLUMNS), extrasaction="ignore")
        w.writeheader()
        w.writerows(errors)
    return path


def render_html(ev: Evaluation, figures: dict[str, Path]) -> str:
    """Render the report page of an evaluation with the given PNG figures embedded."""
    m = ev.metrics
    esc = html.escape
    d = m.get("any_dual_use", {})
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        "<title>dualuse evaluation report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>dualuse evaluation report</h1>",
    ]
    bs = m.get("bootstrap", {})
    info_rows = [
        ["data", esc(str(m["data"]))],
        ["rows", str(m["n"]) + (f" ({m['empty_rows']} empty)" if m.get("empty_rows") else "")],
        ["text column(s)", esc(", ".join(m.get("text_columns") or []))],
        ["model", esc(str(m.get("model")))],
        ["model sha256", esc(str(m.get("model_sha256") or "–"))],
        ["thresholds", esc(", ".join(f"{k} ≥ {v:.3f}" for k, v in m["thresholds"].items()) or "none")],
        [
            "confidence intervals",
            f"{bs.get('level', 0.95):.0%} percentile bootstrap, {bs.get('n_boot')} resamples, seed {bs.get('seed')}",
        ],
        ["language", "from the lang column" if m.get("lang_source") == "column" else "detected from the script"],
        ["generated", datetime.now(timezone.utc).isoformat(timespec="seconds")],
    ]
    parts.append(_table(None, info_rows, left=2))

    parts.append("<h2>Review queue: any dual-use class vs other</h2>")
    parts.append(
        '<p class="note">A line counts as caught when the model gives it any dual-use class; precision '
        "is the share of flagged lines that are dual-use, recall the share of dual-use lines flagged.</p>"
    )
    parts.append(
        _table(
            ["precision", "recall", "F1", "flagged", "gold dual-use"],
            [
                [
                    f'<span class="key">{_ci(d.get("precision"), d.get("precision_ci"))}</span>',
                    f'<span class="key">{_ci(d.get("recall"), d.get("recall_ci"))}</span>',
                    _ci(d.get("f1"), d.get("f1_ci")),
                    str(d.get("predicted", "–")),
                    str(d.get("support", "–")),
                ]
            ],
            left=0,
        )
    )
    cal = m.get("calibration", {})
    parts.append(
        _table(
            ["macro precision", "macro recall", "macro F1", "micro F1 (accuracy)", "Brier", "ECE"],
            [
                [
                    _ci(m["macro_precision"], m.get("macro_precision_ci")),
                    _ci(m["macro_recall"], m.get("macro_recall_ci")),
                    _ci(m["macro_f1"], m.get("macro_f1_ci")),
                    _ci(m["micro_f1"], m.get("micro_f1_ci")),
                    _num(cal.get("brier"), 4),
                    _num(cal.get("ece"), 4),
                ]
            ],
            left=0,
        )
    )
    at = m.get("at_prevalence")
    if at and "any_dual_use" in at:
        parts.append(f"<h2>Precision at {at['prevalence']:.2%} dual-use lines</h2>")
        parts.append(
            '<p class="note">Precision projected to a dump with this share of dual-use lines, from the false-positive '
            f"rate of each class on the {at['n_other']} <code>other</code> lines of this set; conservative: with the "
            "upper end of the 95% Wilson interval of that rate.</p>"
        )
        rows = [
            [esc(lab), _num(r["fpr"], 4), _num(r["recall"]), _num(r["precision"]), _num(r["precision_conservative"])]
            for lab, r in list(at["per_class"].items()) + [("any dual-use", at["any_dual_use"])]
        ]
        parts.append(_table(["class", "FP rate on other", "recall", "precision", "conservative"], rows, left=1))
    if m["thresholds"]:
        r = m["review"]
        parts.append(
            f'<p class="note">Lines labelled <code>other</code> with review=1 (below a class threshold, or unfamiliar '
            f'and leaning to a dual-use class): {r["n"]}; '
            f"{r['gold_dual_use']} of them are dual-use, {r['candidate_correct']} have the right "
            "candidate class.</p>"
        )

    parts.append("<h2>Per class</h2>")
    rows = []
    ap = m.get("average_precision", {})
    for lab, c in m["per_class"].items():
        rows.append(
            [
                esc(lab),
                _ci(c["precision"], c.get("precision_ci")),
                _ci(c["recall"], c.get("recall_ci")),
                _ci(c["f1"], c.get("f1_ci")),
                str(c["support"]),
                str(c["predicted"]),
                _num(ap.get(lab)),
            ]
        )
    parts.append(_table(["label", "precision", "recall", "F1", "support", "predicted", "avg. precision"], rows))

    parts.append("<h2>Confusion matrix</h2>")
    labels = m["labels"]
    conf_rows = [[esc(lab)] + [str(v) for v in row] for lab, row in zip(labels, m["confusion"])]
    parts.append(_table(["gold \\ predicted"] + [esc(lab) for lab in labels], conf_rows))
    if "confusion" in figures:
        parts.append(_img(figures["confusion"], "confusion matrix", small=True))

    parts.append("<h2>Precision–recall curves</h2>")
    parts.append(
        '<p class="note">One-vs-rest on the model\'s probabilities; the red dot is the precision and '
        "recall of the labels actually assigned (with thresholds).</p>"
    )
    if "pr_curves" in figures:
        parts.append(_img(figures["pr_curves"], "precision-recall curves"))

    parts.append("<h2>Calibration</h2>")
    if "calibration" in figures:
        parts.append(_img(figures["calibration"], "reliability diagram", small=True))
    cal_rows = [
        [f"{b['lo']:.1f}–{b['hi']:.1f}", str(b["n"]), _num(b["confidence"]), _num(b["accuracy"])]
        for b in cal.get("bins", [])
        if b["n"]
    ]
    parts.append(_table(["probability bin", "lines", "mean probability", "share correct"], cal_rows))

    parts.append("<h2>Slices</h2>")
    for name, sl in m.get("slices", {}).items():
        parts.append(f"<h3>{esc(name)}</h3>")
        rows = [
            [
                esc(k),
                str(v["n"]),
                _num(v["accuracy"]),
                _num(v["macro_f1"]),
                _num(v["dual_use_precision"]),
                _num(v["dual_use_recall"]),
                str(v["dual_use_support"]),
            ]
            for k, v in sl.items()
        ]
        parts.append(
            _table(
                [esc(name), "n", "accuracy", "macro F1", "dual-use precision", "dual-use recall", "gold dual-use"], rows
            )
        )

    parts.append("<h2>Errors, most confident first</h2>")
    parts.append(
        f'<p class="note">{m["n_errors"]} misclassified rows; the first {HTML_ERRORS_SHOWN} are shown. '
        f'All are in <a href="{ERRORS_FILE}">{ERRORS_FILE}</a>.</p>'
    )
    err_rows = [
        [
            str(e["line"]),
            f"<span>{esc(e['text'])}</span>",
            esc(e["gold"]),
            esc(e["predicted"]),
            f"{e['score']:.3f}",
            esc(e["candidate"] or ""),
            esc(e.get("explanation", "")),
        ]
        for e in ev.errors[:HTML_ERRORS_SHOWN]
    ]
    table = _table(["line", "text", "gold", "predicted", "score", "candidate", "why (words → predicted)"], err_rows)
    parts.append(table.replace("<td><span>", '<td class="text"><span>'))
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(ev: Evaluation, out_dir: str | Path) -> dict[str, str]:
    """Write ``report.html``, the PNG figures, ``errors.csv`` and ``metrics.json`` into ``out_dir``.

    Returns:
        ``{"html", "errors_csv", "metrics_json", "figures": {name: path}}`` as strings.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    m = ev.metrics
    batch = ev.batch
    keep = [i for i, s in enumerate(batch.statuses) if s != STATUS_EMPTY]
    operating = {lab: (c["recall"], c["precision"]) for lab, c in m["per_class"].items() if c["predicted"]}
    figures = {
        "pr_curves": plot_pr_curves(
            [ev.data.gold[i] for i in keep], batch.proba[keep], batch.classes, out / FIGURES["pr_curves"], operating
        ),
        "calibration": plot_reliability(m["calibration"], out / FIGURES["calibration"]),
        "confusion": plot_confusion(m["confusion"], m["labels"], out / FIGURES["confusion"]),
    }
    errors_csv = write_errors_csv(ev.errors, out / ERRORS_FILE)
    files = {
        "html": str(out / REPORT_FILE),
        "errors_csv": str(errors_csv),
        "metrics_json": str(out / METRICS_FILE),
        "figures": {k: str(v) for k, v in figures.items()},
    }
    (out / METRICS_FILE).write_text(json.dumps(dict(m, report=files), ensure_ascii=False, indent=2), encoding="utf-8")
    (out / REPORT_FILE).write_text(render_html(ev, figures), encoding="utf-8")
    return files
