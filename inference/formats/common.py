"""What the format modules share: resolving overlapping spans and refusing duplicate document ids.

A flat BIO tagger cannot represent nested or partly overlapping spans of one layer, so readers keep the
longer span (the earlier on a tie) and note the other, as `validation.check_record` would refuse them.
Spans that coincide exactly are allowed, as in validation (one span, several roles or events).

>>> keep_longest([(0, 5), (2, 4), (6, 8), (6, 8)], span=lambda s: s)
([(0, 5), (6, 8), (6, 8)], [((2, 4), (0, 5))])
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from ..errors import InputError, Problem
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
    first: dict[str, str] = {}
    for where, doc in documents:
        if doc.id in first:
            raise InputError(Problem(where, "id", f"document id {doc.id!r} again (first in {first[doc.id]})"))
        first[doc.id] = where
