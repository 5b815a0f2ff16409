"""The `eventtagger` command (docs/FORMAT.md §4): the entry point. The runtime's subcommands come from `commands`
(which holds `serve` and `show` from their own modules); `train` and `export` come from the training package
through the `eventtagger.commands` entry point group, so this module never imports it. What the subcommand
modules share (`Command`, the model options, loading the tagger) is in `command`, which imports none of them.

Errors go to stderr as one sentence naming file, line and field; exit 2 for bad input, 1 otherwise.
"""
from __future__ import annotations

import argparse
import errno
import os
import sys
from importlib.metadata import PackageNotFoundError, entry_points, version

from eventtagger.core.errors import InputError

from . import commands
from .command import Command
from .model_folder import ModelFolderError


def _commands() -> list[Command]:
    found = list(commands.RUNTIME_COMMANDS)
    for ep in entry_points(group="eventtagger.commands"):
        try:
            found.append(ep.load())
        except ImportError:  # the [train] extra is not installed
            continue
    return sorted(found, key=lambda c: c.name)


def build_parser(subcommands: list[Command]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="eventtagger", description="Tag entities and events with their roles "
                                     "in news articles; train on your own annotations.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in subcommands:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(p)
        p.set_defaults(_run=command.run)
    return parser


def _version() -> str:
    try:
        return version("eventtagger")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(_commands())
    args = parser.parse_args(argv)
    try:
        return args._run(args)
    except InputError as exc:
        for problem in exc.problems:
            print(f"eventtagger {args.command}: {problem}", file=sys.stderr)
        return 2
    except ModelFolderError as exc:
        print(f"eventtagger {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"eventtagger {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        if exc.filename is not None and exc.errno in _PATH_ERRORS:  # a path the user gave that cannot be used
            print(f"eventtagger {args.command}: {exc.filename}: {exc.strerror}", file=sys.stderr)
            return 2
        return _failure(args.command, exc)
    except Exception as exc:
        return _failure(args.command, exc)


_PATH_ERRORS = {errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.EACCES, errno.EPERM, errno.ENAMETOOLONG}


def _failure(command: str, exc: Exception) -> int:
    """Not the input's fault: one line, exit 1; never a bare traceback, unless asked for."""
    if os.environ.get("EVENTTAGGER_DEBUG"):
        raise exc
    print(f"eventtagger {command}: {type(exc).__name__}: {exc} (EVENTTAGGER_DEBUG=1 shows the traceback)",
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
