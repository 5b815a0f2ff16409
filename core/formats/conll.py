"""CoNLL BIO (entities only) <-> docs/FORMAT.md §1 documents.

One token per line with its tag in the last column (other columns are ignored), a blank line between
sentences, a `-DOCSTART-` line between documents (a file without one is one document); ids are
`STEM-N` (the file's stem, the document's number in it), meta `{"source": "conll"}`.

Reading rebuilds the text by joining a sentence's tokens with single spaces and the sentences with a newline,
so every offset is exact. Tags may be BIO, IOB1 (an `I-` that starts an entity) or BIOES.

Writing splits the text into words and punctuation (and at every entity boundary, so entities cover whole
tokens), tags the tokens with the one BIO encoder (`bio.encode_spans`) and ends a sentence at a line break
or after `.`, `!` or `?` outside an entity. CoNLL has no place for events, ids, scores or meta, and its text is
the tokens: `losses` says, counted, what a given set of documents loses (`convert --to conll` prints it).

>>> tokenize("Rockets hit al-Asad base.")
[(0, 7), (8, 11), (12, 19), (20, 24), (24, 25)]
>>> spans_from_tags(["B-PER", "I-PER", "O", "I-GPE", "S-LOC"])
[(0, 2, 'PER'), (3, 4, 'GPE'), (4, 5, 'LOC')]
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..bio import TagSet, encode_spans
from ..errors import InputError, Problem
from ..schema import Document, Entity
from .common import counted, refuse_duplicate_ids
from .conversion import Conversion

DOCSTART = "-DOCSTART-"
TAG = re.compile(r"O|[BIES]-\S+")
# Words keep inner hyphens, apostrophes and dots ("al-Asad", "U.S"); any other symbol is a token of its own.
TOKEN = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]")
SENTENCE_END = {".", "!", "?"}

Token = tuple[str, str]  # (token, tag)


def tokenize(text: str) -> list[tuple[int, int]]:
    """Character spans of the words and punctuation marks of `text`."""
    return [m.span() for m in TOKEN.finditer(text)]


def spans_from_tags(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """(first token, end token exclusive, label) per entity. Lenient on purpose: files in the wild are
    IOB1 or BIOES as often as strict BIO, unlike the model's output that `bio.decode` reads."""
    spans: list[tuple[int, int, str]] = []
    open_start, open_label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, label = tag[0], tag[2:]
        continues = prefix in "IE" and open_label == label
        if open_label and not continues:
            spans.append((open_start, i, open_label))
            open_label = ""
        if prefix in "BS" or (prefix in "IE" and not continues):
            open_start, open_label = i, label
        if prefix in "ES" and open_label:
            spans.append((open_start, i + 1, open_label))
            open_label = ""
    return spans


def read(paths: Sequence[str]) -> Conversion:
    documents: list[tuple[str, Document]] = []
    for path in paths:
        for n, sentences in enumerate(_documents(path), 1):
            documents.append((str(path), _document(f"{Path(path).stem}-{n}", sentences)))
    refuse_duplicate_ids(documents)
    return Conversion([doc for _, doc in documents], [])


def _documents(path: str) -> list[list[list[Token]]]:
    """The file's documents, each a list of sentences of (token, tag)."""
    documents: list[list[list[Token]]] = [[[]]]
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                columns = line.split()
                if not columns:
                    documents[-1].append([])
                elif columns[0] == DOCSTART:
                    documents.append([[]])
                elif len(columns) < 2:
                    raise InputError(Problem(f"{path}, line {lineno}", "tag",
                                             "is missing: a line is a token, optional columns and the tag last"))
                elif not TAG.fullmatch(columns[-1]):
                    raise InputError(Problem(f"{path}, line {lineno}", "tag",
                                             f"{columns[-1]!r} is not O or B-, I-, E-, S- and a label"))
                else:
                    documents[-1][-1].append((columns[0], columns[-1]))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(Problem(path, "", f"cannot be read as UTF-8 text ({exc})")) from None
    return [[s for s in doc if s] for doc in documents if any(doc)]


def _document(doc_id: str, sentences: list[list[Token]]) -> Document:
    spans: list[tuple[int, int, str]] = []
    offset = 0
    for sentence in sentences:
        starts = []
        for token, _ in sentence:
            starts.append(offset)
            offset += len(token) + 1  # the space after it, or the newline after the sentence
        for first, end, label in spans_from_tags([tag for _, tag in sentence]):
            spans.append((starts[first], starts[end - 1] + len(sentence[end - 1][0]), label))
    text = "\n".join(" ".join(token for token, _ in sentence) for sentence in sentences)
    entities = tuple(Entity(f"T{i}", s, e, label, text[s:e]) for i, (s, e, label) in enumerate(spans, 1))
    return Document(doc_id, text, entities, meta={"source": "conll"})


def write(documents: Sequence[Document], out: str) -> None:
    """Write the documents' entities as CoNLL BIO to the file `out`."""
    with open(out, "w", encoding="utf-8") as f:
        for sentences in _tagged(documents):
            f.write(f"{DOCSTART} O\n\n")
            for sentence in sentences:
                f.writelines(f"{token} {tag}\n" for token, tag in sentence)
                f.write("\n")


def losses(documents: Sequence[Document], out: str) -> str:
    """What writing `documents` to `out` and reading it back loses, counted: the file is read back in
    memory with the reader's own rules, so the counts are what a reader of the file will find."""
    readable = [(doc, sentences) for doc, sentences in zip(documents, _tagged(documents), strict=True) if sentences]
    back = [(doc, _document(f"{Path(out).stem}-{n}", sentences)) for n, (doc, sentences) in enumerate(readable, 1)]
    events = sum(len(d.events) for d in documents)
    arguments = sum(len(ev.arguments) for d in documents for ev in d.events)
    dropped = [f"{counted(events, 'event')} and their {counted(arguments, 'argument')}"] if events else []
    lost_entities = sum(len(d.entities) for d in documents) - sum(len(again.entities) for _, again in back)
    if lost_entities:
        dropped.append(f"{counted(lost_entities, 'entity mention')} that share{'s' if lost_entities == 1 else ''} "
                       "a token with another (a BIO tag marks one entity per token)")
    scores = sum(e.score is not None for d in documents for e in d.entities)
    if scores:
        dropped.append(f"the scores of {counted(scores, 'entity mention')}")
    meta = sum(bool(d.meta) for d in documents)
    if meta:
        dropped.append(f"the meta of {counted(meta, 'document')}")
    parts = ["CoNLL keeps tokens and entity labels only" + (f": dropping {', '.join(dropped)}" if dropped else "")]
    if back:
        first, last = back[0][1].id, back[-1][1].id
        parts.append(f"document ids become {first}{f' … {last}' if last != first else ''} (the file's name and "
                     "the number of the document), entity ids T1, T2, … in each")
    respaced = sum(again.text != doc.text for doc, again in back)
    if respaced:
        parts.append(f"the text is re-spaced (tokens joined by single spaces, one sentence per line) in "
                     f"{respaced} of {counted(len(documents), 'document')}, and every offset after a change moves")
    if len(back) < len(documents):
        parts.append(f"{counted(len(documents) - len(back), 'document')} without a token cannot be read back")
    return "; ".join(parts)


def _tagged(documents: Sequence[Document]) -> Iterator[list[list[Token]]]:
    """Each document as the writer writes it: sentences of (token, BIO tag), one document at a time."""
    for doc in documents:
        for i, e in enumerate(doc.entities):
            if len(e.label.split()) != 1:
                raise InputError(Problem(f"document {doc.id!r}", f"entities[{i}].label",
                                         f"{e.label!r} holds white space, which separates CoNLL's columns"))
    labels = sorted({e.label for doc in documents for e in doc.entities})
    tags = TagSet.bio(labels)
    for doc in documents:
        spans = [(e.start, e.end, e.label) for e in doc.entities]
        yield [[(doc.text[s:e], tags.names[i]) for (s, e), i in zip(sentence, encode_spans(sentence, spans, tags),
                                                                    strict=True)]
               for sentence in _sentences(doc)]


def _sentences(doc: Document) -> list[list[tuple[int, int]]]:
    """Token spans grouped in sentences; tokens are cut at entity boundaries so entities cover whole tokens."""
    cuts = sorted({0, len(doc.text), *(e.start for e in doc.entities), *(e.end for e in doc.entities)})
    tokens = [(a + s, a + e) for a, b in zip(cuts, cuts[1:], strict=False) for s, e in tokenize(doc.text[a:b])]
    inside = [any(e.start < s and t <= e.end for e in doc.entities) for s, t in tokens]
    sentences: list[list[tuple[int, int]]] = [[]]
    for i, (start, end) in enumerate(tokens):
        gap = doc.text[tokens[i - 1][1]:start] if i else ""
        if "\n" in gap and sentences[-1] and not inside[i]:
            sentences.append([])
        sentences[-1].append((start, end))
        if doc.text[start:end] in SENTENCE_END and not (i + 1 < len(tokens) and inside[i + 1]):
            sentences.append([])
    return [s for s in sentences if s]
