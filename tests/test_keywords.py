"""The keyword assist: prose lines the model leaves `other` take the class their keywords name."""

import sys

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.model.decision import assist_scope, decide
from pipeline.model.keywords import KeywordRules, read_keywords
from pipeline.text.normalise import Normaliser
from pipeline.training.fit import operating_point
from pipeline.training.recipe import load_config

from .conftest import REPO

CLASSES = ["drone", "navigation", "other"]
RULES = [["drone", r"бпла|drone"], ["navigation", r"\bgps\b"]]
META = {
    "prose_words": 2,
    "prose_other_scale": 0.2,
    "prose_keywords": 0.01,
    "keyword_rules": RULES,
    "long_line_words": 8,
}
SEIZURE = "Сотрудники таможни сообщили, что задержали автомобиль «ГАЗель» с 35 БПЛА внутри."
SEIZURE_LATIN_A = SEIZURE.replace("БПЛА", "БПЛA")  # a Latin A inside the Cyrillic word
DECLARATION = "СУМКА ДЛЯ БПЛА, ТКАНЬ ПОЛИЭСТЕР, 10 ШТ"
NEWS_EN = "Police said the thief who stole a phone was tracked by its GPS and that it was returned."
NORMALISER = Normaliser()
NOTHING = "Сотрудники таможни сообщили, что задержали автомобиль с грузом обуви, который шёл из Китая."


def _decide(texts, proba, meta=META, thresholds=None):
    return decide(
        texts, proba, np.ones(len(texts), dtype=bool), CLASSES, meta, thresholds or {"drone": 0.9}, 0, NORMALISER
    )


def test_a_prose_line_left_other_takes_its_keyword_class_with_review():
    proba = np.array([[0.03, 0.0, 0.97], [0.03, 0.0, 0.97]])
    best, scores, review, cand = _decide([SEIZURE, SEIZURE_LATIN_A], proba)
    assert [CLASSES[j] for j in best] == ["drone", "drone"]
    assert review.tolist() == [1, 1] and cand == ["drone", "drone"]
    # the score is the class's after the prose rule (other x 0.2, renormalised)
    assert scores[0] == pytest.approx(0.03 / (0.03 + 0.97 * 0.2))


def test_no_assist_off_prose_below_the_minimum_or_without_a_keyword():
    proba = np.array([[0.03, 0.0, 0.97]] * 3 + [[0.0005, 0.0, 0.9995]])
    best, _, review, _ = _decide([DECLARATION, NOTHING, NEWS_EN, SEIZURE], proba)
    # a declaration line is not prose; no keyword; the keyword's class (navigation) is 0; the class is under 0.01
    assert [CLASSES[j] for j in best] == ["other"] * 4
    assert review.tolist() == [0, 0, 0, 0]


def test_the_assist_needs_thresholds_the_prose_rule_its_minimum_rules_and_a_normaliser():
    def label(meta=META, thresholds=None, normalise=NORMALISER):
        proba = np.array([[0.03, 0.0, 0.97]])
        best, *_ = decide([SEIZURE], proba, np.ones(1, dtype=bool), CLASSES, meta, thresholds, 0, normalise)
        return CLASSES[best[0]]

    assert label(thresholds={"drone": 0.9}) == "drone"
    assert label(thresholds={}) == "other"  # without thresholds: the model's own best class
    assert label({**META, "prose_words": 0}, {"drone": 0.9}) == "other"
    assert label({**META, "prose_keywords": 0.0}, {"drone": 0.9}) == "other"
    assert label({**META, "keyword_rules": []}, {"drone": 0.9}) == "other"
    assert label(thresholds={"drone": 0.9}, normalise=None) == "other"


def test_the_first_matching_rule_wins_on_normalised_text():
    match = KeywordRules([["navigation", r"\bgps\b"], ["drone", "drone"]])
    assert match("drone with gps") == "navigation"
    assert match("a drone") == "drone"
    assert match("gpsd daemon") is None


def test_a_keyword_governed_by_a_negation_does_not_count():
    match = KeywordRules([["navigation", r"навигац|navigation|\bgps\b"], ["counter_drone", "jamming|подавител"]])
    assert match("a car radio without a navigation function") is None
    assert match("general-purpose amplifiers, not jamming devices") is None
    assert match("магнитола без функции навигации") is None
    assert match("radio without a display, with gps navigation") == "navigation"  # a later match counts
    assert match("поставка не менее 5 подавителей") == "counter_drone"  # a quantity, not a negation
    assert match("no more than 10 jamming modules") == "counter_drone"


def test_the_keyword_file_is_read_and_checked(tmp_path):
    rules = read_keywords(REPO / "configs" / "keywords.txt")
    assert [r[0] for r in rules] == ["counter_drone", "drone", "rugged_computer", "navigation", "aircraft_parts"]
    bad = tmp_path / "kw.txt"
    bad.write_text("# comment\ndrone дрон\nweapons gun\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kw\.txt, line 3: expected 'label pattern'"):
        read_keywords(bad)
    bad.write_text("drone (unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"kw\.txt, line 1: bad regular expression"):
        read_keywords(bad)
    bad.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no keyword rules"):
        read_keywords(bad)


def test_the_peer_of_bench_compare_reads_the_same_file():
    sys.path.insert(0, str(REPO / "bench"))
    import compare

    assert [list(r) for r in compare.KEYWORDS] == read_keywords(REPO / "configs" / "keywords.txt")


def test_the_config_carries_the_rules_into_the_model_meta_and_validates_them():
    cfg = load_config(REPO / "configs" / "default.cfg")
    meta = operating_point(cfg)
    assert meta["prose_keywords"] == cfg["training"]["prose_keywords"] > 0
    assert meta["keyword_rules"] == read_keywords(REPO / "configs" / "keywords.txt")
    off = operating_point(
        load_config(
            REPO / "configs" / "default.cfg",
            {"training.prose_keywords": 0, "training.keyword_agree": 0, "training.bare_words": 0},
        )
    )
    assert off["prose_keywords"] == 0 and off["keyword_rules"] == []
    with pytest.raises(ConfigError, match=r"prose_keywords needs \[paths\] keywords"):
        load_config(REPO / "configs" / "default.cfg", {"paths.keywords": None})
    with pytest.raises(ConfigError, match=r"\[training\] prose_keywords"):
        load_config(REPO / "configs" / "default.cfg", {"training.prose_keywords": 2})


def test_bundled_model_reads_a_seizure_sentence_as_drones():
    from pipeline.model.core import load_model

    model = load_model(REPO / "models" / "default")
    text = "Police said the van, which was stopped at the border, carried 40 drones hidden under boxes of shoes."
    batch = model.predict_batch([text])
    assert batch.labels == ["drone"] and batch.review.tolist() == [1]
    model.meta["prose_keywords"] = 0.0
    assert model.predict_batch([text]).labels == ["other"]


def test_long_russian_news_lines_with_one_news_verb_are_read_too():
    news = "Сотрудники ФТС задержали прибывший из Казахстана грузовой автомобиль с 35 БПЛА внутри."
    short = "Таможня задержала 35 БПЛА."
    declaration = "КВАДРОКОПТЕР DJI MAVIC 3, НЕ ЯВЛЯЕТСЯ ТОВАРОМ ВОЕННОГО НАЗНАЧЕНИЯ, ИЗГОТОВИТЕЛЬ SZ DJI, 10 ШТ"
    one_word = "Police say the seized van held 40 drones under boxes of shoes from Shenzhen."
    invoice = "DRONE CARRYING CASE HARD SHELL ABS WITH FOAM INSERT FOR MAVIC 3 10 PCS"
    texts = [news, short, declaration, one_word, invoice]
    prose = np.zeros(5, dtype=bool)
    # a long line with one function word ("the") or one Russian news verb; not a short one, not a declaration
    assert assist_scope(texts, prose, META).tolist() == [True, False, False, True, False]
    assert assist_scope(texts, prose, {**META, "long_line_words": 0}).tolist() == [False] * 5
    proba = np.array([[0.03, 0.0, 0.97]] * 5)
    best, _, review, _ = _decide(texts, proba)
    assert [CLASSES[j] for j in best] == ["drone", "other", "other", "drone", "other"]
    assert review.tolist() == [1, 0, 0, 1, 0]


def test_short_terms_are_read_by_the_keyword_assist_when_asked():
    texts = ["бпла", "drone", "gps tracker for pets", "сумка для бпла", "не бпла", "cotton shirts"]
    prose = np.zeros(6, dtype=bool)
    terms = {**META, "keyword_terms": 3}
    assert assist_scope(texts, prose, terms).tolist() == [True, True, False, True, True, True]
    assert assist_scope(texts, prose, META).tolist() == [False] * 6
    proba = np.array([[0.02, 0.0, 0.98]] * 6)
    proba[3] = [0.005, 0.0, 0.995]  # the model all but rules the class out: the keyword does not overrule it
    best, _, review, _ = _decide(texts, proba, terms)
    # a longer line, a negated keyword and a line with no keyword stay `other` too
    assert [CLASSES[j] for j in best] == ["drone", "drone", "other", "other", "other", "other"]
    assert review.tolist() == [1, 1, 0, 0, 0, 0]
    assert [CLASSES[j] for j in _decide(texts[:1], proba[:1], META)[0]] == ["other"]
    cfg = REPO / "configs" / "default.cfg"
    assert operating_point(load_config(cfg))["keyword_terms"] == 0  # off in the default: README model card, "tried"
    assert operating_point(load_config(cfg, {"training.keyword_terms": 3}))["keyword_terms"] == 3
    with pytest.raises(ConfigError, match=r"\[training\] keyword_terms"):
        load_config(cfg, {"training.keyword_terms": -1})
    with pytest.raises(ConfigError, match=r"keyword_terms needs prose_keywords"):
        load_config(cfg, {"training.keyword_terms": 3, "training.prose_keywords": 0})


AGREE = {**META, "prose_keywords": 0.0, "keyword_agree": 0.5}
SHORT = "КВАДРОКОПТЕР БПЛА 10 ШТ"


def test_the_keyword_agreement_labels_a_line_whose_best_class_its_keywords_name():
    proba = np.array([[0.6, 0.0, 0.4], [0.5, 0.1, 0.4]])
    best, scores, review, cand = _decide([SHORT, SHORT], proba, AGREE)
    assert [CLASSES[j] for j in best] == ["drone", "drone"]  # under the drone threshold (0.9) but agreeing
    assert review.tolist() == [1, 1] and cand == ["drone", "drone"]
    assert scores.tolist() == pytest.approx([0.6, 0.5])


def test_no_agreement_when_other_leads_another_class_leads_the_best_is_weak_or_the_keyword_is_negated():
    texts = [SHORT, SHORT, SHORT, "магнитола без функции навигации", SHORT]
    proba = np.array([[0.45, 0.0, 0.55], [0.3, 0.6, 0.1], [0.45, 0.1, 0.45], [0.0, 0.7, 0.3], [0.3, 0.0, 0.7]])
    best, _, review, _ = _decide(texts, proba, AGREE, {"drone": 0.9, "navigation": 0.9})
    assert [CLASSES[j] for j in best] == ["other"] * 5
    assert review.tolist() == [0, 1, 1, 1, 0]  # under-threshold lines keep the review flag of the threshold rule
    off, *_ = _decide([SHORT], np.array([[0.6, 0.0, 0.4]]), {**AGREE, "keyword_agree": 0.0})
    assert CLASSES[off[0]] == "other"
    unruled, *_ = _decide([SHORT], np.array([[0.6, 0.0, 0.4]]), {**AGREE, "keyword_rules": []})
    assert CLASSES[unruled[0]] == "other"


def test_the_config_carries_the_keyword_agreement_and_validates_it():
    off0 = {"training.prose_keywords": 0}
    cfg = load_config(REPO / "configs" / "default.cfg", {**off0, "training.keyword_agree": 0.5})
    meta = operating_point(cfg)
    assert meta["keyword_agree"] == 0.5 and meta["keyword_rules"] == read_keywords(REPO / "configs" / "keywords.txt")
    with pytest.raises(ConfigError, match=r"keyword_agree needs \[paths\] keywords"):
        load_config(REPO / "configs" / "default.cfg", {**off0, "training.keyword_agree": 0.5, "paths.keywords": None})
    with pytest.raises(ConfigError, match=r"\[training\] keyword_agree"):
        load_config(REPO / "configs" / "default.cfg", {"training.keyword_agree": 1.5})


def test_bundled_model_applies_the_keyword_agreement():
    from pipeline.model.core import load_model

    model = load_model(REPO / "models" / "default")
    assert model.meta["keyword_agree"] == 0.5
    text = "Sigma 95 INS Mirage 2000"  # corpora/unseen/w78: navigation is the model's best class, under its threshold
    batch = model.predict_batch([text])
    assert batch.labels == ["navigation"] and batch.review.tolist() == [1]
    model.meta["keyword_agree"] = 0.0
    assert model.predict_batch([text]).labels == ["other"]


@pytest.mark.parametrize(
    ("term", "label"),
    [
        ("авиагоризонт", "navigation"), ("sextants", "navigation"), ("картплоттер", "navigation"),
        ("автомобильный навигатор", "navigation"), ("бинс", "navigation"), ("элероны", "aircraft_parts"),
        ("nacelles", "aircraft_parts"), ("ram-jets", "aircraft_parts"), ("дельтаплан", "aircraft_parts"),
        ("спуфер", "counter_drone"), ("мавик", "drone"), ("octocopter", "drone"),
        # words with ordinary senses stay out of the lists: watches, channel marks, chairs, bicycle wheels
        ("altimeter watch", None), ("beacons, marine channel-marking", None), ("glider chair", None),
        ("mavic wheelset", None), ("бинсовый", None),
        # added in session 47: counter-drone wording of news and decisions, Russian abbreviations and aviation words
        ("постановщик радиопомех", "counter_drone"), ("средства радиоэлектронной борьбы", "counter_drone"),
        ("детектор БПЛА", "counter_drone"), ("система обнаружения беспилотников", "counter_drone"),
        ("counter-drone system", "counter_drone"), ("БЛА самолётного типа", "drone"), ("RPAS", "drone"),
        ("ударопрочный ноутбук", "rugged_computer"), ("ГНСС-приёмник", "navigation"),
        ("авиазапчасти", "aircraft_parts"), ("airframe", "aircraft_parts"),
        ("турбовальный двигатель", "aircraft_parts"),
        ("лопасть несущего винта", "aircraft_parts"), ("блага", None), ("ударопрочный чехол", None),
        ("обнаружение утечек", None),
        ("противоударный ноутбук", "rugged_computer"), ("водонепроницаемый планшет", "rugged_computer"),
        ("армейский ноутбук", "rugged_computer"), ("tough notebook", "rugged_computer"),
        ("противоударный чехол для ноутбука", None), ("планшет армейский", None), ("tough case", None),
        # added in session 63 (E2): blockers of signals, and the genitive plural «глушилок»
        ("seized 1,200 GPS blockers", "counter_drone"), ("cell phone signal blocker", "counter_drone"),
        ("блокиратор мобильной связи", "counter_drone"), ("блокираторы сотовой связи", "counter_drone"),
        ("реализация «глушилок» сигнализаций", "counter_drone"), ("блокиратор руля", None), ("ad blocker", None),
    ],
)  # fmt: skip
def test_the_lists_name_bare_terms_of_one_class(term, label):
    assert KeywordRules(read_keywords(REPO / "configs" / "keywords.txt"))(NORMALISER(term).lower()) == label
