"""Tagged documents for people (`eventtagger show`): a text listing, CSV rows, or a self-contained HTML page.

Spans are shown with their offsets as `[start, end)`: code points into the text, end exclusive
(docs/FORMAT.md §1), so `text[start:end]` is the span in any language that indexes strings by code point.
Each event is shown in its sentence (cut at `.`, `!`, `?` and line breaks, so "U.S. Army" splits one: it
is context for a reader, not a sentence splitter).

>>> from eventtagger.core.schema import Trigger
>>> text = "Rockets hit Erbil on Monday. Two guards died."
>>> bracketed(text, 8, 11)
'Rockets [hit] Erbil on Monday.'
>>> doc = Document("d", text, entities=(Entity("T1", 12, 17, "GPE", "Erbil", 0.4),),
...                events=(Event("E1", "Conflict:Attack", Trigger(8, 11, "hit"), score=0.9),))
>>> kept = select(doc, types=frozenset({"Conflict:Attack"}))
>>> [ev.type for ev in kept.events], kept.entities
(['Conflict:Attack'], ())
"""
from __future__ import annotations

import csv
import html
import json
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from itertools import pairwise
from typing import IO

from eventtagger.core.schema import Document, Entity, Event
from eventtagger.core.scores import at_least

# A sentence ends after . ! ? (and a closing quote or bracket) followed by white space, or at a line break.
SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"'”’»)\]]))\s+|\n\s*")
CONTEXT = 240  # characters of a sentence shown at most; a longer one is cut around the trigger
CSV_COLUMNS = ("document", "kind", "type", "role", "text", "start", "end", "score", "event", "entity")


def select(document: Document, types: frozenset[str] = frozenset(), min_score: float = 0.0) -> Document:
    """The document with what is below `min_score` left out (core.scores.at_least) and, when `types` is
    given, only the events of those types and the entities of those labels. Arguments go with their event."""
    document = at_least(document, min_score)
    if not types:
        return document
    return replace(document, entities=tuple(e for e in document.entities if e.label in types),
                   events=tuple(ev for ev in document.events if ev.type in types))


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The offsets of the sentence that holds [start, end) (one that spans a sentence break is widened)."""
    break_starts, break_ends = _breaks(text)
    before = bisect_right(break_ends, start)  # breaks that end at or before the span's start
    after = bisect_left(break_starts, end)   # the first break that starts at or after its end
    left = break_ends[before - 1] if before else 0
    right = break_starts[after] if after < len(break_starts) else len(text)
    return left, right


@lru_cache(maxsize=4)  # one document's text, asked once per event
def _breaks(text: str) -> tuple[list[int], list[int]]:
    found = [m.span() for m in SENTENCE_BREAK.finditer(text)]
    return [s for s, _ in found], [e for _, e in found]


def context(text: str, start: int, end: int) -> tuple[str, str, str]:
    """(before, span, after): the sentence around the span, white space collapsed, cut to about CONTEXT
    characters around the span with `…` where it was cut."""
    left, right = sentence_around(text, start, end)
    room = max(0, CONTEXT - (end - start)) // 2
    cut_left, cut_right = max(left, start - room), min(right, end + room)
    if cut_left > left:  # cut between words, not in one
        cut_left = _after_space(text, cut_left, start)
    if cut_right < right:
        space = text.rfind(" ", end + 1, cut_right + 1)
        cut_right = space if space > end else cut_right

    def flat(s: str) -> str:
        return re.sub(r"\s+", " ", s)

    before = ("…" if cut_left > left else "") + flat(text[cut_left:start]).lstrip()
    after = flat(text[end:cut_right]).rstrip() + ("…" if cut_right < right else "")
    return before, flat(text[start:end]), after


def _after_space(text: str, offset: int, limit: int) -> int:
    space = text.find(" ", offset - 1, limit)
    return offset if space < 0 else space + 1


def bracketed(text: str, start: int, end: int) -> str:
    before, span, after = context(text, start, end)
    return f"{before}[{span}]{after}"


def _score(score: float | None) -> str:
    return "" if score is None else f"{score:.2f}"


def _offsets(start: int, end: int) -> str:
    return f"[{start}, {end})"


# --- text -------------------------------------------------------------------------------------------------

# Control characters and bidirectional overrides would move a terminal's cursor or reorder the line: shown escaped.
_UNSAFE = {c: f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"
           for c in [*range(0x20), *range(0x7f, 0xa0), *range(0x202a, 0x202f), *range(0x2066, 0x206a)]}


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).translate(_UNSAFE)


def render(documents: Iterable[Document], width: int = 100) -> str:
    """The text listing: per document its text, its events (each in its sentence, the trigger in [brackets],
    then its arguments) and its entity mentions, every span with its offsets and score."""
    return "\n".join(_text_lines(documents, width))


def _text_lines(documents: Iterable[Document], width: int) -> Iterator[str]:
    for doc in documents:
        snippet = " ".join(doc.text.split()).translate(_UNSAFE)
        snippet = snippet if len(snippet) <= width - 4 else snippet[:width - 7] + "..."
        yield f"== {doc.id} " + "=" * max(0, width - len(doc.id) - 4)
        yield f"   {snippet}"
        yield ""
        yield f"   {len(doc.events)} events" if doc.events else "   no events"
        for ev in doc.events:
            yield (f"   - {ev.id} {ev.type}  {_quoted(ev.trigger.text)} "
                   f"{_offsets(ev.trigger.start, ev.trigger.end)}  {_score(ev.score)}").rstrip()
            yield "       " + bracketed(doc.text, ev.trigger.start, ev.trigger.end).translate(_UNSAFE)
            yield from (_span_line(f"{a.role:<13}", a.text, a.start, a.end, a.score) for a in ev.arguments)
        if doc.entities:
            yield f"   {len(doc.entities)} entity mentions"
            yield from (_span_line(f"{e.label:<6}", e.text, e.start, e.end, e.score) for e in doc.entities)
        yield ""


def _span_line(name: str, text: str, start: int, end: int, score: float | None) -> str:
    return f"       {name} {_quoted(text)} {_offsets(start, end)}  {_score(score)}".rstrip()


# --- CSV --------------------------------------------------------------------------------------------------

def csv_rows(documents: Iterable[Document]) -> Iterator[dict[str, object]]:
    """One row per event (its trigger), each of its arguments, and each entity mention (CSV_COLUMNS).
    An argument's `type` is its event's type; `entity` is the entity it fills the role with, if any."""
    for doc in documents:
        for ev in doc.events:
            yield {"document": doc.id, "kind": "event", "type": ev.type, "role": "", "text": ev.trigger.text,
                   "start": ev.trigger.start, "end": ev.trigger.end, "score": _raw(ev.score), "event": ev.id,
                   "entity": ""}
            for a in ev.arguments:
                yield {"document": doc.id, "kind": "argument", "type": ev.type, "role": a.role, "text": a.text,
                       "start": a.start, "end": a.end, "score": _raw(a.score), "event": ev.id,
                       "entity": a.entity or ""}
        for e in doc.entities:
            yield {"document": doc.id, "kind": "entity", "type": e.label, "role": "", "text": e.text,
                   "start": e.start, "end": e.end, "score": _raw(e.score), "event": "", "entity": e.id}


def _raw(score: float | None) -> object:
    return "" if score is None else score


def write_csv(documents: Iterable[Document], stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(documents))


# --- HTML -------------------------------------------------------------------------------------------------

PALETTE = ("#ffd8a8", "#b2f2bb", "#a5d8ff", "#fcc2d7", "#ffec99", "#d0bfff", "#99e9f2", "#e9ecef", "#c0eb75",
           "#ffc9c9")
STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 1.5em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .2em; } h2 { font-size: 1.1em; margin: 0 0 .5em; font-family: monospace; }
header { border-bottom: 1px solid #ccc; padding-bottom: .6em; margin-bottom: 1em; }
.legend mark, .legend .trigger { margin-right: .4em; }
section { border: 1px solid #ddd; border-radius: 6px; padding: .8em 1em; margin-bottom: 1.2em; }
.text { white-space: pre-wrap; line-height: 2.1; margin: 0 0 .8em; }
mark { border-radius: 3px; padding: .1em 0; color: inherit; }
.trigger { font-weight: 600; border-bottom: 3px solid #c92a2a; }
sub.type { font-size: .72em; font-weight: 600; color: #fff; background: #c92a2a; border-radius: 3px;
  padding: 0 .3em; margin-left: .2em; vertical-align: .1em; line-height: 1.2; }
.events { display: grid; grid-template-columns: repeat(auto-fill, minmax(30em, 1fr)); gap: .4em 2em; }
.event { margin: .3em 0 .6em; }
.event h4 { margin: 0 0 .2em; font-size: 1em; font-weight: 500; }
.etype { font-weight: 600; color: #c92a2a; } .muted { color: #777; font-size: .9em; }
.sentence { margin: 0 0 .3em; color: #444; }
table { border-collapse: collapse; font-size: .92em; }
th, td { text-align: left; padding: .15em .8em .15em 0; border-bottom: 1px solid #eee; vertical-align: top; }
th { color: #555; font-weight: 600; } td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
summary { cursor: pointer; color: #555; margin-top: .4em; }
"""
# Kept as the one character it is (offsets stay one to one), but not a control character in the page.
_INVISIBLE = {c: "\ufffd" for c in [*range(0x09), 0x0b, 0x0c, *range(0x0e, 0x20), *range(0x7f, 0xa0)]}


def _esc(text: str) -> str:
    return html.escape(text.translate(_INVISIBLE), quote=True)


def render_html(documents: Iterable[Document], title: str) -> str:
    """A self-contained page (inline CSS, no script; its policy forbids loading anything): per document the
    text with entity mentions coloured by label and triggers marked with their event type, then per event
    its sentence and a table of its arguments, and the entity mentions in a table that opens on a click."""
    documents = list(documents)
    labels = sorted({e.label for d in documents for e in d.entities})
    colour = {label: f"l{i % len(PALETTE)}" for i, label in enumerate(labels)}  # label -> its CSS class
    n_events = sum(len(d.events) for d in documents)
    n_entities = sum(len(d.entities) for d in documents)
    legend = "".join(f'<mark class="{colour[label]}">{_esc(label)}</mark>' for label in labels)
    palette = " ".join(f"mark.l{i} {{ background: {c}; }}" for i, c in enumerate(PALETTE))
    parts = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
             f"<title>{_esc(title)}</title><style>{STYLE}{palette}\n</style></head><body>",
             f"<header><h1>{_esc(title)}</h1><p class=\"muted\">{len(documents)} documents, {n_events} events, "
             f"{n_entities} entity mentions; offsets are [start, end) in code points</p>",
             f"<div class=\"legend\">Entities: {legend or '<span class=muted>none</span>'} &nbsp; Triggers: "
             "<span class=\"trigger\">trigger</span><sub class=\"type\">Event:Type</sub></div></header>"]
    parts += (_html_document(doc, colour) for doc in documents)
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _html_document(doc: Document, colour: dict[str, str]) -> str:
    entities = {e.id: e for e in doc.entities}
    parts = [f"<section><h2>{_esc(doc.id)}</h2>", f"<p class=\"text\">{_marked_text(doc, colour)}</p>"]
    if doc.events:
        parts += ["<div class=\"events\">", *(_html_event(doc.text, ev, entities, colour) for ev in doc.events),
                  "</div>"]
    else:
        parts.append("<p class=\"muted\">no events</p>")
    if doc.entities:
        rows = "".join(f"<tr><td>{_html_entity(e, colour)}</td><td>{_esc(e.text)}</td>"
                       f"<td class=\"num\">{_offsets(e.start, e.end)}</td><td class=\"num\">{_score(e.score)}</td>"
                       "</tr>" for e in doc.entities)
        parts.append(f"<details><summary>{len(doc.entities)} entity mentions</summary><table><tr><th>entity</th>"
                     f"<th>text</th><th>offsets</th><th>score</th></tr>{rows}</table></details>")
    parts.append("</section>")
    return "\n".join(parts)


def _html_event(text: str, ev: Event, entities: dict[str, Entity], colour: dict[str, str]) -> str:
    """An event's heading, its sentence with the trigger marked, and the table of its arguments."""
    before, span, after = context(text, ev.trigger.start, ev.trigger.end)
    score = f" · score {_score(ev.score)}" if ev.score is not None else ""
    parts = [f"<div class=\"event\"><h4><span class=\"etype\">{_esc(ev.type)}</span> “{_esc(ev.trigger.text)}” "
             f"<span class=\"muted\">{_offsets(ev.trigger.start, ev.trigger.end)}{score} · {_esc(ev.id)}</span></h4>",
             f"<p class=\"sentence\">{_esc(before)}<span class=\"trigger\">{_esc(span)}</span>{_esc(after)}</p>"]
    if ev.arguments:
        rows = "".join(f"<tr><td>{_esc(a.role)}</td><td>{_esc(a.text)}</td><td class=\"num\">{_offsets(a.start, a.end)}"
                       f"</td><td class=\"num\">{_score(a.score)}</td>"
                       f"<td>{_html_entity(entities[a.entity], colour) if a.entity in entities else ''}</td></tr>"
                       for a in ev.arguments)
        parts.append("<table><tr><th>role</th><th>text</th><th>offsets</th><th>score</th><th>entity</th></tr>"
                     f"{rows}</table>")
    else:
        parts.append("<p class=\"muted\">no arguments</p>")
    parts.append("</div>")
    return "\n".join(parts)


def _html_entity(entity: Entity, colour: dict[str, str]) -> str:
    label = f"<mark class=\"{colour[entity.label]}\">{_esc(entity.label)}</mark>"
    return f"{label} <span class=\"muted\">{_esc(entity.id)}</span>"


def _marked_text(doc: Document, colour: dict[str, str]) -> str:
    """The escaped text cut at every span boundary; each piece wrapped in the entities (outside) and the
    triggers (inside) that cover it, and a span's label shown where it ends. Entities may coincide, and a
    trigger may overlap an entity, so the pieces are flat rather than one nested tree."""
    spans: list[Entity | Event] = [*doc.entities, *doc.events]
    opening: dict[int, list[Entity | Event]] = defaultdict(list)
    for span in spans:
        opening[_bounds(span)[0]].append(span)
    cuts = sorted({0, len(doc.text), *opening, *(_bounds(span)[1] for span in spans)})
    active: list[Entity | Event] = []
    out = []
    for a, b in pairwise(cuts):
        active = [s for s in active if _bounds(s)[1] > a] + opening[a]
        piece = _esc(doc.text[a:b])
        # innermost first: triggers inside entities, the shorter of two spans inside the longer
        for span in sorted(active, key=lambda s: (isinstance(s, Entity), _bounds(s)[1] - _bounds(s)[0])):
            piece = _wrap(span, piece, ends_here=_bounds(span)[1] == b, colour=colour)
        out.append(piece)
    return "".join(out)


def _bounds(span: Entity | Event) -> tuple[int, int]:
    return (span.start, span.end) if isinstance(span, Entity) else (span.trigger.start, span.trigger.end)


def _wrap(span: Entity | Event, piece: str, ends_here: bool, colour: dict[str, str]) -> str:
    if isinstance(span, Entity):
        title = f"{span.label} {span.id} {_offsets(span.start, span.end)} {_score(span.score)}".rstrip()
        return f"<mark class=\"{colour[span.label]}\" title=\"{_esc(title)}\">{piece}</mark>"
    title = f"{span.type} {span.id} {_offsets(span.trigger.start, span.trigger.end)} {_score(span.score)}".rstrip()
    label = f"<sub class=\"type\">{_esc(span.type)}</sub>" if ends_here else ""
    return f"<span class=\"trigger\" title=\"{_esc(title)}\">{piece}</span>{label}"
