"""Aircraft type designations, the tokeniser's ``mark_aircraft`` option and the normaliser's ``join_aircraft_types``."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.text import aircraft
from pipeline.text.aircraft import DESIGNATIONS_VERSION, MARK, is_aircraft_type, join_spaced_types, mark_aircraft
from pipeline.text.normalise import Normaliser
from pipeline.text.tokenise import SpacyTokeniser
from tests.featurise_helpers import fitted_features_and_gap

TYPES = [
    "mig-29", "миг-29cmt", "миг29", "su-35", "су-35c", "ка-52", "ми-8амтш", "ил-76мд", "ан-124-100", "л-410",
    "tu-154m", "як-52", "ssj-100", "мс-21", "ch-47", "uh-60m", "f-16c", "f/a-18", "c-130", "mq-9",
    "a320neo", "a350-900", "737-800", "b737", "r44", "aw139", "h135", "tv3-117", "tb3-117bm", "cfm56-7b", "pt6a-67",
    "boeing", "airbus", "cessna", "суперджет", "bell-407", "bell407", "белл-429", "dhc-6", "pa-28", "rrj-95",
    "ан-12", "аи-20", "д-18", "d-436", "ai-222", "an-124", "s-70", "dc-9", "md-80", "r44",
    # variant letters with a digit, dash numbers, more military, business and light types, engines and makers
    "ту-22m3", "су-30cm2", "cl-600-2b19", "pa-28-181", "f-5e", "t-38", "p-3c", "bo-105", "pc-12", "sr22t", "da42",
    "j85-ge-21", "t56-a-14", "р-95ш", "аш-62ир", "io-540", "tfe731-5br", "ae3007a1", "arriel", "lockheed",
]  # fmt: skip
NOT_TYPES = [
    "a320m-k", "a10", "а10", "c-300", "t-10", "e-3", "ан-240", "f-160", "mi", "8", "737", "drone", "canopy",
    "typhoon", "apache", "mirage", "m-14", "b-2", "z-10", "ми", "су", "35", "bell-100", "bell", "pa-6", "pa-66",
    "pa-12", "dhc-9",
    # codes of ordinary goods: R22 refrigerant, "E2" classes, DC9V supplies, Garmin S70, AN hose fittings, valves,
    # spray guns, J-10 connectors
    "r22", "e2", "dc9v", "md80", "s70", "an-12", "an12", "an-6", "ai-20", "d-18", "j-10", "jf-17",
    # A4 paper, Torx bits, the P-38 can opener, Mitsubishi's L200, tanks, connectors, part numbers, the Tucano bag maker
    "a-4", "t-45", "p-38", "l-200", "a-50", "t-72", "т-72", "pc12", "f-160", "707-99-47570", "tucano", "o-ring",
]  # fmt: skip


# Makers as declarations write them: misspelt, transliterated, in a Russian case, joined to their type by a hyphen.
MAKERS_AS_WRITTEN = [
    "cesna", "boing", "embrear", "sikorski", "bombardier", "airbas", "suhoi", "сесна", "цесна", "сикорский",
    "сикорского", "бомбардье", "эмбраер", "боинга", "боинги", "цессны", "эйрбасу", "туполева", "дассо",
    "боинг-737-800", "cessna-172", "airbus-a320", "эйрбас-a320",
]  # fmt: skip
# A maker's name with a hyphenated word, a look-alike word, ordinary words near the makers' stems.
NOT_MAKERS = ["боинг-фонарь", "boeing-x", "самолет-2", "abc-123", "цессн", "боин", "сикорск", "pratts", "airbu"]


def test_misspelt_maker_is_marked_in_a_line():
    tok = SpacyTokeniser(mark_aircraft=True)
    assert tok.tokenise("лопасть для Сикорского")[1:] == ("для", MARK, "сикорского", MARK)
    assert tok.tokenise("Cesna 172 seat belt")[:3] == (MARK, "cesna", MARK)


@pytest.mark.parametrize("token", TYPES + MAKERS_AS_WRITTEN)
def test_designations_are_recognised(token):
    assert is_aircraft_type(token)


@pytest.mark.parametrize("token", NOT_TYPES + NOT_MAKERS)
def test_model_codes_and_words_are_not(token):
    assert not is_aircraft_type(token)


def test_mark_on_both_sides_once_between():
    assert mark_aircraft(("fighter", "mig-29", "su-35", "canopy")) == (
        "fighter", MARK, "mig-29", MARK, "su-35", MARK, "canopy",
    )  # fmt: skip
    assert mark_aircraft(("drone", "dji")) == ("drone", "dji")


def test_tokeniser_marks_only_when_asked():
    text = "Фонарь кабины МиГ-29СМТ, 1 шт; ASUS PRIME A320M-K"
    plain = SpacyTokeniser().tokenise(text)
    marked = SpacyTokeniser(mark_aircraft=True).tokenise(text)
    assert MARK not in plain
    assert marked == ("фонарь", "кабины", MARK, "миг-29cmt", MARK, "1", "шт", "asus", "prime", "a320m-k")
    # a code run that bypasses spaCy is marked too, and the cache keeps the marks
    tok = SpacyTokeniser(mark_aircraft=True)
    assert tok.transform(["Ка-52", "Ка-52"]) == [(MARK, "ка-52", MARK)] * 2


def test_option_survives_pickling_and_set_params():
    tok = SpacyTokeniser(mark_aircraft=True)
    assert tok.tokenise("Su-34 actuator")[0] == MARK
    again = pickle.loads(pickle.dumps(tok))
    assert again.mark_aircraft and again.tokenise("Su-34 actuator") == tok.tokenise("Su-34 actuator")
    tok.set_params(mark_aircraft=False)
    assert MARK not in tok.tokenise("Su-34 actuator")


def test_fast_path_equals_plain_features_with_marks():
    texts = [
        "MiG-29 canopy", "Su-34 hydraulic actuator", "Фонарь кабины Су-35С", "комплектующие к истребителю МиГ-29",
        "модель самолета Ил-76 1:72", "Boeing 737-800 seat cover", "ASUS PRIME A320M-K", "drone DJI Mavic 3",
        "лопатки турбины ТВ3-117ВМ 40 шт", "Ка-52 Ка-52 Ка-52",
    ]  # fmt: skip
    feats, gap = fitted_features_and_gap(SpacyTokeniser(mark_aircraft=True), texts)
    assert f"w:{MARK}" in feats.vocabulary_ and f"w:{MARK} canopy" in feats.vocabulary_
    assert gap == 0


def test_model_keeps_the_option_through_save_and_load(tiny_config, tiny_corpus, tmp_path):
    from pipeline.explain import explain
    from pipeline.model.core import load_model
    from pipeline.training.fit import fit_model

    cfg = {**tiny_config, "tokenise": {**tiny_config["tokenise"], "mark_aircraft": True}}
    model = fit_model(cfg, tiny_corpus.text, tiny_corpus.label)
    loaded = load_model(model.save(tmp_path / "m"))
    assert loaded.tokeniser.mark_aircraft is True
    texts = ["Фонарь кабины Су-35С, 1 шт", "Квадрокоптер DJI Mavic 3 Pro"]
    assert loaded.predict_batch(texts).labels == model.predict_batch(texts).labels
    words = [w for w, _ in explain(texts[0], loaded, apply_thresholds=False).items]
    assert f"{MARK} (an aircraft type named)" in words and "Су-35С" in words


def test_model_records_the_designation_list_and_warns_when_it_changed(tiny_config, tiny_corpus, tmp_path):
    import json
    import warnings

    from pipeline.model.core import load_model
    from pipeline.report.text import format_info
    from pipeline.training.fit import fit_model

    tokenise = {**tiny_config["tokenise"], "mark_aircraft": True, "mark_systems": False}
    cfg = {**tiny_config, "tokenise": tokenise, "normalise": {**tiny_config["normalise"], "join_system_names": False}}
    folder = fit_model(cfg, tiny_corpus.text, tiny_corpus.label).save(tmp_path / "m")
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["text_rules"] == {"aircraft_designations": DESIGNATIONS_VERSION}
    assert f"aircraft designations {DESIGNATIONS_VERSION}" in format_info(meta)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(folder)
    meta["text_rules"] = {"aircraft_designations": "0123456789abcdef"}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(UserWarning, match=r"word lists differ from training: aircraft_designations 0123456789abcdef"):
        load_model(folder)
    del meta["text_rules"]  # a model trained before the list was recorded
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(UserWarning, match="not recorded"):
        load_model(folder)


def test_model_without_the_aircraft_options_records_no_list(tiny_model_dir):
    import json
    import warnings

    from pipeline.model.core import load_model

    meta = json.loads((tiny_model_dir / "meta.json").read_text(encoding="utf-8"))
    tok = load_model(tiny_model_dir).tokeniser
    from pipeline.text.systems import SYSTEMS_VERSION

    want = {}
    if tok.mark_aircraft or tok.join_aircraft_types:
        want["aircraft_designations"] = DESIGNATIONS_VERSION
    if tok.mark_systems:
        want["system_names"] = SYSTEMS_VERSION
    assert (meta.get("text_rules") or {}) == want
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_model(tiny_model_dir)


def test_designation_fingerprint_follows_the_lists(monkeypatch):
    assert aircraft._fingerprint() == DESIGNATIONS_VERSION
    monkeypatch.setitem(aircraft._BUREAUS, ("zz",), "1")
    assert aircraft._fingerprint() != DESIGNATIONS_VERSION


JOINS = [
    ("лопасть Ми 8 МТВ", "лопасть Ми-8 МТВ"),
    ("Ан 2 крыло", "Ан-2 крыло"),
    ("Ил  76ТД", "Ил-76ТД"),
    ("(Ка 32)", "(Ка-32)"),
    ("Ми 8, Ми 17", "Ми-8, Ми-17"),
    ("Bell 407 seat", "Bell-407 seat"),
    ("mig 29 canopy", "mig-29 canopy"),
    ("DHC 6 brake", "DHC-6 brake"),
    ("Як 52 винт", "Як-52 винт"),
    ("A 330 200 landing gear", "A330-200 landing gear"),  # Western codes are listed without a hyphen
    ("A320 200 seat", "A320-200 seat"),
    ("B 787 9 galley", "B787-9 galley"),
    ("Boeing 737 800 wheel", "Boeing 737-800 wheel"),
    ("B 737 2 pcs", "B737 2 pcs"),  # the type, not a quantity as its series
    ("AW 139 main rotor blade", "AW139 main rotor blade"),
    ("R 44 tail rotor", "R44 tail rotor"),
    ("EC 135 T2 door", "EC135 T2 door"),
    ("А 320 кресло", "А320 кресло"),
    ("L 410 propeller", "L-410 propeller"),
    ("Л 410 винт", "Л-410 винт"),
    ("SSJ 100 seat", "SSJ-100 seat"),
    ("ATR 72 wheel", "ATR-72 wheel"),
    ("Mi 8 rotor blade", "Mi-8 rotor blade"),  # Latin Mi on a line that names no phone
]
KEPT_APART = [
    "ТУ 16-538.123",  # a technical specification, never joined
    "по ТУ 154",
    "Xiaomi Mi 8 Lite",  # Xiaomi's phones
    "an 2 year warranty",
    "MIG 200 welder",  # not a MiG type number
    "Су 27.5 мм",
    "ми 99",
    "PA 28 mm",
    "сяоми 8",  # the family word must stand alone
    "ан-ми 8",
    "Ми 8888",
    "Mi 8 64GB",  # a phone by its memory
    "Чехол для Xiaomi Ми 8",  # the Cyrillic spelling of the phone too
    "Mi 8 Pro case",
    "L 410 mm",  # sizes and ratings, not types
    "A 220 V",
    "Су 27 мм",
    "H 135 x 200",
    "L 410 W 300 H 200",
    "a 320 page book",  # a one-letter family only in capitals
    "737 800 руб",  # a series only after B or Boeing
    "Boeing 737 12",
]


@pytest.mark.parametrize(("raw", "joined"), JOINS)
def test_spaced_designations_are_joined(raw, joined):
    assert join_spaced_types(raw) == joined


@pytest.mark.parametrize("raw", KEPT_APART)
def test_look_alikes_are_kept_apart(raw):
    assert join_spaced_types(raw) == raw


def test_normaliser_joins_only_when_asked_and_decides_on_the_repaired_word():
    n = Normaliser(join_aircraft_types=True)
    assert n("Лопасть Ми 8 МТВ") == "лопасть ми-8 мтв"
    assert n("Mи 8 запчасти") == "ми-8 запчасти"  # Latin M, Cyrillic и: the repaired word is «ми»
    assert n("ВЕРТОЛЕТ Ка 32А11ВС") == "вертолет ка-32a11bc"
    assert Normaliser()("Лопасть Ми 8 МТВ") == "лопасть ми 8 мтв"
    old = Normaliser()
    state = old.__getstate__()
    del state["join_aircraft_types"]
    restored = Normaliser.__new__(Normaliser)
    restored.__setstate__(state)
    assert restored.join_aircraft_types is False


_TYPE_WORDS = [
    "Ми", "Mи", "МИ", "mi", "Mi", "Ан", "an", "ТУ", "tu", "Bell", "белл", "Су", "MIG", "dhc", "сяоми", "(Ка", "A", "B",
    "L", "Л", "А", "AW", "R", "H", "W", "Boeing", "Xiaomi", "A330", "B737",
]  # fmt: skip
_TYPE_NUMBERS = [
    "8", "17", "2", "154", "407", "27", "29", "6", "32)", "16-538", "27.5", "8МТВ", "200", "330", "787", "9", "410",
    "139", "44", "135", "800", "mm", "x", "64GB",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(_TYPE_WORDS + _TYPE_NUMBERS + [" ", "  ", "\u00a0", ",", "-", "шт", "seat"]), max_size=12
    ).map(" ".join)
)
def test_normalise_with_joined_types_is_idempotent(text):
    n = Normaliser(join_aircraft_types=True)
    once = n(text)
    assert n(once) == once


def test_series_after_a_cyrillic_family_letter_joins_in_one_pass():
    n = Normaliser(join_aircraft_types=True)
    for text in ("А 330 200", "А330 200", "A 330 200"):  # Cyrillic А in the first two
        assert n(text) == "a330-200" == n(n(text))


def test_spaced_type_is_marked_and_fast_path_equals_plain_features():
    texts = [
        "лопасть Ми 8 МТВ", "Bell 407 seat cushion", "Xiaomi Mi 8 Lite 64GB", "по ТУ 16-538 кабель", "Ил 76 шасси",
        "Mи 8 запчасти", "модель самолета Ан 2 1:48", "MIG 200 welder",
    ]  # fmt: skip
    tok = SpacyTokeniser(mark_aircraft=True, join_aircraft_types=True).fit(texts)
    assert tok.tokenise(texts[0]) == ("лопасть", MARK, "ми-8", MARK, "мтв")
    assert MARK not in tok.tokenise(texts[2]) and MARK not in tok.tokenise(texts[3])
    assert fitted_features_and_gap(tok, texts, cache_size=4)[1] == 0
