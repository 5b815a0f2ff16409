"""What a reader returns, and the shapes of readers, writers and their loss notices."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..schema import Document


@dataclass
class Conversion:
    """The documents read, plus notes on anything that had to be changed to make them valid."""
    documents: list[Document]
    notes: list[str] = field(default_factory=list)


Reader = Callable[[Sequence[str]], Conversion]
Writer = Callable[[Sequence[Document], str], None]
Losses = Callable[[Sequence[Document], str], str]
