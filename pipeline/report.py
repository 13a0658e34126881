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

if TYPE_CHECKING:
    from .evaluate import Evaluation

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
    from .model import STATUS_EMPTY
    from .plots import plot_confusion, plot_pr_curves, plot_reliability

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


def _pct(v: float | None) -> str:
    return "   –  " if v is None else f"{v:6.3f}"


def _ci_text(ci: list[float] | None) -> str:
    return f"[{ci[0]:.3f}–{ci[1]:.3f}]" if ci else ""


def format_evaluation(m: dict[str, Any]) -> str:
    """Plain-text summary of :func:`pipeline.evaluate.evaluate` output for the terminal."""
    lines = [f"{m['data']}  (n={m['n']}, model {m.get('model')})"]
    if m.get("thresholds"):
        lines.append("thresholds: " + ", ".join(f"{k} ≥ {v:.3f}" for k, v in m["thresholds"].items()))
    lines.append(f"{'label':<16}{'precision':>10} {'95% CI':<15}{'recall':>8} {'95% CI':<15}{'f1':>7}{'support':>9}")
    for lab, r in m["per_class"].items():
        lines.append(
            f"{lab:<16}{r['precision']:>10.3f} {_ci_text(r.get('precision_ci')):<15}"
            f"{r['recall']:>8.3f} {_ci_text(r.get('recall_ci')):<15}{r['f1']:>7.3f}{r['support']:>9d}"
        )
    lines.append(
        f"{'macro':<16}{m['macro_precision']:>10.3f} {'':<15}{m['macro_recall']:>8.3f} {'':<15}"
        f"{m['macro_f1']:>7.3f}  {_ci_text(m.get('macro_f1_ci'))}"
    )
    lines.append(f"micro F1 / accuracy {m['micro_f1']:.3f} {_ci_text(m.get('micro_f1_ci'))}")
    d = m.get("any_dual_use")
    if d:
        lines.append(
            f"any dual-use vs other: precision {d['precision']:.3f} {_ci_text(d.get('precision_ci'))}, "
            f"recall {d['recall']:.3f} {_ci_text(d.get('recall_ci'))} "
            f"({d['predicted']} flagged, {d['support']} gold)"
        )
    cal = m.get("calibration") or {}
    if cal.get("brier") is not None:
        lines.append(f"calibration: Brier {cal['brier']:.4f}, ECE {cal['ece']:.4f}")
    lines.extend(format_prevalence(m.get("at_prevalence")))
    if m.get("thresholds"):
        r = m["review"]
        lines.append(
            f"review=1 lines: {r['n']} ({r['gold_dual_use']} dual-use, {r['candidate_correct']} with the "
            "right candidate)"
        )
    labels = m["labels"]
    lines.append("\nconfusion (rows: gold, columns: predicted)")
    lines.append(" " * 16 + "".join(f"{lab[:8]:>9}" for lab in labels))
    for lab, row in zip(labels, m["confusion"]):
        lines.append(f"{lab:<16}" + "".join(f"{v:>9d}" for v in row))
    for name, sl in (m.get("slices") or {}).items():
        lines.append(f"\nby {name}")
        lines.append(f"{'value':<16}{'n':>6}{'acc':>8}{'macroF1':>9}{'DU prec':>9}{'DU rec':>8}")
        for k, v in sl.items():
            lines.append(
                f"{str(k)[:15]:<16}{v['n']:>6d}{_pct(v['accuracy']):>8}{_pct(v['macro_f1']):>9}"
                f"{_pct(v['dual_use_precision']):>9}{_pct(v['dual_use_recall']):>8}"
            )
    lines.append(f"\n{m['n_errors']} errors")
    for e in m.get("top_errors", [])[:5]:
        lines.append(f"  line {e['line']}: {e['gold']} → {e['predicted']} ({e['score']:.3f}) {e['text'][:70]}")
    if m.get("report"):
        lines.append(f"\nreport written to {m['report']['html']}")
    return "\n".join(lines)


def format_prevalence(p: dict[str, Any] | None) -> list[str]:
    """Terminal lines for the precision projected to the user's prevalence (empty without a projection)."""
    if not p or "any_dual_use" not in p:
        return []
    lines = [
        f"\nprojected to a dump with {p['prevalence']:.2%} dual-use lines (false-positive rates from "
        f"{p['n_other']} other lines; conservative: upper 95% bound of each rate)",
        f"{'label':<16}{'FP rate':>9}{'recall':>8}{'precision':>11}{'conservative':>14}",
    ]
    for lab, r in list(p["per_class"].items()) + [("any dual-use", p["any_dual_use"])]:
        lines.append(
            f"{lab:<16}{r['fpr']:>9.4f}{r['recall']:>8.3f}{r['precision']:>11.3f}{r['precision_conservative']:>14.3f}"
        )
    return lines


def format_thresholds(result: dict[str, Any]) -> str:
    """Plain-text summary of :func:`pipeline.thresholds.thresholds` output."""
    lines = [
        f"target precision {result['target_precision']:.3f} on {result['dev']} (n={result['n']})",
        f"{'label':<16}{'threshold':>10}{'precision':>10}{'≥(95%)':>8}{'recall':>8}{'labelled':>9}"
        f"{'support':>8}  status",
    ]
    for lab, c in result["per_class"].items():
        thr = "–" if c["threshold"] is None else f"{c['threshold']:.4f}"
        lines.append(
            f"{lab:<16}{thr:>10}{_pct(c['precision']):>10}{_pct(c['precision_lower']):>8}"
            f"{_pct(c['recall']):>8}{c['labelled']:>9d}{c['support']:>8d}  {c['status']}"
        )
    for w in result.get("warnings", []):
        lines.append(f"warning: {w}")
    if result.get("written"):
        lines.append(f"thresholds written to {result['written']}")
    else:
        lines.append("dry run: nothing written")
    return "\n".join(lines)


def format_cv(cv: dict[str, Any]) -> str:
    """Plain-text summary of :func:`pipeline.crossval.cross_validate` output (mean ± std over folds)."""
    s = cv["summary"]
    lines = [
        f"{cv['k']}-fold cross-validation, grouped by split clusters (n={cv['n']})",
        f"{'label':<16}{'precision':>16}{'recall':>16}{'f1':>16}",
    ]

    def ms(x: dict[str, float]) -> str:
        return f"{x['mean']:.3f} ± {x['std']:.3f}"

    for lab, c in s["per_class"].items():
        lines.append(f"{lab:<16}{ms(c['precision']):>16}{ms(c['recall']):>16}{ms(c['f1']):>16}")
    lines.append(f"{'macro':<16}{ms(s['macro_precision']):>16}{ms(s['macro_recall']):>16}{ms(s['macro_f1']):>16}")
    lines.append(f"accuracy {ms(s['accuracy'])}")
    if "any_dual_use" in s:
        d = s["any_dual_use"]
        lines.append(f"any dual-use vs other: precision {ms(d['precision'])}, recall {ms(d['recall'])}")
    return "\n".join(lines)


def info(model: str | Path | None = None) -> dict[str, Any]:
    """Read a model folder's meta (the bundled default model when ``None``).

    Returns:
        The ``meta.json`` content plus ``"path"``.

    Raises:
        ModelError: when the folder is not a model folder.
    """
    from .model import DEFAULT_MODEL_DIR, read_meta

    path = Path(model) if model is not None else DEFAULT_MODEL_DIR
    meta = read_meta(path)
    return dict(meta, path=str(path))


def format_info(meta: dict[str, Any]) -> str:
    """Readable summary of a model's meta: labels, versions, corpus hash, thresholds and metrics."""
    lines = [
        f"model {meta.get('name') or ''}  ({meta.get('path', '')})".rstrip(),
        f"trained at     {meta.get('trained_at', '–')}",
        f"labels         {', '.join(meta.get('labels') or [])}",
        f"model sha256   {meta.get('model_sha256', '–')}",
        "format         "
        + (
            f"{meta['format']} v{meta.get('format_version', '?')} (plain data: loading runs no code)"
            if meta.get("format")
            else "pickle (model.joblib: loading runs code; convert with `dualuse model convert`)"
        ),
    ]
    versions = meta.get("versions") or {}
    if versions:
        lines.append("versions       " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    corpus = meta.get("corpus") or {}
    if corpus:
        lines.append(f"corpus sha256  {corpus.get('sha256', '–')}")
        lines.append(
            f"corpus lines   {corpus.get('lines', '–')}; fitted on {'+'.join(corpus.get('fit_on') or [])}; "
            + ", ".join(f"{k}={v}" for k, v in (corpus.get("split_counts") or {}).items())
        )
        for f, h in (corpus.get("files") or {}).items():
            lines.append(f"  {f}  {h[:16]}…")
        for f, h in (corpus.get("ood") or {}).items():
            lines.append(f"  OOD {f}  {h[:16]}…")
    markers = meta.get("markers") or {}
    if markers:
        lines.append(
            f"marker rules   {markers.get('path')}  {str(markers.get('sha256'))[:16]}…  "
            f"({markers.get('rules')} rules, {markers.get('exclusions')} exclusions)"
        )
    thr = meta.get("thresholds") or {}
    if thr:
        lines.append("thresholds     " + ", ".join(f"{k} ≥ {v:.4f}" for k, v in thr.items()))
        ti = meta.get("thresholds_info") or {}
        if ti:
            lines.append(
                f"  chosen for precision {ti.get('target_precision')} on {ti.get('dev')} at {ti.get('chosen_at')}"
            )
    else:
        lines.append("thresholds     none (every line gets its best class)")
    metrics = meta.get("metrics") or {}
    for name, m in metrics.items():
        if name == "cv":
            lines.append("\n" + format_cv(m))
            continue
        title = {"test": "test split", "ood": "out-of-distribution test"}.get(name, name)
        lines.append(f"\n{title} (n={m.get('n')})")
        lines.append(f"{'label':<16}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
        for lab, r in (m.get("per_class") or {}).items():
            lines.append(f"{lab:<16}{r['precision']:>10.3f}{r['recall']:>10.3f}{r['f1']:>10.3f}{r['support']:>10d}")
        lines.append(
            f"{'macro':<16}{m.get('macro_precision', 0):>10.3f}{m.get('macro_recall', 0):>10.3f}"
            f"{m.get('macro_f1', 0):>10.3f}"
        )
        lines.append(f"accuracy {m.get('accuracy', 0):.3f}")
        d = m.get("any_dual_use")
        if d:
            lines.append(f"any dual-use vs other: precision {d['precision']:.3f}, recall {d['recall']:.3f}")
    if not metrics:
        lines.append("\nno metrics stored")
    return "\n".join(lines)
