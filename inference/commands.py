"""The runtime's subcommands: convert, validate, stats, evaluate, extract (serve joins in its own module)."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eventtagger.core.errors import InputError, Problem

from .command import Command, add_model_options, load_tagger, progress
from .serve_command import SERVE_COMMAND
from .show_command import SHOW_COMMAND

# --- extract ---------------------------------------------------------------------------------------------

def _extract_arguments(p: argparse.ArgumentParser) -> None:
    add_model_options(p)
    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help=".txt files (id = file name), .jsonl files of docs/FORMAT.md §1 (id and text), folders of those, "
                        "or - for JSON Lines on stdin")
    p.add_argument("-o", "--output", required=True, help="output JSON Lines (docs/FORMAT.md §1 predictions)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted job: keep what OUTPUT holds, "
                   "tag only the rest")
    p.add_argument("--overwrite", action="store_true", help="start OUTPUT afresh if it exists")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: this process; ray: actors of a Ray cluster, and OUTPUT is then a folder of "
                        "part-00000.jsonl, ... (the [ray] extra)")
    ray = p.add_argument_group("--engine ray")
    ray.add_argument("--ray-address", default=None, help="the cluster to join: auto (on a node of it) or the "
                     "head's host:6379 (default: $RAY_ADDRESS, or else a Ray started on this machine)")
    ray.add_argument("--num-actors", type=int, default=None,
                     help="actors that each load the model once (default: the cluster's CPUs / --threads)")
    ray.add_argument("--shard-size", type=int, default=10_000, help="documents per part file")


def _extract(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        from .ray_engine import run

        return run(args)
    from eventtagger.core.jsonl import check_output_file, dumps

    from .jobs import DurableWriter, ErrorLog, JobInputs, completed_ids, errors_path, iter_inputs

    output = Path(args.output)
    errors_file = errors_path(output)
    check_output_file(output)
    if output.exists() and not (args.resume or args.overwrite):
        raise InputError(Problem(str(output), "", "exists already; pass --resume to continue that job or "
                                 "--overwrite to start again"))
    sources = iter_inputs(args.inputs, exclude=(output, errors_file))  # every input checked before any work
    if not args.resume:  # a new job: no output, and no errors file of an earlier one
        output.unlink(missing_ok=True)
        errors_file.unlink(missing_ok=True)
    inputs = JobInputs(sources, completed_ids(output) if args.resume else set(), ErrorLog(errors_file, args.resume))
    tagger = load_tagger(args)
    writer = DurableWriter(output)
    tagged = 0
    try:
        for doc in progress(tagger.tag(inputs), "extract"):
            writer.write(dumps(doc))
            tagged += 1
    finally:
        writer.close()
        inputs.errors.close()
    print(inputs.summary(tagged, str(output)), file=sys.stderr)
    return 0


# --- evaluate --------------------------------------------------------------------------------------------

def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    add_model_options(p)
    p.add_argument("--data", required=True, help="gold docs/FORMAT.md §1 JSON Lines")
    p.add_argument("--predictions-out", help="also write the predictions here")


def _evaluate(args: argparse.Namespace) -> int:
    from eventtagger.core.jsonl import check_output_file, read_documents, write_documents
    from eventtagger.core.metrics import score
    from eventtagger.core.schema import Document

    if args.predictions_out:
        check_output_file(args.predictions_out, "--predictions-out")
    tagger = load_tagger(args)
    gold = read_documents(args.data, tagger.spec.ontology)
    predictions = list(progress(tagger.tag(Document(d.id, d.text) for d in gold), "evaluate", len(gold)))
    if args.predictions_out:
        write_documents(args.predictions_out, predictions)
    print(json.dumps(score(gold, predictions), indent=2))
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
    # every converted document must be one of docs/FORMAT.md §1, whatever the source held (and fit the ontology if given)
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
    Command("evaluate", "tag gold documents and print docs/FORMAT.md §5 metrics as JSON", _evaluate_arguments, _evaluate),
    Command("extract", "tag .txt and .jsonl files with a model folder", _extract_arguments, _extract),
    SERVE_COMMAND,
)

# `records` (inference/records_command.py): incident records for analysts, with the [records] extra
from .records_command import RECORDS_COMMAND  # noqa: E402

RUNTIME_COMMANDS = (*RUNTIME_COMMANDS, RECORDS_COMMAND)
