"""A model fitted with a mark option keeps it through saving and loading, records its list and explains the mark."""

from __future__ import annotations

import pytest

from pipeline.text.aviation import MARK as TERM_MARK
from pipeline.text.aviation import TERMS_VERSION
from pipeline.text.systems import DRONE_MARK, SYSTEMS_VERSION
from tests.featurise_helpers import check_marked_model

CASES = [
    ("mark_systems", "system_names", SYSTEMS_VERSION, "БПЛА Герань-2, 1 шт",
     [f"{DRONE_MARK} (a drone type named)", "Герань-2"]),
    ("mark_terms", "aviation_terms", TERMS_VERSION, "Элерон левый, 1 шт",
     [f"{TERM_MARK} (an aviation term named)", "Элерон"]),
]  # fmt: skip


@pytest.mark.parametrize("option,rule,version,text,words", CASES, ids=[c[0] for c in CASES])
def test_model_keeps_the_option_records_the_list_and_explains_the_mark(
    tiny_config, tiny_corpus, tmp_path, option, rule, version, text, words
):
    texts = [text, "Квадрокоптер DJI Mavic 3 Pro"]
    check_marked_model(tiny_config, tiny_corpus, tmp_path / "m", option, rule, version, texts, words)
