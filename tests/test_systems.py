"""Named drone types and jamming / counter-drone systems and the tokeniser's ``mark_systems`` option."""

from __future__ import annotations

import pickle

import pytest

from pipeline.text.aircraft import MARK as AIRCRAFT_MARK
from pipeline.text.systems import DRONE_MARK, EW_MARK, join_spaced_names, mark_systems, system_mark
from pipeline.text.tokenise import SpacyTokeniser
from tests.featurise_helpers import fitted_features_and_gap

DRONES = [
    "Герань-2", "Geran-2", "Shahed-136", "Шахед", "Орлан-10", "Orlan-30", "Ланцет-3М", "Lancet-3", "Элерон-3СВ",
    "Гранат-4", "Mohajer-6", "ZALA", "Supercam", "Bayraktar", "Switchblade-300", "Иноходец", "Лелека-100",
    # Russian case forms, the number joined without a hyphen, names added later
    "«Гераней-2»", "Герани-2", "Шахедов", "Шахеда", "Орлана-10", "Ланцета-3", "Иноходца", "Geran2", "Shaheds", "Harop",
    "Хароп", "Warmate", "MD550",
]  # fmt: skip
EW = [
    "Красуха-4", "Krasukha-2", "Р-330Ж", "R-330Zh", "Поле-21", "Pole-21", "Леер-3", "РБ-341В", "Борисоглебск-2",
    "1РЛ257", "1Л269", "Тирада-2С", "Пищаль", "Репеллент-1", "Силок-01", "DroneGun", "AeroScope", "Инфауна",
    "Красухи-4", "Красуху", "Поля-21", "Леера-3", "Силка-01", "Пищалью",
]  # fmt: skip
# The ordinary words and products that share a name: never marked.
NAMESAKES = [
    "Герань", "geranium", "Ланцеты", "lancets", "ланцет", "Поле", "pole", "Леер", "Репеллент", "water-repellent",
    "repellent", "Силок", "Гранат", "pomegranate", "Элерон", "eleron", "Орлан", "Орлан-85СТ", "Switchblade",
    "Hermes", "Hermes-3", "Ступор", "Житель", "Молния", "Комета", "Orion", "Celeron", "зала", "R-33", "РБ-3",
    # case forms of namesakes without their number
    "Гераней", "герани", "Ланцета", "Орланов", "Поля", "Леера",
]  # fmt: skip


def marks(text: str) -> set[str]:
    return {t for t in SpacyTokeniser(mark_systems=True).tokenise(text) if t in (DRONE_MARK, EW_MARK)}


@pytest.mark.parametrize("name", DRONES)
def test_drone_types_take_the_drone_mark(name):
    assert marks(f"{name} 1 шт") == {DRONE_MARK}


@pytest.mark.parametrize("name", EW)
def test_jamming_systems_take_the_ew_mark(name):
    assert marks(f"{name} 1 шт") == {EW_MARK}


@pytest.mark.parametrize("name", NAMESAKES)
def test_namesakes_are_not_marked(name):
    assert marks(f"{name} 1 шт") == set()


def test_mark_on_both_sides_once_between():
    assert mark_systems(("комплекс", "красуха-4", "1рл257", "шт")) == (
        "комплекс", EW_MARK, "красуха-4", EW_MARK, "1рл257", EW_MARK, "шт",
    )  # fmt: skip
    assert mark_systems(("дрон", "dji")) == ("дрон", "dji")
    assert system_mark("") is None


def test_tokeniser_marks_only_when_asked_and_with_the_aircraft_marks():
    text = "Лопасть Ми-8, БПЛА «Герань-2», станция РЭБ Р-330Ж"
    assert DRONE_MARK not in SpacyTokeniser().tokenise(text)
    tok = SpacyTokeniser(mark_aircraft=True, mark_systems=True)
    assert tok.tokenise(text) == (
        "лопасть", AIRCRAFT_MARK, "ми-8", AIRCRAFT_MARK, "бпла", DRONE_MARK, "герань-2", DRONE_MARK,
        "станция", "рэб", EW_MARK, "р-330ж", EW_MARK,
    )  # fmt: skip
    # a code run that bypasses spaCy is marked too, and the cache keeps the marks
    assert tok.transform(["Р-330Ж", "Р-330Ж"]) == [(EW_MARK, "р-330ж", EW_MARK)] * 2


def test_option_survives_pickling_and_set_params():
    tok = SpacyTokeniser(mark_systems=True)
    assert tok.tokenise("Shahed-136 engine")[0] == DRONE_MARK
    again = pickle.loads(pickle.dumps(tok))
    assert again.mark_systems and again.tokenise("Shahed-136 engine") == tok.tokenise("Shahed-136 engine")
    tok.set_params(mark_systems=False)
    assert DRONE_MARK not in tok.tokenise("Shahed-136 engine")


def test_fast_path_equals_plain_features_with_marks():
    texts = [
        "Shahed-136 engine", "БПЛА Орлан-10", "станция помех Поле-21", "Красуха-4 (1РЛ257) запчасти",
        "Ланцеты медицинские 100 шт", "drone DJI Mavic 3", "Леер-3 Леер-3",
    ]  # fmt: skip
    feats, gap = fitted_features_and_gap(SpacyTokeniser(mark_systems=True), texts)
    assert f"w:{DRONE_MARK}" in feats.vocabulary_ and f"w:{EW_MARK} запчасти" in feats.vocabulary_
    assert gap == 0


@pytest.mark.parametrize(
    "text,joined",
    [
        ("Орлан 10 запчасти", "Орлан-10 запчасти"),
        ("Switchblade 300 Block 20", "Switchblade-300 Block 20"),
        ("Shahed 136 engine", "Shahed-136 engine"),
        ("Красуха 4", "Красуха-4"),
        ("Leer 3", "Leer-3"),
        ("Geran 2 oblomki", "Geran-2 oblomki"),
    ],
)
def test_names_and_type_numbers_written_apart_are_joined(text, joined):
    assert join_spaced_names(text) == joined


@pytest.mark.parametrize(
    "text",
    [
        "Герань 2 шт",  # geraniums: a count follows
        "Ланцет 3 мм",
        "Поле 21 сорт",
        "Орлан 85СТ",  # not its type number
        "Орлан 100",
        "Switchblade 3",
        "Shahed 5 kg",
        "Герань 2 в горшке",
        "Пеларгония/герань 2,5 л",
        "Hermes 900.5",
    ],
)
def test_namesakes_and_other_numbers_are_not_joined(text):
    assert join_spaced_names(text) == text


def test_normaliser_joins_only_when_asked():
    text = "БПЛА Орлан 10, 2 шт"
    assert DRONE_MARK not in SpacyTokeniser(mark_systems=True).tokenise(text)
    tok = SpacyTokeniser(mark_systems=True, join_system_names=True)
    assert tok.tokenise(text) == ("бпла", DRONE_MARK, "орлан-10", DRONE_MARK, "2", "шт")
    again = pickle.loads(pickle.dumps(tok))
    assert again.join_system_names and again.tokenise(text) == tok.tokenise(text)
    # a look-alike letter inside the name does not hide it
    assert tok.tokenise("Oрлан 10")[0] == DRONE_MARK  # a Latin O


@pytest.mark.parametrize("text", ["Орлан 10 и Ми 8", "Shahed 136 / Geran 2", "поле 21 21", "Oрлан 10", "Герань 2 шт"])
def test_joining_is_idempotent(text):
    from pipeline.text.normalise import Normaliser

    n = Normaliser(join_system_names=True, join_aircraft_types=True)
    once = n(text)
    assert n(once) == once


def test_explanation_names_the_joined_words_as_written(tiny_config, tiny_corpus):
    from pipeline.explain import explain
    from pipeline.training.fit import fit_model

    cfg = {
        **tiny_config,
        "tokenise": {**tiny_config["tokenise"], "mark_systems": True},
        "normalise": {**tiny_config["normalise"], "join_system_names": True},
    }
    model = fit_model(cfg, tiny_corpus.text, tiny_corpus.label)
    words = [w for w, _ in explain("БПЛА Орлан 10, 2 шт", model, apply_thresholds=False).items]
    assert "Орлан 10" in words and f"{DRONE_MARK} (a drone type named)" in words
