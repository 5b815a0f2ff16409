"""When: the publication date that anchors relative dates, and the date an incident's sentence gives.

Relative expressions look back from publication: "on Thursday" is the Thursday on or before it, "yesterday"
the day before, "on April 8" the last April 8 on or before it, "in December" the last December.

>>> anchor = Anchor(date(2022, 4, 30), "dateline", None)   # a Saturday
>>> found = incident_date("Two rockets hit the base on Thursday, officials said.", [(0, 52, 20)], anchor)
>>> found.value, found.precision, found.evidence.text
('2022-04-28', 'day', 'on Thursday')
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil import parser as date_parser
from dateutil.relativedelta import FR, MO, SA, SU, TH, TU, WE, relativedelta

from .schema import IncidentDate, Span

_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
          r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_WEEKDAYS = {"monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH, "friday": FR, "saturday": SA,
             "sunday": SU}
_PATTERNS = (  # (precision, pattern); the first to match a place wins there
    ("day", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("day", re.compile(rf"\b(?:[Oo]n\s+)?(?:{_MONTH}\s+{_DAY}(?:,?\s+\d{{4}})?|"
                       rf"{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?)\b")),
    ("weekday", re.compile(r"\b(?:(?:on|last|this|early|late)\s+)?(?:Monday|Tuesday|Wednesday|Thursday|Friday|"
                           r"Saturday|Sunday)(?:\s+(?:night|morning|evening|afternoon))?\b")),
    ("relative", re.compile(r"\b(?:yesterday|today|tonight|this morning|this afternoon|this evening|"
                            r"last night|earlier today|overnight)\b", re.I)),
    ("month", re.compile(rf"\b(?:in|during|since|on|early|late|mid-?)\s+(?:(?:early|late|mid-?)\s*)?{_MONTH}"
                         rf"(?:\s+\d{{4}})?\b")),
    ("year", re.compile(r"\bin\s+(?:19|20)\d{2}\b")),
)
_RELATIVE_DAYS = {"yesterday": -1, "last night": -1, "overnight": 0}
# a dateline: "Updated 30 April 2022", "Published: April 30, 2022 10:02", "Posted on 2022-04-30"
_DATELINE = re.compile(rf"\b(?:Updated|Published|Posted|Last updated)\s*(?:on|:)?\s*(?P<date>\d{{4}}-\d{{2}}-\d{{2}}|"
                       rf"{_DAY}\s+{_MONTH},?\s+\d{{4}}|{_MONTH}\s+{_DAY},?\s+\d{{4}})", re.I)


@dataclass(frozen=True)
class Anchor:
    """The publication date, where it came from (meta.published, --published, dateline) and its span if in the text."""
    date: date
    source: str
    evidence: Span | None


def publication_date(text: str, meta_published: object = None, default: date | None = None) -> Anchor | None:
    """`meta.published`, else `default` (--published), else the first dateline of the text; None when none."""
    if isinstance(meta_published, str) and meta_published.strip():
        parsed = _parse(meta_published)
        if parsed is not None:
            return Anchor(parsed, "meta.published", None)
    if default is not None:
        return Anchor(default, "--published", None)
    m = _DATELINE.search(text)
    if m:
        parsed = _parse(m.group("date"))
        if parsed is not None:
            return Anchor(parsed, "dateline", Span.of(text, m.start(), m.end()))
    return None


def incident_date(text: str, scopes: Iterable[tuple[int, int, int]], anchor: Anchor | None) -> IncidentDate:
    """The date expression nearest the trigger in the first scope (sentence start, end, trigger offset) that has one."""
    for start, end, trigger in scopes:
        found = [(p, m) for p, m in _expressions(text, start, end)]
        if not found:
            continue
        precision, m = min(found, key=lambda pm: abs(pm[1].start() - trigger))
        evidence = Span.of(text, m.start(), m.end())
        value, resolved = _resolve(precision, m.group(), anchor.date if anchor else None)
        return IncidentDate(value, resolved, evidence, anchor.date.isoformat() if anchor else None,
                            anchor.source if anchor else None, anchor.evidence if anchor else None)
    return IncidentDate(None, None, None, anchor.date.isoformat() if anchor else None,
                        anchor.source if anchor else None, anchor.evidence if anchor else None)


def _expressions(text: str, start: int, end: int) -> list[tuple[str, re.Match[str]]]:
    taken: list[tuple[int, int]] = []
    out = []
    for precision, pattern in _PATTERNS:
        for m in pattern.finditer(text, start, end):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            if _DATELINE.match(text, max(0, m.start() - 20)) or _in_dateline(text, m.start()):
                continue  # the dateline is when it was written, not when it happened
            taken.append((m.start(), m.end()))
            out.append((precision, m))
    return out


def _in_dateline(text: str, offset: int) -> bool:
    return any(m.start("date") <= offset < m.end() for m in _DATELINE.finditer(text, max(0, offset - 40), offset + 40))


def _resolve(precision: str, expression: str, anchor: date | None) -> tuple[str | None, str | None]:
    words = expression.lower()
    if precision == "weekday":
        if anchor is None:
            return None, None
        weekday = next(w for name, w in _WEEKDAYS.items() if name in words)
        back = anchor - timedelta(days=1) if words.startswith("last") else anchor
        return (back + relativedelta(weekday=weekday(-1))).isoformat(), "day"
    if precision == "relative":
        if anchor is None:
            return None, None
        shift = next((d for phrase, d in _RELATIVE_DAYS.items() if phrase in words), 0)
        return (anchor + timedelta(days=shift)).isoformat(), "day"
    if precision == "year":
        return words.split()[-1], "year"
    has_year = re.search(r"\b\d{4}\b", words) is not None
    if not has_year and anchor is None:
        return None, None
    cleaned = re.sub(r"^(on|in|during|since|early|late|mid-?)\s+|\b(early|late|mid-?)\s*", "", words)
    base = datetime(anchor.year if anchor else 2000, 1 if precision == "month" else anchor.month if anchor else 1, 1)
    try:
        parsed = date_parser.parse(cleaned, default=base).date()
    except (ValueError, OverflowError):
        return None, None
    if not has_year and anchor is not None and parsed > anchor:
        parsed = parsed.replace(year=parsed.year - 1)  # "on December 3" in a January article: last December
    if precision == "month":
        return parsed.strftime("%Y-%m"), "month"
    return parsed.isoformat(), "day"


def _parse(value: str) -> date | None:
    try:
        return date_parser.parse(value).date()
    except (ValueError, OverflowError):
        return None
