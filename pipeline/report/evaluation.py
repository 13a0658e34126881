"""The self-contained HTML evaluation report (Jinja2 template ``templates/evaluation.html``) and its files.

The HTML report is one file: styles are inline and every figure is embedded as a base64 ``data:image/png`` URI,
so it opens in a browser with no network and can be mailed as is. Next to it :func:`write_report` leaves the PNG
files, ``errors.csv`` (misclassified rows, most confident first) and ``metrics.json``.
"""

from __future__ import annotations

import base64
import csv
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import STATUS_EMPTY
from pipeline.report.plots import plot_confusion, plot_pr_curves, plot_reliability
from pipeline.report.text import thresholds_text

if TYPE_CHECKING:
    from pipeline.evaluation.evaluate import Evaluation

REPORT_FILE = "report.html"
ERRORS_FILE = "errors.csv"
METRICS_FILE = "metrics.json"
FIGURES = {"pr_curves": "pr_curves.png", "calibration": "calibration.png", "confusion": "confusion.png"}
ERROR_COLUMNS = ("line", "text", "gold", "predicted", "score", "review", "candidate", "lang")
HTML_ERRORS_SHOWN = 50

TEMPLATES = Path(__file__).parent / "templates"


def _ci(value: float | None, ci: list[float] | None, key: bool = False) -> dict[str, Any] | str:
    """A cell with a value and its confidence interval (``key``: shown larger)."""
    if value is None:
        return "–"
    return {"v": f"{value:.3f}", "ci": f"{ci[0]:.3f}–{ci[1]:.3f}" if ci else None, "key": key}


def _num(v: Any, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _figure(path: Path, alt: str) -> dict[str, str]:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return {"alt": alt, "src": f"data:image/png;base64,{data}", "name": path.name}


def write_errors_csv(errors: list[dict[str, Any]], path: str | Path) -> Path:
    """Write the error rows (UTF-8 with BOM so spreadsheet programs read Cyrillic) and return the path."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(ERROR_COLUMNS), extrasaction="ignore")
        w.writeheader()
        w.writerows(errors)
    return path


def render_html(ev: Evaluation, figures: dict[str, Path]) -> str:
    """Render the report page of an evaluation with the given PNG figures embedded (template ``evaluation.html``)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True
    )
    return env.get_template("evaluation.html").render(**_context(ev, figures))


def _context(ev: Evaluation, figures: dict[str, Path]) -> dict[str, Any]:
    """What the template shows, as plain values (the template escapes every one of them)."""
    m = ev.metrics
    d, cal = m.get("any_dual_use", {}), m.get("calibration", {})
    alts = {"confusion": "confusion matrix", "pr_curves": "precision-recall curves"}
    alts["calibration"] = "reliability diagram"
    return {
        "info": _info_rows(m),
        "dual": [
            _ci(d.get("precision"), d.get("precision_ci"), key=True),
            _ci(d.get("recall"), d.get("recall_ci"), key=True),
            _ci(d.get("f1"), d.get("f1_ci")),
            str(d.get("predicted", "–")),
            str(d.get("support", "–")),
        ],  # fmt: skip
        "overall": [
            *(_ci(m[k], m.get(f"{k}_ci")) for k in ("macro_precision", "macro_recall", "macro_f1", "micro_f1")),
            _num(cal.get("brier"), 4),
            _num(cal.get("ece"), 4),
        ],  # fmt: skip
        "prevalence": _prevalence(m.get("at_prevalence")),
        "review": m["review"] if m["thresholds"] else None,
        "flag": _flag(m.get("military_flag")),
        "per_class": _per_class_rows(m),
        "labels": list(m["labels"]),
        "confusion": [[lab, *map(str, row)] for lab, row in zip(m["labels"], m["confusion"])],
        "figures": {k: _figure(p, alts.get(k, k)) for k, p in figures.items()},
        "calibration": [
            [f"{b['lo']:.1f}–{b['hi']:.1f}", str(b["n"]), _num(b["confidence"]), _num(b["accuracy"])]
            for b in cal.get("bins", [])
            if b["n"]
        ],  # fmt: skip
        "slices": [(name, _slice_rows(sl)) for name, sl in m.get("slices", {}).items()],
        "n_errors": m["n_errors"],
        "errors_shown": HTML_ERRORS_SHOWN,
        "errors_file": ERRORS_FILE,
        "errors": [
            [
                str(e["line"]),
                e["text"],
                e["gold"],
                e["predicted"],
                f"{e['score']:.3f}",
                e["candidate"] or "",
                e.get("explanation", ""),
            ]
            for e in ev.errors[:HTML_ERRORS_SHOWN]
        ],  # fmt: skip
    }


def _flag(f: dict[str, Any] | None) -> dict[str, Any] | None:
    """The military flag section: its counts row and the false flags (line, wording, text)."""
    if not f:
        return None
    counts = [str(f[k]) for k in ("gold_marked", "flagged", "true_flags", "false_flags", "missed")]
    return {
        "n": f["n"],
        "counts": counts + [_num(f["precision"]), _num(f["recall"])],
        "false_rows": [[str(e["line"]), e["wording"], e["text"]] for e in f["false_flag_lines"]],
    }


def _info_rows(m: dict[str, Any]) -> list[list[str]]:
    bs = m.get("bootstrap", {})
    thresholds = thresholds_text(m)
    return [
        ["data", str(m["data"])],
        ["rows", str(m["n"]) + (f" ({m['empty_rows']} empty)" if m.get("empty_rows") else "")],
        ["text column(s)", ", ".join(m.get("text_columns") or [])],
        ["model", str(m.get("model"))],
        ["model sha256", str(m.get("model_sha256") or "–")],
        ["thresholds", thresholds],
        [
            "confidence intervals",
            f"{bs.get('level', 0.95):.0%} percentile bootstrap, {bs.get('n_boot')} resamples, seed {bs.get('seed')}",
        ],
        ["language", "from the lang column" if m.get("lang_source") == "column" else "detected from the script"],
        ["generated", datetime.now(timezone.utc).isoformat(timespec="seconds")],
    ]


def _prevalence(at: dict[str, Any] | None) -> dict[str, Any] | None:
    if not at or "any_dual_use" not in at:
        return None
    rows = [
        [lab, _num(r["fpr"], 4), _num(r["recall"]), _num(r["precision"]), _num(r["precision_conservative"])]
        for lab, r in list(at["per_class"].items()) + [("any dual-use", at["any_dual_use"])]
    ]
    return {"share": f"{at['prevalence']:.2%}", "n_other": at["n_other"], "rows": rows}


def _per_class_rows(m: dict[str, Any]) -> list[list[Any]]:
    ap = m.get("average_precision", {})
    return [
        [lab, _ci(c["precision"], c.get("precision_ci")), _ci(c["recall"], c.get("recall_ci")),
         _ci(c["f1"], c.get("f1_ci")), str(c["support"]), str(c["predicted"]), _num(ap.get(lab))]
        for lab, c in m["per_class"].items()
    ]  # fmt: skip


def _slice_rows(sl: dict[str, Any]) -> list[list[str]]:
    return [
        [str(k), str(v["n"]), _num(v["accuracy"]), _num(v["macro_f1"]), _num(v["dual_use_precision"]),
         _num(v["dual_use_recall"]), str(v["dual_use_support"])]
        for k, v in sl.items()
    ]  # fmt: skip


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
