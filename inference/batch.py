"""Batch extraction over files: incremental, durable output that a killed job can resume.

Every tagged document is appended to the output as one JSON line and flushed; every `sync_every`
documents the file is fsync'ed. `--resume` reads the ids already written (a torn last line is cut off),
skips them, and goes on, so each input id ends up in the output exactly once. Records that cannot be
tagged (no id, no text, duplicate id, bad JSON) go to `OUT.errors.jsonl` with the reason.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from eventtagger.core.errors import InputError, Problem
from eventtagger.core.ids import FirstSeen
from eventtagger.core.jsonl import dumps, iter_records
from eventtagger.core.schema import Document
from eventtagger.core.validation import SURROGATE_MESSAGE, surrogate_field


@dataclass(frozen=True)
class Rejected:
    where: str
    doc_id: str | None
    reason: str


@dataclass(frozen=True)
class Source:
    """One input document, or the reason it cannot be one."""
    where: str
    document: Document | None = None
    rejected: Rejected | None = None


def iter_inputs(inputs: list[str], exclude: tuple[Path, ...] = ()) -> Iterator[Source]:
    """Documents from .txt files (id = file name without suffix), .jsonl files (id and text used),
    folders (their .txt and .jsonl files, sorted) and '-' (JSON Lines on stdin).

    Every input is checked before the first is read (an InputError names a missing or empty one); files in
    `exclude` (the job's own output and errors file, when they sit in an input folder) are never read."""
    items = expand_inputs(inputs, exclude)
    return _sources(items)


def _sources(items: list[str]) -> Iterator[Source]:
    seen = FirstSeen()
    for item in items:
        for source in _read_one(item):
            doc = source.document
            repeat = None if doc is None else seen.repeat(doc.id, source.where)
            if repeat is not None:
                source = Source(source.where, rejected=Rejected(source.where, doc.id, repeat))
            yield source


def expand_inputs(inputs: list[str], exclude: tuple[Path, ...] = ()) -> list[str]:
    """The files to read, in order; an InputError lists every input that is missing, empty or of no known kind."""
    excluded = {p.resolve() for p in exclude}
    files: list[str] = []
    problems: list[Problem] = []
    for item in inputs:
        path = Path(item)
        if item == "-":
            files.append(item)
        elif path.is_dir():
            files += sorted(str(p) for p in path.rglob("*") if p.suffix in (".txt", ".jsonl") and p.is_file()
                            and p.resolve() not in excluded)
        elif path.suffix not in (".txt", ".jsonl"):
            problems.append(Problem(item, "", "is neither a .txt file, a .jsonl file, a folder nor '-'"))
        elif not path.is_file():
            problems.append(Problem(item, "", "does not exist"))
        elif path.resolve() in excluded:
            problems.append(Problem(item, "", "is the output of this job (or its errors file) as well as an input"))
        else:
            files.append(item)
    for item in files:
        if item.endswith(".jsonl") and not _has_content(Path(item)):
            problems.append(Problem(item, "", "is empty: it holds no documents to tag"))
    if problems:
        raise InputError(problems)
    return files


def _has_content(path: Path) -> bool:
    with open(path, "rb") as f:
        return any(line.strip() for line in f)


def _read_one(item: str) -> Iterator[Source]:
    if item.endswith(".txt"):
        raw = Path(item).read_bytes()
        if surrogate_field(Path(item).stem) is not None:  # os.fsdecode's stand-ins for bytes that are not UTF-8
            yield Source(item, rejected=Rejected(item, None, "the file name is not valid UTF-8, so it cannot be "
                                                             "the document's id"))
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Source(item, rejected=Rejected(item, Path(item).stem, f"is not valid UTF-8 (byte {exc.start})"))
            return
        yield Source(item, Document(Path(item).stem, text.removeprefix("\ufeff")))
        return
    for where, record in iter_records(item):
        if isinstance(record, Problem):
            yield Source(where, rejected=Rejected(where, None, record.message))
            continue
        doc_id, text = record.get("id"), record.get("text")
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
        surrogate = surrogate_field({"id": doc_id, "text": text, "meta": meta})
        if surrogate is not None:
            yield Source(where, rejected=Rejected(where, doc_id if isinstance(doc_id, str) and surrogate != "id"
                                                  else None, f"field '{surrogate}' {SURROGATE_MESSAGE}"))
        elif not isinstance(doc_id, str) or not doc_id:
            yield Source(where, rejected=Rejected(where, None, "field 'id' is required and must be a non-empty string"))
        elif not isinstance(text, str):
            yield Source(where, rejected=Rejected(where, doc_id, "field 'text' is required and must be a string"))
        else:
            yield Source(where, Document(doc_id, text, meta=meta))


class DurableWriter:
    """Appends JSON lines and makes them durable every `sync_every` lines and at close."""

    def __init__(self, path: Path, sync_every: int = 64):
        self.path = path
        self.sync_every = sync_every
        self.pending = 0
        self.stream: IO[str] = open(path, "a", encoding="utf-8")

    def write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()
        self.pending += 1
        if self.pending >= self.sync_every:
            self.sync()

    def sync(self) -> None:
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.pending = 0

    def close(self) -> None:
        self.sync()
        self.stream.close()


def completed_ids(path: Path) -> set[str]:
    """Ids already in an output file; a torn last line (the job was killed mid-write) is cut off."""
    return {str(record["id"]) for record in _complete_records(path, "id")}


def rejected_places(path: Path) -> set[str]:
    """Where the records already in an errors file came from; a torn last line is cut off."""
    return {str(record["where"]) for record in _complete_records(path, "where")}


def _complete_records(path: Path, key: str) -> list[dict]:
    """The JSON lines of a file this module wrote, each holding `key`. A last line that is torn (no newline,
    or not whole JSON: the job was killed mid-write) is cut off the file, so appending goes on cleanly; a bad
    line before the last is no torn write but damage, and resuming past it would lose it, so it is refused."""
    if not path.exists():
        return []
    records: list[dict] = []
    good_bytes = 0
    with open(path, "rb") as f:
        lines = f.readlines()
    for n, raw in enumerate(lines, 1):
        try:
            record = json.loads(raw) if raw.endswith(b"\n") else None
        except (ValueError, RecursionError):
            record = None
        if not isinstance(record, dict) or key not in record:
            if n < len(lines):
                raise InputError(Problem(f"{path}, line {n}", key, "is not a complete record written by extract; "
                                         "cannot resume past it (mend or remove that line, or pass --overwrite)"))
            with open(path, "r+b") as f:
                f.truncate(good_bytes)
            break
        records.append(record)
        good_bytes += len(raw)
    return records


def errors_path(output: Path) -> Path:
    return output.with_name(output.name.removesuffix(".jsonl") + ".errors.jsonl")


def rejected_line(r: Rejected) -> str:
    record = {"where": r.where, "id": r.doc_id, "error": r.reason}
    # a file name that is not UTF-8 comes with surrogate stand-ins: they stay \udcxx escapes, or the line could
    # not be written as UTF-8
    return json.dumps(record, ensure_ascii=surrogate_field(record) is not None)


def document_line(doc: Document) -> str:
    return dumps(doc)
