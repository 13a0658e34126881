import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.training.augment import Augmenter, add_typo, transliterate
from pipeline.training.inflect import pluralise
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


def test_frames_hold_the_line_in_invented_fields():
    from pipeline.training.frames import declaration_frame, maker_name, model_code

    rng = random.Random(5)
    texts = ["Квадрокоптер DJI Mavic 3", "Rugged tablet Getac F110", "Перчатки рабочие"]
    for i in range(60):
        t = texts[i % 3]
        lang = "ru" if i % 2 else "en"
        out = declaration_frame(t, lang, rng)
        assert t.upper() in out.upper()
        assert len(out) > len(t) + 5
    makers = {maker_name(random.Random(i), "ru") for i in range(200)}
    codes = {model_code(random.Random(i)) for i in range(200)}
    assert len(makers) > 150 and len(codes) > 150
    assert any(m.startswith(("ООО", "АО")) for m in makers)
    assert all(any(ch.isdigit() for ch in c) for c in codes)


def test_frame_copies_are_seeded_and_follow_p_frame():
    texts = ["Квадрокоптер DJI Mavic 3", "Rugged tablet Getac F110", "Перчатки рабочие", "horses, live"]
    labels = ["drone", "rugged_computer", "other", "other"]
    only_frames = {"copies": 1, "p_translit": 0, "p_typo": 0, "p_upper": 0, "p_boilerplate": 0}
    a = Augmenter(p_frame=1.0, seed=1, **only_frames).augment(texts, labels)
    assert a == Augmenter(p_frame=1.0, seed=1, **only_frames).augment(texts, labels)
    out_t, out_l = a
    assert out_l == labels + labels
    for t, copy in zip(texts, out_t[4:]):
        assert t.upper() in copy.upper() and copy != t
    assert Augmenter(p_frame=0.0, seed=1, **only_frames).augment(texts, labels) == (texts, labels)


def test_p_frame_is_a_probability():
    import pytest

    from pipeline.config import ConfigError

    cfg = load_config(REPO / "configs" / "default.cfg", {"augment.p_frame": 1.0})
    assert cfg["augment"]["p_frame"] == 1.0
    with pytest.raises(ConfigError, match=r"\[augment\] p_frame"):
        load_config(REPO / "configs" / "default.cfg", {"augment.p_frame": 1.5})


def _wrapped_lines_bench():
    """The module ``bench/wrapped_lines.py`` (a script, not a package module)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("wrapped_lines", REPO / "bench" / "wrapped_lines.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_bench_frames_are_unlike_the_training_frames():
    """bench/wrapped_lines.py measures frames the model was not fitted on: its makers' cities and marks never come
    out of the training generator."""
    from pipeline.training import frames

    bench = _wrapped_lines_bench()
    cities = {m.split()[0] for m in bench.MAKERS_EN + bench.MAKERS_RU if m.isascii()}
    assert cities and not cities & {c.split()[0] for c in frames._CITIES}
    generated = {frames.maker_name(random.Random(i), lang) for i in range(500) for lang in ("ru", "en")}
    assert not any(mark in g for g in generated for mark in bench.MARKS)
    assert bench.wrap("Перчатки рабочие", 3) == bench.wrap("Перчатки рабочие", 3)
    assert "Перчатки рабочие" in bench.wrap("Перчатки рабочие", 3)


def test_bench_wrapped_rows_count_both_ways():
    """bench/wrapped_lines.py scores each system as written and wrapped: macro-F1, dual-use recall, false labels."""
    from types import SimpleNamespace

    bench = _wrapped_lines_bench()
    corpus = SimpleNamespace(
        file=["corpora/real/a.csv"] * 4 + ["corpora/handwritten/w1_x.csv"],
        label=["drone", "other", "other", "navigation", "drone"],
    )
    labels = ["drone", "other", "other", "navigation"]
    wrapped = ["other", "drone", "other", "navigation"]
    res = {"folds": [{"fold": "real", "extra": {"dualuse": {"labels": labels, "wrapped": wrapped}}}]}
    (row,) = bench.fold_rows(res, corpus, None, ["dualuse"])
    assert row["n"] == 4 and row["dualuse/labels/other"] == row["dualuse/wrapped/other"] == 2
    assert row["dualuse/labels"] == 1.0 and row["dualuse/labels/recall"] == 1.0 and row["dualuse/labels/fp"] == 0
    assert row["dualuse/wrapped/recall"] == 0.5 and row["dualuse/wrapped/fp"] == 1
    assert row["dualuse/wrapped"] < 1.0


def test_prose_copies_put_the_line_inside_sentences_of_its_language():
    import pytest

    from pipeline.config import ConfigError
    from pipeline.text.markers import MarkerMatcher

    texts = ["Квадрокоптер DJI Mavic 3", "Rugged tablet Getac F110", "Перчатки рабочие", "horses, live"] * 10
    labels = ["drone", "rugged_computer", "other", "other"] * 10
    only = {"copies": 1, "p_translit": 0, "p_typo": 0, "p_upper": 0, "p_boilerplate": 0, "p_frame": 0.0}
    out_t, out_l = Augmenter(p_prose=1.0, seed=3, **only).augment(texts, labels)
    assert (out_t, out_l) == Augmenter(p_prose=1.0, seed=3, **only).augment(texts, labels)
    assert out_l == labels + labels
    markers = MarkerMatcher.from_file(REPO / "configs" / "markers.txt")
    for t, copy in zip(texts, out_t[len(texts) :]):
        assert t in copy and len(copy.split()) > len(t.split())
        cyrillic = any("а" <= ch <= "я" for ch in copy.lower().replace(t.lower(), ""))
        assert cyrillic == any("а" <= ch <= "я" for ch in t.lower())  # the frame is in the line's language
        assert not markers(copy.lower())  # no military destination in the invented sentences
    with pytest.raises(ConfigError, match=r"p_frame \+ p_prose"):
        load_config(REPO / "configs" / "default.cfg", {"augment.p_prose": 0.6})


@pytest.mark.parametrize(
    ("text", "plural"),
    [
        ("ударопрочный ноутбук", "ударопрочные ноутбуки"),
        ("ПЛАНШЕТ ЗАЩИЩЕННЫЙ IP65", "ПЛАНШЕТЫ ЗАЩИЩЕННЫЕ IP65"),
        ("Ноутбук Getac B360 в защищенном исполнении", "Ноутбуки Getac B360 в защищенном исполнении"),
        ("лопатка турбины высокого давления", "лопатки турбины высокого давления"),
        ("антенна активная ГНСС для БПЛА", "антенны активные ГНСС для БПЛА"),
        ("Квадрокоптер DJI Mavic 3: камера 48 Мп", "Квадрокоптеры DJI Mavic 3: камера 48 Мп"),
        ("Защищенный ноутбук - Panasonic, 2 шт", "Защищенные ноутбуки - Panasonic, 2 шт"),
    ],
)
def test_pluralise_puts_the_first_phrase_in_the_plural(text, plural):
    assert pluralise(text) == plural


@pytest.mark.parametrize(
    "text",
    [
        "противоударные ноутбуки",  # already plural
        "Российские военные получат сверхнадежные планшетники",  # first phrase plural
        "Чехлы для защищенного планшета",
        "Rugged tablet Getac F110, 5 pcs",
        "kvadrokopter DJI Mavic 3",
        "БПЛА DJI 5 шт",
        "",
    ],
)
def test_pluralise_leaves_other_lines(text):
    assert pluralise(text) == text


def test_pluralise_stops_at_the_first_phrase():
    line = "1) БВС МУЛЬТИРОТОРНОГО ТИПА DJI MATRICE 350 RTK, ВЗЛЕТНАЯ МАССА 9.2 КГ"
    assert pluralise(line) == line
    assert pluralise("Дрон HGLRC Rekon 35, камера 4K") == "Дроны HGLRC Rekon 35, камера 4K"


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=60))
def test_pluralise_leaves_text_without_russian_words(text):
    assert pluralise(text) == text


@given(st.text(max_size=60))
def test_pluralise_keeps_everything_but_russian_words(text):
    out = pluralise(text)
    assert re.sub(r"[А-Яа-яЁё-]+", "", out) == re.sub(r"[А-Яа-яЁё-]+", "", text)


def test_p_inflect_copies_and_default_stream():
    texts = ["Ударопрочный ноутбук Getac B360", "Квадрокоптер DJI Mini 4 Pro", "Rugged tablet Getac F110"]
    labels = ["rugged_computer", "drone", "rugged_computer"]
    only = {"copies": 1, "p_translit": 0, "p_typo": 0, "p_upper": 0, "p_boilerplate": 0, "p_frame": 0.0}
    out_t, out_l = Augmenter(p_inflect=1.0, **only).augment(texts, labels)
    assert out_t[3:] == ["Ударопрочные ноутбуки Getac B360", "Квадрокоптеры DJI Mini 4 Pro"]
    assert out_l[3:] == ["rugged_computer", "drone"]
    assert Augmenter(p_inflect=0.0, **only).augment(texts, labels) == (texts, labels)
    framed_t, _ = Augmenter(p_inflect=1.0, **{**only, "p_frame": 1.0}).augment(texts[:1], labels[:1])
    assert "Ударопрочные ноутбуки Getac B360" in framed_t[1]


def test_p_inflect_is_a_validated_recipe_key():
    from pipeline.config import ConfigError

    assert load_config(REPO / "configs" / "default.cfg", {"augment.p_inflect": 0.3})["augment"]["p_inflect"] == 0.3
    with pytest.raises(ConfigError, match=r"\[augment\] p_inflect"):
        load_config(REPO / "configs" / "default.cfg", {"augment.p_inflect": 1.5})
    assert load_config(REPO / "configs" / "default.cfg", {"augment.per_line": True})["augment"]["per_line"] is True
    with pytest.raises(ConfigError, match=r"\[augment\] per_line"):
        load_config(REPO / "configs" / "default.cfg", {"augment.per_line": "often"})


def test_per_line_copies_depend_on_their_line_alone():
    texts = ["Ударопрочный ноутбук Getac B360", "Квадрокоптер DJI Mini 4 Pro", "Rugged tablet Getac F110", "GPS unit"]
    labels = ["rugged_computer", "drone", "rugged_computer", "navigation"]
    opts = {"copies": 2, "p_translit": 0.3, "p_typo": 0.3, "p_upper": 0.2, "p_boilerplate": 0.3, "p_frame": 0.5}

    def copies(aug, lines):
        out_t, _, origin = aug.augment_with_origin(lines, labels[: len(lines)])
        return {lines[o]: [t for t, o2 in zip(out_t[len(lines) :], origin[len(lines) :]) if o2 == o] for o in origin}

    aug = Augmenter(seed=5, per_line=True, **opts)
    together = copies(aug, texts)
    assert together == copies(Augmenter(seed=5, per_line=True, **opts), texts)
    for line in texts:
        assert copies(aug, [line])[line] == together[line]
    inflecting = copies(Augmenter(seed=5, per_line=True, p_inflect=1.0, **opts), texts)
    assert [inflecting[t] for t in texts[2:]] == [together[t] for t in texts[2:]]
    assert copies(Augmenter(seed=6, per_line=True, **opts), texts) != together


def test_per_line_keeps_the_frame_when_another_option_draws():
    texts = ["Rugged tablet Getac F110", "Защищенный планшет Getac F110"]
    labels = ["rugged_computer", "rugged_computer"]
    only = {"copies": 1, "p_translit": 0, "p_typo": 0, "p_upper": 0, "p_boilerplate": 0, "p_frame": 1.0, "seed": 2}
    plain, _ = Augmenter(per_line=True, **only).augment(texts, labels)
    inflected, _ = Augmenter(per_line=True, p_inflect=1.0, **only).augment(texts, labels)
    assert inflected[2] == plain[2]
    assert inflected[3] == plain[3].replace("Защищенный планшет", "Защищенные планшеты")
