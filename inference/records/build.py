"""Incident records from one tagged document: mentions → coreference → date, place, actors, casualties.

>>> from eventtagger.core.schema import Argument, Entity, Event, Trigger
>>> text = "Gunmen attacked a checkpoint in Mosul on Friday, killing two soldiers."
>>> doc = Document("d1", text, meta={"published": "2024-03-10"},
...     entities=(Entity("T1", 32, 37, "GPE", "Mosul"),),
...     events=(Event("E1", "Conflict:Attack", Trigger(7, 15, "attacked"), (Argument("Place", 32, 37, "Mosul"),)),))
>>> [(r.event_type, r.date.value, r.location.city, r.killed.low, r.injured) for r in document_incidents(doc)]
[('Conflict:Attack', '2024-03-08', 'Mosul', 2, None)]
"""
from __future__ import annotations

from datetime import date

from eventtagger.core.schema import Document

from .actors import claim_sentences, collect_actors, denial_sentences
from .casualties import casualties
from .coreference import Group, MentionInContext, group_mentions
from .dates import Anchor, incident_date, publication_date
from .location import locate
from .modality import mention_modality
from .schema import ASSERTED, GENERIC, Incident, Mention, Span
from .text import sentence_of, sentences

# what analysts count as incidents; meetings, calls, transports and transfers are not
INCIDENT_TYPES = ("Conflict:Attack", "Life:Die", "Justice:Arrest-Jail", "Conflict:Demonstrate")


def document_incidents(doc: Document, published: date | None = None,
                       types: tuple[str, ...] = INCIDENT_TYPES) -> list[Incident]:
    """The incidents of a tagged document, in text order. `published` stands in for a missing meta.published."""
    sents = sentences(doc.text)
    anchor = publication_date(doc.text, doc.meta.get("published"), published)
    mentions = [_in_context(doc, ev, sents, anchor) for ev in sorted(doc.events, key=lambda e: e.trigger.start)
                if ev.type in types]
    groups = group_mentions(doc.text, mentions)
    claims, denials = _tie(claim_sentences(sents), groups, sents), _tie(denial_sentences(sents), groups, sents)
    busy = {m.sentence for m in mentions}  # sentences that mention an incident of their own
    return [_incident(doc, f"{doc.id}#I{i + 1}", g, sents, busy, anchor, claims.get(id(g), []),
                      denials.get(id(g), [])) for i, g in enumerate(groups)]


def _in_context(doc: Document, ev, sents: list[Span], anchor: Anchor | None) -> MentionInContext:
    sentence = sents[sentence_of(sents, ev.trigger.start)] if sents else Span.of(doc.text, 0, len(doc.text))
    trigger = Span(ev.trigger.start, ev.trigger.end, ev.trigger.text)
    modality, cue = mention_modality(doc.text, sentence, trigger, ev.type)
    own = incident_date(doc.text, [(sentence.start, sentence.end, trigger.start)], anchor)
    return MentionInContext(ev, sentence, modality, cue, own.value)


def _tie(indices: list[int], groups: list[Group], sents: list[Span]) -> dict[int, list[Span]]:
    """Each claim (or denial) sentence goes to the incident mentioned in it, else to the latest one before it."""
    tied: dict[int, list[Span]] = {}
    for i in indices:
        sentence = sents[i]
        specific = [g for g in groups if g.first.modality != GENERIC]
        here = [g for g in specific if any(m.sentence == sentence for m in g.mentions)]
        before = [g for g in specific if g.first.sentence.start < sentence.start]
        chosen = here[0] if here else before[-1] if before else specific[0] if specific else None
        if chosen is not None:
            tied.setdefault(id(chosen), []).append(sentence)
    return tied


def _incident(doc: Document, incident_id: str, group: Group, sents: list[Span], busy: set[Span],
              anchor: Anchor | None, claims: list[Span], denials: list[Span]) -> Incident:
    first = group.first
    ordered = [*group.mentions, *group.consequences]
    scopes = _casualty_scopes(group, sents, busy)
    count = casualties(doc.text, scopes)
    when = incident_date(doc.text, [(m.sentence.start, m.sentence.end, m.event.trigger.start) for m in group.mentions],
                         anchor)
    excluded = None if first.modality == ASSERTED else _why(first)
    return Incident(
        id=incident_id, event_type=first.event.type, modality=first.modality, counted=excluded is None,
        excluded_because=excluded,
        mentions=tuple(Mention(m.event.id, m.event.type, Span(m.event.trigger.start, m.event.trigger.end,
                                                                m.event.trigger.text), m.modality, m.cue, m.event.score)
                       for m in ordered),
        date=when, location=locate(doc, group, sents), actors=collect_actors(doc, group, claims, denials),
        killed=count.killed, injured=count.injured, document=doc.id,
        model=doc.meta.get("model"), model_version=doc.meta.get("model_version"))


def _casualty_scopes(group: Group, sents: list[Span], busy: set[Span]) -> list[tuple[int, int]]:
    """The mentions' sentences, then the sentence after each when it mentions no event ("No one was hurt.")."""
    scopes: list[Span] = []
    for s in (m.sentence for m in [*group.mentions, *group.consequences]):
        if s not in scopes:
            scopes.append(s)
    for s in list(scopes) if group.first.modality != GENERIC else ():
        i = sents.index(s) if s in sents else -1
        if 0 <= i < len(sents) - 1 and sents[i + 1] not in scopes and sents[i + 1] not in busy:
            scopes.append(sents[i + 1])
    return [(s.start, s.end) for s in scopes]


def _why(m: MentionInContext) -> str:
    cue = f" ({m.cue.text!r})" if m.cue is not None else ""
    if m.modality == GENERIC:
        word = m.event.trigger.text.lower()
        cue_text = m.cue.text.lower() if m.cue is not None else ""
        if word.startswith(("intercept", "shot down", "shoot", "downed")) or cue_text.startswith(
                ("intercepted", "shot down", "shoot", "downed")):
            return f"an interception, not an attack{cue}"
        return f"generic or habitual mention{cue}"
    return f"{m.modality}{cue}"
