"""Incident records as JSON objects (one a line) and as CSV rows with one column per field.

>>> from .schema import Actors, IncidentDate, Location
>>> row = csv_row(Incident("d#I1", "Conflict:Attack", "asserted", True, None, (), IncidentDate(None, None, None, None,
...     None), Location(None), Actors(), None, None, "d", "demo", "abc"))
>>> row["killed_min"], row["date"], row["counted"]
('', '', 'true')
"""
from __future__ import annotations

import csv
from dataclasses import asdict
from typing import IO, Any

from .schema import Count, Incident, Span

CSV_COLUMNS = ("id", "document", "event_type", "counted", "modality", "excluded_because", "date", "date_precision",
               "date_evidence", "place", "city", "region", "region_code", "country", "country_code", "latitude",
               "longitude", "location_precision", "attackers", "targets", "victims", "instruments", "claimed_by",
               "denied_by", "killed_min", "killed_max", "killed_evidence", "injured_min", "injured_max",
               "injured_evidence", "mentions", "model", "model_version")


def to_dict(incident: Incident) -> dict[str, Any]:
    """Every field, spans as {"start", "end", "text"}; unknown values are null."""
    return asdict(incident)


def csv_row(r: Incident) -> dict[str, str]:
    def spans(items: tuple[Span, ...]) -> str:
        return "; ".join(s.text for s in items)

    def bound(count: Count | None, high: bool) -> str:
        if count is None:
            return ""
        value = count.high if high else count.low
        return "" if value is None else str(value)

    a, loc = r.actors, r.location
    row = {
        "id": r.id, "document": r.document, "event_type": r.event_type, "counted": str(r.counted).lower(),
        "modality": r.modality, "excluded_because": r.excluded_because or "", "date": r.date.value or "",
        "date_precision": r.date.precision or "", "date_evidence": r.date.evidence.text if r.date.evidence else "",
        "place": loc.place.text if loc.place else "", "city": loc.city or "", "region": loc.region or "",
        "region_code": loc.region_code or "", "country": loc.country or "", "country_code": loc.country_code or "",
        "latitude": "" if loc.latitude is None else str(loc.latitude),
        "longitude": "" if loc.longitude is None else str(loc.longitude), "location_precision": loc.precision or "",
        "attackers": spans(a.attackers), "targets": spans(a.targets), "victims": spans(a.victims),
        "instruments": spans(a.instruments), "claimed_by": spans(a.claimed_by), "denied_by": spans(a.denied_by),
        "killed_min": bound(r.killed, False), "killed_max": bound(r.killed, True),
        "killed_evidence": r.killed.evidence.text if r.killed else "", "injured_min": bound(r.injured, False),
        "injured_max": bound(r.injured, True), "injured_evidence": r.injured.evidence.text if r.injured else "",
        "mentions": "; ".join(f"{m.event_id}:{m.trigger.text}" for m in r.mentions),
        "model": r.model or "", "model_version": r.model_version or "",
    }
    return row


def csv_writer(stream: IO[str]) -> csv.DictWriter:
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    return writer
