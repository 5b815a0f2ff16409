"""Documents -> labelled windows for training, with the runtime's own tokenization and windows.

Labels sit on each word's first sub-word token; other tokens get -100 (ignored by the loss), as in
transformers' token-classification recipe. Each event gives a *role row*: the trigger's first token
and the role tags of every word in the window, given that trigger.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from eventtagger.core.bio import encode_spans
from eventtagger.core.schema import Document
from eventtagger.inference.spec import TaggerSpec
from eventtagger.inference.windows import encode_text, plan_windows, window_ids
from tokenizers import Tokenizer

IGNORE = -100


@dataclass(frozen=True)
class Example:
    """One window: input ids with [CLS]/[SEP], per-token entity and trigger labels, and role rows
    (position of a trigger's first token, role labels per token)."""
    input_ids: np.ndarray
    entity_labels: np.ndarray
    trigger_labels: np.ndarray
    role_positions: tuple[int, ...]
    role_labels: tuple[np.ndarray, ...]


def document_examples(doc: Document, tokenizer: Tokenizer, spec: TaggerSpec) -> list[Example]:
    enc = encode_text(tokenizer, doc.text)
    words = [tuple(w) for w in enc.words.tolist()]
    entity_tags = encode_spans(words, [(e.start, e.end, e.label) for e in doc.entities], spec.entity_tags)
    trigger_tags = encode_spans(words, [(e.trigger.start, e.trigger.end, e.type) for e in doc.events],
                                spec.trigger_tags)
    # One role row per trigger word; two events on one trigger (rare) share it.
    rows: dict[int, list[tuple[int, int, str]]] = {}
    for ev in doc.events:
        first_word = _first_word(enc.words, ev.trigger.start, ev.trigger.end)
        if first_word is not None:
            rows.setdefault(first_word, []).extend((a.start, a.end, a.role) for a in ev.arguments)
    row_tags = {w: encode_spans(words, spans, spec.role_tags) for w, spans in rows.items()}

    examples = []
    for window in plan_windows(enc, spec.window_tokens, spec.stride):
        ids = window_ids(enc, window, spec.cls_id, spec.sep_id)
        lo, hi = np.searchsorted(enc.first_token, [window.start, window.end])
        positions = enc.first_token[lo:hi] - window.start + 1   # word -> position in the window
        entity = np.full(len(ids), IGNORE, dtype=np.int64)
        trigger = np.full(len(ids), IGNORE, dtype=np.int64)
        entity[positions] = np.asarray(entity_tags[lo:hi], dtype=np.int64)
        trigger[positions] = np.asarray(trigger_tags[lo:hi], dtype=np.int64)
        role_positions, role_labels = [], []
        for w, tags in sorted(row_tags.items()):
            if lo <= w < hi:
                labels = np.full(len(ids), IGNORE, dtype=np.int64)
                labels[positions] = np.asarray(tags[lo:hi], dtype=np.int64)
                role_positions.append(int(enc.first_token[w] - window.start + 1))
                role_labels.append(labels)
        examples.append(Example(ids, entity, trigger, tuple(role_positions), tuple(role_labels)))
    return examples


def _first_word(words: np.ndarray, start: int, end: int) -> int | None:
    hits = np.nonzero((words[:, 0] < end) & (words[:, 1] > start))[0]
    return int(hits[0]) if len(hits) else None


def build_examples(documents: list[Document], tokenizer: Tokenizer, spec: TaggerSpec) -> list[Example]:
    return [ex for doc in documents for ex in document_examples(doc, tokenizer, spec)]
