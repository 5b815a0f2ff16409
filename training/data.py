"""Loading training data from the configured sources, checking all of it before any compute is spent."""
from __future__ import annotations

from collections import Counter

from eventtagger.core.errors import InputError, Problem
from eventtagger.core.formats import readers
from eventtagger.core.jsonl import check_file
from eventtagger.core.ontology import Ontology
from eventtagger.core.schema import Document
from eventtagger.core.validation import check_documents

from .config import DataSource


def load_sources(sources: tuple[DataSource, ...], ontology: Ontology, role: str) -> list[Document]:
    """Read every source; raise one InputError with every problem of every file (and duplicate ids)."""
    documents: list[Document] = []
    problems: list[Problem] = []
    known = readers()
    for i, source in enumerate(sources):
        if source.format == "jsonl":
            for path in source.paths:
                try:
                    docs, found = check_file(path, ontology)
                except InputError as exc:
                    problems.extend(exc.problems)
                    continue
                documents.extend(docs)
                problems.extend(found)
        elif source.format in known:
            try:
                conversion = known[source.format](list(source.paths))
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            valid, found = check_documents(conversion.documents, f"{source.format} document", ontology)
            documents.extend(valid)
            problems.extend(found)
        else:
            problems.append(Problem("config", f"{role}[{i}].format",
                                    f"unknown format {source.format!r} (known: jsonl, {', '.join(sorted(known))})"))
    duplicates = [doc_id for doc_id, n in Counter(d.id for d in documents).items() if n > 1]
    if duplicates:
        problems.append(Problem("config", role, f"{len(duplicates)} document ids occur twice across sources "
                                f"(e.g. {duplicates[0]!r})"))
    if problems:
        raise InputError(problems)
    return documents


def load_train_and_dev(train: tuple[DataSource, ...], dev: tuple[DataSource, ...],
                       ontology: Ontology) -> tuple[list[Document], list[Document]]:
    """Both sets; or one InputError with every problem of both, so a user fixes them all in one go."""
    loaded, problems = [], []
    for sources, role in ((train, "train"), (dev, "dev")):
        try:
            loaded.append(load_sources(sources, ontology, role))
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return loaded[0], loaded[1]


def summarize(documents: list[Document]) -> dict:
    """Counts that travel into metrics.json and the model card."""
    types = Counter(ev.type for d in documents for ev in d.events)
    return {"documents": len(documents),
            "entities": sum(len(d.entities) for d in documents),
            "events": sum(len(d.events) for d in documents),
            "arguments": sum(len(ev.arguments) for d in documents for ev in d.events),
            "events_per_type": dict(sorted(types.items()))}
