import pytest

from pipeline.normalise import Normaliser, fix_lookalikes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("KBAДPOKOПTEP", "квадрокоптер"),  # Latin K B A P O T E inside a Russian word
        ("квaдрoкoптер", "квадрокоптер"),  # Latin a, o
        ("HOУTБУK", "ноутбук"),  # Latin H, O, T, B-like letters
        ("ПOДABИTEЛЬ", "подавитель"),
        ("drоne", "drone"),  # Cyrillic о inside an English word
        ("Тоughbооk", "toughbook"),  # Cyrillic Т and о inside a brand
        ("М300", "m300"),  # Cyrillic М in a model code
        ("СВО", "сво"),  # an all-Cyrillic word stays Cyrillic
        ("DJI", "dji"),
    ],
)
def test_lookalike_letters_are_repaired(raw, expected):
    assert Normaliser()(raw) == expected


def test_fix_lookalikes_leaves_single_script_words():
    assert fix_lookalikes("Мавик") == "Мавик"
    assert fix_lookalikes("Mavic") == "Mavic"
    assert fix_lookalikes("123") == "123"


def test_zero_width_and_control_characters_removed():
    text = "квадро\u200bкоптер\u200d DJI\u00ad Mavic\x07 3\ufeff"
    assert Normaliser()(text) == "квадрокоптер dji mavic 3"


def test_yo_becomes_e():
    assert Normaliser()("Защищённый ЁМКОСТЬ") == "защищенный емкость"


def test_nfkc_folds_fullwidth_forms():
    assert Normaliser()("ＤＪＩ　Ｍａｖｉｃ") == "dji mavic"


def test_spaced_letters_are_joined():
    assert Normaliser()("к в а д р о к о п т е р 5 шт") == "квадрокоптер 5 шт"
    assert Normaliser()("размер 5 x 6") == "размер 5 x 6"


def test_switches_turn_steps_off():
    n = Normaliser(lowercase=False, fix_lookalikes=False, yo_to_e=False)
    assert n("Ёлка KBAДPOKOПTEP") == "Ёлка KBAДPOKOПTEP"


def test_empty_text():
    assert Normaliser()("") == ""
    assert Normaliser()(" \u200b ") == ""


def test_normaliser_pickles_without_cache():
    import pickle

    n = Normaliser()
    n("квaдрoкoптер")
    clone = pickle.loads(pickle.dumps(n))
    assert clone._cache == {}
    assert clone("квaдрoкoптер") == "квадрокоптер"
