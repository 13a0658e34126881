"""Explanations: exact contributions, words as written, --explain and `dualuse explain`."""

import csv

import numpy as np
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.explain import Explainer, explain, explain_texts, format_explanation
from pipeline.model.core import load_model
from pipeline.run.predict import predict
from pipeline.text.align import char_map, original_span, token_spans

runner = CliRunner()
LINES = [
    "KBAДPOKOПTEP DJI MAVIC 3T для нужд СВО",
    "к в а д р о к о п т е р DJI Mavic 3T, 2 шт",
    "Ноутбук Lenovo IdeaPad 3",
    "Rugged tablet Getac F110 G6 IP66, 10 pcs",
    "Мин0бороны заказ: ΚΒΑДΡΟкоптер",
    "12345 678",
]


@pytest.fixture(scope="module")
def default_model():
    return load_model()


@pytest.mark.parametrize("which", ["default", "tiny"])
def test_contributions_sum_to_the_decision_difference(which, default_model, tiny_model):
    model = default_model if which == "default" else tiny_model
    clf = model.pipeline.named_steps["classifier"]
    for labels in (None, ["other"] * len(LINES)):
        for text, e in zip(LINES, Explainer(model).explain_batch(LINES, labels)):
            z = clf.decision_function(model.pipeline[:-1].transform([text]))[0]
            z = dict(zip(model.classes, np.atleast_1d(z)))
            assert e.decision[e.label] == pytest.approx(z[e.label], abs=1e-9)
            assert e.margin == pytest.approx(z[e.label] - z[e.rival], abs=1e-9)
            total = sum(c for _, c in e.items) + e.intercept + e.rest
            assert total == pytest.approx(e.margin, abs=1e-9)
            assert e.rest == pytest.approx(0.0, abs=1e-12)
            assert e.rival != e.label and e.decision[e.rival] == max(v for k, v in e.decision.items() if k != e.label)


def test_words_are_shown_as_written(default_model):
    e = explain("KBAДPOKOПTEP DJI MAVIC 3T для нужд СВО", default_model)
    words = [w for w, _ in e.items]
    assert e.label == "drone"
    assert "KBAДPOKOПTEP" in words and "MAVIC" in words
    assert e.items[0][0] == "KBAДPOKOПTEP" and e.items[0][1] > 0
    assert "квадрокоптер" not in words
    spaced = explain("к в а д р о к о п т е р DJI Mavic 3T, 2 шт", default_model)
    assert spaced.items[0][0] == "к в а д р о к о п т е р"
    assert spaced.summary().startswith("к в а д р о к о п т е р +")


def test_summary_format(default_model):
    s = explain("Квадрокоптер DJI Mavic 3T, 2 шт", default_model).summary()
    parts = s.split("; ")
    assert 1 <= len(parts) <= 5
    for part in parts:
        word, value = part.rsplit(" ", 1)
        assert word and value[0] in "+-" and float(value) == float(value)
    assert explain("   ", default_model) is None


def test_align_maps_lookalikes_and_spaced_letters():
    norm, text = "квадрокоптер dji", "K B A Д P O K O П T E P  DJI"
    mapping = char_map(norm, text)
    spans = token_spans(["квадрокоптер", "dji"], norm)
    assert text[slice(*original_span(spans[0], mapping))] == "K B A Д P O K O П T E P"
    assert text[slice(*original_span(spans[1], mapping))] == "DJI"
    assert token_spans(["lemma"], norm) == [None]
    assert original_span(None, mapping) is None


def test_format_explanation_lists_all_scores(default_model):
    e = explain("Rugged tablet Getac F110 G6 IP66, 10 pcs", default_model)
    text = format_explanation(e)
    for label in default_model.classes:
        assert label in text
    assert "(intercept)" in text and e.rival in text


def test_predict_explain_column(tiny_model, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\nКвадрокоптер DJI Mavic 3T 2 шт\n\nRugged tablet Getac F110\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    predict(src, out, model=tiny_model, explain=True, entities=False)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["status"] for r in rows] == ["ok", "empty", "ok"]
    assert rows[0]["explanation"] and rows[2]["explanation"] and rows[1]["explanation"] == ""
    assert [r["military_wording"] for r in rows] == ["", "", ""]
    assert "brand" not in rows[0]
    plain = tmp_path / "plain.csv"
    predict(src, plain, model=tiny_model, entities=False)
    assert "explanation" not in next(csv.DictReader(plain.open(encoding="utf-8")))


def test_predict_explain_with_workers_equals_in_process(tiny_model_dir, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\n" + "\n".join(f"Квадрокоптер DJI Mavic 3T, {i} шт" for i in range(1, 40)), encoding="utf-8")
    predict(src, tmp_path / "a.csv", model=tiny_model_dir, explain=True, jobs=1, chunk_size=10)
    predict(src, tmp_path / "b.csv", model=tiny_model_dir, explain=True, jobs=2, chunk_size=10)
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == (tmp_path / "b.csv").read_text(encoding="utf-8")


def test_cli_explain_command(tiny_model_dir):
    r = runner.invoke(app, ["explain", "Квадрокоптер DJI Mavic 3T", "--model", str(tiny_model_dir)])
    assert r.exit_code == 0, r.output
    assert "label:" in r.output and "explanation:" in r.output and "(intercept)" in r.output
    assert "military_marker: 0" in r.output
    r = runner.invoke(app, ["explain", "Рации для нужд  СВО, 5 шт", "--model", str(tiny_model_dir)])
    assert r.exit_code == 0 and "military_marker: 1, raised by «СВО»" in r.output, r.output
    r = runner.invoke(app, ["explain", "  ", "--model", str(tiny_model_dir)])
    assert r.exit_code == 0 and "empty" in r.output


def test_cli_predict_explain_sample(tmp_path):
    out = tmp_path / "x.csv"
    r = runner.invoke(
        app, ["predict", "corpora/samples/declarations_sample.csv", "--output", str(out), "--explain", "-j", "1"]
    )
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert all(row["explanation"] for row in rows if row["status"] == "ok")
    first = rows[0]
    assert first["brand"] == "DJI" and first["quantity"] == "10" and first["unit"] == "шт"
    assert "M3T" in first["model"] or "MAVIC 3T" in first["model"].upper()
    sent = [row for row in rows if row["review"] == "1"]  # its declared code 8411 implies aircraft_parts, its text not
    assert sent and all(r["explanation"].endswith("| declared code: it implies aircraft_parts, the text does not")
                        for r in sent if r["code_conflict"] == "code>text")  # fmt: skip
    assert all(" | " not in row["explanation"] for row in rows if row["review"] == "0" and row["label"] == "other")


def test_predict_explain_column_names_the_rule(default_model, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\ngliders\nКвадрокоптер DJI Mavic 3T\nUsed engine Deutz F4L912 complete\n", encoding="utf-8")
    predict(src, tmp_path / "out.csv", model=default_model, explain=True, entities=False)
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8")))
    assert [r["explanation"].partition(" | ")[2] for r in rows] == [
        "bare-word rule: one word and no keyword, model code, aircraft type or named system in it",
        "",
        "ground rule: the engine of a ground machine, boat or generator, and nothing about aircraft",
    ]
    assert rows[0]["explanation"].startswith("gliders -3.79")
    predict(src, tmp_path / "raw.csv", model=default_model, explain=True, entities=False, apply_thresholds=False)
    raw = list(csv.DictReader((tmp_path / "raw.csv").open(encoding="utf-8")))  # best class always: no rule to name
    assert raw[0]["label"] == "aircraft_parts" and all(" | " not in r["explanation"] for r in raw)
    assert [r["explanation"].partition(" | ")[2] for r in rows] == [
        (explain(r["text"], default_model).rule) for r in rows
    ]


def test_explanation_column_from_the_batch_scores_equals_recomputing(default_model):
    # the column passes the batch's blended scores and skips the peer: the words and their weights do not change
    texts = [
        "Квадрокоптер DJI Mavic 3 для нужд СВО",
        "ноутбук защищённый Getac B360",
        "The subject merchandise is a GPS receiver module",
        "стол письменный",
        "",
    ]
    batch = default_model.predict_batch(texts)
    again = Explainer(default_model).explain_batch(texts, batch.labels)
    spared = Explainer(default_model).explain_batch(texts, batch.labels, batch.proba, peer_scores=False)
    assert [e and e.summary() for e in spared] == [e and e.summary() for e in again]
    assert [e and e.margin for e in spared] == [e and e.margin for e in again]
    assert all(e is None or e.peer_scores is None for e in spared)
    assert any(e is not None and e.peer_scores for e in again)
    assert explain_texts(default_model, texts, batch.labels, batch.proba) == explain_texts(
        default_model, texts, batch.labels
    )


def test_explain_names_the_ground_rule_that_sent_a_line_to_review(default_model):
    e = explain("Used engine Deutz F4L912 complete", default_model)
    assert e.label == "other" and e.review == 1 and e.candidate == "aircraft_parts"
    assert e.rule.startswith("ground rule: the engine")
    text = format_explanation(e)
    assert "review: 1, candidate aircraft_parts (ground rule: the engine" in text
    assert e.as_dict()["rule"] == e.rule
    plain = explain("Квадрокоптер DJI Mavic 3T", default_model)
    assert plain.review == 0 and plain.rule == "" and "review:" not in format_explanation(plain)


JAMMER_RULING = (
    "The apparatus transmits broadband noise at 1 176–1 602 MHz in order to prevent receivers in the vicinity from "
    "acquiring satellite signals; it does not itself determine position and is therefore classified in subheading "
    "8543.70 as radio jamming apparatus."
)


@pytest.mark.parametrize(
    ("text", "label", "review", "candidate", "note"),
    [
        ("gliders", "other", 1, "aircraft_parts", "bare-word rule: one word"),
        ("Localizer antenna array, ILS, airport, 16 elements", "other", 1, "navigation",
         "class threshold: its navigation score 0.77 is under the threshold 0.8"),
        ("Casio G-Shock GPR-B1000 часы с GPS-навигацией", "navigation", 1, "navigation", "keyword agreement:"),
        (JAMMER_RULING, "counter_drone", 0, "", "prose rule: running prose"),
        ("(1) Зондовые аэростаты (воздушные шары). Применяются для доставки радиозондовых приборов на большие высоты.",
         "other", 1, "aircraft_parts", "unfamiliar wording: familiarity 0.67 is under 0.75 and it leans to aircraft"),
        ("беспилотное воздушное судно: воздушное судно, управляемое, контролируемое в полете пилотом, находящимся вне "
         "борта такого воздушного судна (внешний пилот)", "drone", 0, "", "long-line rule:"),
        ("Anduril Altius-600M", "drone", 0, "", "model-code rule: a short line naming a model code is held to a lower "
         "threshold; pooling rule:"),
    ],
)  # fmt: skip
def test_explain_names_the_decision_rule_behind_the_label(default_model, text, label, review, candidate, note):
    e = explain(text, default_model)
    assert (e.label, e.review, e.candidate) == (label, review, candidate)
    assert e.rule.startswith(note)
    shown = format_explanation(e)
    assert (f"review: 1, candidate {candidate} ({e.rule})" if review else f"rule: {e.rule}") in shown


def test_explain_names_every_rule_that_gives_a_label_alone(default_model):
    e = explain("Ventral fins, aircraft", default_model)
    assert (e.label, e.review) == ("aircraft_parts", 1)
    assert e.rule.startswith("keyword agreement:") and "; destination rule:" in e.rule


def test_a_named_rule_changes_the_decision_when_switched_off(default_model):
    """The note is not a guess: without the rule it names, the line's label, review or candidate differ."""
    from pipeline.explain.rules import _SWITCHES, decision_with

    texts = ["gliders", "altimeters", "Casio G-Shock GPR-B1000 часы с GPS-навигацией", JAMMER_RULING]
    batch = default_model.predict_batch(texts)
    for i, text in enumerate(texts):
        e = explain(text, default_model)
        (key, off), = [(k, o) for k, o, note in _SWITCHES if e.rule == note]  # fmt: skip
        assert decision_with(default_model, text, batch.proba[i], {key: off}) != (e.label, e.review, e.candidate)


def test_a_line_its_best_class_labels_has_no_rule(default_model):
    e = explain("Квадрокоптер DJI Mavic 3T", default_model)
    assert (e.label, e.review, e.rule) == ("drone", 0, "")
    assert "rule:" not in format_explanation(e)


def test_evaluate_report_lists_errors_with_their_rule(default_model, tmp_path):
    from pipeline.api import evaluate

    data = tmp_path / "gold.csv"
    data.write_text("text,label\ngliders,aircraft_parts\nКвадрокоптер DJI Mavic 3T,other\n", encoding="utf-8")
    metrics = evaluate(data, default_model, report=tmp_path / "r", n_boot=10)
    why = {e["text"]: e["explanation"] for e in metrics["top_errors"]}
    assert why["gliders"].startswith("gliders -3.79 | bare-word rule: one word")
    assert (
        why["Квадрокоптер DJI Mavic 3T"].startswith("Квадрокоптер +2.64")
        and " | " not in why["Квадрокоптер DJI Mavic 3T"]
    )
    assert "gliders -3.79 | bare-word rule: one word" in (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
