import random

from pipeline.training.augment import Augmenter, add_typo, transliterate
from pipeline.training.recipe import load_config

from .conftest import REPO


def test_transliteration_schemes():
    assert transliterate("Защищенный ноутбук", 0) == "Zashchishchennyy noutbuk"
    assert transliterate("ПОДАВИТЕЛЬ сигналов", 1) == "PODAVITEL signalov"
    assert transliterate("Getac F110") == "Getac F110"


def test_typo_changes_one_word_slightly():
    rng = random.Random(0)
    out = add_typo("квадрокоптер DJI", rng)
    assert out != "квадрокоптер DJI"
    assert out.endswith(" DJI")
    assert abs(len(out) - len("квадрокоптер DJI")) <= 1
    assert add_typo("DJI M3", rng) == "DJI M3"


def test_augment_is_seeded_and_keeps_labels():
    texts = ["Квадрокоптер DJI Mavic 3 Pro 5 шт", "Rugged tablet Getac F110 IP66", "Лопатка турбины ПС-90А"]
    labels = ["drone", "rugged_computer", "aircraft_parts"]
    a = Augmenter(copies=2, seed=3).augment(texts, labels)
    b = Augmenter(copies=2, seed=3).augment(texts, labels)
    assert a == b
    out_t, out_l = a
    assert out_t[:3] == texts and out_l[:3] == labels
    assert len(out_t) > 3
    for t, lab in zip(out_t[3:], out_l[3:]):
        assert lab in labels
        assert t not in texts
    assert Augmenter(copies=0).augment(texts, labels) == (texts, labels)


def test_augment_section_is_optional_and_validated(tmp_path):
    text = (REPO / "configs" / "default.cfg").read_text(encoding="utf-8")
    cut = tmp_path / "no_augment.cfg"
    cut.write_text(text[: text.index("[augment]")], encoding="utf-8")
    assert "augment" not in load_config(cut)
    import pytest

    from pipeline.config import ConfigError

    with pytest.raises(ConfigError, match=r"\[augment\] p_typo"):
        load_config(REPO / "configs" / "default.cfg", {"augment.p_typo": 2})


def test_fit_with_augmentation(tiny_config, tiny_corpus):
    from pipeline.training.fit import fit_model

    cfg = dict(tiny_config)
    cfg["augment"] = {"copies": 1, "seed": 0}
    model = fit_model(cfg, tiny_corpus.text, tiny_corpus.label)
    preds = model.predict(["kvadrokopter DJI Mavic 3", "ЗАЩИЩЕННЫЙ НОУТБУК PANASONIC TOUGHBOOK CF-33"])
    assert [p.label for p in preds] == ["drone", "rugged_computer"]
