"""Network outputs of a document's windows -> docs/FORMAT.md §1 entities and events with character offsets.

This is the only decoder: training's evaluation, `evaluate`, `extract` and the service all call it.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
from eventtagger.core import bio
from eventtagger.core.schema import Argument, Document, Entity, Event, Trigger

from .spec import TaggerSpec
from .windows import TextEncoding, Window


@dataclass(frozen=True)
class WindowScores:
    """Log-probabilities from one window.

    entity, trigger  [words, tags] for the words this window owns (those whose first token lies in
                     [window.own_start, window.own_end)), in text order: each word is read from one window only,
                     so a long text holds one row per word, not one per token of overlapping windows
    roles            a candidate trigger token (index token - window.start) -> role tag log-probs for every token
                     of the window [tokens, role tags]: arguments may lie outside the part the window owns
    """
    window: Window
    entity: np.ndarray
    trigger: np.ndarray
    roles: dict[int, np.ndarray]


def decode_document(document: Document, encoding: TextEncoding, scores: list[WindowScores],
                    spec: TaggerSpec) -> tuple[tuple[Entity, ...], tuple[Event, ...]]:
    """Entities and events of one document from the scores of its windows (in window order)."""
    n_words = len(encoding.words)
    if n_words == 0:
        return (), ()
    first_tokens = encoding.first_token
    home = np.repeat(np.arange(len(scores)), [len(s.entity) for s in scores])  # the window owning each word
    if len(home) != n_words:
        raise ValueError(f"the windows own {len(home)} words; the text has {n_words}")
    entity_lp = np.concatenate([s.entity for s in scores])
    trigger_lp = np.concatenate([s.trigger for s in scores])

    text, words = document.text, encoding.words
    entities = tuple(
        Entity(f"T{i + 1}", int(words[s.first, 0]), int(words[s.last, 1]), s.label,
               text[words[s.first, 0]:words[s.last, 1]], round(s.score, 4))
        for i, s in enumerate(bio.decode(entity_lp, spec.entity_tags)))
    entity_at = {(e.start, e.end): e.id for e in entities}

    events = []
    for span in bio.decode(trigger_lp, spec.trigger_tags):
        k = int(home[span.first])
        window = scores[k].window
        trigger = Trigger(int(words[span.first, 0]), int(words[span.last, 1]),
                          text[words[span.first, 0]:words[span.last, 1]])
        row = scores[k].roles.get(int(first_tokens[span.first]) - window.start)
        arguments: tuple[Argument, ...] = ()
        if row is not None:
            arguments = _decode_arguments(row, window, encoding, text, span.label, spec, entity_at)
            if spec.argument_spans == "entities":
                arguments = snap_to_entities(arguments, entities, text)
        events.append(Event(f"E{len(events) + 1}", span.label, trigger, arguments, round(span.score, 4)))
    return entities, tuple(events)


def snap_to_entities(arguments: tuple[Argument, ...], entities: tuple[Entity, ...], text: str) -> tuple[Argument, ...]:
    """When every argument of the training data is an entity mention, an argument span is moved onto the
    predicted entity it overlaps most, and dropped if it overlaps none (+2 F1 on M2E2 dev, see docs/RESULTS.md)."""
    out: dict[tuple[int, int, str], Argument] = {}
    for arg in arguments:
        # decoded entities are in text order and never overlap, so their ends are sorted too: bisect to the
        # first one ending after the argument's start (scanning them all made long texts quadratic)
        i, overlaps = bisect.bisect_right(entities, arg.start, key=lambda e: e.end), []
        while i < len(entities) and entities[i].start < arg.end:
            overlaps.append(entities[i])
            i += 1
        if not overlaps:
            continue
        best = max(overlaps, key=lambda e: (min(e.end, arg.end) - max(e.start, arg.start), -e.start))
        key = (best.start, best.end, arg.role)
        if key not in out:
            out[key] = Argument(arg.role, best.start, best.end, text[best.start:best.end], best.id, arg.score)
    return tuple(out.values())


def _decode_arguments(row: np.ndarray, window: Window, encoding: TextEncoding, text: str, event_type: str,
                      spec: TaggerSpec, entity_at: dict[tuple[int, int], str]) -> tuple[Argument, ...]:
    # the words whose first token lies in this window: arguments come from the trigger's window only
    lo, hi = np.searchsorted(encoding.first_token, [window.start, window.end])
    if hi <= lo:
        return ()
    role_lp = row[encoding.first_token[lo:hi] - window.start]
    allowed = spec.role_tags.label_mask(spec.ontology.roles_of(event_type))
    out = []
    for s in bio.decode(role_lp, spec.role_tags, allowed):
        start, end = int(encoding.words[lo + s.first, 0]), int(encoding.words[lo + s.last, 1])
        out.append(Argument(s.label, start, end, text[start:end], entity_at.get((start, end)), round(s.score, 4)))
    return tuple(out)
