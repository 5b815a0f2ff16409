"""Reading and writing SPEC §1 JSON Lines, with errors that name the file and line."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .errors import InputError, Problem
from .ontology import Ontology
from .schema import Document


def iter_records(path: str | Path) -> Iterator[tuple[str, dict[str, Any] | Problem]]:
    """Yield (where, record) per non-blank line, or (where, Problem) for a line that is not a JSON object.

    `path` may be '-' for standard input. A line that is not UTF-8 is a Problem, not a crash.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    stream = sys.stdin.buffer if str(path) == "-" else _open_binary(path)
    try:
        for lineno, raw in enumerate(stream, 1):
            where = f"{name}, line {lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield where, Problem(where, "", f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start})")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield where, Problem(where, "", f"is not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            if not isinstance(record, dict):
                yield where, Problem(where, "", f"must be a JSON object, not {type(record).__name__}")
                continue
            yield where, record
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def read_documents(path: str | Path, ontology: Ontology | None = None) -> list[Document]:
    """Read and validate a whole file; raise InputError listing every problem if there is any."""
    from .validation import check_file

    documents, problems = check_file(path, ontology)
    if problems:
        raise InputError(problems)
    return documents


def write_documents(target: str | Path | IO[str], documents: Iterable[Document]) -> int:
    """Write documents as JSON Lines ('-' for stdout); return how many were written."""
    if isinstance(target, (str, Path)) and str(target) != "-":
        with open(target, "w", encoding="utf-8") as f:
            return write_documents(f, documents)
    stream = sys.stdout if str(target) == "-" else target
    n = 0
    for doc in documents:
        stream.write(dumps(doc) + "\n")
        n += 1
    return n


def dumps(document: Document) -> str:
    return json.dumps(document.to_dict(), ensure_ascii=False)


def _open_binary(path: str | Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(Problem(str(path), "", f"cannot be read ({exc.strerror})")) from None
