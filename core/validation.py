"""Validation of docs/FORMAT.md §1 records: every problem, with file, line and field, in one pass.

>>> record = {"id": "d", "text": "abc", "entities": [{"start": 0, "end": 9, "label": "PER"}]}
>>> [str(p) for p in check_record(record, "f.jsonl, line 1")]
["f.jsonl, line 1, field 'entities[0].end': 9 is outside the text (length 3)"]
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .errors import Problem
from .ids import FirstSeen
from .ontology import Ontology
from .schema import Document


def check_file(path: str | Path, ontology: Ontology | None = None) -> tuple[list[Document], list[Problem]]:
    """Check every line of a file; return the valid documents and every problem found."""
    from .jsonl import iter_records

    documents: list[Document] = []
    problems: list[Problem] = []
    seen = FirstSeen()
    lines = 0
    for where, record in iter_records(path):
        lines += 1
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
    if not lines:  # most likely the wrong file, or one whose writer failed
        problems.append(Problem("<stdin>" if str(path) == "-" else str(path), "", "is empty: it holds no documents"))
    return documents, problems


def check_record(record: dict[str, Any], where: str, ontology: Ontology | None = None) -> list[Problem]:
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(where, field, message))

    surrogate = surrogate_field(record)
    if surrogate is not None:
        bad(surrogate, SURROGATE_MESSAGE)
        return problems
    doc_id, text = record.get("id"), record.get("text")
    if not isinstance(doc_id, str) or not doc_id:
        bad("id", "is required and must be a non-empty string")
    if not isinstance(text, str):
        bad("text", "is required and must be a string")
        return problems
    if "meta" in record and record["meta"] is not None and not isinstance(record["meta"], dict):
        bad("meta", "must be an object")

    def check_span(obj: Any, field: str) -> tuple[int, int] | None:
        if not isinstance(obj, dict):
            bad(field, "must be an object")
            return None
        start, end = obj.get("start"), obj.get("end")
        if not _is_int(start) or not _is_int(end):
            bad(f"{field}.start" if not _is_int(start) else f"{field}.end", "must be an integer offset")
            return None
        if not 0 <= start < end:
            bad(f"{field}.start", f"span [{start}, {end}) is empty or negative")
            return None
        if end > len(text):
            bad(f"{field}.end", f"{end} is outside the text (length {len(text)})")
            return None
        if "text" in obj and obj["text"] != text[start:end]:
            bad(f"{field}.text", f"{obj['text']!r} differs from the text at [{start}, {end}): {text[start:end]!r}")
        if "score" in obj and not (_is_number(obj["score"]) and 0 <= obj["score"] <= 1):
            bad(f"{field}.score", "must be a number in [0, 1]")
        return start, end

    entities = _list_field(record, "entities", bad)
    entity_spans: dict[str, tuple[int, int]] = {}
    spans: list[tuple[int, int, str]] = []
    for i, ent in enumerate(entities):
        field = f"entities[{i}]"
        span = check_span(ent, field)
        if span is None:
            continue
        label = ent.get("label")
        if not isinstance(label, str) or not label:
            bad(f"{field}.label", "is required and must be a string")
        elif ontology is not None and label not in ontology.entity_labels:
            known = ", ".join(ontology.entity_labels)
            bad(f"{field}.label", f"unknown entity label {label!r} (ontology {ontology.name}: {known})")
        ent_id = ent.get("id")
        if ent_id is not None:
            if not isinstance(ent_id, str):
                bad(f"{field}.id", "must be a string")
            elif ent_id in entity_spans:
                bad(f"{field}.id", f"duplicate entity id {ent_id!r}")
            else:
                entity_spans[ent_id] = span
        spans.append((*span, field))
    _check_overlaps(spans, "entity", bad)

    triggers: list[tuple[int, int, str]] = []
    for i, ev in enumerate(_list_field(record, "events", bad)):
        field = f"events[{i}]"
        if not isinstance(ev, dict):
            bad(field, "must be an object")
            continue
        etype = ev.get("type")
        known_type = isinstance(etype, str) and (ontology is None or etype in ontology.types)
        if not isinstance(etype, str) or not etype:
            bad(f"{field}.type", "is required and must be a string")
        elif not known_type:
            bad(f"{field}.type", f"unknown event type {etype!r} (ontology {ontology.name})")
        if "score" in ev and not (_is_number(ev["score"]) and 0 <= ev["score"] <= 1):
            bad(f"{field}.score", "must be a number in [0, 1]")
        trig = check_span(ev.get("trigger"), f"{field}.trigger")
        if trig is not None:
            triggers.append((*trig, f"{field}.trigger"))
        arg_spans: list[tuple[int, int, str]] = []
        for j, arg in enumerate(_list_field(ev, "arguments", bad, prefix=f"{field}.")):
            afield = f"{field}.arguments[{j}]"
            span = check_span(arg, afield)
            if span is None:
                continue
            role = arg.get("role")
            if not isinstance(role, str) or not role:
                bad(f"{afield}.role", "is required and must be a string")
            elif ontology is not None and known_type and not ontology.allows(etype, role):
                allowed = ", ".join(ontology.roles_of(etype))
                bad(f"{afield}.role", f"role {role!r} is not allowed for {etype} (allowed: {allowed})")
            ref = arg.get("entity")
            if ref is not None:
                if ref not in entity_spans:
                    bad(f"{afield}.entity", f"names no entity of this document ({ref!r})")
                elif entity_spans[ref] != span:
                    bad(f"{afield}.entity",
                        f"entity {ref!r} is at {list(entity_spans[ref])}, the argument at {list(span)}")
            arg_spans.append((*span, afield))
        _check_overlaps(arg_spans, "argument", bad)
    _check_overlaps(triggers, "trigger", bad)
    return problems


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


def _check_overlaps(spans: list[tuple[int, int, str]], kind: str, bad) -> None:
    """Spans of one layer may coincide (one span, several roles or events) but not partly overlap or nest:
    a BIO tagger cannot represent that."""
    spans = sorted(spans)
    for (s1, e1, f1), (s2, e2, f2) in zip(spans, spans[1:]):
        if s2 < e1 and (s1, e1) != (s2, e2):
            bad(f2, f"{kind} span [{s2}, {e2}) overlaps {f1} [{s1}, {e1}); "
                    f"nested or overlapping {kind}s cannot be tagged")


def _list_field(obj: dict[str, Any], key: str, bad, prefix: str = "") -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        bad(prefix + key, "must be a list")
        return []
    return value


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
