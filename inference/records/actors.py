"""Who: the roles of an incident's mentions, and who claimed or denied it.

A claim is not an attack: "X claimed the attack" makes X `claimed_by`, never an attacker, and "X denied
carrying out the attack" makes X `denied_by`. The claimant is the entity nearest before the claim's verb.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from eventtagger.core.schema import Document, Entity

from .coreference import Group
from .schema import Actors, Span

ROLE_FIELDS = {"Attacker": "attackers", "Agent": "attackers", "Target": "targets", "Person": "targets",
               "Victim": "victims", "Instrument": "instruments"}
_CLAIM = re.compile(r"\b(?:claimed|claims|claiming|has claimed|took|takes|taking|accepted|assumed)\s+"
                    r"(?:(?:the\s+)?responsibility|credit|the\s+(?:attack|bombing|strike|blast|assault|killing|operation)"
                    r"|it)\b", re.I)
_CLAIMED_BY = re.compile(r"\b(?:responsibility|the attack)\s+(?:was|has been)\s+claimed\s+by\s+", re.I)
_DENY = re.compile(r"\b(?:denied|denies|deny|denying)\s+(?:any\s+)?(?:responsibility|involvement|carrying out|"
                   r"being behind|(?:any\s+|a\s+)?role|conducting|launching|staging|links?)\b", re.I)
_CLAIMANT_LABELS = ("ORG", "PER", "GPE")


def collect_actors(doc: Document, group: Group, claim_sentences: Iterable[Span], deny_sentences: Iterable[Span]
                   ) -> Actors:
    """The actors of `group`; claims and denials are searched in the given sentences (those tied to it)."""
    found: dict[str, list[Span]] = {name: [] for name in set(ROLE_FIELDS.values())}
    for mention in [*group.mentions, *group.consequences]:
        for a in mention.event.arguments:
            name = ROLE_FIELDS.get(a.role)
            if name and all(s.text.lower() != a.text.lower() for s in found[name]):
                found[name].append(Span(a.start, a.end, a.text))
    claimed = _unique(c for s in claim_sentences for c in claimants(doc, s, _CLAIM))
    denied = _unique(c for s in deny_sentences for c in claimants(doc, s, _DENY))
    not_attackers = [*claimed, *denied]
    attackers = [a for a in found["attackers"] if not any(_overlap(a, c) for c in not_attackers)]
    return Actors(tuple(attackers), tuple(found["targets"]), tuple(found["victims"]), tuple(found["instruments"]),
                  tuple(claimed), tuple(denied))


def claim_sentences(sentences: list[Span]) -> list[int]:
    return [i for i, s in enumerate(sentences) if _CLAIM.search(s.text) or _CLAIMED_BY.search(s.text)]


def denial_sentences(sentences: list[Span]) -> list[int]:
    return [i for i, s in enumerate(sentences) if _DENY.search(s.text)]


def claimants(doc: Document, sentence: Span, verb: re.Pattern[str]) -> list[Span]:
    """Who claims (or denies) in this sentence: the entity nearest before the verb, or the words before it."""
    out = []
    for m in verb.finditer(doc.text, sentence.start, sentence.end):
        by = _CLAIMED_BY.search(doc.text, sentence.start, sentence.end) if verb is _CLAIM else None
        if by is not None:
            after = [e for e in _entities_in(doc.entities, by.end(), sentence.end)]
            if after:
                out.append(Span(after[0].start, after[0].end, after[0].text))
            continue
        before = [e for e in _entities_in(doc.entities, sentence.start, m.start())]
        if before:
            e = before[-1]
            out.append(Span(e.start, e.end, e.text))
            continue
        words = re.search(r"([A-Z][\w’'-]*(?:\s+[\w’'-]+){0,4}?)\s*$", doc.text[sentence.start:m.start()])
        if words:
            start = sentence.start + words.start(1)
            out.append(Span.of(doc.text, start, start + len(words.group(1))))
    return out


def _entities_in(entities: Iterable[Entity], start: int, end: int) -> list[Entity]:
    return sorted((e for e in entities if start <= e.start and e.end <= end and e.label in _CLAIMANT_LABELS),
                  key=lambda e: e.start)


def _unique(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for s in spans:
        if all(o.text.lower() != s.text.lower() for o in out):
            out.append(s)
    return out


def _overlap(a: Span, b: Span) -> bool:
    return (a.start < b.end and b.start < a.end) or a.text.lower() == b.text.lower()
