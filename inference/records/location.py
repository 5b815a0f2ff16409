"""Where: the Place argument (or the nearest GPE, LOC or FAC of the trigger's sentence), resolved offline.

When the best name resolves only to a country, a first-level region of that country named in the same
sentence ("the western Iraqi province of Anbar"), or in another sentence naming the same site ("Ain al-Asad
airbase ... in Anbar province"), gives the region.
"""
from __future__ import annotations

import re

from eventtagger.core.schema import Document

from .coreference import Group
from .gazetteer import Place, gazetteer, normalize
from .schema import Location, Span

PLACE_LABELS = ("GPE", "LOC", "FAC")
_PRECISION = {"city": 3, "region": 2, "country": 1, None: 0}
_LOCATIVE = re.compile(r"\b(?:in|at|near|outside|inside|across|into|around|from|of|to)\s+(?:the\s+)?"
                       r"(?:(?:[\w-]+\s+){0,2})?$", re.I)
_NOT_NOUNS = {"on", "in", "at", "and", "or", "but", "which", "who", "that", "where", "when", "near", "after",
              "before", "as", "by", "for", "with", "province", "governorate", "state", "region", "city", "district",
              "is", "was", "were", "has", "had", "have", "said", "to", "from", "early", "late", "last"}
_SITE_WORDS = re.compile(r"\b(?:military\s+)?(?:air\s*base|airbase|base|camp|airport|complex|facility|compound|"
                         r"checkpoint|barracks|installation)s?\b", re.I)


def locate(doc: Document, group: Group, sentences: list[Span]) -> Location:
    candidates = _candidates(doc, group)
    if not candidates:
        return Location(None)
    gaz = gazetteer()
    place = candidates[0][0]
    resolved = [(span, gaz.lookup(span.text), strong) for span, strong in candidates]
    # the first name the gazetteer knows sets the country; a later, more precise one of the same country refines it
    # only if it is an argument or follows a locative preposition ("FALLUJAH:" in a dateline does not)
    best_span, best = next(((s, p) for s, p, _ in resolved if p is not None), (None, None))
    if best is None:
        return Location(place)
    for span, found, strong in resolved:
        if strong and found is not None and found.country_code == best.country_code \
                and _PRECISION[found.precision] > _PRECISION[best.precision]:
            best_span, best = span, found
    region_span: Span | None = best_span if best.region else None
    if best.precision == "country":
        found = _region_near(doc.text, best.country_code, [m.sentence for m in group.mentions])
        if found is None:
            found = _region_where_site_named(doc.text, best.country_code, place, sentences)
        if found is not None:
            region_span, name, code = found
            best = Place(best.country, best.country_code, name, code)
    return Location(place, best.country, best.country_code, best_span, best.region, best.region_code,
                    region_span, best.city, best_span if best.city else None, best.latitude, best.longitude,
                    best.precision)


def _candidates(doc: Document, group: Group) -> list[tuple[Span, bool]]:
    """(name, strong) in order: Place arguments, place-like targets, then each mention's place entities after a
    locative preposition ("in Iraq"; strong), then its other place entities ("US forces", a dateline; weak)."""
    mentions = [*group.mentions, *group.consequences]
    out: list[tuple[Span, bool]] = []
    labels = {(e.start, e.end): e.label for e in doc.entities}
    for roles in (("Place", "Destination", "Origin"), ("Target",)):
        for m in mentions:
            for a in m.event.arguments:
                if a.role in roles and (a.role != "Target" or labels.get((a.start, a.end)) in PLACE_LABELS):
                    out.append((Span(a.start, a.end, a.text), True))
    weak: list[tuple[Span, bool]] = []
    for m in mentions:
        near = sorted((e for e in doc.entities if e.label in PLACE_LABELS
                       and m.sentence.start <= e.start and e.end <= m.sentence.end),
                      key=lambda e: abs(e.start - m.event.trigger.start))
        for e in near:
            located = (_LOCATIVE.search(doc.text, max(m.sentence.start, e.start - 30), e.start) is not None
                       and not _modifier(doc.text, e.end))
            (out if located else weak).append((Span(e.start, e.end, e.text), located))
    return out + weak


def _modifier(text: str, end: int) -> bool:
    """True when the name qualifies a noun ("US forces", "Iraqi factions"): then it is whose, not where."""
    m = re.match(r"[ \t]+([a-z][\w-]*)", text[end:end + 30])
    return m is not None and m.group(1) not in _NOT_NOUNS and not m.group(1).endswith(("ing", "ed"))


def _region_near(text: str, country: str | None, spans: list[Span]) -> tuple[Span, str, str] | None:
    for sentence in spans:
        found = gazetteer().regions_named_in(sentence.text, country) if country else []
        if found:
            m, name, code = found[0]
            return Span.of(text, sentence.start + m.start(), sentence.start + m.end()), name, code
    return None


def _region_where_site_named(text: str, country: str | None, place: Span, sentences: list[Span]
                             ) -> tuple[Span, str, str] | None:
    site = normalize(_SITE_WORDS.sub(" ", place.text))
    if len(site) < 4 or gazetteer().lookup(place.text) is not None:
        return None  # no site name of its own ("the base"), or the place is itself a country or region
    return _region_near(text, country, [s for s in sentences if site in normalize(s.text)])
