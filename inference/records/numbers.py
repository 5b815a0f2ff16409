"""Numbers of people as news writes them: digits, English number words, and vague quantities as ranges.

Our own table rather than a package: word2number (last released 2017) raises on vague words and knows no
ranges, and the casualty phrasing needs both ("dozens" is 24-99, "at least 12" is 12 or more).

>>> quantity("two"), quantity("twenty-five"), quantity("1,200"), quantity("dozens"), quantity("at least 12")
((2, 2), (25, 25), (1200, 1200), (24, 99), (12, None))
>>> quantity("a hundred and five"), quantity("soldiers")
((105, 105), None)
"""
from __future__ import annotations

import re

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
# vague quantities: the ranges an analyst would code them as
VAGUE: dict[str, tuple[int, int | None]] = {
    "a dozen": (12, 12), "dozen": (12, 12), "dozens": (24, 99), "dozens of": (24, 99), "scores": (40, 99),
    "hundreds": (200, 999), "thousands": (2000, 9999), "several": (3, 9), "a few": (2, 5), "few": (2, 5),
    "a couple": (2, 2), "a couple of": (2, 2), "many": (10, None), "numerous": (10, None),
    "an": (1, 1), "a": (1, 1), "one": (1, 1), "a single": (1, 1),
}
# bounds before a number: "at least 12" -> (12, None), "more than 12" -> (13, None), "up to 12" -> (1, 12)
_BOUNDS = re.compile(r"^(at least|more than|over|upwards of|up to|nearly|almost|about|around|some|roughly|"
                     r"approximately|an estimated)\s+", re.I)
NUMBER_WORDS = sorted({*_UNITS, *_TENS, *_SCALES, *VAGUE, "and"}, key=len, reverse=True)
# a number phrase as it may stand before "killed", "people", ...: what `quantity` reads
NUMBER_PHRASE = (r"(?:(?:at least|more than|over|upwards of|up to|nearly|almost|about|around|some|roughly|"
                 r"approximately|an estimated)\s+)?"
                 r"(?:\d[\d,]*|(?:dozens|scores|hundreds|thousands)(?: of)?|a dozen|a few|a couple(?: of)?|several|"
                 r"many|numerous|a single|(?:(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                 r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
                 r"seventy|eighty|ninety|hundred|thousand|million|a hundred|a thousand)(?:[\s-]+(?:and\s+)?"
                 r"(?=\w)(?:one|two|three|four|five|six|seven|eight|nine|hundred|thousand|million|ten|eleven|twelve|"
                 r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
                 r"seventy|eighty|ninety))*))")


def quantity(phrase: str) -> tuple[int, int | None] | None:
    """(low, high) for a number phrase, high None when open-ended; None when it is no number."""
    text = phrase.strip().lower()
    bound = _BOUNDS.match(text)
    core = text[bound.end():] if bound else text
    value = _exact(core)
    if value is None:
        return VAGUE.get(core)
    kind = bound.group(1).lower() if bound else ""
    if kind in ("at least", "upwards of"):
        return value, None
    if kind in ("more than", "over"):
        return value + 1, None
    if kind == "up to":
        return 1 if value else 0, value
    return value, value  # "about 20" is coded as 20


def _exact(text: str) -> int | None:
    if re.fullmatch(r"\d{1,3}(,\d{3})+|\d+", text):
        return int(text.replace(",", ""))
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", text.removeprefix("a ")):
        if word == "and":
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word in _SCALES:
            current = max(current, 1) * _SCALES[word]
            if _SCALES[word] > 100:
                total, current = total + current, 0
        else:
            return None
        seen = True
    return total + current if seen else None
