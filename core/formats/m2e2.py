"""M2E2 text annotations (limanling/m2e2: text_only_event.json, text_multimedia_event.json) -> docs/FORMAT.md §1.

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
from .common import check_shape
from .conversion import Conversion

_SPAN = {"start": int, "end": int}
RECORD = {"sentence_id": str, "sentence": str, "sentence_start": int, "words": [str], "index": [[(int, str)]],
          "golden-entity-mentions?": [{**_SPAN, "entity-type": str}],
          "golden-event-mentions?": [{"trigger": _SPAN, "event_type": str, "arguments?": [{**_SPAN, "role": str}]}]}


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
                check_shape(record, RECORD, where)
                yield where, record
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON or UTF-8, a 5,000-digit number
        raise InputError(Problem(path, "", f"cannot be read as M2E2 ({type(exc).__name__}: {exc})")) from None


def _document(sentence_id: str, parts: list[tuple[str, dict[str, Any]]], notes: list[str]) -> Document:
    where, first = parts[0]
    text, word_spans = _text_and_words(first, where)

    def span(obj: dict[str, Any], where: str, field: str) -> tuple[int, int]:
        start, end = obj["start"], obj["end"]
        if not 0 <= start < end <= len(word_spans):
            raise InputError(Problem(where, field, f"word span [{start}, {end}) is empty or outside the sentence "
                                                   f"({len(word_spans)} words)"))
        return word_spans[start][0], word_spans[end - 1][1]

    entity_spans: dict[tuple[int, int], str] = {}
    for where, record in parts:
        for i, m in enumerate(record.get("golden-entity-mentions", [])):
            entity_spans.setdefault(span(m, where, f"golden-entity-mentions[{i}]"), m["entity-type"])
    kept = _drop_overlaps(sorted(entity_spans), sentence_id, "entity", notes)
    entities = tuple(Entity(f"T{i + 1}", s, e, entity_spans[(s, e)], text[s:e]) for i, (s, e) in enumerate(kept))
    entity_id = {(e.start, e.end): e.id for e in entities}

    events: dict[tuple[int, int, str], dict[tuple[int, int, str], None]] = {}
    for where, record in parts:
        for i, ev in enumerate(record.get("golden-event-mentions", [])):
            field = f"golden-event-mentions[{i}]"
            key = (*span(ev["trigger"], where, f"{field}.trigger"), ev["event_type"])
            args = events.setdefault(key, {})
            for j, a in enumerate(ev.get("arguments", [])):
                args[(*span(a, where, f"{field}.arguments[{j}]"), a["role"])] = None
    out_events = []
    for (ts, te, etype), args in sorted(events.items()):
        arguments = tuple(Argument(role, s, e, text[s:e], entity_id.get((s, e))) for s, e, role in args)
        out_events.append(Event(f"E{len(out_events) + 1}", etype, Trigger(ts, te, text[ts:te]), arguments))
    return Document(sentence_id, text, entities, tuple(out_events), meta={"source": "m2e2"})


def _text_and_words(record: dict[str, Any], where: str) -> tuple[str, list[tuple[int, int]]]:
    text, offset = record["sentence"], record["sentence_start"]
    spans: list[tuple[int, int]] = []
    if len(record["words"]) != len(record["index"]):
        raise InputError(Problem(where, "index", f"has {len(record['index'])} word spans for "
                                                 f"{len(record['words'])} words"))
    for i, (word, pair) in enumerate(zip(record["words"], record["index"])):
        try:
            a, b = pair
            start, end = int(a) - offset, int(b) - offset + 1
        except ValueError:
            raise InputError(Problem(where, f"index[{i}]", f"{pair!r} is not a pair of word offsets")) from None
        if not (spans[-1][1] if spans else 0) <= start < end:
            raise InputError(Problem(where, f"index[{i}]", f"{pair!r} is empty, outside the sentence or before "
                                                           "the word before it"))
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
