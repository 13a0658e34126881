"""Counter-drone cues: what a sentence about a jammer, a detector or a counter-drone system says.

A ruling, a decision or a news sentence names its goods among many words about letters, importers and prices, and
the model's ``counter_drone`` class also carries the words of radio engineering that jammers share with amplifiers,
antennas, signal generators, scanners and locators ("amplifies radio signals in the range of 12.75 to 13.25 GHz").
:func:`has_counter_cue` tells whether a normalised text (lower case, look-alike letters folded) says anything a
counter-drone item is: jamming, blocking, suppressing, interfering or spoofing; detecting, finding or neutralising;
drones and unmanned aircraft in any script; electronic warfare, countermeasures, convoy protection against radio
bombs; or a named jamming or counter-drone system (:func:`pipeline.text.systems.system_mark`).
:func:`pipeline.model.cue_rule.cue_review` sends prose lines labelled ``counter_drone`` without one to review.
"""

from __future__ import annotations

import re

from pipeline.text.systems import system_mark

_CUE = re.compile(
    r"(?:jam|glush|глуш|подав|podav|блокир|blokir|blocker|block\w* (?:\w+ ){0,3}signal|signal[- ]block|помех"
    r"|pomekh|pomeh|\bрэб\b|\breb\b|\bew\b|electronic warfare|радиоэлектронн\w* борьб|countermeasure|противодейств"
    r"|противодрон|антидрон|antidron|anti-?dron|counter-?(?:uas|uav|drone|small|s?uas)|c-?uas|spoof|спуф|подмен"
    r"|interfer|inhibit|suppress|disrupt|neutrali|нейтрализ|пораж|перехват|intercept|takeover|drone|дрон|dron"
    r"|квадрокоптер|коптер|бпла|бвс|\bбла\b|беспилот|unmanned|uncrewed|\buav|\buas\b|suas|пеленг|direction[- ]find"
    r"|detect|обнаруж|детект|radar|радар|\bрлс\b|радиолокац|dome|купол|net ?gun|сетемет|dazzl|remote id|aeroscope"
    r"|ружь|ruzh|gun\b|\bblock(?:s|ed|ing|ers?)?\b|noise|шум|flood|overpower|drown|denial|rcied|\bied\b|convoy|конво"
    r"|\bfpv\b|flying camera|\bcuts? (?:\w+ ){0,3}(?:links?|feeds?|signals?))"
)


def has_counter_cue(text: str) -> bool:
    """Whether a normalised text says anything a counter-drone item is (see the module docstring)."""
    if _CUE.search(text) is not None:
        return True
    return any(system_mark(t.strip(".,;:()[]\"'«»")) for t in text.split())
