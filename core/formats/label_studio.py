"""Label Studio JSON export (a JSON list of tasks) <-> docs/FORMAT.md §1 documents.

A task holds `data.text` (and optionally `data.id` and `data.meta`) and `annotations[0].result` (the
first annotation; `predictions[0]` when a task has no annotation). In the result:

- `type: "labels"` regions {value: {start, end, text, labels: [label]}}: a region is a trigger when its
  label is an event type, told by the `Category:Type` colon of the ontology's names or by the region coming from the
  `trigger` labels control; a region labelled `Argument` fills a role but is no entity; any other region
  is an entity (id = the region id);
- `type: "relation"` items {from_id, to_id, labels: [role]}: from a trigger region to another region, an
  argument with that role (one per label). Relations between two entities, events as arguments and other
  result types (choices, text areas) are skipped with a note; nested or overlapping entities lose the
  shorter one, with a note.

Offsets are code points; exports of Label Studio versions that counted UTF-16 units (JavaScript string
indices, wrong after an emoji) are recognised by `value.text` and converted.

The writer emits one task per document: regions from the `entity` and `trigger` controls (ids = entity and
event ids), relations for arguments, `data.meta` = the document's meta. It writes the labeling config that
fits these names beside the JSON (`OUT.xml`): import both into a project to correct a prediction file.
Tasks hold annotations, which have no scores, so scores are dropped (`losses` counts them for `convert`).

>>> doc = read_tasks([{"data": {"id": "d1", "text": "Rebels shelled Idlib."}, "annotations": [{"result": [
...     {"id": "r1", "type": "labels", "value": {"start": 7, "end": 14, "labels": ["Conflict:Attack"]}},
...     {"id": "r2", "type": "labels", "value": {"start": 15, "end": 20, "labels": ["GPE"]}},
...     {"type": "relation", "from_id": "r1", "to_id": "r2", "labels": ["Place"]}]}]}], "x.json", []).pop()
>>> doc.events[0].type, doc.events[0].arguments[0].role, doc.events[0].arguments[0].entity
('Conflict:Attack', 'Place', 'r2')
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from ..errors import InputError, Problem
from ..schema import Argument, Document, Entity, Event, Trigger
from .common import ARGUMENT_LABEL, counted, keep_longest, refuse_duplicate_ids, scores_of
from .conversion import Conversion

TRIGGER_CONTROL = "trigger"
ENTITY_CONTROL = "entity"


@dataclass(frozen=True)
class _Region:
    id: str
    field: str
    start: int
    end: int
    label: str
    trigger: bool


def read(paths: Sequence[str]) -> Conversion:
    notes: list[str] = []
    documents: list[tuple[str, Document]] = []
    for path in paths:
        tasks = _load(path)
        documents.extend(zip((f"{path}, item {n}" for n in range(1, len(tasks) + 1)),
                             read_tasks(tasks, path, notes), strict=True))
    refuse_duplicate_ids(documents)
    return Conversion([doc for _, doc in documents], notes)


def _load(path: str) -> list[Any]:
    try:
        with open(path, encoding="utf-8") as f:
            tasks = json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(Problem(path, "", f"cannot be read as JSON ({exc})")) from None
    if not isinstance(tasks, list):
        raise InputError(Problem(path, "", "must be a JSON list of tasks (Label Studio's JSON export)"))
    return tasks


def read_tasks(tasks: list[Any], path: str, notes: list[str]) -> list[Document]:
    """The documents of a list of tasks; `path` names the file in errors and notes."""
    return [_document(task, f"{path}, item {n}", n, Path(path).stem, notes) for n, task in enumerate(tasks, 1)]


def _document(task: Any, where: str, n: int, stem: str, notes: list[str]) -> Document:
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise InputError(Problem(where, "data.text", "is missing or not a string (not a Label Studio text task?)"))
    text = data["text"]
    doc_id = data.get("id", task.get("id", f"{stem}-{n}"))
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool) or doc_id == "":
        raise InputError(Problem(where, "data.id", "must be a non-empty string or a number"))
    meta = data.get("meta", {"source": "label-studio"})
    if not isinstance(meta, dict):
        raise InputError(Problem(where, "data.meta", "must be an object"))
    result, field = _result(task, where, notes)
    regions: dict[str, _Region] = {}
    relations: list[tuple[int, dict[str, Any]]] = []
    skipped: Counter[str] = Counter()
    for i, item in enumerate(result):
        if not isinstance(item, dict):
            raise InputError(Problem(where, f"{field}[{i}]", "must be an object"))
        if item.get("type") == "labels":
            region = _region(item, f"{field}[{i}]", i, text, where, notes)
            if region.id in regions:
                raise InputError(Problem(where, f"{field}[{i}].id", f"region id {region.id!r} is used twice"))
            regions[region.id] = region
        elif item.get("type") == "relation":
            relations.append((i, item))
        else:
            skipped[str(item.get("type"))] += 1
    for kind, count in sorted(skipped.items()):
        notes.append(f"{where}: skipped {count} result(s) of type {kind!r}")
    entities = _entities([r for r in regions.values() if not r.trigger and r.label != ARGUMENT_LABEL],
                         text, where, notes)
    events = _events(regions, relations, {e.id for e in entities}, text, field, where, notes)
    return Document(str(doc_id), text, entities, events, meta=meta)


def _result(task: dict[str, Any], where: str, notes: list[str]) -> tuple[list[Any], str]:
    for key in ("annotations", "predictions"):
        done = task.get(key) or []
        if not isinstance(done, list) or not all(isinstance(a, dict) for a in done):
            raise InputError(Problem(where, key, "must be a list of objects"))
        if done:
            if len(done) > 1:
                notes.append(f"{where}: used the first of {len(done)} {key}")
            result = done[0].get("result", [])
            if not isinstance(result, list):
                raise InputError(Problem(where, f"{key}[0].result", "must be a list"))
            return result, f"{key}[0].result"
    return [], "annotations[0].result"


def _region(item: dict[str, Any], field: str, index: int, text: str, where: str, notes: list[str]) -> _Region:
    value = item.get("value")
    if not isinstance(value, dict):
        raise InputError(Problem(where, f"{field}.value", "is missing"))
    start, end, labels = value.get("start"), value.get("end"), value.get("labels")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
        raise InputError(Problem(where, f"{field}.value.start", "start and end must be integer offsets"))
    if not 0 <= start < end <= len(text.encode("utf-16-le")) // 2:  # code points <= UTF-16 units
        raise InputError(Problem(where, f"{field}.value.end", f"[{start}, {end}) is empty or outside the text "
                                                              f"(length {len(text)})"))
    if not isinstance(labels, list) or not labels or not all(isinstance(label, str) and label for label in labels):
        raise InputError(Problem(where, f"{field}.value.labels", "must be a non-empty list of labels"))
    if len(labels) > 1:
        notes.append(f"{where}: region {field} has {len(labels)} labels; kept the first, {labels[0]!r}")
    given = value.get("text")
    if end > len(text) or (given is not None and text[start:end] != given):
        converted = _from_utf16(text, start, end)
        if converted is None or (given is not None and text[slice(*converted)] != given):
            raise InputError(Problem(where, f"{field}.value.text",
                                     f"{given!r} differs from the text at [{start}, {end}): {text[start:end]!r}"))
        start, end = converted
    trigger = item.get("from_name") == TRIGGER_CONTROL or ":" in labels[0]
    return _Region(str(item.get("id", f"region-{index + 1}")), field, start, end, labels[0], trigger)


def _from_utf16(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Code-point offsets for UTF-16 unit offsets, or None if they split a character."""
    units = text.encode("utf-16-le")
    try:
        return len(units[:2 * start].decode("utf-16-le")), len(units[:2 * end].decode("utf-16-le"))
    except UnicodeDecodeError:
        return None


def _entities(regions: list[_Region], text: str, where: str, notes: list[str]) -> tuple[Entity, ...]:
    kept, dropped = keep_longest(regions, lambda r: (r.start, r.end))
    for lost, other in dropped:
        notes.append(f"{where}: dropped entity region {lost.id} nested in or overlapping {other.id}")
    return tuple(Entity(r.id, r.start, r.end, r.label, text[r.start:r.end]) for r in kept)


def _events(regions: dict[str, _Region], relations: list[tuple[int, dict[str, Any]]], entity_ids: set[str],
            text: str, field: str, where: str, notes: list[str]) -> tuple[Event, ...]:
    arguments: dict[str, list[Argument]] = {r.id: [] for r in regions.values() if r.trigger}
    for i, rel in relations:
        ends = [rel.get("from_id"), rel.get("to_id")]
        for key, ref in zip(("from_id", "to_id"), ends, strict=True):
            if not isinstance(ref, str) or ref not in regions:
                raise InputError(Problem(where, f"{field}[{i}].{key}", f"{ref!r} names no region of this task"))
        source, target = (regions[ref] for ref in ends)
        if target.trigger and not source.trigger:
            source, target = target, source  # drawn from the argument to the trigger
        if not source.trigger or target.trigger:
            kind = "two triggers (an event as argument)" if target.trigger else "two entities"
            notes.append(f"{where}: skipped relation {field}[{i}] between {kind}")
            continue
        roles = rel.get("labels")
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) and r for r in roles):
            raise InputError(Problem(where, f"{field}[{i}].labels", "must name the argument's role"))
        entity = target.id if target.id in entity_ids else None
        arguments[source.id].extend(Argument(role, target.start, target.end, text[target.start:target.end], entity)
                                    for role in roles)
    events = []
    for region_id, args in arguments.items():
        kept, dropped = keep_longest(args, lambda a: (a.start, a.end))
        for lost, other in dropped:
            notes.append(f"{where}: dropped argument {lost.role} {lost.text!r}, it overlaps {other.text!r}")
        r = regions[region_id]
        events.append(Event(r.id, r.label, Trigger(r.start, r.end, text[r.start:r.end]), tuple(kept)))
    kept_events, dropped_events = keep_longest(events, lambda e: (e.trigger.start, e.trigger.end))
    for lost_event, other_event in dropped_events:
        notes.append(f"{where}: dropped event {lost_event.id}, its trigger overlaps that of {other_event.id}")
    return tuple(kept_events)


def write(documents: Sequence[Document], out: str) -> None:
    """Write the tasks to `out` (JSON) and the labeling config for their names to `out` with suffix .xml."""
    tasks = [_task(doc) for doc in documents]
    Path(out).write_text(json.dumps(tasks, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    Path(out).with_suffix(".xml").write_text(label_config(documents), encoding="utf-8")


def losses(documents: Sequence[Document], out: str) -> str:
    """What writing `documents` as Label Studio tasks loses, counted ('' for nothing)."""
    parts = []
    scores = scores_of(documents)
    if scores:
        parts.append(f"the tasks are written as annotations, which have no scores: dropping those of {scores}")
    renamed = sum(region["id"] != ev.id for doc in documents
                  for ev, region in zip(doc.events, _trigger_regions(_task(doc)), strict=True))
    if renamed:
        parts.append(f"{counted(renamed, 'event id')} that another region of the task holds already "
                     f"{'gets' if renamed == 1 else 'get'} a suffix (-2, -3, ...)")
    return "; ".join(parts)


def _trigger_regions(task: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in task["annotations"][0]["result"] if r.get("from_name") == TRIGGER_CONTROL]


def _task(doc: Document) -> dict[str, Any]:
    result: list[dict[str, Any]] = []
    used: set[str] = set()

    def region(wanted: str, control: str, start: int, end: int, label: str) -> str:
        region_id, n = wanted, 1
        while region_id in used:
            n += 1
            region_id = f"{wanted}-{n}"
        used.add(region_id)
        result.append({"id": region_id, "from_name": control, "to_name": "text", "type": "labels",
                       "value": {"start": start, "end": end, "text": doc.text[start:end], "labels": [label]}})
        return region_id

    entity_region = {e.id: region(e.id, ENTITY_CONTROL, e.start, e.end, e.label) for e in doc.entities}
    relations = []
    for ev in doc.events:
        trigger = region(ev.id, TRIGGER_CONTROL, ev.trigger.start, ev.trigger.end, ev.type)
        for a in ev.arguments:
            if a.entity is not None and a.entity in entity_region:
                target = entity_region[a.entity]
            else:
                target = region(f"{ev.id}-arg", ENTITY_CONTROL, a.start, a.end, ARGUMENT_LABEL)
            relations.append({"from_id": trigger, "to_id": target, "type": "relation", "direction": "right",
                              "labels": [a.role]})
    return {"data": {"id": doc.id, "text": doc.text, "meta": doc.meta}, "annotations": [{"result": result + relations}]}


def label_config(documents: Sequence[Document]) -> str:
    """A Label Studio labeling config with the documents' entity labels, event types and roles."""
    labels = sorted({e.label for d in documents for e in d.entities} | {ARGUMENT_LABEL})
    types = sorted({ev.type for d in documents for ev in d.events})
    roles = sorted({a.role for d in documents for ev in d.events for a in ev.arguments})

    def tags(tag: str, names: list[str]) -> str:
        return "".join(f"    <{tag} value={quoteattr(name)}/>\n" for name in names)

    return (f'<View>\n  <Labels name="{ENTITY_CONTROL}" toName="text">\n{tags("Label", labels)}  </Labels>\n'
            f'  <Labels name="{TRIGGER_CONTROL}" toName="text">\n{tags("Label", types)}  </Labels>\n'
            f'  <Relations>\n{tags("Relation", roles)}  </Relations>\n'
            '  <Text name="text" value="$text"/>\n</View>\n')
