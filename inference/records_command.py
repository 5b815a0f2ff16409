"""`eventtagger records`: tag documents and write incident records (docs/RECORDS.md) as JSON Lines or CSV."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from eventtagger.core.errors import InputError, Problem

from .command import Command, add_model_options, load_tagger, progress


def iso_date(value: str) -> date:
    """An argparse type for --published: YYYY-MM-DD."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a date as YYYY-MM-DD, not {value!r}") from None


def _arguments(p: argparse.ArgumentParser) -> None:
    add_model_options(p)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=".txt files, .jsonl files of docs/FORMAT.md §1 (id, text, meta), folders of those, or -")
    p.add_argument("-o", "--output", required=True, help="where the records go (- for standard output)")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl",
                   help="jsonl: one record a line, every field with its span (default); csv: one row per record")
    p.add_argument("--published", type=iso_date, default=None, metavar="YYYY-MM-DD",
                   help="publication date for documents without meta.published (else a dateline in the text)")


def _run(args: argparse.Namespace) -> int:
    try:
        from .records import document_incidents
        from .records.output import csv_row, csv_writer, to_dict
    except ImportError as exc:
        raise InputError(Problem("records", "", "needs the [records] extra: pip install "
                                 f"'eventtagger[records]', or '.[records]' from a checkout ({exc.name} is missing)")
                         ) from None
    from eventtagger.core.jsonl import check_output_file

    from .jobs import ErrorLog, JobInputs, errors_path, iter_inputs

    output = None if args.output == "-" else Path(args.output)
    if output is not None:
        check_output_file(args.output)
    errors = errors_path(output) if output is not None else None  # unreadable inputs: OUT.errors.jsonl or stderr
    sources = iter_inputs(args.inputs, exclude=(output, errors) if output is not None else ())
    inputs = JobInputs(sources, set(), ErrorLog(errors))
    tagger = load_tagger(args)
    stream = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="")
    counted = total = 0
    try:
        writer = csv_writer(stream) if args.format == "csv" else None
        for doc in progress(tagger.tag(inputs), "records"):
            for incident in document_incidents(doc, args.published):
                total += 1
                counted += incident.counted
                if writer is not None:
                    writer.writerow(csv_row(incident))
                else:
                    stream.write(json.dumps(to_dict(incident), ensure_ascii=False) + "\n")
    finally:
        if stream is not sys.stdout:
            stream.close()
        inputs.errors.close()
    print(f"{total} records, {counted} counted incidents, into {args.output}", file=sys.stderr)
    return 0


RECORDS_COMMAND = Command("records", "tag documents and write incident records: type, date, place, actors, "
                          "casualties, modality (docs/RECORDS.md)", _arguments, _run)
