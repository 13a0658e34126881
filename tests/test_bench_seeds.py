"""The seed table of ``bench/compare.py``: the same leave-one-source-out folds over several augmentation seeds."""

from __future__ import annotations

import sys

import joblib
import numpy as np
import pandas as pd
import pytest

from tests.conftest import REPO, TINY_CORPUS

sys.path.insert(0, str(REPO / "bench"))
import compare  # noqa: E402


def _fold(name: str, f1: float, false: int = 0, peer: float = 0.5) -> dict:
    confusion = [[0] * 6 for _ in range(6)]
    other = compare.LABELS.index("other")
    confusion[other][0] = false
    return {
        "fold": name,
        "n": 10,
        "systems": {"dualuse": {"macro_f1": f1, "confusion": confusion}, "char_wb_svc": {"macro_f1": peer}},
    }


def test_seed_table_counts_each_fold_over_the_runs():
    runs = [
        ("seed 0", [_fold("real", 0.86, false=7), _fold("w1", 0.95, peer=0.9)]),
        ("seed 1", [_fold("real", 0.78, false=9), _fold("w1", 0.97, peer=0.9)]),
    ]
    t = compare.seed_table(runs)
    real, w1 = t["folds"]
    assert real["scores"] == [0.86, 0.78] and real["min"] == 0.78 and real["max"] == 0.86
    assert real["mean"] == pytest.approx(0.82) and w1["mean"] == pytest.approx(0.96)
    assert w1["peers"] == {"char_wb_svc": pytest.approx(0.9)}
    assert t["mean"] == [pytest.approx(0.905), pytest.approx(0.875)]
    assert t["worst"] == [(0.86, "real"), (0.78, "real")]
    assert t["false"] == [7, 9]
    no_ordinary = compare.seed_table([(n, folds[1:]) for n, folds in runs])
    assert no_ordinary["false"] is None and no_ordinary["worst"] == [(0.95, "w1"), (0.97, "w1")]
    with pytest.raises(ValueError, match="other folds"):
        compare.seed_table([runs[0], ("seed 1", runs[1][1][:1])])


def test_loso_over_seeds_saves_each_run_and_prints_the_seed_table(tiny_config, tmp_path, capsys, monkeypatch):
    rows = pd.read_csv(TINY_CORPUS)
    files = []
    for k in range(2):
        path = tmp_path / f"half{k}.csv"
        rows.iloc[k::2].to_csv(path, index=False)
        files.append(str(path))
    cfg = {**tiny_config, "paths": {**tiny_config["paths"], "corpus": files, "ood": None}}
    seen = []

    class Recording(compare.DualuseSystem):
        def __call__(self, train_x, train_y, sources, test_x):
            seen.append(self.cfg["augment"]["seed"])
            return super().__call__(train_x, train_y, sources, test_x)

    monkeypatch.setattr(compare, "DualuseSystem", Recording)
    compare.loso_main(cfg, "tiny", None, 1, False, ["char_wb_svc"], save=str(tmp_path / "oof"), seeds=[3, 5])
    out = capsys.readouterr().out
    assert sorted(seen) == [3, 3, 5, 5]
    assert "augmentation seed 3" in out and "augmentation seed 5" in out
    assert "| held-out source | lines | seed 3 | seed 5 | mean | lowest | highest | char_wb_svc |" in out
    assert "| half0 | " in out and "| half1 | " in out and "worst fold per run: seed 3 half" in out
    saved = [joblib.load(tmp_path / f"oof.seed{s}")["folds"] for s in (3, 5)]
    assert [f["fold"] for f in saved[0]] == ["half0", "half1"] == [f["fold"] for f in saved[1]]
    joblib.dump({**joblib.load(tmp_path / "oof.seed5"), "folds": saved[1][:1]}, tmp_path / "other")
    table = compare.seed_table([("a", saved[0]), ("b", saved[1])])
    printed = [line for line in out.splitlines() if line.startswith("| half0 | ")][-1]
    assert printed.split(" | ")[2:4] == [f"{v:.3f}" for v in table["folds"][0]["scores"]]

    import seed_ensemble_oof

    files = [str(tmp_path / f"oof.seed{s}") for s in (3, 5)]
    ens = seed_ensemble_oof.ensemble_table(files, cfg)
    assert ens["runs"] == ["oof.seed3", "oof.seed5"] and ens["folds"] == ["half0", "half1"]
    for name, folds in zip(ens["runs"], saved):
        assert ens["scores"][name] == pytest.approx([f["systems"]["dualuse"]["macro_f1"] for f in folds])
    assert len(ens["scores"]["ensemble"]) == 2 and ens["false"]["ensemble"] == 0
    with pytest.raises(ValueError, match="other folds"):
        seed_ensemble_oof.ensemble_table([files[0], str(tmp_path / "other")], cfg)


def test_averaged_models_label_from_the_mean_of_their_scores(tiny_model_dir, tiny_config, tiny_corpus, tmp_path):
    import seed_ensemble_files

    from pipeline.model.core import load_model
    from pipeline.training.fit import fit_model

    texts = list(tiny_corpus.text)
    alone = load_model(tiny_model_dir)
    one = seed_ensemble_files.averaged(tiny_model_dir, [alone]).predict_batch(texts)
    assert one.labels == alone.predict_batch(texts).labels
    assert np.allclose(one.proba, alone.predict_proba(texts))
    other = fit_model(dict(tiny_config, classifier=dict(tiny_config["classifier"], C=0.5)), texts, tiny_corpus.label)
    two = seed_ensemble_files.averaged(tiny_model_dir, [alone, other]).predict_batch(texts)
    assert np.allclose(two.proba, (alone.predict_proba(texts) + other.predict_proba(texts)) / 2)
    labelled = tmp_path / "labelled.csv"
    pd.DataFrame({"text": texts, "label": tiny_corpus.label}).to_csv(labelled, index=False)
    res = seed_ensemble_files.score_files([str(tiny_model_dir), str(tiny_model_dir)], [str(labelled)])
    assert res["names"] == ["m0", "m1", "mean"] and res["f1"]["m0"] == res["f1"]["mean"] == [1.0]


def _scores(rows: list[tuple[str, float]]) -> np.ndarray:
    """Score rows of (best class, its score), the rest on `other`."""
    proba = np.zeros((len(rows), len(compare.LABELS)))
    for i, (cls, p) in enumerate(rows):
        proba[i, compare.LABELS.index(cls)] = p
        proba[i, compare.LABELS.index("other")] += 1 - p
    return proba


def _rule(thresholds: dict[str, float]) -> dict:
    """The labelling rule of :func:`thresholds_oof.label` with only class thresholds (every other rule off)."""
    off = {"long": (0, 0.0), "pool": 0.0, "code": (0, 0.0), "prose": (0, 1.0), "keywords": 0.0, "agree": 0.0}
    return {"thresholds": thresholds, **off, "bare": 0, "terms": 0}


def test_pooled_threshold_search_holds_the_budget_on_every_run():
    import seed_ensemble_oof

    gold_real = ["other"] * 20 + ["drone"] * 2
    gold_w1 = ["drone"] * 5 + ["other"] * 5
    w1 = _scores([("drone", p) for p in (0.75, 0.8, 0.85, 0.9, 0.95)] + [("other", 1.0)] * 5)

    def run(false_scores):
        real = _scores([("drone", p) for p in false_scores] + [("other", 1.0)] * (20 - len(false_scores)))
        real = np.vstack([real, _scores([("drone", 0.9)] * 2)])
        return [
            ("real", gold_real, real, list(compare.LABELS), np.ones(22), None),
            ("w1", gold_w1, w1, list(compare.LABELS), np.ones(10), None),
        ]

    rule = _rule(dict.fromkeys(["drone", "counter_drone"], 0.5))
    runs = [run([0.62]), run([0.62, 0.72])]

    def prep(chosen):
        return {
            "runs": chosen,
            "texts": {"real": [""] * 22, "w1": [""] * 10},
            "terms": {"real": {}, "w1": {}},
            "rule": rule,
            "normalise": str,
        }

    both = prep(runs)
    assert seed_ensemble_oof.ordinary_lines(both) == 20
    assert [seed_ensemble_oof.scored(both, r)[1] for r in runs] == [1, 2]
    found = seed_ensemble_oof.pooled_search(both, 0.05)
    assert found["allowed"] == 1 and found["false"] == [0, 0]
    assert found["thresholds"] == {"drone": 0.75, "counter_drone": 0.5}
    assert found["means"] == [pytest.approx(1.0), pytest.approx(1.0)]
    alone = seed_ensemble_oof.pooled_search(prep(runs[:1]), 0.05)
    assert alone["thresholds"]["drone"] == 0.65 and alone["false"] == [0]
    assert seed_ensemble_oof.scored(both, runs[1], alone["thresholds"])[1] == 1


def test_halves_cut_every_run_at_the_same_lines():
    import seed_ensemble_oof

    gold = ["other"] * 6 + ["drone"] * 4
    runs = [
        [("real", gold, _scores([("drone", p / 20) for p in range(10)]), list(compare.LABELS), np.arange(10.0), None)]
        for _ in range(2)
    ]
    prep = {"runs": runs, "mean": runs[0], "folds": ["real"], "texts": {"real": [str(i) for i in range(10)]}}
    a, b = seed_ensemble_oof.halves(prep, seed=1)
    for half in (a, b):
        kept = [int(t) for t in half["texts"]["real"]]
        for run in [*half["runs"], half["mean"]]:
            name, g, proba, _, fam, _ = run[0]
            assert name == "real" and list(fam) == kept and g == [gold[i] for i in kept]
            assert np.allclose(proba, runs[0][0][2][kept])
    assert sorted(a["texts"]["real"] + b["texts"]["real"], key=int) == prep["texts"]["real"]


def test_fold_intervals_hold_each_folds_macro_f1_and_its_dual_use_count():
    import seed_ensemble_oof

    gold = ["other"] * 30 + ["drone"] * 10
    proba = _scores([("other", 1.0)] * 28 + [("drone", 0.9)] * 2 + [("drone", 0.9)] * 8 + [("other", 1.0)] * 2)
    rule = _rule({"drone": 0.5})
    fold = ("real", gold, proba, list(compare.LABELS), np.ones(40), None)
    prep = {"texts": {"real": [""] * 40}, "terms": {"real": {}}, "rule": rule, "normalise": str}
    (row,) = seed_ensemble_oof.fold_intervals(prep, [fold], n_boot=200)
    # drone: P 0.8, R 0.8; other: P 28/30, R 28/30
    assert row["fold"] == "real" and row["dual_use"] == 10
    assert row["macro_f1"] == pytest.approx((0.8 + 28 / 30) / 2)
    assert row["low"] < row["macro_f1"] < row["high"] <= 1.0
    assert seed_ensemble_oof.fold_intervals(prep, [fold], n_boot=200) == [row]


def test_oracle_thresholds_are_searched_on_the_folds_own_labels():
    import seed_ensemble_oof

    # two false drone lines at 0.6 and 0.7, drone lines at 0.65 and 0.9: at the config's 0.5 all four are drone;
    # the fold's own best cut is 0.65 (drop the false line at 0.6, keep both drone lines): drone P 2/3 R 1, other
    # P 1 R 7/8; a cut at 0.75 would drop both false lines but lose the drone line at 0.65 (0.804 against 0.867)
    gold = ["other"] * 8 + ["drone"] * 2
    proba = _scores([("drone", 0.6), ("drone", 0.7)] + [("other", 1.0)] * 6 + [("drone", 0.65), ("drone", 0.9)])
    fold = ("real", gold, proba, list(compare.LABELS), np.ones(10), None)
    prep = {
        "names": ["run"],
        "folds": ["real"],
        "runs": [[fold]],
        "texts": {"real": [""] * 10},
        "terms": {"real": {}},
        "rule": _rule({"drone": 0.5, "counter_drone": 0.5}),
        "normalise": str,
    }
    (row,) = seed_ensemble_oof.oracle(prep, "real")
    assert row["run"] == "run" and row["config"][1] == 2 and row["oracle"][1] == 1
    assert row["thresholds"]["drone"] == 0.65
    assert row["config"][0] == pytest.approx((2 * 0.5 / 1.5 + 2 * 0.75 / 1.75) / 2)
    assert row["oracle"][0] == pytest.approx((0.8 + 14 / 15) / 2)
    assert row["oracle"][0] > row["config"][0]
    with pytest.raises(KeyError, match="no fold 'w1'"):
        seed_ensemble_oof.oracle(prep, "w1")
