"""The incident record (docs/RECORDS.md): frozen dataclasses, every value with the character span it came from.

Offsets are those of the source document (code points, end exclusive), as everywhere in docs/FORMAT.md.

>>> Span.of("Two rockets hit the base.", 0, 3)
Span(start=0, end=3, text='Two')
"""
from __future__ import annotations

from dataclasses import dataclass

# polarity/modality of a mention (and of the incident its mentions make)
ASSERTED, NEGATED, HYPOTHETICAL, PLANNED, GENERIC = "asserted", "negated", "hypothetical", "planned", "generic"
MODALITIES = (ASSERTED, NEGATED, HYPOTHETICAL, PLANNED, GENERIC)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str

    @staticmethod
    def of(text: str, start: int, end: int) -> Span:
        return Span(start, end, text[start:end])


@dataclass(frozen=True)
class Mention:
    """One event of the tagger's output that is part of an incident."""
    event_id: str
    event_type: str
    trigger: Span
    modality: str
    cue: Span | None = None  # the words that decided a modality other than asserted
    score: float | None = None


@dataclass(frozen=True)
class IncidentDate:
    """`value` is YYYY-MM-DD, YYYY-MM or YYYY as `precision` (day, month, year) says; None when the text gives no
    date or none that the publication date can anchor (`evidence` then still shows what was said)."""
    value: str | None
    precision: str | None
    evidence: Span | None
    anchor: str | None  # the publication date the value was resolved against, YYYY-MM-DD
    anchor_source: str | None  # meta.published, --published or dateline
    anchor_evidence: Span | None = None


@dataclass(frozen=True)
class Location:
    """The place named, and what the gazetteer made of it. `precision` is city, region or country (None: unknown)."""
    place: Span | None
    country: str | None = None
    country_code: str | None = None  # ISO 3166-1 alpha-2
    country_evidence: Span | None = None
    region: str | None = None
    region_code: str | None = None  # ISO 3166-2
    region_evidence: Span | None = None
    city: str | None = None
    city_evidence: Span | None = None
    latitude: float | None = None
    longitude: float | None = None
    precision: str | None = None


@dataclass(frozen=True)
class Count:
    """A number of people: exact when low == high; a range for vague words ("dozens": 24-99); high None for
    "at least 5". Unknown counts are no Count at all (None), never 0."""
    low: int
    high: int | None
    evidence: Span


@dataclass(frozen=True)
class Actors:
    attackers: tuple[Span, ...] = ()  # Attacker / Agent
    targets: tuple[Span, ...] = ()  # Target / Person (arrested)
    victims: tuple[Span, ...] = ()  # Victim
    instruments: tuple[Span, ...] = ()  # Instrument
    claimed_by: tuple[Span, ...] = ()  # "claimed the attack", "claimed responsibility": a claim, not an attacker
    denied_by: tuple[Span, ...] = ()  # "denied carrying out the attack": not an attacker either


@dataclass(frozen=True)
class Incident:
    id: str
    event_type: str
    modality: str
    counted: bool  # asserted, specific and an incident of its own: what an analyst counts
    excluded_because: str | None
    mentions: tuple[Mention, ...]
    date: IncidentDate
    location: Location
    actors: Actors
    killed: Count | None
    injured: Count | None
    document: str
    model: str | None
    model_version: str | None
