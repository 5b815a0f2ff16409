"""Sentences and clauses of a document, and word matching over them, by character offsets.

>>> [s.text for s in sentences("Rockets hit the U.S. base. No one was hurt.\\nClaimed")]
['Rockets hit the U.S. base.', 'No one was hurt.', 'Claimed']
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from .schema import Span

# a sentence ends at a line break, or at . ! ? (and a closing quote) before a capital or an opening quote;
# "U.S." and titles do not end one
_BOUNDARY = re.compile(r"\n+|(?<=[.!?])[”\"’)]?\s+(?=[A-Z“\"‘(•])")
_NO_END = re.compile(r"(?:\b(?:[A-Z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Sgt|Capt|Maj|No|Gov|Sen|Rep)\.)$")
# clause breaks for cue scope: a cue before one of these does not reach a trigger after it
CLAUSE_BREAK = re.compile(r";|:|—|–|\bbut\b|\bwhile\b|\bwhereas\b|\bafter\b|\bbefore\b|,\s*(?:and|which|who)\b")
WORD = re.compile(r"[\w’'-]+")


def sentences(text: str) -> list[Span]:
    """The document's sentences, stripped of surrounding blanks and bullets."""
    out: list[Span] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if "\n" not in m.group() and _NO_END.search(text[start:m.start()]):
            continue  # "U.S. Army", "Gen. Smith"
        quote = len(m.group()) - len(m.group().lstrip("”\"’)"))
        _add(out, text, start, m.start() + quote)
        start = m.end()
    _add(out, text, start, len(text))
    return out


def _add(out: list[Span], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip(" \t•·-*\u00a0"))
    start, end = start + lead, start + len(piece.rstrip())
    if end > start:
        out.append(Span.of(text, start, end))


def sentence_of(spans: list[Span], offset: int) -> int:
    """Index of the sentence holding `offset` (the nearest before it when it falls between two)."""
    best = 0
    for i, s in enumerate(spans):
        if s.start <= offset:
            best = i
    return best


def clause_before(text: str, sentence: Span, offset: int) -> int:
    """Where the clause holding `offset` starts: after the last clause break of the sentence before it."""
    head = text[sentence.start:offset]
    starts = [m.end() for m in CLAUSE_BREAK.finditer(head)]
    return sentence.start + (starts[-1] if starts else 0)


def clause_after(text: str, sentence: Span, offset: int) -> int:
    """Where the clause holding `offset` ends: the next clause break of the sentence, or its end."""
    m = CLAUSE_BREAK.search(text, offset, sentence.end)
    return m.start() if m else sentence.end


def words(text: str, start: int, end: int) -> Iterator[Span]:
    for m in WORD.finditer(text, start, end):
        yield Span(m.start(), m.end(), m.group())


def head_word(text: str) -> str:
    """The last word, lower-cased, without a plural s: what two mentions of one thing share.

    >>> head_word("the Ain Al-Asad bases"), head_word("U.S. troops")
    ('base', 'troop')
    """
    found = WORD.findall(text.lower())
    word = found[-1] if found else text.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
