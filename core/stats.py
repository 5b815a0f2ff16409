"""The datasheet of an annotated corpus: what `eventtagger stats` prints and data/README.md shows."""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from .schema import Document


def datasheet(documents: Sequence[Document]) -> dict[str, Any]:
    entity_labels = Counter(e.label for d in documents for e in d.entities)
    event_types = Counter(ev.type for d in documents for ev in d.events)
    roles = Counter(f"{ev.type} / {a.role}" for d in documents for ev in d.events for a in ev.arguments)
    return {
        "documents": len(documents),
        "words": sum(len(d.text.split()) for d in documents),
        "documents_without_events": sum(1 for d in documents if not d.events),
        "entities": sum(entity_labels.values()),
        "events": sum(event_types.values()),
        "arguments": sum(roles.values()),
        "distinct_triggers": len({ev.trigger.text.lower() for d in documents for ev in d.events}),
        "distinct_entity_strings": len({e.text for d in documents for e in d.entities}),
        "entity_labels": dict(sorted(entity_labels.items())),
        "event_types": dict(sorted(event_types.items())),
        "roles": dict(sorted(roles.items())),
    }


def render_datasheet(sheet: dict[str, Any]) -> str:
    lines = [f"{k.replace('_', ' ')}: {sheet[k]}" for k in
             ("documents", "words", "documents_without_events", "entities", "events", "arguments",
              "distinct_triggers", "distinct_entity_strings")]
    tables = (("entity label", "entity_labels"), ("event type", "event_types"), ("event type / role", "roles"))
    for title, key in tables:
        lines += ["", f"| {title} | count |", "| --- | --- |"]
        lines += [f"| {name} | {count} |" for name, count in sheet[key].items()]
    return "\n".join(lines)
