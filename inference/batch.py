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

from .errors import InputError, Problem
from .jsonl import dumps, iter_records
from .schema import Document


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


def iter_inputs(inputs: list[str]) -> Iterator[Source]:
    """Documents from .txt files (id = file name without suffix), .jsonl files (id and text used),
    folders (their .txt and .jsonl files, sorted) and '-' (JSON Lines on stdin)."""
    seen: dict[str, str] = {}
    for item in _expand(inputs):
        for source in _read_one(item):
            doc = source.document
            if doc is not None and doc.id in seen:
                source = Source(source.where, rejected=Rejected(source.where, doc.id,
                                                                f"duplicate id {doc.id!r} (first at {seen[doc.id]})"))
            elif doc is not None:
                seen[doc.id] = source.where
            yield source


def _expand(inputs: list[str]) -> Iterator[str]:
    for item in inputs:
        path = Path(item)
        if item != "-" and path.is_dir():
            yield from sorted(str(p) for p in path.rglob("*") if p.suffix in (".txt", ".jsonl") and p.is_file())
        elif item == "-" or path.suffix in (".txt", ".jsonl"):
            if item != "-" and not path.is_file():
                raise InputError(Problem(item, "", "does not exist"))
            yield item
        else:
            raise InputError(Problem(item, "", "is neither a .txt file, a .jsonl file, a folder nor '-'"))


def _read_one(item: str) -> Iterator[Source]:
    if item.endswith(".txt"):
        raw = Path(item).read_bytes()
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
        if not isinstance(doc_id, str) or not doc_id:
            yield Source(where, rejected=Rejected(where, None, "field 'id' is required and must be a non-empty string"))
        elif not isinstance(text, str):
            yield Source(where, rejected=Rejected(where, doc_id, "field 'text' is required and must be a string"))
        else:
            meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
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
    if not path.exists():
        return set()
    done: set[str] = set()
    good_bytes = 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break
            try:
                done.add(json.loads(raw)["id"])
            except (ValueError, KeyError, TypeError):
                break
            good_bytes += len(raw)
    if good_bytes != path.stat().st_size:
        with open(path, "r+b") as f:
            f.truncate(good_bytes)
    return done


def rejected_places(path: Path) -> set[str]:
    return {json.loads(line)["where"] for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip().endswith("}")} if path.exists() else set()


def errors_path(output: Path) -> Path:
    return output.with_name(output.name.removesuffix(".jsonl") + ".errors.jsonl")


def rejected_line(r: Rejected) -> str:
    return json.dumps({"where": r.where, "id": r.doc_id, "error": r.reason}, ensure_ascii=False)


def document_line(doc: Document) -> str:
    return dumps(doc)
