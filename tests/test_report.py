import base64
import csv
import json
import shutil
import subprocess
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from pipeline.api import evaluate
from pipeline.cli import app
from pipeline.config import LABELS
from pipeline.model.folder import info as folder_info
from pipeline.model.meta import info
from pipeline.report.evaluation import ERRORS_FILE, FIGURES, METRICS_FILE, REPORT_FILE
from pipeline.report.text import format_info

from .conftest import TINY_CORPUS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.images = []
        self.urls = []
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "img":
            self.images.append(a)
        for key in ("src", "href"):
            if key in a and not a[key].startswith("data:"):
                self.urls.append(a[key])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def report_dir(tiny_model, tiny_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    data = out / "data.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label", "lang", "marker", "batch"])
        for i, (t, lab, lang, m) in enumerate(
            zip(tiny_corpus.text, tiny_corpus.label, tiny_corpus.lang, tiny_corpus.marker)
        ):
            # a few wrong gold labels so that the error list is not empty; one needs escaping
            if i % 10 == 0:
                lab = "other" if lab != "other" else "navigation"
                t = t + " <b>&</b>"
            w.writerow([t, lab, lang, m, f"b{i % 3}"])
    metrics = evaluate(data, tiny_model, report=out / "r", by=["batch"], n_boot=100)
    return out / "r", metrics


def test_report_files_exist(report_dir):
    out, metrics = report_dir
    for name in [REPORT_FILE, ERRORS_FILE, METRICS_FILE, *FIGURES.values()]:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0
    for name in FIGURES.values():
        assert (out / name).read_bytes().startswith(PNG_MAGIC)
    assert metrics["report"]["html"] == str(out / REPORT_FILE)
    saved = json.loads((out / METRICS_FILE).read_text(encoding="utf-8"))
    assert saved["n_errors"] == metrics["n_errors"] > 0


def test_report_html_is_self_contained_and_holds_every_figure(report_dir):
    out, metrics = report_dir
    page = (out / REPORT_FILE).read_text(encoding="utf-8")
    parser = _Collector()
    parser.feed(page)
    parser.close()
    assert len(parser.images) == len(FIGURES)
    embedded = []
    for img in parser.images:
        src = img["src"]
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1])
        assert png.startswith(PNG_MAGIC)
        embedded.append(png)
    assert sorted(embedded) == sorted((out / name).read_bytes() for name in FIGURES.values())
    # nothing is fetched: the only link is the relative errors.csv next to the report
    assert parser.urls == [ERRORS_FILE]
    assert "<script" not in page and "<link" not in page and "@import" not in page
    text = " ".join(parser.text)
    for lab in LABELS:
        assert lab in text
    assert "Review queue" in text and "Brier" in text and "batch" in text
    # the text with markup is escaped, not injected
    assert "<b>&</b>" not in page and "&lt;b&gt;&amp;&lt;/b&gt;" in page


def test_errors_csv_most_confident_first(report_dir):
    out, metrics = report_dir
    with (out / ERRORS_FILE).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == metrics["n_errors"]
    assert {"text", "gold", "predicted", "score"} <= set(rows[0])
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    assert all(r["gold"] != r["predicted"] for r in rows)


def test_cli_evaluate_report(tiny_model_dir, tmp_path):
    res = CliRunner().invoke(
        app,
        [
            "evaluate",
            str(TINY_CORPUS),
            "--model",
            str(tiny_model_dir),
            "--report",
            str(tmp_path / "rep"),
            "--n-boot",
            "50",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "rep" / REPORT_FILE).is_file()
    assert "report written to" in res.output


def test_info_summary(tiny_model_dir):
    meta = info(tiny_model_dir)
    text = format_info(meta)
    for lab in LABELS:
        assert lab in text
    assert "thresholds     none" in text and "model sha256" in text
    assert f"decisions      {meta['decision_sha256']}  (thresholds and rules, in the model sha256)" in text
    older = format_info({k: v for k, v in meta.items() if k != "decision_sha256"})
    assert "names the model files only" in older and "decisions      not named" in older
    runner = CliRunner()
    res = runner.invoke(app, ["info", str(tiny_model_dir)])
    assert res.exit_code == 0 and "labels" in res.output
    res = runner.invoke(app, ["info", str(tiny_model_dir), "--json"])
    assert res.exit_code == 0
    assert json.loads(res.output)["model_sha256"] == meta["model_sha256"]


def test_info_checks_the_folder_and_fails_on_a_hand_edited_meta(tiny_model_dir, tmp_path):
    assert folder_info(tiny_model_dir)["integrity"] == {"ok": True, "problem": None}
    assert "integrity      ok" in format_info(folder_info(tiny_model_dir))
    edited = tmp_path / "edited"
    shutil.copytree(tiny_model_dir, edited)
    meta_path = edited / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["thresholds"] = {"drone": 0.1}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    check = folder_info(edited)["integrity"]
    assert check["ok"] is False and "decision_sha256" in check["problem"]
    res = CliRunner().invoke(app, ["info", str(edited)])
    assert res.exit_code == 1
    assert "integrity      FAILED" in res.output and "refuse this folder" in res.output
    assert "drone ≥ 0.1000" in res.output  # the meta is still shown, to see what was changed
    res = CliRunner().invoke(app, ["info", str(edited), "--json"])
    assert res.exit_code == 1 and json.loads(res.output)["integrity"]["ok"] is False


def test_info_shows_thresholds_and_metrics():
    meta = {
        "name": "m",
        "labels": list(LABELS),
        "versions": {"python": "3.11", "scikit-learn": "1.5"},
        "corpus": {
            "sha256": "abc123",
            "lines": 10,
            "fit_on": ["train"],
            "split_counts": {"train": 10},
            "files": {"a.csv": "f" * 64},
        },
        "thresholds": {"drone": 0.73},
        "thresholds_info": {"target_precision": 0.95, "dev": "dev.csv", "chosen_at": "now"},
        "metrics": {
            "test": {
                "n": 2,
                "per_class": {"drone": {"precision": 1.0, "recall": 0.5, "f1": 0.667, "support": 2}},
                "macro_precision": 1.0,
                "macro_recall": 0.5,
                "macro_f1": 0.667,
                "accuracy": 0.5,
                "any_dual_use": {"precision": 1.0, "recall": 0.5},
            }
        },
    }
    text = format_info(meta)
    assert "drone ≥ 0.7300" in text and "precision 0.95" in text
    assert "abc123" in text and "scikit-learn 1.5" in text and "test split (n=2)" in text
    assert "code assist" not in text
    assert "code assist    0.3: with a code column" in format_info(dict(meta, code_assist=0.3))


def test_info_missing_folder_is_an_error(tmp_path):
    res = CliRunner().invoke(app, ["info", str(tmp_path / "nope")])
    assert res.exit_code == 2


@pytest.mark.slow
def test_report_renders_in_headless_chromium(report_dir, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (Debian package chromium)")
    out, _ = report_dir
    shot = tmp_path / "shot.png"
    args = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--hide-scrollbars",
        "--window-size=1200,2000",
    ]
    subprocess.run(
        [*args, f"--screenshot={shot}", (out / REPORT_FILE).as_uri()], check=True, timeout=120, capture_output=True
    )
    assert shot.read_bytes().startswith(PNG_MAGIC) and shot.stat().st_size > 20_000
    dom = subprocess.run(
        [*args, "--dump-dom", (out / REPORT_FILE).as_uri()], check=True, timeout=120, capture_output=True, text=True
    ).stdout
    assert "dualuse evaluation report" in dom
    assert dom.count("data:image/png;base64,") == len(FIGURES)
