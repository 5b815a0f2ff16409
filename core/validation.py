"""Validation of docs/FORMAT.md §1 records: every problem, with where it is and its field, in one pass.

Pure over records: reading a file is `jsonl.check_file`'s part, which hands its records to `check_records`.

>>> record = {"id": "d", "text": "abc", "entities": [{"start": 0, "end": 9, "label": "PER"}]}
>>> [str(p) for p in check_record(record, "f.jsonl, line 1")]
["f.jsonl, line 1, field 'entities[0].end': 9 is outside the text (length 3)"]
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import Problem
from .ids import FirstSeen
from .ontology import Ontology
from .schema import Document

Finding = tuple[str, str]  # (field, message): check_record adds where the record is
Span = tuple[int, int]


def check_records(records: Iterable[tuple[str, dict[str, Any] | Problem]],
                  ontology: Ontology | None = None) -> tuple[list[Document], list[Problem]]:
    """Check (where, record) pairs, as `jsonl.iter_records` yields them (a Problem stands for a line that is no
    record); return the valid documents and every problem, a repeated document id among them.

    >>> docs, problems = check_records([("line 1", {"id": "d", "text": "a"}), ("line 2", {"id": "d", "text": "b"})])
    >>> [d.text for d in docs], [str(p) for p in problems]
    (['a'], ["line 2, field 'id': duplicate id 'd' (first at line 1)"])
    """
    documents: list[Document] = []
    problems: list[Problem] = []
    seen = FirstSeen()
    for where, record in records:
        if isinstance(record, Problem):
            problems.append(record)
            continue
        found = check_record(record, where, ontology)
        doc_id = record.get("id")
        repeat = seen.repeat(doc_id, where) if isinstance(doc_id, str) else None
        if repeat is not None:
            found.append(Problem(where, "id", repeat))
        problems.extend(found)
        if not found:
            documents.append(Document.from_dict(record))
    return documents, problems


def check_documents(documents: Iterable[Document], where: str,
                    ontology: Ontology | None = None) -> tuple[list[Document], list[Problem]]:
    """Check documents that a reader of another format built, each named `where` and its id; return the valid
    ones and every problem. A reader can get offsets wrong; this is where that surfaces, not in training.

    >>> from eventtagger.core.schema import Entity
    >>> bad = Document("d1", "abc", entities=(Entity("T1", 0, 2, "PER", "abc"),))
    >>> [str(p) for p in check_documents([bad], "brat document")[1]]
    ["brat document 'd1', field 'entities[0].text': 'abc' differs from the text at [0, 2): 'ab'"]
    """
    valid: list[Document] = []
    problems: list[Problem] = []
    for document in documents:
        found = check_record(document.to_dict(), f"{where} {document.id!r}", ontology)
        problems.extend(found)
        if not found:
            valid.append(document)
    return valid, problems


def check_record(record: dict[str, Any], where: str, ontology: Ontology | None = None) -> list[Problem]:
    """Every problem of one record, in the order of its fields; [] for a valid one."""
    found: list[Finding] = []
    surrogate = surrogate_field(record)
    if surrogate is not None:  # the record cannot even be written back: nothing else about it is said
        found.append((surrogate, SURROGATE_MESSAGE))
    else:
        _check_document_fields(found, record)
        text = record.get("text")
        if isinstance(text, str):  # spans can only be checked against a text
            entity_spans = _check_entities(found, record, text, ontology)
            _check_events(found, record, text, entity_spans, ontology)
    return [Problem(where, field, message) for field, message in found]


def _check_document_fields(found: list[Finding], record: dict[str, Any]) -> None:
    doc_id = record.get("id")
    if not isinstance(doc_id, str) or not doc_id:
        found.append(("id", "is required and must be a non-empty string"))
    if not isinstance(record.get("text"), str):
        found.append(("text", "is required and must be a string"))
    elif record.get("meta") is not None and not isinstance(record["meta"], dict):
        found.append(("meta", "must be an object"))


def _check_entities(found: list[Finding], record: dict[str, Any], text: str,
                    ontology: Ontology | None) -> dict[str, Span]:
    """Check each entity, then that none overlap; return the span of each entity id, for arguments to name."""
    entity_spans: dict[str, Span] = {}
    spans: list[tuple[int, int, str]] = []
    for i, entity in enumerate(_list_field(found, record, "entities")):
        field = f"entities[{i}]"
        span = _check_span(found, entity, field, text)
        if span is None:
            continue
        _check_entity_label(found, entity.get("label"), field, ontology)
        _check_entity_id(found, entity.get("id"), field, span, entity_spans)
        spans.append((*span, field))
    _check_overlaps(found, spans, "entity")
    return entity_spans


def _check_entity_label(found: list[Finding], label: Any, field: str, ontology: Ontology | None) -> None:
    if not isinstance(label, str) or not label:
        found.append((f"{field}.label", "is required and must be a string"))
    elif ontology is not None and label not in ontology.entity_labels:
        known = ", ".join(ontology.entity_labels)
        found.append((f"{field}.label", f"unknown entity label {label!r} (ontology {ontology.name}: {known})"))


def _check_entity_id(found: list[Finding], entity_id: Any, field: str, span: Span,
                     entity_spans: dict[str, Span]) -> None:
    """An entity id is optional but unique; a new one's span goes into `entity_spans`."""
    if entity_id is None:
        return
    if not isinstance(entity_id, str):
        found.append((f"{field}.id", "must be a string"))
    elif entity_id in entity_spans:
        found.append((f"{field}.id", f"duplicate entity id {entity_id!r}"))
    else:
        entity_spans[entity_id] = span


def _check_events(found: list[Finding], record: dict[str, Any], text: str, entity_spans: dict[str, Span],
                  ontology: Ontology | None) -> None:
    """Check each event and its arguments, then that no triggers overlap."""
    triggers: list[tuple[int, int, str]] = []
    for i, event in enumerate(_list_field(found, record, "events")):
        field = f"events[{i}]"
        if not isinstance(event, dict):
            found.append((field, "must be an object"))
            continue
        event_type = _check_event_type(found, event.get("type"), field, ontology)
        _check_score(found, event, field)
        trigger = _check_span(found, event.get("trigger"), f"{field}.trigger", text)
        if trigger is not None:
            triggers.append((*trigger, f"{field}.trigger"))
        _check_arguments(found, event, field, event_type, text, entity_spans, ontology)
    _check_overlaps(found, triggers, "trigger")


def _check_event_type(found: list[Finding], event_type: Any, field: str, ontology: Ontology | None) -> str | None:
    """The type if the ontology knows it (any string without an ontology), for checking roles; else None."""
    known = isinstance(event_type, str) and (ontology is None or event_type in ontology.types)
    if not isinstance(event_type, str) or not event_type:
        found.append((f"{field}.type", "is required and must be a string"))
    elif not known:
        found.append((f"{field}.type", f"unknown event type {event_type!r} (ontology {ontology.name})"))
    return event_type if known else None


def _check_arguments(found: list[Finding], event: dict[str, Any], field: str, event_type: str | None, text: str,
                     entity_spans: dict[str, Span], ontology: Ontology | None) -> None:
    """Check each argument of one event (`field`), then that none overlap."""
    spans: list[tuple[int, int, str]] = []
    for j, argument in enumerate(_list_field(found, event, "arguments", prefix=f"{field}.")):
        argument_field = f"{field}.arguments[{j}]"
        span = _check_span(found, argument, argument_field, text)
        if span is None:
            continue
        _check_role(found, argument.get("role"), argument_field, event_type, ontology)
        _check_entity_link(found, argument.get("entity"), argument_field, span, entity_spans)
        spans.append((*span, argument_field))
    _check_overlaps(found, spans, "argument")


def _check_role(found: list[Finding], role: Any, field: str, event_type: str | None,
                ontology: Ontology | None) -> None:
    if not isinstance(role, str) or not role:
        found.append((f"{field}.role", "is required and must be a string"))
    elif ontology is not None and event_type is not None and not ontology.allows(event_type, role):
        allowed = ", ".join(ontology.roles_of(event_type))
        found.append((f"{field}.role", f"role {role!r} is not allowed for {event_type} (allowed: {allowed})"))


def _check_entity_link(found: list[Finding], entity_id: Any, field: str, span: Span,
                       entity_spans: dict[str, Span]) -> None:
    """An argument may name the entity it is; that entity must exist and have the argument's span."""
    if entity_id is None:
        return
    if not isinstance(entity_id, str) or entity_id not in entity_spans:
        found.append((f"{field}.entity", f"names no entity of this document ({entity_id!r})"))
    elif entity_spans[entity_id] != span:
        found.append((f"{field}.entity",
                      f"entity {entity_id!r} is at {list(entity_spans[entity_id])}, the argument at {list(span)}"))


def _check_span(found: list[Finding], obj: Any, field: str, text: str) -> Span | None:
    """The [start, end) of a span object (entity, trigger, argument) if it lies within `text`, else None;
    its optional text and score are checked too."""
    if not isinstance(obj, dict):
        found.append((field, "must be an object"))
        return None
    start, end = obj.get("start"), obj.get("end")
    if not _is_int(start) or not _is_int(end):
        found.append((f"{field}.start" if not _is_int(start) else f"{field}.end", "must be an integer offset"))
        return None
    if not 0 <= start < end:
        found.append((f"{field}.start", f"span [{start}, {end}) is empty or negative"))
        return None
    if end > len(text):
        found.append((f"{field}.end", f"{end} is outside the text (length {len(text)})"))
        return None
    if "text" in obj and obj["text"] != text[start:end]:
        found.append((f"{field}.text",
                      f"{obj['text']!r} differs from the text at [{start}, {end}): {text[start:end]!r}"))
    _check_score(found, obj, field)
    return start, end


def _check_score(found: list[Finding], obj: dict[str, Any], field: str) -> None:
    if "score" in obj and not (_is_number(obj["score"]) and 0 <= obj["score"] <= 1):
        found.append((f"{field}.score", "must be a number in [0, 1]"))


_PLURAL = {"entity": "entities", "trigger": "triggers", "argument": "arguments"}


def _check_overlaps(found: list[Finding], spans: list[tuple[int, int, str]], kind: str) -> None:
    """Spans of one layer may coincide (one span, several roles or events) but not partly overlap or nest:
    a BIO tagger cannot represent that."""
    spans = sorted(spans)
    for (s1, e1, f1), (s2, e2, f2) in zip(spans, spans[1:]):
        if s2 < e1 and (s1, e1) != (s2, e2):
            found.append((f2, f"{kind} span [{s2}, {e2}) overlaps {f1} [{s1}, {e1}); "
                              f"nested or overlapping {_PLURAL[kind]} cannot be tagged"))


def _list_field(found: list[Finding], obj: dict[str, Any], key: str, prefix: str = "") -> list[Any]:
    """obj[key] if it is a list, [] if it is absent or null; anything else is a finding (and [])."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        found.append((prefix + key, "must be a list"))
        return []
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_MESSAGE = ("holds a lone surrogate (a \\ud800-\\udfff escape that is half of a pair), which is no "
                     "Unicode character and cannot be written as UTF-8")


def surrogate_field(value: Any, field: str = "") -> str | None:
    """The first field of a JSON value whose string (or key) holds a lone surrogate, which `json.loads` lets
    through from an escape such as "\\ud800"; None if there is none.

    >>> surrogate_field({"id": "d", "entities": [{"text": "x\\ud800"}]}), surrogate_field({"text": "😀"})
    ('entities[0].text', None)
    """
    if isinstance(value, str):
        return field if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, inner in value.items():
            name = f"{field}.{key}" if field else str(key)
            if isinstance(key, str) and _SURROGATE.search(key):
                return name
            found = surrogate_field(inner, name)
            if found is not None:
                return found
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            found = surrogate_field(inner, f"{field}[{i}]")
            if found is not None:
                return found
    return None


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
