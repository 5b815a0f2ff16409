"""File jobs (`eventtagger extract`): inputs read the same way by both engines, durable output that a killed
job can resume, and one account of what became of every input.

Every tagged document is appended to the output as one JSON line and flushed; every `sync_every`
documents the file is fsync'ed. `--resume` reads the ids already written (a torn last line is cut off),
passes over them, and goes on, so each input id ends up in the output exactly once. Records that cannot be
tagged (no id, no text, duplicate id, bad JSON) go to the errors file with the reason (`OUT.errors.jsonl`;
stderr when the output is stdout).

A .txt file's id is its path without `.txt`: relative to the folder named on the command line when it was
found in one (`tree/2024/01/report.txt` in `tree/` is `2024/01/report`), else its file name; `meta.source`
keeps the path.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from eventtagger.core.errors import InputError, Problem
from eventtagger.core.ids import FirstSeen
from eventtagger.core.jsonl import iter_records
from eventtagger.core.schema import Document
from eventtagger.core.validation import SURROGATE_MESSAGE, surrogate_field

SUFFIXES = (".txt", ".jsonl")


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


@dataclass(frozen=True)
class InputFile:
    """A file to read: `path` as the user named it (or found in a folder they named), '-' for stdin;
    `txt_id` the id of a .txt file's document."""
    path: str
    txt_id: str | None = None


def iter_inputs(inputs: list[str], exclude: tuple[Path, ...] = ()) -> Iterator[Source]:
    """Documents from .txt files, .jsonl files (id and text used), folders (their .txt and .jsonl files, sorted)
    and '-' (JSON Lines on stdin); see `expand_inputs` for what is checked first."""
    return read_inputs(expand_inputs(inputs, exclude))


def read_inputs(files: list[InputFile]) -> Iterator[Source]:
    """The documents of `files` in order; an id seen before is rejected as a duplicate."""
    seen = FirstSeen()
    for file in files:
        for source in _read_one(file):
            doc = source.document
            repeat = None if doc is None else seen.repeat(doc.id, source.where)
            if repeat is not None:
                source = Source(source.where, rejected=Rejected(source.where, doc.id, repeat))
            yield source


def expand_inputs(inputs: list[str], exclude: tuple[Path, ...] = ()) -> list[InputFile]:
    """The files to read, in order. Every input is checked before the first is read: an InputError lists every
    one that is missing, empty or of no known kind. Files in `exclude` (the job's own output and errors file,
    when they sit in an input folder) are never read."""
    excluded = {p.resolve() for p in exclude}
    files: list[InputFile] = []
    problems: list[Problem] = []
    for item in inputs:
        path = Path(item)
        if item == "-":
            files.append(InputFile(item))
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file()
                           and p.resolve() not in excluded)
            if not found:
                problems.append(Problem(item, "", "is a folder without .txt or .jsonl files"))
            files += [InputFile(str(p), p.relative_to(path).with_suffix("").as_posix() if p.suffix == ".txt"
                                else None) for p in found]
        elif path.suffix not in SUFFIXES:
            problems.append(Problem(item, "", "is neither a .txt file, a .jsonl file, a folder nor '-'"))
        elif not path.is_file():
            problems.append(Problem(item, "", "does not exist"))
        elif path.resolve() in excluded:
            problems.append(Problem(item, "", "is the output of this job (or its errors file) as well as an input"))
        else:
            files.append(InputFile(item, path.stem if path.suffix == ".txt" else None))
    for file in files:
        if file.path.endswith(".jsonl") and not _has_content(Path(file.path)):
            problems.append(Problem(file.path, "", "is empty: it holds no documents to tag"))
    if problems:
        raise InputError(problems)
    return files


def count_records(files: list[InputFile]) -> int | None:
    """How many documents `files` hold at most (a .txt file one, a .jsonl file one per non-blank line), for a
    progress line's time left; None when one is stdin."""
    if any(f.path == "-" for f in files):
        return None
    total = 0
    for file in files:
        if file.txt_id is not None:
            total += 1
        else:
            with open(file.path, "rb") as f:
                total += sum(1 for line in f if line.strip())
    return total


def _has_content(path: Path) -> bool:
    with open(path, "rb") as f:
        return any(line.strip() for line in f)


def _read_one(file: InputFile) -> Iterator[Source]:
    item = file.path
    if file.txt_id is not None:
        raw = Path(item).read_bytes()
        if surrogate_field(file.txt_id) is not None:  # os.fsdecode's stand-ins for bytes that are not UTF-8
            yield Source(item, rejected=Rejected(item, None, "the file name is not valid UTF-8, so it cannot be "
                                                             "the document's id"))
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Source(item, rejected=Rejected(item, file.txt_id, f"is not valid UTF-8 (byte {exc.start})"))
            return
        yield Source(item, Document(file.txt_id, text.removeprefix("\ufeff"), meta={"source": item}))
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


# --- what became of the inputs: one account for both engines ----------------------------------------------

class ErrorLog:
    """Where a job sets aside the records it cannot read: a JSON Lines file, created at the first and synced at
    each (a killed job loses none), or stderr when `path` is None (the output is stdout). With `resume`, records
    the file holds already are not written again."""

    def __init__(self, path: Path | None, resume: bool = False):
        self.path = path
        self.recorded = rejected_places(path) if resume and path is not None else set()
        self.writer: DurableWriter | None = None

    def add(self, rejected: Rejected) -> None:
        if self.path is None:
            print(f"eventtagger extract: set aside {rejected.where}: {rejected.reason}", file=sys.stderr)
        elif rejected.where not in self.recorded:
            if self.writer is None:
                self.writer = DurableWriter(self.path, sync_every=1)
            self.writer.write(rejected_line(rejected))

    @property
    def reasons(self) -> str:
        return "reasons above" if self.path is None else f"reasons in {self.path}"

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class JobInputs:
    """The documents a job tags, as both engines take them from the sources: ids the output holds already
    (`done`, with --resume) are passed over, unreadable records are set aside in `errors`; both are counted for
    the summary line and the exit status. Iterate once."""

    def __init__(self, sources: Iterable[Source], done: set[str], errors: ErrorLog):
        self.sources, self.done, self.errors = sources, done, errors
        self.rejected = 0     # unreadable records among the inputs (recorded now or by the run resumed)
        self.done_before = 0  # documents the output held already

    def __iter__(self) -> Iterator[Document]:
        for source in self.sources:
            if source.rejected is not None:
                self.errors.add(source.rejected)
                self.rejected += 1
            elif source.document.id in self.done:
                self.done_before += 1
            else:
                yield source.document

    @property
    def passed_over(self) -> int:
        return self.rejected + self.done_before

    def summary(self, tagged: int, into: str) -> str:
        message = f"tagged {tagged} documents into {into}"
        if self.done_before:
            message += f"; {self.done_before} were done already"
        if self.rejected:
            message += f"; {self.rejected} could not be read ({self.errors.reasons})"
        if tagged + self.done_before == 0:
            message += ": nothing could be read" if self.rejected else ": the inputs hold no documents"
        return message

    def exit_status(self, tagged: int) -> int:
        """0 when every input was tagged; 1 when some were set aside; 2 when none could be read."""
        if tagged + self.done_before == 0:
            return 2
        return 1 if self.rejected else 0


# --- durable output ----------------------------------------------------------------------------------------

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


class StdoutWriter:
    """`-o -`: each JSON line goes to stdout as it is tagged (a pipe has nothing to sync)."""

    path = "standard output"

    def write(self, line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    def close(self) -> None:
        sys.stdout.flush()


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
