"""`eventtagger show`: tagged documents for people, as a text listing, CSV rows or an HTML page (inference.display)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eventtagger.core.errors import InputError, Problem
from eventtagger.core.schema import Document

from .command import Command, add_min_score_option
from .show_records import is_records_file, read_records, render_records

FORMATS = ("text", "csv", "html")
WHAT_SHOW_READS = "show reads JSON Lines documents (docs/FORMAT.md §1), e.g. the output of `eventtagger extract`"


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="docs/FORMAT.md §1 JSON Lines, e.g. the output of extract, or the incident records "
                        "that `records` writes")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="text: a listing for the terminal (default); csv: one row per event, argument and entity "
                        "mention; html: a self-contained page with the spans highlighted")
    p.add_argument("-o", "--output", default="-", help="write here instead of standard output")
    p.add_argument("--type", dest="types", action="append", default=[], metavar="TYPE",
                   help="show only events of this type and entity mentions of this label (repeatable)")
    add_min_score_option(p)


def _run(args: argparse.Namespace) -> int:
    from eventtagger.core.jsonl import check_output_file

    from .display import render, render_html, select, write_csv

    check_output_file(args.output)
    if args.files and all(is_records_file(f) for f in args.files):
        return _show_records(args)
    types = frozenset(args.types)
    documents = [select(d, types, args.min_score) for path in args.files for d in _read(path)]
    if types:
        _note_unmatched(types, documents)
        documents = [d for d in documents if d.events or d.entities]
    stream = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="")
    try:
        if args.format == "csv":
            write_csv(documents, stream)
        elif args.format == "html":
            stream.write(render_html(documents, title=", ".join(Path(f).name for f in args.files)))
        else:
            stream.write(render(documents) + "\n")
    finally:
        if stream is not sys.stdout:
            stream.close()
    return 0


def _show_records(args: argparse.Namespace) -> int:
    """The output of `eventtagger records`, as text (its CSV comes from `records --format csv`)."""
    if args.format != "text" or args.types or args.min_score:
        raise InputError(Problem(args.files[0], "--format" if args.format != "text" else "--type/--min-score",
                                 "incident records are shown as text only; `eventtagger records --format csv` "
                                 "writes their CSV"))
    rows = [row for path in args.files for row in read_records(path)]
    text = render_records(rows) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


def _read(path: str) -> list[Document]:
    """The file's documents; a file that is not JSON Lines documents at all is told what show reads."""
    from eventtagger.core.jsonl import read_documents

    try:
        return read_documents(path)
    except InputError as exc:
        problems = list(exc.problems)
        first = next((i for i, p in enumerate(problems) if _not_documents(p)), None)
        if first is not None:
            p = problems[first]
            problems[first] = Problem(f"{WHAT_SHOW_READS}; {p.where}", p.field, p.message)
        raise InputError(problems) from None


def _not_documents(problem: Problem) -> bool:
    """A line that is no JSON object, an empty file, or a record without id or text: most likely another file."""
    return not problem.field or (problem.field in ("id", "text") and problem.message.startswith("is required"))


def _note_unmatched(types: frozenset[str], documents: list[Document]) -> None:
    found = {ev.type for d in documents for ev in d.events} | {e.label for d in documents for e in d.entities}
    for name in sorted(types - found):
        print(f"note: --type {name} matches no event type or entity label shown", file=sys.stderr)


SHOW_COMMAND = Command("show", "print tagged documents for people: a text listing, CSV rows or an HTML page, "
                       "with offsets, sentences and scores", _arguments, _run)
