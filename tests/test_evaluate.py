import copy
import csv
import json

import numpy as np
import pytest
from sklearn.metrics import precision_recall_fscore_support
from typer.testing import CliRunner

from pipeline.api import evaluate
from pipeline.cli import app
from pipeline.config import LABELS
from pipeline.evaluation.evaluate import detect_lang
from pipeline.evaluation.metrics import bootstrap_intervals, calibration, classification_metrics, slice_metrics
from pipeline.tables import InputError
from pipeline.training.crossval import cross_validate

from .conftest import TINY_CORPUS

GOLD = ["drone", "drone", "drone", "other", "other", "navigation", "navigation"]
PRED = ["drone", "drone", "other", "drone", "other", "navigation", "drone"]


def test_metrics_against_hand_computed_example():
    m = classification_metrics(GOLD, PRED)
    # drone: tp=2, predicted=4, gold=3
    assert m["per_class"]["drone"]["precision"] == pytest.approx(2 / 4)
    assert m["per_class"]["drone"]["recall"] == pytest.approx(2 / 3)
    assert m["per_class"]["drone"]["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert m["per_class"]["other"]["precision"] == pytest.approx(1 / 2)
    assert m["per_class"]["navigation"]["precision"] == pytest.approx(1.0)
    assert m["per_class"]["navigation"]["recall"] == pytest.approx(1 / 2)
    assert m["per_class"]["counter_drone"]["support"] == 0
    assert m["accuracy"] == pytest.approx(4 / 7)
    assert m["micro_f1"] == pytest.approx(4 / 7)
    # macro over the classes present in gold: drone, other, navigation
    f1s = [m["per_class"][c]["f1"] for c in ("drone", "other", "navigation")]
    assert m["macro_f1"] == pytest.approx(sum(f1s) / 3)
    # any dual-use vs other: gold positives 5, predicted positives 5, both positive 4
    # (the navigation line predicted as drone is caught: it enters the review queue)
    d = m["any_dual_use"]
    assert (d["support"], d["predicted"]) == (5, 5)
    assert d["precision"] == pytest.approx(4 / 5)
    assert d["recall"] == pytest.approx(4 / 5)
    conf = np.array(m["confusion"])
    assert conf.sum() == 7
    assert conf[LABELS.index("navigation"), LABELS.index("drone")] == 1


def test_metrics_agree_with_sklearn():
    rng = np.random.default_rng(3)
    gold = list(rng.choice(LABELS, 300))
    pred = [g if rng.random() < 0.7 else rng.choice(LABELS) for g in gold]
    m = classification_metrics(gold, pred)
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=list(LABELS), zero_division=0)
    for i, lab in enumerate(LABELS):
        assert m["per_class"][lab]["precision"] == pytest.approx(p[i])
        assert m["per_class"][lab]["recall"] == pytest.approx(r[i])
        assert m["per_class"][lab]["f1"] == pytest.approx(f[i])
        assert m["per_class"][lab]["support"] == s[i]
    assert m["macro_f1"] == pytest.approx(f.mean())


def _random_pairs(n, seed):
    rng = np.random.default_rng(seed)
    gold = list(rng.choice(LABELS, n))
    pred = [g if rng.random() < 0.8 else str(rng.choice(LABELS)) for g in gold]
    return gold, pred


def test_bootstrap_is_seeded_and_contains_point_estimate():
    gold, pred = _random_pairs(200, 1)
    a = bootstrap_intervals(gold, pred, n_boot=300, seed=7)
    b = bootstrap_intervals(gold, pred, n_boot=300, seed=7)
    c = bootstrap_intervals(gold, pred, n_boot=300, seed=8)
    assert a == b
    assert a != c
    point = classification_metrics(gold, pred)
    for lab in LABELS:
        for name in ("precision", "recall", "f1"):
            lo, hi = a["per_class"][lab][name]
            assert lo <= point["per_class"][lab][name] <= hi
            assert lo < hi
    for name in ("macro_f1", "macro_precision", "macro_recall", "micro_f1"):
        lo, hi = a[name]
        assert lo <= point[name] <= hi
    for name in ("precision", "recall", "f1"):
        lo, hi = a["any_dual_use"][name]
        assert lo <= point["any_dual_use"][name] <= hi


def test_bootstrap_intervals_narrow_with_more_data():
    small = bootstrap_intervals(*_random_pairs(100, 2), n_boot=300, seed=0)
    large = bootstrap_intervals(*_random_pairs(3000, 2), n_boot=300, seed=0)

    def width(ci):
        return ci[1] - ci[0]

    assert width(large["micro_f1"]) < width(small["micro_f1"]) / 2
    # roughly the normal-approximation width of an accuracy near 0.83 on 3000 lines
    assert 0.015 < width(large["micro_f1"]) < 0.04


def test_bootstrap_undefined_metric_is_none():
    ci = bootstrap_intervals(["drone", "other"], ["drone", "other"], n_boot=50)
    assert ci["per_class"]["navigation"]["precision"] is None
    assert ci["per_class"]["drone"]["precision"] == [1.0, 1.0]


def test_calibration_hand_computed():
    proba = np.array([[1.0, 0.0], [0.5, 0.5], [0.8, 0.2]])
    cal = calibration(["drone", "other", "other"], proba, ["drone", "other"], n_bins=10)
    # squared distances: 0, 0.5, 0.64 + 0.64
    assert cal["brier"] == pytest.approx((0 + 0.5 + 1.28) / 3)
    filled = [b for b in cal["bins"] if b["n"]]
    assert [b["n"] for b in filled] == [1, 1, 1]
    assert sum(b["n"] for b in cal["bins"]) == 3
    # ECE: |0.5-0| (argmax of the tie is drone, wrong) + |0.8-0| + |1-1|, each weighted 1/3
    assert cal["ece"] == pytest.approx((0.5 + 0.8) / 3)


@pytest.mark.parametrize(
    "text, lang",
    [
        ("Квадрокоптер DJI Mavic 3 Pro с пультом управления 2 шт", "ru"),
        ("QUADCOPTER DJI MATRICE 350 RTK W/ 2 BATTERIES", "en"),
        ("FPV drone 10 inch ready to fly, в сборе с ELRS 915, 30 pcs", "mixed"),
        ("12345 --", "en"),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang


def test_slices():
    sl = slice_metrics(GOLD, PRED, ["ru", "ru", "en", "en", "en", None, "ru"])
    assert list(sl) == ["(missing)", "en", "ru"]
    assert sl["ru"]["n"] == 3
    assert sl["ru"]["accuracy"] == pytest.approx(2 / 3)


def test_unknown_label_is_an_error_naming_the_row(tiny_model, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\nквадрокоптер DJI,drone\nнавигатор,navigaton\nстол,\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        evaluate(path, tiny_model)
    msg = str(err.value)
    assert "line 3" in msg and "navigaton" in msg
    assert "line 4" in msg


def test_missing_label_column_is_a_clear_error(tiny_model, tmp_path):
    path = tmp_path / "nolabel.csv"
    path.write_text("text,gold\nквадрокоптер DJI,drone\n", encoding="utf-8")
    with pytest.raises(InputError, match="label column 'label' not found"):
        evaluate(path, tiny_model)
    m = evaluate(path, tiny_model, label_column="gold", n_boot=50)
    assert m["n"] == 1


def test_evaluate_jsonl_with_slices(tiny_model, tiny_corpus, tmp_path):
    path = tmp_path / "data.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, (t, lab) in enumerate(zip(tiny_corpus.text, tiny_corpus.label)):
            fh.write(json.dumps({"description": t, "gold": lab, "batch": f"b{i % 2}"}, ensure_ascii=False) + "\n")
    m = evaluate(path, tiny_model, text_column="description", label_column="gold", by=["batch"], n_boot=100)
    assert m["n"] == len(tiny_corpus)
    assert m["accuracy"] == 1.0
    assert m["lang_source"] == "detected"
    assert set(m["slices"]) == {"lang", "military_marker (predicted)", "batch"}
    assert set(m["slices"]["batch"]) == {"b0", "b1"}
    assert sum(v["n"] for v in m["slices"]["lang"].values()) == m["n"]
    with pytest.raises(InputError, match="--by column"):
        evaluate(path, tiny_model, text_column="description", label_column="gold", by=["nope"], n_boot=10)


def test_evaluate_uses_lang_and_marker_columns(tiny_model):
    m = evaluate(TINY_CORPUS, tiny_model, n_boot=100)
    assert m["lang_source"] == "column"
    assert "marker (gold)" in m["slices"]
    assert m["per_class"]["drone"]["precision_ci"] is not None
    assert m["bootstrap"] == {"n_boot": 100, "seed": 0, "level": 0.95}
    json.dumps(m)  # JSON-serialisable


def test_military_flag_against_the_gold_marker(tiny_model, tiny_model_dir, tmp_path):
    path = tmp_path / "flags.csv"
    rows = [
        ("Квадрокоптер DJI Mavic 3 для нужд СВО", "drone", "1"),  # caught
        ("Ноутбук Getac B360 для в/ч 12345", "rugged_computer", "1"),  # caught
        ("Рации Kenwood на передок", "other", "1"),  # missed (slang the rules leave alone)
        ("Фронтальный погрузчик XCMG", "other", "0"),
        ("Поставка ноутбуков для нужд Минобороны России", "other", "0"),  # a false flag, by this file's gold
        ("Гироскоп для навигации 2 шт", "navigation", ""),  # no gold marker: left out
    ]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([("text", "label", "marker"), *rows])
    m = evaluate(path, tiny_model, n_boot=10)
    f = m["military_flag"]
    assert {k: f[k] for k in ("n", "gold_marked", "flagged", "true_flags", "false_flags", "missed")} == {
        "n": 5, "gold_marked": 3, "flagged": 3, "true_flags": 2, "false_flags": 1, "missed": 1
    }  # fmt: skip
    assert (f["precision"], f["recall"]) == (round(2 / 3, 4), round(2 / 3, 4))
    assert f["false_flag_lines"] == [{"line": 6, "text": rows[4][0], "wording": "Минобороны"}]
    assert f["missed_lines"] == [{"line": 4, "text": rows[2][0]}]
    args = ["evaluate", str(path), "--model", str(tiny_model_dir), "--report", str(tmp_path / "r")]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "1 false flag(s), 1 missed" in out.output and "false flag, line 6: «Минобороны»" in out.output
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "Military end-use flag" in page and '<td class="l">Минобороны</td>' in page
    assert evaluate(TINY_CORPUS, tiny_model, n_boot=10)["military_flag"]["n"] > 0


def test_errors_most_confident_first(tiny_model, tiny_corpus, tmp_path):
    path = tmp_path / "swapped.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["text", "label"])
        for i, (t, lab) in enumerate(zip(tiny_corpus.text, tiny_corpus.label)):
            # every fourth line gets a wrong gold label
            w.writerow([t, ("other" if lab != "other" else "drone") if i % 4 == 0 else lab])
    m = evaluate(path, tiny_model, n_boot=50)
    assert m["n_errors"] == len(range(0, len(tiny_corpus), 4))
    scores = [e["score"] for e in m["top_errors"]]
    assert scores == sorted(scores, reverse=True)
    assert all(e["gold"] != e["predicted"] for e in m["top_errors"])


def test_thresholds_change_the_evaluated_labels(tiny_model, tiny_corpus):
    model = copy.copy(tiny_model)
    model.meta = {"thresholds": {c: 1.0 for c in LABELS if c != "other"}}
    m = evaluate(TINY_CORPUS, model, n_boot=20)
    assert m["per_class"]["other"]["predicted"] == len(tiny_corpus)
    assert m["review"]["n"] == sum(lab != "other" for lab in tiny_corpus.label)
    assert m["review"]["candidate_correct"] == m["review"]["n"]
    raw = evaluate(TINY_CORPUS, model, n_boot=20, apply_thresholds=False)
    assert raw["accuracy"] == 1.0 and raw["review"]["n"] == 0


def test_evaluation_states_the_rules_it_labelled_with(tiny_model):
    from pipeline.report.text import thresholds_text

    model = copy.copy(tiny_model)
    model.meta = {"thresholds": {"drone": 0.9}, "code_line_words": 5, "code_line_threshold": 0.6, "pool_below": 0.03}
    m = evaluate(TINY_CORPUS, model, n_boot=20)
    assert m["code_line_rule"] == {"words": 5, "threshold": 0.6} and m["long_line_rule"] is None
    text = thresholds_text(m)
    assert "at most 5 words with a model code: ≥ 0.600" in text and "p(other) < 0.030" in text
    assert evaluate(TINY_CORPUS, model, n_boot=20, apply_thresholds=False)["code_line_rule"] is None


def test_cli_evaluate(tiny_model_dir):
    runner = CliRunner()
    res = runner.invoke(app, ["evaluate", str(TINY_CORPUS), "--model", str(tiny_model_dir), "--n-boot", "50"])
    assert res.exit_code == 0, res.output
    assert "any dual-use vs other" in res.output and "95% CI" in res.output
    res = runner.invoke(app, ["evaluate", str(TINY_CORPUS), "--model", str(tiny_model_dir), "--json", "--n-boot", "50"])
    assert res.exit_code == 0
    assert json.loads(res.output)["accuracy"] == 1.0


def test_cross_validation_grouped_folds(tiny_config, tiny_corpus):
    from pipeline.training.corpus import make_splits

    splits = make_splits(tiny_corpus, 0.1, 0.15, seed=1, threshold=0.8)
    cv = cross_validate(tiny_config, tiny_corpus, splits, 3)
    assert cv["k"] == 3 and len(cv["folds"]) == 3
    assert sum(f["n"] for f in cv["folds"]) == len(tiny_corpus)
    s = cv["summary"]
    assert 0.0 <= s["macro_f1"]["mean"] <= 1.0 and s["macro_f1"]["std"] >= 0.0
    assert set(s["per_class"]) == set(LABELS)
    with pytest.raises(ValueError):
        cross_validate(tiny_config, tiny_corpus, splits, 1)


def test_cross_validation_keeps_a_cluster_in_one_fold(tiny_config, tiny_corpus, monkeypatch):
    from pipeline.model.core import DualUseModel
    from pipeline.training.corpus import make_splits

    splits = make_splits(tiny_corpus, 0.1, 0.15, seed=1, threshold=0.8)
    # one artificial cluster of every ninth line (several labels) must be scored in a single fold
    members = set(range(0, len(tiny_corpus), 9))
    splits.cluster = [0 if i in members else c + 100 for i, c in enumerate(splits.cluster)]
    held = []
    real = DualUseModel.predict_batch

    def spy(self, texts, apply_thresholds=True):
        held.append(list(texts))
        return real(self, texts, apply_thresholds)

    monkeypatch.setattr(DualUseModel, "predict_batch", spy)
    cross_validate(tiny_config, tiny_corpus, splits, 3)
    assert len(held) == 3
    cluster_texts = {tiny_corpus.text[i] for i in members}
    with_cluster = [h for h in held if cluster_texts & set(h)]
    assert len(with_cluster) == 1
    assert cluster_texts <= set(with_cluster[0])


def test_train_cv_stores_metrics_in_meta(tiny_config, tmp_path):
    from pipeline.config import config_to_str
    from pipeline.model.core import read_meta
    from pipeline.training.train import train

    cfg_path = tmp_path / "tiny.cfg"
    cfg_path.write_text(config_to_str(tiny_config), encoding="utf-8")
    result = train(cfg_path, tmp_path / "m", overrides={"corpus.train_on": "train"}, cv=2)
    meta = read_meta(tmp_path / "m")
    assert meta["metrics"]["cv"]["k"] == 2
    assert "macro_f1" in meta["metrics"]["cv"]["summary"]
    assert result.metrics["cv"]["summary"]["accuracy"]["mean"] >= 0.0
