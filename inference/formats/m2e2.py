"""M2E2 text annotations (limanling/m2e2: text_only_event.json, text_multimedia_event.json) -> SPEC §1.

One document per sentence, id = `sentence_id`. A sentence may appear in both files with different
events: records are merged by sentence id. Word spans are `index` pairs (document offsets, end inclusive)
shifted by `sentence_start`. The stored `sentence` drops its last character(s) (its end was taken as
exclusive), so the final word is appended back when the text is short of it.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from typing import Any

from ..errors import InputError, Problem
from ..schema import Argument, Document, Entity, Event, Trigger
from . import Conversion


def read(paths: Sequence[str]) -> Conversion:
    merged: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for path in paths:
        for where, record in _records(path):
            merged.setdefault(record["sentence_id"], []).append((where, record))
    notes: list[str] = []
    documents = [_document(sid, parts, notes) for sid, parts in merged.items()]
    return Conversion(documents, notes)


def _records(path: str):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            first = f.read(1)
            f.seek(0)
            if first == "[":  # the original release: one JSON array
                items = enumerate(json.load(f), 1)
                label = "item"
            else:
                items = ((i, json.loads(line)) for i, line in enumerate(f, 1) if line.strip())
                label = "line"
            for n, record in items:
                where = f"{path}, {label} {n}"
                missing = [k for k in ("sentence_id", "sentence", "words", "index", "sentence_start")
                           if k not in record]
                if missing:
                    raise InputError(Problem(where, missing[0], "is missing (not an M2E2 record?)"))
                yield where, record
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(Problem(path, "", f"cannot be read as M2E2 ({exc})")) from None


def _document(sentence_id: str, parts: list[tuple[str, dict[str, Any]]], notes: list[str]) -> Document:
    where, first = parts[0]
    text, word_spans = _text_and_words(first, where)

    def span(start: int, end: int) -> tuple[int, int]:
        return word_spans[start][0], word_spans[end - 1][1]

    entity_spans: dict[tuple[int, int], str] = {}
    for _, record in parts:
        for m in record.get("golden-entity-mentions", []):
            entity_spans.setdefault(span(m["start"], m["end"]), m["entity-type"])
    kept = _drop_overlaps(sorted(entity_spans), sentence_id, "entity", notes)
    entities = tuple(Entity(f"T{i + 1}", s, e, entity_spans[(s, e)], text[s:e]) for i, (s, e) in enumerate(kept))
    entity_id = {(e.start, e.end): e.id for e in entities}

    events: dict[tuple[int, int, str], dict[tuple[int, int, str], None]] = {}
    for _, record in parts:
        for ev in record.get("golden-event-mentions", []):
            key = (*span(ev["trigger"]["start"], ev["trigger"]["end"]), ev["event_type"])
            args = events.setdefault(key, {})
            for a in ev.get("arguments", []):
                args[(*span(a["start"], a["end"]), a["role"])] = None
    out_events = []
    for (ts, te, etype), args in sorted(events.items()):
        arguments = tuple(Argument(role, s, e, text[s:e], entity_id.get((s, e))) for s, e, role in args)
        out_events.append(Event(f"E{len(out_events) + 1}", etype, Trigger(ts, te, text[ts:te]), arguments))
    return Document(sentence_id, text, entities, tuple(out_events), meta={"source": "m2e2"})


def _text_and_words(record: dict[str, Any], where: str) -> tuple[str, list[tuple[int, int]]]:
    text, offset = record["sentence"], record["sentence_start"]
    spans = []
    for word, (a, b) in zip(record["words"], record["index"]):
        start, end = int(a) - offset, int(b) - offset + 1
        if text[start:end] != word:
            if start <= len(text) and word.startswith(text[start:]):
                text = text[:start] + word  # the stored sentence lost its last characters
            else:
                raise InputError(Problem(where, "index", f"word {word!r} is not at [{a}, {b}] of the sentence"))
        spans.append((start, end))
    return text, spans


def _drop_overlaps(spans: list[tuple[int, int]], sentence_id: str, kind: str,
                   notes: list[str]) -> list[tuple[int, int]]:
    """BIO cannot nest: keep the longer of two overlapping spans (the first on a tie)."""
    kept: list[tuple[int, int]] = []
    for s, e in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0])):
        if all(e <= ks or s >= ke for ks, ke in kept):
            kept.append((s, e))
        else:
            notes.append(f"{sentence_id}: dropped {kind} [{s}, {e}) nested in or overlapping another")
    return sorted(kept)
