"""brat standoff (`ID.txt` + `ID.ann`, https://brat.nlplab.org/standoff.html) <-> docs/FORMAT.md §1 documents.

Reading takes `.ann` files (the `.txt` beside each) or folders searched for them; id = the file stem.

- `T` lines are text-bound spans. One that an `E` line uses as its trigger is a trigger; one labelled
  `Argument` is a span that fills a role but is no entity mention; every other `T` is an entity.
- `E` lines give type, trigger and `Role:ID` arguments; brat numbers repeated roles (`Entity2`), the
  trailing digits are stripped.
- Skipped with a note, as docs/FORMAT.md §1 has no place for them: `R`, `A`/`M`, `N`, `*` and `#` lines,
  discontinuous spans (`0 5;9 14`) and what uses them, arguments that are events, and the shorter of two
  nested or overlapping entities (or arguments, or triggers).
- Anything else wrong (an unknown line kind, bad offsets, a text that differs from the `.txt`, an id used
  but never defined) is an InputError naming the file, the line and the field.

Names: brat stores type names as `[A-Za-z0-9_-]` (it splits `Conflict:Attack:T3` at the colon), so the
writer stores `Conflict:Attack` as `Conflict_Attack` and puts the real name in `visual.conf` ([labels]
`Conflict_Attack | Conflict:Attack`), where brat shows it. The reader maps names back through the
`visual.conf` found beside the `.ann` or in a parent folder up to the source given.

Writing makes, per document, `ID.txt`, `ID.ann` and the sidecar `ID.meta.json` ({"meta": ..., "ids": ...}:
the document's `meta`, and the original entity and event ids where they differ from the brat ids), plus
`annotation.conf` and `visual.conf` for the collection. Entities become T1..Tn in document order, then one
`T` per trigger, then one `Argument` `T` per argument span that names no entity; events become E1..Em.
Reading the folder back gives identical documents, except scores (brat has no place for them); brat
reads `.txt` with universal newlines, so the writer writes a `\\r\\n` of a text as `\\n` (and moves the
offsets after it), and that is what comes back. `losses` counts both for `convert --to brat` to say.

>>> storage_name("Justice:Arrest-Jail"), base_role("Entity2")
('Justice_Arrest-Jail', 'Entity')
>>> parse_offsets("0 5;9 14")
[(0, 5), (9, 14)]
"""
from __future__ import annotations

import itertools
import json
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..schema import Argument, Document, Entity, Event, Trigger
from .common import ARGUMENT_LABEL, counted, keep_longest, refuse_duplicate_ids, scores_of
from .conversion import Conversion

SKIPPED_KINDS = {"R": "relation", "A": "attribute", "M": "attribute", "N": "normalization",
                 "*": "equivalence", "#": "note"}
SAFE_ID = re.compile(r"[^/\\\x00-\x1f]+")


def storage_name(name: str) -> str:
    """The form brat stores a type or role name in (brat's own normalisation)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)


def base_role(role: str) -> str:
    """brat numbers repeated roles of one event: Entity, Entity2, Entity3."""
    return re.sub(r"\d+$", "", role)


def parse_offsets(offsets: str) -> list[tuple[int, int]]:
    """'START END[;START END]...' -> fragments; ValueError if malformed."""
    fragments = []
    for fragment in offsets.split(";"):
        start, end = fragment.split()
        fragments.append((int(start), int(end)))
    return fragments


# --- reading -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Span:
    id: str
    where: str
    label: str
    fragments: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class _Event:
    id: str
    where: str
    type: str
    trigger: str
    arguments: tuple[tuple[str, str], ...]  # (role as written, referenced id)


def read(paths: Sequence[str]) -> Conversion:
    notes: list[str] = []
    documents = [(str(ann), _read_document(ann, root, notes)) for root, ann in _ann_files(paths)]
    refuse_duplicate_ids(documents)
    return Conversion([doc for _, doc in documents], notes)


def _ann_files(paths: Sequence[str]) -> list[tuple[Path, Path]]:
    found = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            anns = sorted(path.rglob("*.ann"))
            if not anns:
                raise InputError(Problem(name, "", "holds no .ann files"))
            found.extend((path, ann) for ann in anns)
        elif path.suffix in (".ann", ".txt") and path.with_suffix(".ann").is_file():
            found.append((path.parent, path.with_suffix(".ann")))
        else:
            raise InputError(Problem(name, "", "is neither a brat .ann file (with its .txt) nor a folder of them"))
    return found


def _read_document(ann: Path, root: Path, notes: list[str]) -> Document:
    text = _read_text(ann.with_suffix(".txt"))
    spans, events, skipped = _parse_ann(ann, text)
    names = _visual_labels(ann.parent, root)
    sidecar = _read_sidecar(ann.with_suffix(".meta.json"))
    ids: dict[str, str] = sidecar.get("ids", {})
    for kind, count in sorted(skipped.items()):
        notes.append(f"{ann}: skipped {count} {kind} line(s) (no place for them in the document format)")
    for ev in events.values():
        _check_trigger(ev, spans)
    entities = _entities(spans, events, ids, names, text, notes)
    entity_id = {brat_id: entity.id for brat_id, entity in entities.items()}

    out_events = []
    for ev in events.values():
        trigger = spans[ev.trigger]
        if not _continuous(trigger, f"trigger of {ev.id}", notes):
            continue
        arguments = _arguments(ev, spans, events, entity_id, names, text, notes)
        start, end = trigger.fragments[0]
        out_events.append(Event(ids.get(ev.id, ev.id), names.get(ev.type, ev.type),
                                Trigger(start, end, text[start:end]), arguments))
    kept_events, dropped_events = keep_longest(out_events, lambda e: (e.trigger.start, e.trigger.end))
    for lost_event, kept_event in dropped_events:
        notes.append(f"{ann}: dropped event {lost_event.id}, its trigger overlaps that of {kept_event.id}")
    return Document(ann.stem, text, tuple(entities.values()), tuple(kept_events), meta=sidecar.get("meta", {}))


def _continuous(span: _Span, what: str, notes: list[str]) -> bool:
    if len(span.fragments) > 1:
        notes.append(f"{span.where}: dropped discontinuous {what} {span.id} (spans must be continuous)")
    return len(span.fragments) == 1


def _entities(spans: dict[str, _Span], events: dict[str, _Event], ids: dict[str, str], names: dict[str, str],
              text: str, notes: list[str]) -> dict[str, Entity]:
    """brat id -> entity, for the T spans that are neither triggers nor plain argument spans, in file order."""
    triggers = {ev.trigger for ev in events.values()}
    event_types = {ev.type for ev in events.values()}

    def is_entity(span: _Span) -> bool:
        if span.id in triggers or span.label == ARGUMENT_LABEL:
            return False
        if span.label in event_types:  # brat leaves a trigger behind when its event is deleted
            notes.append(f"{span.where}: dropped {span.id}, a {span.label} trigger that no event uses")
            return False
        return _continuous(span, "entity", notes)

    kept, dropped = keep_longest([s for s in spans.values() if is_entity(s)], lambda s: s.fragments[0])
    for lost, other in dropped:
        notes.append(f"{lost.where}: dropped entity {lost.id} nested in or overlapping {other.id}")
    return {s.id: Entity(ids.get(s.id, s.id), *s.fragments[0], names.get(s.label, s.label),
                         text[slice(*s.fragments[0])]) for s in kept}


def _arguments(ev: _Event, spans: dict[str, _Span], events: dict[str, _Event], entity_id: dict[str, str],
               names: dict[str, str], text: str, notes: list[str]) -> tuple[Argument, ...]:
    arguments = []
    for role, ref in ev.arguments:
        if ref in events:
            notes.append(f"{ev.where}: dropped argument {role}:{ref} (an event as argument has no span)")
            continue
        if ref not in spans:
            raise InputError(Problem(ev.where, "arguments", f"{role}:{ref} names no T or E annotation"))
        fragments = spans[ref].fragments
        if len(fragments) > 1:
            notes.append(f"{ev.where}: dropped argument {role}:{ref} (discontinuous span)")
            continue
        start, end = fragments[0]
        role_name = base_role(role)
        arguments.append(Argument(names.get(role_name, role_name), start, end, text[start:end], entity_id.get(ref)))
    kept, dropped = keep_longest(arguments, lambda a: (a.start, a.end))
    for lost, other in dropped:
        notes.append(f"{ev.where}: dropped argument {lost.role} {lost.text!r}, it overlaps {other.role} {other.text!r}")
    return tuple(kept)


def _check_trigger(ev: _Event, spans: dict[str, _Span]) -> None:
    if ev.trigger not in spans:
        raise InputError(Problem(ev.where, "trigger", f"{ev.trigger!r} names no T annotation"))
    label = spans[ev.trigger].label
    if label != ev.type:
        raise InputError(Problem(ev.where, "trigger", f"{ev.trigger} is labelled {label!r}, the event is {ev.type!r}"))


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")  # universal newlines, as brat reads it
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), "", f"cannot be read as UTF-8 text ({exc})")) from None


def _parse_ann(ann: Path, text: str) -> tuple[dict[str, _Span], dict[str, _Event], Counter[str]]:
    spans: dict[str, _Span] = {}
    events: dict[str, _Event] = {}
    skipped: Counter[str] = Counter()
    for lineno, line in enumerate(_read_text(ann).split("\n"), 1):
        if not line.strip():
            continue
        where = f"{ann}, line {lineno}"
        ann_id = line.split("\t", 1)[0]
        kind = ann_id[:1]
        if kind in SKIPPED_KINDS:
            skipped[SKIPPED_KINDS[kind]] += 1
            continue
        if kind not in ("T", "E") or len(ann_id) < 2:
            raise InputError(Problem(where, "id", f"{ann_id!r} is no brat annotation id (T, E, R, A, M, N, * or #)"))
        if ann_id in spans or ann_id in events:
            raise InputError(Problem(where, "id", f"{ann_id} is defined twice"))
        if kind == "T":
            spans[ann_id] = _parse_span(line, where, text)
        else:
            events[ann_id] = _parse_event(line, where)
    return spans, events, skipped


def _parse_span(line: str, where: str, text: str) -> _Span:
    fields = line.split("\t", 2)
    if len(fields) < 2 or " " not in fields[1]:
        raise InputError(Problem(where, "offsets", "missing: a T line is 'ID<TAB>LABEL START END<TAB>TEXT'"))
    label, offsets = fields[1].split(" ", 1)
    try:
        fragments = parse_offsets(offsets)
    except ValueError:
        raise InputError(Problem(where, "offsets", f"{offsets!r} is not 'START END[;START END]...'")) from None
    for start, end in fragments:
        if not 0 <= start < end <= len(text):
            raise InputError(Problem(where, "offsets", f"[{start}, {end}) is empty or outside the text "
                                                       f"(length {len(text)})"))
    if len(fields) == 3:
        found = " ".join(text[start:end] for start, end in fragments)
        if _flat(found) != _flat(fields[2]):
            raise InputError(Problem(where, "text", f"{fields[2]!r} differs from the .txt at {offsets}: {found!r}"))
    return _Span(fields[0], where, label, tuple(fragments))


def _parse_event(line: str, where: str) -> _Event:
    fields = line.split("\t")
    parts = fields[1].split() if len(fields) > 1 else []
    if not parts or ":" not in parts[0]:
        raise InputError(Problem(where, "trigger", "missing: an E line is 'ID<TAB>TYPE:TRIGGER ROLE:ID ...'"))
    etype, _, trigger = parts[0].rpartition(":")
    arguments = []
    for part in parts[1:]:
        role, sep, ref = part.rpartition(":")
        if not sep or not role or not ref:
            raise InputError(Problem(where, "arguments", f"{part!r} is not ROLE:ID"))
        arguments.append((role, ref))
    return _Event(fields[0], where, etype, trigger, tuple(arguments))


def _flat(s: str) -> str:
    return re.sub(r"[\t\r\n]", " ", s)


def _visual_labels(folder: Path, root: Path) -> dict[str, str]:
    """Storage name -> display name from the [labels] section of the nearest visual.conf."""
    for candidate in (folder, *folder.parents):
        conf = candidate / "visual.conf"
        if conf.is_file():
            return _parse_labels(conf)
        if candidate == root or root not in candidate.parents:
            break
    return {}


def _parse_labels(conf: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    section = ""
    for line in _read_text(conf).splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == "labels" and "|" in line and not line.startswith("#"):
            stored, display = (part.strip() for part in line.split("|")[:2])
            names[stored] = display
    return names


def _read_sidecar(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(Problem(str(path), "", f"cannot be read as JSON ({exc})")) from None
    if not isinstance(data, dict):
        raise InputError(Problem(str(path), "", "must be a JSON object"))
    for key in ("meta", "ids"):
        if key in data and not isinstance(data[key], dict):
            raise InputError(Problem(str(path), key, "must be an object"))
    return data


# --- writing -------------------------------------------------------------------------------------------

def write(documents: Sequence[Document], out: str) -> None:
    """Write a brat collection into the folder `out` (created if missing)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}  # storage name -> real name, for visual.conf
    kinds: dict[str, dict[str, set[str]]] = {"entities": {}, "events": {}}
    for doc in map(as_brat_reads_it, documents):
        if not SAFE_ID.fullmatch(doc.id) or doc.id.startswith("."):
            raise InputError(Problem(f"document {doc.id!r}", "id", "cannot be a file name (brat names files by id)"))
        lines, ids = _ann_lines(doc, names, kinds)
        (folder / f"{doc.id}.txt").write_text(doc.text, encoding="utf-8", newline="")
        (folder / f"{doc.id}.ann").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8", newline="")
        sidecar = {"meta": doc.meta, **({"ids": ids} if ids else {})}
        (folder / f"{doc.id}.meta.json").write_text(json.dumps(sidecar, ensure_ascii=False) + "\n", encoding="utf-8")
    (folder / "annotation.conf").write_text(_annotation_conf(kinds), encoding="utf-8")
    labels = "".join(f"{stored} | {real}\n" for stored, real in sorted(names.items()) if stored != real)
    (folder / "visual.conf").write_text(f"[labels]\n{labels}\n[drawing]\n", encoding="utf-8")


def losses(documents: Sequence[Document], out: str) -> str:
    """What writing `documents` as brat loses, counted ('' for nothing)."""
    parts = []
    scores = scores_of(documents)
    if scores:
        parts.append(f"brat has no place for scores: dropping those of {scores}")
    crlf = sum("\r" in d.text for d in documents)
    if crlf:
        parts.append(f"{counted(crlf, 'document')} with \\r line ends {'gets' if crlf == 1 else 'get'} \\n instead, "
                     "as brat reads its .txt files, and the offsets after them move with them")
    return "; ".join(parts)


def as_brat_reads_it(doc: Document) -> Document:
    """The document with `\\n` line ends: brat reads a .txt with universal newlines, so offsets counted in a
    text with `\\r\\n` would be off by one more after each line end. A lone `\\r` becomes `\\n` in place.

    >>> doc = Document("d", "Rockets hit\\r\\nErbil.", entities=(Entity("T1", 13, 18, "GPE", "Erbil"),))
    >>> [(e.start, e.text) for e in as_brat_reads_it(doc).entities]
    [(12, 'Erbil')]
    """
    if "\r" not in doc.text:
        return doc
    pairs = [m.start() for m in re.finditer("\r\n", doc.text)]  # each loses its \r
    text = doc.text.replace("\r\n", "\n").replace("\r", "\n")

    def at(offset: int) -> int:
        return offset - bisect_left(pairs, offset)

    def span(item):
        start, end = at(item.start), at(item.end)
        return replace(item, start=start, end=end, text=text[start:end])

    return replace(doc, text=text, entities=tuple(span(e) for e in doc.entities),
                   events=tuple(replace(ev, trigger=span(ev.trigger), arguments=tuple(span(a) for a in ev.arguments))
                                for ev in doc.events))


def _ann_lines(doc: Document, names: dict[str, str],
               kinds: dict[str, dict[str, set[str]]]) -> tuple[list[str], dict[str, str]]:
    """The .ann lines of one document and the original ids that differ from the brat ones."""
    lines: list[str] = []
    ids: dict[str, str] = {}
    brat_id: dict[str, str] = {}
    numbers = itertools.count(1)

    def span_line(label: str, start: int, end: int) -> str:
        tid = f"T{next(numbers)}"
        lines.append(f"{tid}\t{_stored(label, names, doc)} {start} {end}\t{_flat(doc.text[start:end])}")
        return tid

    for ent in doc.entities:
        if ent.label == ARGUMENT_LABEL:
            raise InputError(Problem(f"document {doc.id!r}", "entities", f"the label {ARGUMENT_LABEL!r} is reserved"))
        brat_id[ent.id] = span_line(ent.label, ent.start, ent.end)
        kinds["entities"].setdefault(ent.label, set())
        if brat_id[ent.id] != ent.id:
            ids[brat_id[ent.id]] = ent.id
    triggers = [span_line(ev.type, ev.trigger.start, ev.trigger.end) for ev in doc.events]
    plain: dict[tuple[int, int], str] = {}
    for ev in doc.events:
        for a in ev.arguments:
            if a.entity is None and (a.start, a.end) not in plain:
                plain[(a.start, a.end)] = span_line(ARGUMENT_LABEL, a.start, a.end)
    for n, (ev, trigger) in enumerate(zip(doc.events, triggers, strict=True), 1):
        seen: Counter[str] = Counter()
        parts = [f"{_stored(ev.type, names, doc)}:{trigger}"]
        for a in ev.arguments:
            if base_role(a.role) != a.role:
                raise InputError(Problem(f"document {doc.id!r}", "role", f"{a.role!r} ends in a digit, which brat "
                                                                          "uses to number repeated roles"))
            seen[a.role] += 1
            number = str(seen[a.role]) if seen[a.role] > 1 else ""
            ref = brat_id[a.entity] if a.entity is not None else plain[(a.start, a.end)]
            parts.append(f"{_stored(a.role, names, doc)}{number}:{ref}")
        lines.append(f"E{n}\t{' '.join(parts)}")
        kinds["events"].setdefault(ev.type, set()).update(a.role for a in ev.arguments)
        if f"E{n}" != ev.id:
            ids[f"E{n}"] = ev.id
    return lines, ids


def _stored(name: str, names: dict[str, str], doc: Document) -> str:
    stored = storage_name(name)
    if names.setdefault(stored, name) != name:
        raise InputError(Problem(f"document {doc.id!r}", "", f"{name!r} and {names[stored]!r} would both be "
                                                              f"stored as {stored!r} in brat"))
    return stored


def _annotation_conf(kinds: dict[str, dict[str, set[str]]]) -> str:
    entities = [storage_name(label) for label in sorted(kinds["entities"])] + [ARGUMENT_LABEL]
    events = ["\t".join([storage_name(t), ", ".join(f"{storage_name(r)}*:<ENTITY>" for r in sorted(roles))]).rstrip()
              for t, roles in sorted(kinds["events"].items())]
    return ("[entities]\n" + "\n".join(entities) + "\n\n[relations]\n\n[events]\n" + "\n".join(events)
            + "\n\n[attributes]\n")
