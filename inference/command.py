"""What every subcommand module shares: the `Command` type, option helpers, loading the tagger, progress.

The entry point (`cli`) imports the subcommand modules (`commands`, `serve_command`, the `train` and `export`
entry points); they import this module, never `cli`, so no import goes round in a circle.

>>> positive_int("8")
8
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


def add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", required=True, help="model folder written by `eventtagger export`")
    p.add_argument("--variant", default="int8", choices=["int8", "fp32"], help="which network of the folder")
    p.add_argument("--threads", type=positive_int, default=None, help="onnxruntime threads (default: the usable cores)")
    p.add_argument("--windows-per-call", type=positive_int, default=None,
                   help="windows the network reads in one call (default: one per thread, at least 4; more costs "
                        "memory)")


def load_tagger(args: argparse.Namespace) -> EventTagger:
    from .tagger import EventTagger

    return EventTagger.load(args.model, variant=args.variant, threads=args.threads,
                            windows_per_call=args.windows_per_call)


def progress(iterable: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
    """`iterable`, with a progress bar on stderr when it is a terminal."""
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, unit="doc", file=sys.stderr, mininterval=1.0, disable=None)
