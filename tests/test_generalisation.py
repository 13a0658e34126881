"""Issue 9: source weighting, leave-one-source-out folds, familiarity review, precision at a user's prevalence."""

import numpy as np
import pytest

from pipeline.config import LABELS
from pipeline.evaluation.metrics import prevalence_projection
from pipeline.training.corpus import Corpus
from pipeline.training.crossval import expected_calibration_error, leave_one_source_out, source_of_file
from pipeline.training.fit import copy_weighted, fit_model, other_weighted, source_weights


def test_source_weights_balance_sources():
    sources = ["big"] * 90 + ["small"] * 10
    assert source_weights(sources, "none") is None
    eq = source_weights(sources, "equal")
    assert eq[:90].sum() == pytest.approx(eq[90:].sum())
    assert eq.mean() == pytest.approx(1.0)
    sq = source_weights(sources, "sqrt")
    assert sq[:90].sum() / sq[90:].sum() == pytest.approx(3.0)


def test_other_weight_multiplies_only_other_lines():
    labels = ["other", "drone", "other", "navigation"]
    assert other_weighted(None, labels, 1.0) is None
    assert other_weighted(None, labels, 3.0).tolist() == [3.0, 1.0, 3.0, 1.0]
    base = np.array([0.5, 2.0, 1.0, 1.5])
    assert other_weighted(base, labels, 2.0).tolist() == [1.0, 2.0, 2.0, 1.5]
    assert base.tolist() == [0.5, 2.0, 1.0, 1.5]


def test_other_weight_moves_scores_towards_other(tiny_config, tiny_corpus):
    heavy_cfg, plain_cfg = dict(tiny_config), dict(tiny_config)
    heavy_cfg["training"] = dict(tiny_config["training"], other_weight=5.0)
    plain_cfg["training"] = dict(tiny_config["training"], other_weight=1.0)
    heavy = fit_model(heavy_cfg, tiny_corpus.text, tiny_corpus.label)
    plain = fit_model(plain_cfg, tiny_corpus.text, tiny_corpus.label)
    other = plain.classes.index("other")
    held = ["seat cushion", "ring for a table", "parts of engines"]
    assert heavy.predict_proba(held)[:, other].mean() > plain.predict_proba(held)[:, other].mean()


def test_fit_with_source_weights_changes_the_fit(tiny_config, tiny_corpus):
    cfg = dict(tiny_config)
    cfg["training"] = dict(cfg["training"], source_weighting="equal")
    sources = ["a" if i % 5 else "b" for i in range(len(tiny_corpus))]
    weighted = fit_model(cfg, tiny_corpus.text, tiny_corpus.label, sources)
    plain = fit_model(tiny_config, tiny_corpus.text, tiny_corpus.label)
    assert not np.allclose(weighted.predict_proba(tiny_corpus.text), plain.predict_proba(tiny_corpus.text))
    assert weighted.predict_batch(tiny_corpus.text).labels == tiny_corpus.label


def test_weights_follow_augmented_copies(tiny_config, tiny_corpus):
    cfg = dict(tiny_config)
    cfg["training"] = dict(cfg["training"], source_weighting="sqrt")
    cfg["augment"] = dict(cfg.get("augment") or {}, copies=1, seed=0)
    model = fit_model(cfg, tiny_corpus.text, tiny_corpus.label, ["s"] * len(tiny_corpus))
    assert model.predict_batch(tiny_corpus.text).labels == tiny_corpus.label


@pytest.mark.parametrize(
    "path, fold",
    [
        ("corpora/handwritten/w3_english.csv", "w3_english"),
        ("corpora/nomenclature/tnved_ru.csv", "nomenclature"),
        ("corpora/real/uk_ott_terms_labelled.csv", "real"),
        ("my/labelled.csv", "labelled"),
    ],
)
def test_source_of_file(path, fold):
    assert source_of_file(path) == fold


def test_leave_one_source_out_holds_each_source_out(tiny_corpus):
    corpus = Corpus()
    corpus.extend(tiny_corpus)
    half = len(corpus) // 2
    corpus.file = ["a/one.csv"] * half + ["a/two.csv"] * (len(corpus) - half)
    seen = []

    def system(train_x, train_y, sources, test_x):
        seen.append((len(train_x), len(test_x), set(sources)))
        return ["other"] * len(test_x), [0.5] * len(test_x)

    cfg = {"corpus": {"near_duplicate_threshold": 0.8}}
    res = leave_one_source_out(cfg, corpus, {"always_other": system})
    assert [f["fold"] for f in res["folds"]] == ["one", "two"]
    assert {s for _, _, srcs in seen for s in srcs} <= {"one:tiny_corpus", "two:tiny_corpus"}
    for (n_train, n_test, srcs), f in zip(seen, res["folds"]):
        assert n_test == f["n"] and n_train + f["dropped"] == len(corpus) - n_test
        assert all(not s.startswith(f["fold"] + ":") for s in srcs)
    assert res["summary"]["always_other"]["worst"] <= res["summary"]["always_other"]["mean"]
    assert "ece" in res["folds"][0]["systems"]["always_other"]


def test_expected_calibration_error():
    assert expected_calibration_error(["a", "a"], ["a", "a"], [1.0, 1.0]) == pytest.approx(0.0)
    assert expected_calibration_error(["a", "b"], ["a", "a"], [1.0, 1.0]) == pytest.approx(0.5)


def test_prevalence_projection_hand_computed():
    labels = list(LABELS)
    k = len(labels)
    conf = np.zeros((k, k), dtype=int)
    d, o = labels.index("drone"), labels.index("other")
    conf[d, d] = 90  # 100 drone lines, 90 caught
    conf[d, o] = 10
    conf[o, o] = 990  # 1000 other lines, 10 called drone
    conf[o, d] = 10
    p = prevalence_projection(conf, labels, 0.01)
    drone = p["per_class"]["drone"]
    assert drone["fpr"] == pytest.approx(0.01)
    assert drone["recall"] == pytest.approx(0.9)
    # 1 % drones: 0.01*0.9 true hits against 0.99*0.01 false ones
    assert drone["precision"] == pytest.approx(0.009 / (0.009 + 0.0099))
    assert drone["precision_conservative"] < drone["precision"]
    assert p["any_dual_use"]["precision"] == pytest.approx(drone["precision"])
    # on the test set's own prevalence (100 of 1100) precision is the plain 90 / 100
    same = prevalence_projection(conf, labels, 100 / 1100)
    assert same["per_class"]["drone"]["precision"] == pytest.approx(0.9)


def test_prevalence_projection_with_no_false_positive_is_still_bounded():
    labels = list(LABELS)
    k = len(labels)
    conf = np.zeros((k, k), dtype=int)
    n = labels.index("navigation")
    conf[n, n] = 50
    conf[labels.index("other"), labels.index("other")] = 300
    p = prevalence_projection(conf, labels, 0.005)
    assert p["per_class"]["navigation"]["precision"] == pytest.approx(1.0)
    assert 0.0 < p["per_class"]["navigation"]["precision_conservative"] < 1.0
    with pytest.raises(ValueError):
        prevalence_projection(conf, labels, 0.0)


def test_familiarity_counts_known_words(tiny_model):
    fam = tiny_model.familiarity
    known = next(iter(sorted(fam.known)))
    scores = fam([known, "zzqx wwvy", "", "12345 678", f"{known} zzqx"])
    assert scores.tolist() == [1.0, 0.0, 1.0, 1.0, 0.5]


def test_unfamiliar_other_lines_go_to_review(tiny_model, tiny_corpus):
    model = tiny_model
    noise = " ".join(f"zq{chr(97 + i)}x" for i in range(20))
    others = [t + " " + noise for t, lab in zip(tiny_corpus.text, tiny_corpus.label) if lab == "other"]
    plain = model.predict_batch(others)
    assert plain.review.sum() == 0, "no familiarity cut without unfamiliar_below"
    unfamiliar = [t for t, lab in zip(others, plain.labels) if lab == "other"]
    assert unfamiliar
    saved = dict(model.meta)
    try:
        model.meta["unfamiliar_below"] = 0.5
        batch = model.predict_batch(unfamiliar + [tiny_corpus.text[0]])
        n = len(unfamiliar)
        assert set(batch.labels[:n]) == {"other"}, "review never changes the label"
        assert batch.review[:n].tolist() == [1] * n
        assert all(c in LABELS[:-1] for c in batch.candidates[:n])
        assert (batch.familiarity[:n] < 0.5).all()
        assert batch.review[n] == 0 and batch.familiarity[n] == 1.0
        assert model.predict(unfamiliar[:1])[0].review == 1
        model.meta["unfamiliar_lean"] = 1.0  # no line leans that much to a dual-use class
        assert model.predict_batch(unfamiliar).review.sum() == 0
    finally:
        model.meta.clear()
        model.meta.update(saved)


def test_operating_point_from_config(tiny_config):
    from pipeline.training.fit import operating_point

    cfg = dict(tiny_config)
    cfg["training"] = dict(cfg["training"], unfamiliar_below=0.4)
    cfg["thresholds"] = {"drone": 0.6, "navigation": 0.0}
    op = operating_point(cfg)
    assert op["thresholds"] == {"drone": 0.6}
    assert op["unfamiliar_below"] == 0.4
    cfg.pop("thresholds")
    assert operating_point(cfg)["thresholds"] == {}


def test_min_score_sends_weak_dual_use_lines_to_review(tiny_model, tiny_corpus):
    saved = dict(tiny_model.meta)
    try:
        plain = tiny_model.predict_batch(tiny_corpus.text)
        dual = [i for i, lab in enumerate(plain.labels) if lab != "other"]
        cut = float(np.median(plain.scores[dual]))
        tiny_model.meta["thresholds"] = {lab: cut for lab in LABELS[:-1]}
        batch = tiny_model.predict_batch(tiny_corpus.text)
        for i in dual:
            if plain.scores[i] < cut:
                assert batch.labels[i] == "other" and batch.review[i] == 1 and batch.candidates[i] == plain.labels[i]
            else:
                assert batch.labels[i] == plain.labels[i] and batch.review[i] == 0
    finally:
        tiny_model.meta.clear()
        tiny_model.meta.update(saved)


def test_batch_familiarity_equals_the_reference(tiny_model, tiny_corpus):
    texts = tiny_corpus.text + ["zzqx 12345 CP.MA.00000656.01", "", "Ноутбук  Lenovo\u200b zzqx"]
    batch = tiny_model.predict_batch(texts)
    np.testing.assert_allclose(batch.familiarity, tiny_model.familiarity(texts))


def test_copy_weight_scales_the_copies_only():
    origin = [0, 1, 2, 0, 2]
    assert copy_weighted(None, origin, 3, 1.0) is None
    assert copy_weighted(None, origin, 3, 0.5).tolist() == [1.0, 1.0, 1.0, 0.5, 0.5]
    base = np.array([2.0, 1.0, 4.0])
    assert copy_weighted(base, origin, 3, 1.0).tolist() == [2.0, 1.0, 4.0, 2.0, 4.0]
    assert copy_weighted(base, origin, 3, 0.25).tolist() == [2.0, 1.0, 4.0, 0.5, 1.0]
    assert base.tolist() == [2.0, 1.0, 4.0]


def test_copy_weight_is_a_validated_recipe_key_that_changes_the_fit(tiny_config, tiny_corpus):
    from pipeline.config import ConfigError
    from pipeline.training.recipe import load_config
    from tests.conftest import REPO

    assert load_config(REPO / "configs" / "default.cfg", {"augment.copy_weight": 0.5})["augment"]["copy_weight"] == 0.5
    for bad in (0, -1, "half"):
        with pytest.raises(ConfigError, match=r"\[augment\] copy_weight"):
            load_config(REPO / "configs" / "default.cfg", {"augment.copy_weight": bad})
    framed = dict(tiny_config, augment=dict(tiny_config.get("augment") or {}, copies=1, p_frame=1.0, seed=0))

    def fit(**more):
        return fit_model(dict(framed, augment=dict(framed["augment"], **more)), tiny_corpus.text, tiny_corpus.label)

    full, half, same = fit(), fit(copy_weight=0.5), fit(copy_weight=1.0)
    probe = list(tiny_corpus.text[:10]) + ["ИЗГОТОВИТЕЛЬ ОТСУТСТВУЕТ, Квадрокоптер DJI Mavic 3 Pro"]
    assert np.allclose(full.predict_proba(probe), same.predict_proba(probe))
    assert not np.allclose(full.predict_proba(probe), half.predict_proba(probe))
    assert half.predict_batch(tiny_corpus.text).labels == tiny_corpus.label
