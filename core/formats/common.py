"""What the format modules share: resolving overlapping spans and refusing duplicate document ids.

A flat BIO tagger cannot represent nested or partly overlapping spans of one layer, so readers keep the
longer span (the earlier on a tie) and note the other, as `validation.check_record` would refuse them.
Spans that coincide exactly are allowed, as in validation (one span, several roles or events).

>>> keep_longest([(0, 5), (2, 4), (6, 8), (6, 8)], span=lambda s: s)
([(0, 5), (6, 8), (6, 8)], [((2, 4), (0, 5))])

Records of other tools' JSON are checked for the shape the readers rely on before they are read, so a
malformed one is an InputError naming its field rather than a KeyError deep in a reader:

>>> try:
...     check_shape({"words": ["a", 1]}, {"words": [str], "index?": list}, "f.json, line 3")
... except InputError as exc:
...     print(exc)
f.json, line 3, field 'words[1]': must be a string, not int
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..errors import InputError, Problem
from ..ids import FirstSeen
from ..schema import Document

T = TypeVar("T")

# A span that fills a role but is no entity mention: brat and Label Studio need a label for every span.
ARGUMENT_LABEL = "Argument"


def keep_longest(items: Sequence[T], span: Callable[[T], tuple[int, int]]) -> tuple[list[T], list[tuple[T, T]]]:
    """Items whose spans do not nest or partly overlap, in their original order, and (dropped, kept) pairs."""
    order = sorted(range(len(items)), key=lambda i: (span(items[i])[0] - span(items[i])[1], i))
    kept: list[int] = []
    dropped: list[tuple[T, T]] = []
    for i in order:
        start, end = span(items[i])
        clash = next((k for k in kept if _clash((start, end), span(items[k]))), None)
        if clash is None:
            kept.append(i)
        else:
            dropped.append((items[i], items[clash]))
    return [items[i] for i in sorted(kept)], dropped


def _clash(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a != b


def refuse_duplicate_ids(documents: Iterable[tuple[str, Document]]) -> None:
    """Raise an InputError for a document id seen twice; `documents` pairs each with where it came from."""
    seen = FirstSeen()
    for where, doc in documents:
        repeat = seen.repeat(doc.id, where)
        if repeat is not None:
            raise InputError(Problem(where, "id", repeat))


def counted(n: int, thing: str) -> str:
    """'1 event', '3 events': for the notes and the notices of what a writer drops."""
    return f"{n} {thing}{'' if n == 1 else 's'}"


def scores_of(documents: Sequence[Document]) -> str:
    """How many scored spans the documents hold, by kind ('' for none): what a writer without scores drops.

    >>> from eventtagger.core.schema import Entity
    >>> scores_of([Document("d", "Erbil", entities=(Entity("T1", 0, 5, "GPE", "Erbil", 0.9),))])
    '1 entity mention'
    """
    kinds = [(sum(e.score is not None for d in documents for e in d.entities), "entity mention"),
             (sum(ev.score is not None for d in documents for ev in d.events), "event"),
             (sum(a.score is not None for d in documents for ev in d.events for a in ev.arguments), "argument")]
    found = [counted(n, thing) for n, thing in kinds if n]
    return ", ".join(found[:-1]) + (" and " if len(found) > 1 else "") + found[-1] if found else ""


_KIND_NAMES = {str: "a string", int: "an integer", float: "a number", list: "a list", dict: "an object"}


def check_shape(value: Any, shape: Any, where: str, field: str = "") -> None:
    """Raise an InputError naming the first part of `value` that lacks `shape`: a type or a tuple of types,
    `[shape]` for a list of such, `{key: shape}` for an object with these keys (`key?`: may be absent).
    Integers are not booleans; strings must not be empty."""
    def fail(message: str) -> None:
        raise InputError(Problem(where, field, message))

    if isinstance(shape, dict):
        if not isinstance(value, dict):
            fail(f"must be an object, not {_kind(value)}")
        for key, inner in shape.items():
            name = key.rstrip("?")
            if name in value:
                check_shape(value[name], inner, where, f"{field}.{name}" if field else name)
            elif not key.endswith("?"):
                raise InputError(Problem(where, f"{field}.{name}" if field else name, "is missing"))
    elif isinstance(shape, list):
        if not isinstance(value, list):
            fail(f"must be a list, not {_kind(value)}")
        for i, item in enumerate(value):
            check_shape(item, shape[0], where, f"{field}[{i}]")
    else:
        kinds = shape if isinstance(shape, tuple) else (shape,)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            fail(f"must be {' or '.join(_KIND_NAMES.get(k, k.__name__) for k in kinds)}, not {_kind(value)}")
        if isinstance(value, str) and not value:
            fail("must not be empty")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def json_lines(path: str | Path, what: str) -> Iterator[tuple[str, Any]]:
    """(where, value) for each non-blank line of another tool's JSON Lines file (gzip when it ends in .gz).
    The first line that is not JSON, or a file that cannot be read as UTF-8 `what`, is an InputError."""
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{path}, line {lineno}"
                try:
                    value = json.loads(line)
                except (ValueError, RecursionError) as exc:  # ValueError: bad JSON, a 5,000-digit number
                    raise InputError(Problem(where, "", f"is not valid JSON ({exc})")) from None
                yield where, value
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(str(path), "", f"cannot be read as {what} ({exc})")) from None
