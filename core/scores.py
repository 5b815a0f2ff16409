"""Keeping only what a model is sure enough of: one filter for `extract`, `show` and `serve` (`--min-score`).

An entity or event below the threshold is dropped; so is an argument, and an event keeps its other arguments.
An argument's `entity` link is cleared when that entity is dropped, so the result stays a valid document.
Annotations without a score (gold, or hand-corrected) are always kept.

>>> from eventtagger.core.schema import Argument, Document, Entity, Event, Trigger
>>> doc = Document("d", "Rockets hit Erbil.", entities=(Entity("T1", 12, 17, "GPE", "Erbil", 0.4),),
...                events=(Event("E1", "Conflict:Attack", Trigger(8, 11, "hit"),
...                              (Argument("Place", 12, 17, "Erbil", "T1", 0.9),), 0.95),))
>>> kept = at_least(doc, 0.5)
>>> [e.label for e in kept.entities], [(a.role, a.entity) for a in kept.events[0].arguments]
([], [('Place', None)])
"""
from __future__ import annotations

from dataclasses import replace

from .schema import Document


def at_least(document: Document, min_score: float) -> Document:
    """The document with every scored entity, event and argument below `min_score` left out."""
    if min_score <= 0:
        return document

    def sure(item) -> bool:
        return item.score is None or item.score >= min_score

    entities = tuple(e for e in document.entities if sure(e))
    kept_ids = {e.id for e in entities}
    events = tuple(
        replace(ev, arguments=tuple(
            a if a.entity is None or a.entity in kept_ids else replace(a, entity=None)
            for a in ev.arguments if sure(a)))
        for ev in document.events if sure(ev))
    return replace(document, entities=entities, events=events)
