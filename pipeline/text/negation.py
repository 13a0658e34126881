"""Negation scope: the words that name what the goods are not.

Tariff and ruling wording names goods by what they are not: ``Aeroplanes, except unmanned``, «летательные аппараты,
кроме беспилотных», ``parts for piston engines (for other than aircraft)``. :func:`drop_negated` drops the aircraft,
drone and navigation words in such a scope, so that they do not count as evidence for the class they name. It is
the optional last whole-text step of :class:`~pipeline.text.normalise.Normaliser` (``drop_negated``); the cue is
matched before look-alike letters are repaired, so a cue typed with look-alike letters is not seen.
"""

from __future__ import annotations

import re

# A scope word of _NEG_WORD is dropped; the words of _NEG_KEEP let the scope run on and stay; any other word or a
# punctuation mark ends it. What is kept holds no word to drop, so dropping twice gives the same text.
_NEG_CUE = r"except|excluding|other\s+than|not\s+including|not\s+for|кроме|за\s+исключением|исключая|не\s+для"
_NEG_WORD = (
    r"unmanned|uavs?|uas|drones?|aircrafts?|aeroplanes?|airplanes?|helicopters?|aviation|avionics|navigation(?:al)?"
    r"|беспилотн\w*|бпла|бвс|дрон\w*|летательн\w*|воздушн\w*|авиа\w*|самолет\w*|вертолет\w*|навигац\w*"
)
_NEG_KEEP = (
    r"for|use|used|in|of|the|civil|with|on|and|or|parts?|для|в|на|и|или|их|использования|используемых"
    r"|предназначенных|гражданск\w*|аппарат\w*|суд(?:а|ов|ам|ами|ах|на|но)"
)
_NEG_SCOPE = re.compile(
    rf"(?<!\w)(?:{_NEG_CUE})(?!\w)(?P<scope>(?:[ \t]+(?:{_NEG_WORD}|{_NEG_KEEP})(?!\w))+)", re.IGNORECASE
)
_NEG_DROP = re.compile(rf"(?:{_NEG_WORD})\Z", re.IGNORECASE).match
_NEG_HINT = re.compile(r"(?:except|excluding|other than|not |кроме|исключ|не для)", re.IGNORECASE).search


def _drop_negated_words(match: re.Match) -> str:
    scope = match.group("scope")
    kept = [word for word in scope.split() if not _NEG_DROP(word)]
    return match.group(0)[: match.start("scope") - match.start()] + "".join(" " + word for word in kept)


def drop_negated(text: str) -> str:
    """Drop the aircraft, drone and navigation words in the scope of a negation: they name what the goods are not.

    ``Aeroplanes, except unmanned`` → ``Aeroplanes, except``; «самолеты, кроме беспилотных» → «самолеты, кроме».

    Args:
        text: text after the character steps.

    Returns:
        The text without those words; idempotent.
    """
    if not _NEG_HINT(text):
        return text
    return _NEG_SCOPE.sub(_drop_negated_words, text)
