"""The destination rule: lines left `other` that declare their goods for manned aircraft take aircraft_parts."""

import numpy as np
import pytest

from pipeline import load_model
from pipeline.explain import explain, format_explanation
from pipeline.model.decision import decide
from pipeline.text.destination import declares_aircraft
from pipeline.text.normalise import Normaliser
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

NORMALISE = Normaliser()
CLASSES = ["aircraft_parts", "drone", "navigation", "other"]
THRESHOLDS = {"aircraft_parts": 0.6, "drone": 0.75, "navigation": 0.8}
META = {"aircraft_destination": 0.01}
PUMP = "Насос топливный подкачивающий для воздушного судна"


@pytest.mark.parametrize(
    "text",
    [
        PUMP,
        "Клапан обратный для ВС",
        "Фильтроэлемент гидросистемы самолёта, тонкость фильтрации 5 мкм",
        "ВЫКЛЮЧАТЕЛИ КНОПОЧНЫЕ ДЛЯ КАБИНЫ ЭКИПАЖА, НЕ ЯВЛЯЮТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ",
        "Подшипники роликовые авиационные",
        "Жгуты электрические вертолетные",
        "Кольца уплотнительные для авиатехники",
        "Limit switches, aircraft",
        "Hydraulic accumulator for aircraft, piston type, 3000 psi",
        "Oil cooler, aero engine, overhauled",
        "Emergency flotation kit for helicopters, skid-mounted",
        "komplektuyushchie dlya samoletov, podshipniki",
        # exceptions are whole words: these hold one inside a component's name (D2)
        "Реле электромагнитные авиационные",
        "Magnetic chip detector, aero engine oil system",
        "Конвертеры озона самолётные",
        "Подшипники шариковые радиально-упорные для авиационных двигателей",
        "Fuel cell bladder for helicopter fuel tank, crash-resistant",
        "Hydraulic accumulator for aircraft, 3000 psi, with gauge port",
        "Shock strut overhaul kit for aircraft landing gear, as per component maintenance manual",
        "Precision aviation fuel servo, overhauled",
        "Соединители электрические для бортовой электросети самолетов по стандарту авиационной промышленности",
    ],
)
def test_components_declared_for_manned_aircraft(text):
    assert declares_aircraft(NORMALISE(text))


@pytest.mark.parametrize(
    "text",
    [
        "Насос центробежный для систем отопления",  # no aviation at all
        "ФИТИНГИ ДЛЯ ТРУБ ПРОЧИЕ (КРОМЕ ДЛЯ ГРАЖДАНСКИХ ВОЗДУШНЫХ СУДОВ)",  # named only to be excluded
        "Pump, not for aircraft use",
        "НЕ ДЛЯ АВИАЦИИ, насос шестеренный",
        "Аккумуляторы для нужд ВС РФ",  # the armed forces, not «воздушное судно»
        "Пропеллер для беспилотного воздушного судна",  # drones are drone
        "Сборная модель самолёта Су-27, масштаб 1:72",
        "Aircraft seat-style office chair, aviator design",
        "Руководство по технической эксплуатации вертолёта",
        "Авиадоставка запчастей, услуги",
        "Тягач буксировочный для самолётов",
        "Aircraft engine compression tester, differential type",
        "Ключ динамометрический для колёс самолёта",
        "Масло авиационное МС-20",
        "Aircraft plywood, birch, 3 mm",
        "Шары воздушные фольгированные «самолёт», 50 шт",
        "Лопатки газовой турбины промышленной установки, не авиационные детали энергоблока",
        "aircraft carriers",
        "Magneto timing light, aircraft tool",
        "Fridge magnets with aircraft pictures",
        "Лопатки газовой турбины для промышленных установок, авиационного типа",
    ],
)
def test_no_destination_or_one_of_the_guides_exceptions(text):
    assert not declares_aircraft(NORMALISE(text))


def _decide(texts, proba, meta=META):
    best, scores, review, candidates = decide(
        texts, np.array(proba), np.ones(len(texts), dtype=bool), CLASSES, meta, THRESHOLDS, 0, NORMALISE
    )
    return [CLASSES[j] for j in best], scores, review.tolist(), candidates


def test_a_declared_line_left_other_takes_aircraft_parts_for_review():
    texts = [PUMP, "Насос центробежный для систем отопления"]
    labels, scores, review, candidates = _decide(texts, [[0.05, 0.01, 0.01, 0.93]] * 2)
    assert labels == ["aircraft_parts", "other"]
    assert review == [1, 0] and candidates == ["aircraft_parts", ""]
    assert scores[0] == pytest.approx(0.05)


@pytest.mark.parametrize(
    "proba",
    [
        [0.005, 0.001, 0.001, 0.993],  # aircraft_parts under the rule's 0.01
        [0.05, 0.01, 0.10, 0.84],  # navigation leads the dual-use classes
    ],
)
def test_the_model_must_back_aircraft_parts(proba):
    labels, _, review, _ = _decide([PUMP], [proba])
    assert labels == ["other"] and review == [0]


def test_the_rule_is_off_at_zero_and_leaves_labelled_lines():
    labels, _, review, _ = _decide([PUMP], [[0.05, 0.01, 0.01, 0.93]], {"aircraft_destination": 0.0})
    assert labels == ["other"] and review == [0]
    labels, _, review, _ = _decide([PUMP], [[0.02, 0.95, 0.01, 0.02]])
    assert labels == ["drone"] and review == [0]


def test_the_config_key_reaches_the_meta():
    assert operating_point(load_config(REPO / "configs" / "default.cfg"))["aircraft_destination"] == 0.01
    cfg = load_config(REPO / "configs" / "default.cfg", {"training.aircraft_destination": 0.0})
    assert operating_point(cfg)["aircraft_destination"] == 0.0


def test_explain_names_the_destination_rule():
    model = load_model()
    e = explain(PUMP, model)
    assert e.label == "aircraft_parts" and e.review == 1 and e.candidate == "aircraft_parts"
    assert e.rule.startswith("destination rule")
    assert "(destination rule" in format_explanation(e)
    model.meta["aircraft_destination"] = 0.0
    assert explain(PUMP, model).label == "other"


def test_the_bench_relabel_gives_the_labels_decide_gives(monkeypatch):
    """``bench/thresholds_oof.py`` relabels saved whole runs with the rule as ``predict`` applies it."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    import thresholds_oof

    monkeypatch.setattr(thresholds_oof, "Normaliser", lambda **_: NORMALISE)
    texts = [PUMP, PUMP, "Насос центробежный для систем отопления", PUMP, "Aircraft plywood, birch, 3 mm"]
    proba = np.array(
        [
            [0.05, 0.01, 0.01, 0.93],
            [0.005, 0.001, 0.001, 0.993],
            [0.05, 0.01, 0.01, 0.93],
            [0.05, 0.01, 0.10, 0.84],
            [0.05, 0.01, 0.01, 0.93],
        ]
    )
    lines = np.rec.fromarrays([thresholds_oof.destination_lines(texts)], names="destination")
    off = {"long": (0, 0.0), "pool": 0.0, "code": (0, 0.0), "prose": (0, 1.0), "keywords": 0.0, "agree": 0.0}
    bench = thresholds_oof.label(proba, CLASSES, np.ones(len(texts)), THRESHOLDS, lines=lines, destination=0.01, **off)
    labels, _, _, _ = _decide(texts, proba.tolist())
    assert bench == labels == ["aircraft_parts", "other", "other", "other", "other"]
