"""The ground rule: a ground machine's engine, or aviation's ground equipment, tools and consumables, are `other`."""

import numpy as np
import pytest

from pipeline.model.decision import decide
from pipeline.text.ground import ground_reason, head_phrase, names_aviation
from pipeline.text.normalise import Normaliser
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

NORMALISE = Normaliser()
CLASSES = ["aircraft_parts", "drone", "navigation", "other"]
THRESHOLDS = {"aircraft_parts": 0.7, "drone": 0.75, "navigation": 0.8}
PARTS = [0.97, 0.01, 0.01, 0.01]


def _reason(text: str) -> str:
    return ground_reason(NORMALISE(text))


@pytest.mark.parametrize(
    "text",
    [
        "Used engine Deutz F4L912 complete",
        "Remkomplekt dvigatelya / engine overhaul kit YaMZ-238, 10 komplektov",
        "Repair order RO-8841: overhaul of Cummins KTA19 marine engine",
        "Двигатель ЯМЗ-238 в сборе, бывший в эксплуатации",
        "Двигатель для экскаватора Hitachi ZX200, б/у",
        "Outboard motor 40 hp, 2-stroke",
        "Мотор лодочный подвесной 9,8 л.с.",
        "BMW S1000RR motorcycle engine assembly",  # an ambiguous maker beside a vehicle word
        "JDM Honda K20A engine with 6-speed gearbox",
        "LS3 crate engine 6.2L new",
        "Parts for spark-ignition engines other than for aircraft, Deutz",  # aircraft named only to be excluded
    ],
)
def test_engines_of_ground_machines_and_boats(text):
    assert _reason(text) == "engine"


@pytest.mark.parametrize(
    "text",
    [
        "ENGINE TRANSPORT STAND FOR PW100 SERIES, USED",
        "Sling, engine lifting, V2500-A5",
        "Engine intake covers A320 CFM56 pair",
        "Aircraft engine test cell, turnkey, for CFM56 and V2500",
        "Траверса для подъема двигателя CFM LEAP-1A, грузоподъемность 4 т",
        "Тележка для транспортировки двигателя ТВ3-117",
        "Чехол защитный на двигатель самолёта Cessna 172",
        "Масло синтетическое ВНИИ НП-50-1-4Ф для двигателей Д-30КП самолётов Ил-76, 200 л",
        "AeroShell turbine oil, 1 US qt",
        "B737 landing gear torque wrench",
        "Cutaway training model of a PW100 turboprop engine",
        "CFM56-3 engine shop manual set (paper, used)",
        "Protective engine covers for Mi-8 helicopter TV3-117 engines",
        "КОНТЕЙНЕР ТРАНСПОРТНЫЙ ДЛЯ ДВИГАТЕЛЯ АИ-9В, ПУСТОЙ",
    ],
)
def test_ground_equipment_tools_and_consumables_named_in_the_head(text):
    assert _reason(text) == "equipment"


@pytest.mark.parametrize(
    "text",
    [
        "CFM56-7B engine, serviceable, QEC",  # an aero-engine type
        "Lycoming O-360-A4M engine, overhauled",
        "Rotax 912 ULS engine",  # flown as well as driven: no maker test
        "Двигатель АИ-9В вспомогательная силовая установка",
        "Starter-generator for turboprop engine",
        "Oil filter element CH48110-1 for aircraft piston engine",  # a filter: the oil is not the goods
        "Lube and scavenge pump, oil, CFM56",
        "Borescope plug P/N 1234-56 for CFM56 engine",
        "Bracket, stand-off, engine harness",
        "Van's RV-14A fuselage and wing kit, less engine",
        "Galley trolley, full size, ATLAS standard, for A320 galley",
        "Чехлы на кресла пилотов Ми-8",
        "Двигатель ТВ3-117 после стендовых испытаний",
        "Fuel pump assy / насос топливный в сборе для авиадвигателя, P/N 2A1520",
        "Pressure vessel, engine fire extinguisher, for Bell 407",
        "Inboard flap actuator motor",
    ],
)
def test_aircraft_engines_and_parts_are_not_ground_lines(text):
    assert _reason(text) == ""


def test_head_phrase_ends_at_the_first_preposition_comma_or_part_number():
    assert head_phrase("engine stand for cfm56") == "engine stand"
    assert head_phrase("масло авиационное для двигателей") == "масло авиационное"
    assert head_phrase("sling p/n 123") == "sling"
    assert head_phrase("turbine oil") == "turbine oil"


def test_aviation_is_read_from_words_abbreviations_and_types():
    assert names_aviation(NORMALISE("Запчасти для ВС"))
    assert names_aviation(NORMALISE("PT6A-67 core"))
    assert not names_aviation(NORMALISE("Cat 3306 engine"))


def _decide(texts, meta, proba=None):
    proba = np.array(proba or [PARTS] * len(texts))
    best, scores, review, candidates = decide(
        texts, proba, np.ones(len(texts), dtype=bool), CLASSES, meta, THRESHOLDS, 0, NORMALISE
    )
    return [CLASSES[j] for j in best], scores, review.tolist(), candidates


def test_the_rule_sends_aircraft_parts_lines_to_review_as_other():
    texts = ["Used engine Deutz F4L912 complete", "ENGINE TRANSPORT STAND FOR PW100", "CFM56-7B engine"]
    labels, scores, review, candidates = _decide(texts, {"ground_rule": True})
    assert labels == ["other", "other", "aircraft_parts"]
    assert review == [1, 1, 0] and candidates == ["aircraft_parts", "aircraft_parts", ""]
    assert scores.tolist() == pytest.approx([0.01, 0.01, 0.97])


def test_the_rule_leaves_other_labels_and_is_off_without_the_meta_key():
    drone = [0.01, 0.97, 0.01, 0.01]
    labels, _, review, _ = _decide(["Cummins engine for drone"], {"ground_rule": True}, proba=[drone])
    assert labels == ["drone"] and review == [0]
    labels, _, review, _ = _decide(["Used engine Deutz F4L912 complete"], {})
    assert labels == ["aircraft_parts"] and review == [0]


def test_the_config_key_reaches_the_meta():
    cfg = load_config(REPO / "configs" / "default.cfg", {"training.ground_rule": True})
    assert operating_point(cfg)["ground_rule"] is True
    cfg = load_config(REPO / "configs" / "default.cfg", {"training.ground_rule": False})
    assert operating_point(cfg)["ground_rule"] is False
