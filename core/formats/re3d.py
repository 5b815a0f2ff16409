"""re3d (dstl/re3d: `documents.json` + `entities.json`, one JSON object a line) -> docs/FORMAT.md §1 entities.

Sources are folders (searched for `documents.json`, with `entities.json` beside it) or `documents.json`
files. One document per row of `documents.json`, id = `_id`, meta = source name, title and URL (several
sources ask for attribution). Entities only: relations are not events.

Rows with `confidence` < 0.5 (competing labels that lost) are skipped, as the common CoNLL conversion does;
of two rows on one span the more confident wins. Types map by `ENTITY_LABELS`; the rest is dropped and
counted in the notes. Judgement calls: Location -> GPE (most are countries and cities: Syria, Iraq, Mosul;
a few facilities and areas come along), Nationality -> GPE (ACE tags "Iraqi" in "Iraqi forces" as GPE),
MilitaryPlatform and Vehicle -> VEH (aircraft, ships, tanks, trucks), Money -> VALUE. Dropped: Temporal,
Quantity, DocumentReference, CommsIdentifier, Frequency, Coordinate, Url: our ontology has no such label.
Nested or overlapping entities lose the shorter one, with a note. A row whose `value` differs from the text
at its offsets (a handful in the corpus: quotes, line breaks) keeps the text at the offsets, with a note.

>>> ENTITY_LABELS["MilitaryPlatform"], ENTITY_LABELS["Location"], "Temporal" in ENTITY_LABELS
('VEH', 'GPE', False)
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..schema import Document, Entity
from .common import json_lines, keep_longest, refuse_duplicate_ids
from .conversion import Conversion

# re3d entity type -> ACE entity label.
ENTITY_LABELS: dict[str, str] = {
    "Person": "PER",
    "Organisation": "ORG",
    "Location": "GPE",
    "Nationality": "GPE",
    "Weapon": "WEA",
    "MilitaryPlatform": "VEH",
    "Vehicle": "VEH",
    "Money": "VALUE",
}
MIN_CONFIDENCE = 0.5


def read(paths: Sequence[str]) -> Conversion:
    dropped: Counter[str] = Counter()
    notes: list[str] = []
    documents: list[tuple[str, Document]] = []
    for documents_file in _documents_files(paths):
        documents.extend(_read_source(documents_file, dropped, notes))
    refuse_duplicate_ids(documents)
    summary = [f"re3d: dropped {n} {what}" for what, n in sorted(dropped.items(), key=lambda x: (-x[1], x[0])) if n]
    return Conversion([doc for _, doc in documents], summary + notes)


def _documents_files(paths: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            files = sorted(path.rglob("documents.json"))
            if not files:
                raise InputError(Problem(name, "", "holds no re3d documents.json"))
            found.extend(files)
        elif path.is_file() and path.name == "documents.json":
            found.append(path)
        else:
            raise InputError(Problem(name, "", "is neither a re3d documents.json nor a folder holding one"))
    return found


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, row in json_lines(path, "UTF-8 text"):
        missing = [k for k in required if not isinstance(row, dict) or k not in row]
        if missing:
            raise InputError(Problem(where, missing[0], f"is missing (not a re3d {path.name} row?)"))
        yield where, row


def _read_source(documents_file: Path, dropped: Counter[str], notes: list[str]) -> list[tuple[str, Document]]:
    records: dict[str, tuple[str, dict[str, Any]]] = {}
    for where, row in _rows(documents_file, ("_id", "text")):
        if str(row["_id"]) in records:  # a dict would keep the last silently
            raise InputError(Problem(where, "_id", f"{row['_id']!r} again (first at {records[str(row['_id'])][0]})"))
        records[str(row["_id"])] = (where, row)
    entities_file = documents_file.with_name("entities.json")
    if not entities_file.is_file():
        raise InputError(Problem(str(entities_file), "", "is missing (re3d keeps entities beside documents.json)"))
    rows: dict[str, list[tuple[str, dict[str, Any]]]] = {doc_id: [] for doc_id in records}
    for where, row in _rows(entities_file, ("documentId", "begin", "end", "type")):
        if str(row["documentId"]) not in rows:
            raise InputError(Problem(where, "documentId", f"{row['documentId']!r} names no row of {documents_file}"))
        rows[str(row["documentId"])].append((where, row))
    return [(where, _document(record, rows[doc_id], dropped, notes)) for doc_id, (where, record) in records.items()]


def _document(record: dict[str, Any], rows: list[tuple[str, dict[str, Any]]], dropped: Counter[str],
              notes: list[str]) -> Document:
    text, doc_id = str(record["text"]), str(record["_id"])
    best: dict[tuple[int, int], tuple[float, str]] = {}
    for where, row in rows:
        confidence = row.get("confidence", 1)
        start, end = row["begin"], row["end"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise InputError(Problem(where, "end", f"[{start}, {end}) is empty or outside the text "
                                                   f"(length {len(text)})"))
        if not isinstance(confidence, (int, float)) or confidence < MIN_CONFIDENCE:
            dropped[f"rows with confidence below {MIN_CONFIDENCE}"] += 1
            continue
        label = ENTITY_LABELS.get(str(row["type"]))
        if label is None:
            dropped[f"entities of type {row['type']}"] += 1
            continue
        if "value" in row and row["value"] != text[start:end]:
            notes.append(f"{where}: value {row['value']!r} differs from the text at its offsets, "
                         f"{text[start:end]!r}; kept the text")
        if (start, end) in best:  # two labels on one span: the more confident wins
            dropped["entities on a span labelled more confidently by another row"] += 1
            if best[(start, end)][0] >= confidence:
                continue
        best[(start, end)] = (confidence, label)
    kept, lost = keep_longest(sorted(best), lambda s: s)
    for (s, e), (ks, ke) in lost:
        notes.append(f"{doc_id}: dropped entity {text[s:e]!r} nested in or overlapping {text[ks:ke]!r}")
    dropped["entities (nested or overlapping)"] += len(lost)
    entities = tuple(Entity(f"T{i}", s, e, best[(s, e)][1], text[s:e]) for i, (s, e) in enumerate(kept, 1))
    meta = {"source": "re3d", "publisher": record.get("sourceName"), "title": record.get("title"),
            "url": record.get("sourceUrl")}
    return Document(doc_id, text, entities, meta={k: v for k, v in meta.items() if v is not None})
