"""Importers and exporters between other annotation formats and SPEC §1 documents.

Each reader takes the source paths and returns a `Conversion`: the documents plus notes on anything that
had to be changed (e.g. nested entities a BIO tagger cannot represent), which `convert` prints.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..schema import Document


@dataclass
class Conversion:
    documents: list[Document]
    notes: list[str] = field(default_factory=list)


Reader = Callable[[Sequence[str]], Conversion]


def readers() -> dict[str, Reader]:
    from . import m2e2

    return {"m2e2": m2e2.read}


def writers() -> dict[str, Callable[[Sequence[Document], str], None]]:
    return {}
