"""The runtime's subcommands: convert, validate, stats, evaluate, extract (serve joins in its own module)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eventtagger.core.errors import InputError, Problem

from .command import Command, add_min_score_option, add_model_options, load_tagger, progress, shows_progress
from .serve_command import SERVE_COMMAND
from .show_command import SHOW_COMMAND

# --- extract ---------------------------------------------------------------------------------------------

def _extract_arguments(p: argparse.ArgumentParser) -> None:
    add_model_options(p)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=".txt files (id: the file name without .txt; in a folder, the path in it, e.g. "
                        "2024/01/report), .jsonl files of docs/FORMAT.md §1 (id and text), folders of those, or - "
                        "for JSON Lines on stdin")
    p.add_argument("-o", "--output", required=True, help="output JSON Lines (docs/FORMAT.md §1 predictions); - for "
                   "standard output")
    p.add_argument("--resume", action="store_true", help="continue an interrupted job: keep what OUTPUT holds, "
                   "tag only the rest (not with -o -)")
    p.add_argument("--overwrite", action="store_true", help="start OUTPUT afresh if it exists")
    add_min_score_option(p)
    p.add_argument("--drop-repeated-lines", action="store_true", help="blank a line identical to an earlier one of "
                   "its document (scraped pages repeat headlines) before tagging; text and offsets stay the original's")
    p.add_argument("--drop-boilerplate", action="store_true", help="blank lines such as 'Share this article' or "
                   "'(Photo: Reuters)' before tagging (the patterns: eventtagger.inference.line_filter)")
    p.add_argument("--quiet", action="store_true", help="no progress line on stderr, only the summary")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: this process; ray: actors of a Ray cluster, and OUTPUT is then a folder of "
                        "part-00000.jsonl, ... (the [ray] extra)")
    ray = p.add_argument_group("--engine ray")
    ray.add_argument("--ray-address", default=None, help="the cluster to join: auto (on a node of it) or the "
                     "head's host:6379 (default: $RAY_ADDRESS, or else a Ray started on this machine)")
    ray.add_argument("--num-actors", type=int, default=None,
                     help="actors that each load the model once (default: the cluster's CPUs / --threads)")
    ray.add_argument("--shard-size", type=int, default=10_000, help="documents per part file")
    p.epilog = ("Exit status: 0 when every input was tagged, 1 when some records could not be read (they are in "
                "the errors file), 2 when none could be or the command line is wrong.")


def _extract(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        from .ray_engine import run

        return run(args)
    from eventtagger.core.jsonl import check_output_file, dumps
    from eventtagger.core.scores import at_least

    from .jobs import (
        DurableWriter,
        ErrorLog,
        JobInputs,
        StdoutWriter,
        completed_ids,
        count_records,
        errors_path,
        expand_inputs,
        read_inputs,
    )

    to_stdout = args.output == "-"
    output, errors_file = (None, None) if to_stdout else (Path(args.output), errors_path(Path(args.output)))
    if to_stdout and args.resume:
        raise InputError(Problem("extract", "--resume", "cannot continue a job written to standard output "
                                 "(-o -): write it to a file (-o OUT.jsonl) to be able to resume it"))
    if output is not None:
        check_output_file(output)
        if output.exists() and not (args.resume or args.overwrite):
            raise InputError(Problem(str(output), "", "exists already; pass --resume to continue that job or "
                                     "--overwrite to start again"))
    files = expand_inputs(args.inputs, exclude=(output, errors_file) if output else ())  # checked before any work
    total = count_records(files) if shows_progress(args.quiet) else None
    if output is not None and not args.resume:  # a new job: no output, and no errors file of an earlier one
        output.unlink(missing_ok=True)
        errors_file.unlink(missing_ok=True)
    inputs = JobInputs(read_inputs(files), completed_ids(output) if args.resume else set(),
                       ErrorLog(errors_file, args.resume))
    tagger = load_tagger(args)
    writer = StdoutWriter() if output is None else DurableWriter(output)
    tagged = 0
    try:
        documents = tagger.tag(inputs, drop_repeated_lines=args.drop_repeated_lines,
                               drop_boilerplate=args.drop_boilerplate)
        bar = progress(documents, "extract", total, args.quiet)
        for doc in bar:
            writer.write(dumps(at_least(doc, args.min_score)))
            tagged += 1
            if total is not None:  # documents done already or unreadable are not to be tagged
                bar.total = total - inputs.passed_over
    finally:
        writer.close()
        inputs.errors.close()
    if output is not None and tagged == 0 and not args.resume:
        output.unlink()  # a job that tagged nothing leaves no empty output to trip the next run
    print(inputs.summary(tagged, writer.path if output is None else str(output)), file=sys.stderr)
    return inputs.exit_status(tagged)


# --- evaluate --------------------------------------------------------------------------------------------

def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    add_model_options(p)
    p.add_argument("--data", required=True, nargs="+", action="extend", metavar="GOLD",
                   help="gold docs/FORMAT.md §1 JSON Lines; several files (or --data repeated) are scored together, "
                        "and each on its own under \"files\". A file holding no entities and no events is refused "
                        "(exit 2): there would be nothing to score against")
    p.add_argument("--predictions-out", help="also write the predictions here")


def _evaluate(args: argparse.Namespace) -> int:
    from eventtagger.core.ids import FirstSeen
    from eventtagger.core.jsonl import check_output_file, read_documents, write_documents
    from eventtagger.core.metrics import score
    from eventtagger.core.schema import Document

    if args.predictions_out:
        check_output_file(args.predictions_out, "--predictions-out")
    tagger = load_tagger(args)
    gold = [(path, read_documents(path, tagger.spec.ontology)) for path in args.data]
    problems, seen = [], FirstSeen()
    for path, documents in gold:
        if not any(d.entities or d.events for d in documents):
            problems.append(Problem(path, "", "holds no entities and no events: there is nothing to score against "
                                    "(evaluate takes annotated documents; to tag raw ones, use extract)"))
        problems += [Problem(path, "id", repeat) for d in documents if (repeat := seen.repeat(d.id, path))]
    if problems:
        raise InputError(problems)
    every = [d for _, documents in gold for d in documents]
    predictions = list(progress(tagger.tag(Document(d.id, d.text) for d in every), "evaluate", len(every)))
    if args.predictions_out:
        write_documents(args.predictions_out, predictions)
    result = score(every, predictions)
    by_id = {p.id: p for p in predictions}
    result["files"] = {path: score(documents, [by_id[d.id] for d in documents]) for path, documents in gold}
    print(json.dumps(result, indent=2))
    return 0


# --- validate --------------------------------------------------------------------------------------------

def _validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="docs/FORMAT.md §1 JSON Lines")
    p.add_argument("--ontology", help="ontology YAML: also check labels, types and roles against it")


def _validate(args: argparse.Namespace) -> int:
    from eventtagger.core.jsonl import check_file
    from eventtagger.core.ontology import Ontology

    ontology = Ontology.load(args.ontology) if args.ontology else None
    problems = []
    for path in args.files:
        docs, found = check_file(path, ontology)
        problems.extend(found)
        status = "ok" if not found else f"{len(found)} problems"
        print(f"{path}: {len(docs)} valid documents, {status}", file=sys.stderr)
    if problems:
        raise InputError(problems)
    if ontology is None:
        print("(labels not checked: pass --ontology to check them)", file=sys.stderr)
    return 0


# --- stats -----------------------------------------------------------------------------------------------

def _stats_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="docs/FORMAT.md §1 JSON Lines")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")


def _stats(args: argparse.Namespace) -> int:
    from eventtagger.core.jsonl import read_documents
    from eventtagger.core.stats import datasheet, render_datasheet

    documents = [d for path in args.files for d in read_documents(path)]
    sheet = datasheet(documents)
    print(json.dumps(sheet, indent=2) if args.json else render_datasheet(sheet))
    return 0


# --- convert ---------------------------------------------------------------------------------------------

def _convert_arguments(p: argparse.ArgumentParser) -> None:
    from eventtagger.core.formats import readers, writers

    direction = p.add_mutually_exclusive_group(required=True)
    direction.add_argument("--from", dest="source_format", choices=sorted(readers()),
                           help="import SRC in this format into docs/FORMAT.md §1 JSON Lines")
    direction.add_argument("--to", dest="target_format", choices=sorted(writers()) or None,
                           help="export docs/FORMAT.md §1 JSON Lines SRC to this format")
    p.add_argument("sources", nargs="+", metavar="SRC")
    p.add_argument("-o", "--output", required=True, help="OUT.jsonl (--from) or the output path (--to)")
    p.add_argument("--ontology", help="check the converted documents against this ontology")


def _convert(args: argparse.Namespace) -> int:
    from eventtagger.core.formats import losses, readers, writers
    from eventtagger.core.jsonl import check_output_file, read_documents, write_documents
    from eventtagger.core.ontology import Ontology
    from eventtagger.core.validation import check_documents

    if args.target_format:
        if args.target_format == "brat":  # a folder
            if Path(args.output).exists() and not Path(args.output).is_dir():
                raise InputError(Problem(args.output, "-o", "is a file; --to brat writes a folder of .txt and .ann"))
        else:
            check_output_file(args.output)
        documents = [d for path in args.sources for d in read_documents(path)]
        lost = losses()[args.target_format](documents, args.output)
        if lost:  # said before writing, so an interrupted run has said it too
            print(f"note: {lost}", file=sys.stderr)
        writers()[args.target_format](documents, args.output)
        print(f"wrote {len(documents)} documents as {args.target_format} to {args.output}", file=sys.stderr)
        return 0
    check_output_file(args.output)
    ontology = Ontology.load(args.ontology) if args.ontology else None
    conversion = readers()[args.source_format](args.sources)
    # every converted document must be one of docs/FORMAT.md §1, whatever the source held (and fit the ontology
    # if given)
    _, problems = check_documents(conversion.documents, "converted document", ontology)
    if problems:
        raise InputError(problems)
    if not conversion.documents:
        raise InputError(Problem(", ".join(args.sources), "", f"hold no {args.source_format} documents"))
    n = write_documents(args.output, conversion.documents)
    for note in conversion.notes[:10]:
        print(f"note: {note}", file=sys.stderr)
    if len(conversion.notes) > 10:
        print(f"note: ... and {len(conversion.notes) - 10} more", file=sys.stderr)
    print(f"converted {n} documents to {args.output}", file=sys.stderr)
    return 0


RUNTIME_COMMANDS = (
    Command("convert", "import other annotation formats into docs/FORMAT.md §1 JSON Lines, or export to them",
            _convert_arguments, _convert),
    Command("validate", "check JSON Lines files against the document format and an ontology; report every problem",
            _validate_arguments, _validate),
    Command("stats", "print the datasheet of annotated files: counts per label, type and role",
            _stats_arguments, _stats),
    SHOW_COMMAND,
    Command("evaluate", "tag gold documents and print docs/FORMAT.md §5 metrics as JSON",
            _evaluate_arguments, _evaluate),
    Command("extract", "tag .txt and .jsonl files with a model folder", _extract_arguments, _extract),
    SERVE_COMMAND,
)

# `records` (inference/records_command.py): incident records for analysts, with the [records] extra
from .records_command import RECORDS_COMMAND  # noqa: E402

RUNTIME_COMMANDS = (*RUNTIME_COMMANDS, RECORDS_COMMAND)
