"""Importers and exporters between other annotation formats and docs/FORMAT.md §1 documents.

Each reader takes the source paths and returns a `Conversion`: the documents plus notes on anything that
had to be changed (e.g. nested entities a BIO tagger cannot represent), which `convert` prints. Each writer
has a `losses` function that says what a format cannot keep of given documents (CoNLL: events, ids, spacing).
Readers: m2e2, brat, conll, label-studio, wikievents, re3d; writers: brat, conll, label-studio.
"""
from __future__ import annotations

from . import brat, conll, label_studio, m2e2, re3d, wikievents
from .conversion import Conversion, Losses, Reader, Writer

__all__ = ["Conversion", "Losses", "Reader", "Writer", "losses", "readers", "writers"]


def readers() -> dict[str, Reader]:
    return {"m2e2": m2e2.read, "brat": brat.read, "conll": conll.read, "label-studio": label_studio.read,
            "wikievents": wikievents.read, "re3d": re3d.read}


def writers() -> dict[str, Writer]:
    """Each writes the documents to the output path: brat a folder, conll and label-studio a file."""
    return {"brat": brat.write, "conll": conll.write, "label-studio": label_studio.write}


def losses() -> dict[str, Losses]:
    """Per writer: what writing these documents to that output loses, counted, in a sentence ('' for nothing),
    for `convert --to` to say before it writes."""
    return {"brat": brat.losses, "conll": conll.losses, "label-studio": label_studio.losses}
