"""docs/FORMAT.md §5: exact-span precision, recall and F1, micro-averaged over all documents.

>>> from .schema import Document
>>> gunmen = {"start": 0, "end": 6, "label": "PER"}
>>> gold = [Document.from_dict({"id": "d", "text": "Gunmen shot two men", "entities": [gunmen]})]
>>> score(gold, gold)["entity"]
{'precision': 1.0, 'recall': 1.0, 'f1': 1.0}
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .errors import InputError, Problem
from .schema import Document

LEVELS = ("trigger_identification", "trigger_classification", "argument_identification", "argument_classification")


def word_labels(words: np.ndarray, spans: Iterable[tuple[int, int, str]]) -> np.ndarray:
    """The label of each word ([start, end) rows) from the spans that overlap it, "" where none does; a later
    span wins. For comparing two taggers word by word.

    >>> word_labels(np.array([[0, 6], [7, 11], [12, 15]]), [(0, 11, "PER")]).tolist()
    ['PER', 'PER', '']
    """
    labels = np.full(len(words), "", dtype=object)
    for start, end, label in spans:
        labels[(words[:, 0] < end) & (words[:, 1] > start)] = label
    return labels


def prf(true_positive: int, predicted: int, gold: int) -> dict[str, float]:
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _tuples(doc: Document) -> dict[str, set[tuple]]:
    """The scored items of a document. Sets: a duplicate annotation counts once."""
    out: dict[str, set[tuple]] = {k: set() for k in ("entity", *LEVELS)}
    out["entity"] = {(e.start, e.end, e.label) for e in doc.entities}
    for ev in doc.events:
        t = (ev.trigger.start, ev.trigger.end)
        out["trigger_identification"].add(t)
        out["trigger_classification"].add((*t, ev.type))
        for a in ev.arguments:
            # an argument only counts when its event's trigger span and type match (docs/FORMAT.md §5)
            out["argument_identification"].add((*t, ev.type, a.start, a.end))
            out["argument_classification"].add((*t, ev.type, a.start, a.end, a.role))
    return out


def score(gold: Sequence[Document], predicted: Iterable[Document]) -> dict[str, Any]:
    """Score predictions against gold documents, matched by id. A gold document without a prediction
    counts as predicting nothing; a prediction for an unknown id is an error."""
    by_id = {d.id: d for d in gold}
    pred_by_id: dict[str, Document] = {}
    for p in predicted:
        if p.id not in by_id:
            raise InputError(Problem("predictions", "id", f"{p.id!r} is not a document of the gold data"))
        pred_by_id[p.id] = p
    counts: Counter = Counter()
    per_type: dict[str, Counter] = {}
    for doc in gold:
        g = _tuples(doc)
        p = _tuples(pred_by_id.get(doc.id, Document(doc.id, doc.text)))
        for key in g:
            counts[key, "gold"] += len(g[key])
            counts[key, "pred"] += len(p[key])
            counts[key, "tp"] += len(g[key] & p[key])
        for key, type_index in (("trigger_classification", 2), ("argument_classification", 2)):
            for side, items in (("gold", g[key]), ("pred", p[key])):
                for item in items:
                    per_type.setdefault(item[type_index], Counter())[key, side] += 1
            for item in g[key] & p[key]:
                per_type[item[type_index]][key, "tp"] += 1
    result: dict[str, Any] = {"documents": len(gold)}
    for key in ("entity", *LEVELS):
        result[key] = prf(counts[key, "tp"], counts[key, "pred"], counts[key, "gold"])
    result["per_type"] = {
        etype: {key: {**prf(c[key, "tp"], c[key, "pred"], c[key, "gold"]), "support": c[key, "gold"]}
                for key in ("trigger_classification", "argument_classification")}
        for etype, c in sorted(per_type.items())}
    return result
