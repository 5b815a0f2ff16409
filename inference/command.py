"""What every subcommand module shares: the `Command` type, option helpers, loading the tagger, progress.

The entry point (`cli`) imports the subcommand modules (`commands`, `serve_command`, the `train` and `export`
entry points); they import this module, never `cli`, so no import goes round in a circle.

>>> positive_int("8"), score_threshold("0.5")
(8, 0.5)
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .tagger import EventTagger

T = TypeVar("T")


@dataclass(frozen=True)
class Command:
    """One subcommand: its name and help, how it adds its options, and what it runs (returning the exit status)."""
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def positive_int(value: str) -> int:
    """An argparse type: a bad value is a usage error (exit 2), not a crash mid-run."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {value!r}")
    return number


def score_threshold(value: str) -> float:
    """An argparse type for --min-score: a number from 0 to 1 (scores are probabilities)."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:  # NaN fails too
        raise argparse.ArgumentTypeError(f"must be a number from 0 to 1, not {value!r}")
    return number


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="model folder written by `eventtagger export`")
    p.add_argument("--variant", default="int8", choices=["int8", "fp32"], help="which network of the folder")
    p.add_argument("--threads", type=positive_int, default=None, help="onnxruntime threads (default: the usable cores)")
    p.add_argument("--windows-per-call", type=positive_int, default=None,
                   help="windows the network reads in one call (default: one per thread, at least 4; more costs "
                        "memory)")


def add_min_score_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--min-score", type=score_threshold, default=0.0, metavar="SCORE",
                   help="leave out entities, events and arguments scored below this (0 to 1; default 0: keep all)")


def load_tagger(args: argparse.Namespace) -> EventTagger:
    from .tagger import EventTagger

    return EventTagger.load(args.model, variant=args.variant, threads=args.threads,
                            windows_per_call=args.windows_per_call)


def progress(iterable: Iterable[T], desc: str, total: int | None = None, quiet: bool = False) -> Iterator[T]:
    """`iterable`, with a progress line on stderr (documents, documents/s and, when `total` is known, the time
    left) when stderr is a terminal and not `quiet`. Its `.total` may be lowered as the job learns more."""
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, unit=" documents", file=sys.stderr, mininterval=1.0,
                disable=True if quiet else None, dynamic_ncols=True)


def shows_progress(quiet: bool) -> bool:
    """Whether `progress` will draw: counting a job's documents beforehand is worth it only then."""
    return not quiet and sys.stderr.isatty()
