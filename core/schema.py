"""The document schema of docs/FORMAT.md §1 as frozen dataclasses, used by every reader, the decoder and the writers.

Offsets are Python string indices (Unicode code points) into `Document.text`, end exclusive:
`doc.text[span.start:span.end] == span.text` always holds for a valid document.

>>> doc = Document.from_dict({"id": "d1", "text": "Rockets hit Erbil."})
>>> doc.with_predictions(entities=(Entity("T1", 12, 17, "GPE", "Erbil"),), events=()).entities[0].text
'Erbil'
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Trigger:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Argument:
    role: str
    start: int
    end: int
    text: str
    entity: str | None = None
    score: float | None = None


@dataclass(frozen=True)
class Entity:
    id: str
    start: int
    end: int
    label: str
    text: str
    score: float | None = None


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    trigger: Trigger
    arguments: tuple[Argument, ...] = ()
    score: float | None = None


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    entities: tuple[Entity, ...] = ()
    events: tuple[Event, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, hash=False, compare=True)

    @staticmethod
    def from_dict(record: dict[str, Any]) -> Document:
        """Build a document from a docs/FORMAT.md §1 record. Assumes the record passed `validation.check_record`."""
        return Document(
            id=record["id"],
            text=record["text"],
            meta=dict(record.get("meta") or {}),
            entities=tuple(
                Entity(e.get("id") or f"T{i + 1}", e["start"], e["end"], e["label"],
                       e.get("text", record["text"][e["start"]:e["end"]]), e.get("score"))
                for i, e in enumerate(record.get("entities") or ())),
            events=tuple(_event_from_dict(ev, i, record["text"]) for i, ev in enumerate(record.get("events") or ())),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": self.text}
        if self.meta:
            out["meta"] = self.meta
        out["entities"] = [_drop_none({"id": e.id, "start": e.start, "end": e.end, "label": e.label,
                                       "text": e.text, "score": e.score}) for e in self.entities]
        out["events"] = [_drop_none({
            "id": ev.id, "type": ev.type,
            "trigger": {"start": ev.trigger.start, "end": ev.trigger.end, "text": ev.trigger.text},
            "score": ev.score,
            "arguments": [_drop_none({"role": a.role, "start": a.start, "end": a.end, "text": a.text,
                                      "entity": a.entity, "score": a.score}) for a in ev.arguments],
        }) for ev in self.events]
        return out

    def with_predictions(self, entities: tuple[Entity, ...], events: tuple[Event, ...],
                         meta: dict[str, Any] | None = None) -> Document:
        """The same text and id with these annotations (the shape `extract` returns)."""
        return replace(self, entities=entities, events=events, meta={**self.meta, **(meta or {})})


def _event_from_dict(ev: dict[str, Any], index: int, text: str) -> Event:
    trig = ev["trigger"]
    return Event(
        id=ev.get("id") or f"E{index + 1}",
        type=ev["type"],
        trigger=Trigger(trig["start"], trig["end"], trig.get("text", text[trig["start"]:trig["end"]])),
        arguments=tuple(Argument(a["role"], a["start"], a["end"], a.get("text", text[a["start"]:a["end"]]),
                                 a.get("entity"), a.get("score")) for a in ev.get("arguments") or ()),
        score=ev.get("score"),
    )


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}
