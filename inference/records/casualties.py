"""Killed and injured from the phrasing of a sentence: numbers, ranges and stated zeros, each with its span.

Nothing said is None (unknown), never 0: only words that say so ("no injuries", "without causing casualties",
"no one was killed") give 0.

>>> text = "Seven wounded and three killed when a bomb hit the market."
>>> found = casualties(text, [(0, len(text))])
>>> (found.killed.low, found.killed.evidence.text), (found.injured.low, found.injured.evidence.text)
((3, 'three killed'), (7, 'Seven wounded'))
>>> casualties("Rockets fell near the base.", [(0, 27)]).killed is None
True
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .numbers import NUMBER_PHRASE, quantity
from .schema import Count, Span

KILLED, INJURED, BOTH = "killed", "injured", "both"
_KILL = r"killed|dead|died|slain|deaths?|fatalities|lives|martyred"
_HURT = r"wounded|injured|hurt|injuries|harmed"
_NUM = rf"(?<![\w-])(?P<num>{NUMBER_PHRASE}|an?|one)(?![\w-])"
_OPEN_QUOTE = r"[“\"‘']?"
# "no injuries", "no coalition personnel injuries", "no “losses”", "no reported casualties"
_NO = re.compile(rf"\bno\s+(?:reported\s+|reports\s+of\s+|immediate\s+)?(?:[\w-]+\s+){{0,2}}?{_OPEN_QUOTE}"
                 rf"(?P<what>injur(?:y|ies)|injured|wounded|deaths?|dead|fatalities|casualt(?:y|ies)|losses|victims)\b",
                 re.I)
# "no one was killed", "nobody was hurt", "none of them were injured"
_NO_ONE = re.compile(rf"\b(?:no[\s-]one|nobody|none)\b(?:\s+[\w’']+){{0,4}}?\s+(?P<what>{_KILL}|{_HURT})\b", re.I)
# "without causing casualties", "without any injuries"
_WITHOUT = re.compile(r"\bwithout\s+(?:causing\s+|any\s+|leaving\s+|inflicting\s+)*(?P<what>casualties|injuries|"
                      r"deaths|fatalities|loss of life|damage or casualties|harm)\b", re.I)
# "two soldiers were killed", "Seven wounded", "12 dead": the number is of the dead or hurt
_PASSIVE = re.compile(rf"{_NUM}(?:\s+[\w’'-]+){{0,4}}?\s+(?P<aux>(?:were|was|have been|has been|had been|are|is|been|"
                      rf"also)\s+)*(?P<what>killed|dead|died|slain|wounded|injured|hurt|deaths|fatalities)\b"
                      rf"(?P<after>\s*[\w’']*)", re.I)
# "killing five", "killed at least 12 people", "left three dead", "wounding 4 others"
_ACTIVE = re.compile(rf"\b(?P<what>killing|killed|wounding|wounded|injuring|injured|left|leaving|claimed)\s+{_NUM}"
                     rf"(?:\s+[\w’'-]+){{0,3}}?(?:\s+(?P<state>dead|wounded|injured|lives))?", re.I)
# after these words a past participle is passive ("three killed in the attack"); before others it is active
_PASSIVE_FOLLOWERS = {"", "and", "or", "in", "on", "at", "by", "when", "after", "during", "as", "while", "from",
                      "overnight", "yesterday", "today", "including", "so", "since"}
_WEAPONS = re.compile(r"\b(rockets?|missiles?|bombs?|drones?|shells?|mortars?|grenades?|gunmen|attackers?|"
                      r"militants?|assailants?)\b", re.I)


@dataclass(frozen=True)
class Casualties:
    killed: Count | None
    injured: Count | None


def casualties(text: str, scopes: Iterable[tuple[int, int]]) -> Casualties:
    """The first statement of each count within the scopes (character ranges of `text`, in the order to read)."""
    killed: Count | None = None
    injured: Count | None = None
    for start, end in scopes:
        for kind, count in sorted(_statements(text, start, end), key=lambda kc: kc[1].evidence.start):
            if kind in (KILLED, BOTH) and killed is None:
                killed = count
            if kind in (INJURED, BOTH) and injured is None:
                injured = count
    return Casualties(killed, injured)


def _statements(text: str, start: int, end: int) -> list[tuple[str, Count]]:
    found: list[tuple[str, Count]] = []

    def add(kind: str, low: int, high: int | None, m: re.Match[str], span_end: int | None = None) -> None:
        found.append((kind, Count(low, high, Span.of(text, m.start(), span_end or m.end()))))

    for pattern in (_NO, _NO_ONE, _WITHOUT):
        for m in pattern.finditer(text, start, end):
            what = m.group("what").lower()
            add(BOTH if what in ("hurt", "harmed", "harm") else _kind(what), 0, 0, m)  # "nobody was hurt": none dead
    for m in _ACTIVE.finditer(text, start, end):
        amount = quantity(m.group("num"))
        if amount is None:
            continue
        verb, state = m.group("what").lower(), (m.group("state") or "").lower()
        if verb in ("left", "leaving", "claimed"):
            if not state:
                continue
            kind = _kind(state)
        else:
            kind = KILLED if verb.startswith("kill") else INJURED
        add(kind, *amount, m, m.end("state") if state else m.end("num"))
    for m in _PASSIVE.finditer(text, start, end):
        amount = quantity(m.group("num"))
        what = m.group("what").lower()
        between = text[m.end("num"):m.start("what")]
        if amount is None or _WEAPONS.search(between) or _WEAPONS.search(m.group("num")):
            continue
        active = (what in ("killed", "wounded", "injured", "slain") and not m.group("aux")
                  and m.group("after").strip().lower() not in _PASSIVE_FOLLOWERS)
        if active or any(_overlaps(m, c.evidence) for _, c in found):
            continue
        add(_kind(what), *amount, m, m.end("what"))
    return found


def _kind(word: str) -> str:
    word = word.lower()
    if re.fullmatch(_KILL + "|loss of life", word):
        return KILLED
    if re.fullmatch(_HURT, word):
        return INJURED
    return BOTH  # casualties, losses, victims, harm, "damage or casualties"


def _overlaps(m: re.Match[str], span: Span) -> bool:
    return m.start() < span.end and span.start < m.end()
