"""Reading and writing docs/FORMAT.md §1 JSON Lines, with errors that name the file and line.

The one place that reads such files: `check_file` hands the records to `validation.check_records`.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from .errors import InputError, Problem
from .ontology import Ontology
from .schema import Document
from .validation import check_records


def iter_records(path: str | Path) -> Iterator[tuple[str, dict[str, Any] | Problem]]:
    """Yield (where, record) per non-blank line, or (where, Problem) for a line that is not a JSON object.

    `path` may be '-' for standard input. A line that is not UTF-8 is a Problem, not a crash.
    """
    name = _name(path)
    stream = sys.stdin.buffer if str(path) == "-" else _open_binary(path)
    seen_record = False
    try:
        for lineno, raw in enumerate(stream, 1):
            where = f"{name}, line {lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield where, Problem(where, "", f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at byte {exc.start})")
                continue
            if lineno == 1:
                line = line.removeprefix("\ufeff")  # a byte order mark, as Windows tools write
            if not line.strip():
                continue
            if not seen_record and line.lstrip().startswith("["):
                # one problem for the whole file, not one per line of a pretty-printed array
                yield where, Problem(where, "", "the file is a JSON array, not JSON Lines: write one JSON object "
                                                "per line (e.g. jq -c '.[]' FILE)")
                return
            seen_record = True
            try:
                record = json.loads(line, parse_constant=_not_json, parse_float=_finite)
            except json.JSONDecodeError as exc:
                yield where, Problem(where, "", f"is not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            except ValueError as exc:  # a number of over 4,300 digits
                yield where, Problem(where, "", f"is not valid JSON ({str(exc).split(';')[0]})")
                continue
            except RecursionError:
                yield where, Problem(where, "", "is nested too deeply to be read as JSON")
                continue
            if not isinstance(record, dict):
                yield where, Problem(where, "", f"must be a JSON object, not {type(record).__name__}")
                continue
            yield where, record
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _not_json(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")  # json.loads would take NaN and Infinity


def _finite(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{literal} is too large for a number")
    return value


def check_file(path: str | Path, ontology: Ontology | None = None) -> tuple[list[Document], list[Problem]]:
    """Check every line of a file ('-' for standard input); return the valid documents and every problem found."""
    documents, problems = check_records(iter_records(path), ontology)
    if not documents and not problems:  # only blank lines, if any: the wrong file, or its writer failed
        problems.append(Problem(_name(path), "", "is empty: it holds no documents"))
    return documents, problems


def read_documents(path: str | Path, ontology: Ontology | None = None) -> list[Document]:
    """Read and validate a whole file; raise InputError listing every problem if there is any."""
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


def check_output_file(path: str | Path, option: str = "-o") -> None:
    """Refuse, before any work is done, an output path that cannot become a file: a folder, or a file in a
    folder that does not exist ('-' is standard output)."""
    if str(path) == "-":
        return
    path = Path(path)
    if path.is_dir():
        raise InputError(Problem(str(path), option, "is a folder; name the output file to write"))
    if not path.parent.is_dir():
        raise InputError(Problem(str(path), option, f"cannot be written: the folder {path.parent} does not exist"))


def dumps(document: Document) -> str:
    """One JSON line. Characters that Python's `str.splitlines` and older JavaScript take for line ends are
    escaped (json.dumps leaves U+0085, U+2028 and U+2029 raw), so no reader can cut a document in two."""
    return json.dumps(document.to_dict(), ensure_ascii=False).translate(_LINE_BREAKS)


_LINE_BREAKS = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}  # only ever inside JSON strings


def _name(path: str | Path) -> str:
    return "<stdin>" if str(path) == "-" else str(path)


def _open_binary(path: str | Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(Problem(str(path), "", f"cannot be read ({exc.strerror})")) from None
