"""Within-document event coreference: which event mentions are one incident.

Two mentions of one type and modality are one incident when their arguments do not conflict and they share
something: a Target, Place or Instrument head ("the base" and "Ain al-Asad base"), or the later one is an
anaphor ("the attack", or a mention with no arguments). Arguments conflict when both mentions fill the role
with heads that differ and neither head occurs in the other mention's sentence ("a checkpoint in Mosul" and
"a market in Kirkuk"), or when their sentences give different dates. Generic mentions ("rockets frequently
target the base") are never merged: each stays a record of its own, outside the count. A death in the
sentence of an attack, or "killed in the attack", is that attack's consequence, not an incident of its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from eventtagger.core.schema import Event

from .schema import GENERIC, Span
from .text import head_word

KEY_ROLES = ("Target", "Place", "Instrument", "Person", "Victim")
ATTACK, DIE = "Conflict:Attack", "Life:Die"
_ANAPHOR = re.compile(r"\b(?:the|this|that|these|its|their|same|[\w]+['’]s)\s+(?:[\w-]+\s+){0,2}$", re.I)
_IN_THE_ATTACK = re.compile(r"\b(?:in|during|by|from)\s+(?:the|this|that|[\w]+['’]s)\s+(?:[\w-]+\s+)?"
                            r"(?:attacks?|blasts?|explosions?|strikes?|bombings?|shelling|raids?|ambush|assault|"
                            r"fire|shooting|clashes)\b", re.I)


@dataclass(frozen=True)
class MentionInContext:
    event: Event
    sentence: Span
    modality: str
    cue: Span | None
    date: str | None  # the date its own sentence gives, resolved, to tell incidents apart


@dataclass
class Group:
    """The mentions of one incident, and the deaths that are its consequence."""
    mentions: list[MentionInContext]
    consequences: list[MentionInContext] = field(default_factory=list)

    @property
    def first(self) -> MentionInContext:
        return self.mentions[0]


def group_mentions(text: str, mentions: list[MentionInContext]) -> list[Group]:
    """Groups in order of their first mention; `mentions` in text order."""
    groups: list[Group] = []
    deaths = [m for m in mentions if m.event.type == DIE]
    for mention in [m for m in mentions if m.event.type != DIE] + deaths:  # attacks first: deaths attach to them
        if mention.event.type == DIE:
            host = _attack_for(text, mention, groups)
            if host is not None:
                host.consequences.append(mention)
                continue
        group = None if mention.modality == GENERIC else _compatible(text, mention, groups)
        if group is None:
            groups.append(Group([mention]))
        else:
            group.mentions.append(mention)
    return sorted(groups, key=lambda g: g.first.event.trigger.start)


def _compatible(text: str, mention: MentionInContext, groups: list[Group]) -> Group | None:
    """The latest group this mention can join, or None."""
    for group in reversed(groups):
        first = group.first
        if first.event.type != mention.event.type or first.modality != mention.modality or first.modality == GENERIC:
            continue
        if any(_conflict(other, mention) for other in group.mentions):
            continue
        if _anaphor(text, mention) or any(_share(other, mention) for other in group.mentions):
            return group
        if not _key_heads(mention) or all(not _key_heads(other) for other in group.mentions):
            return group
    return None


def _attack_for(text: str, death: MentionInContext, groups: list[Group]) -> Group | None:
    """The attack whose consequence this death is: one in its sentence, or the latest before it when the death
    says "in the attack"."""
    attacks = [g for g in groups if g.first.event.type == ATTACK and g.first.modality != GENERIC]
    for group in attacks:
        if any(m.sentence == death.sentence for m in group.mentions):
            return group
    if _IN_THE_ATTACK.search(text, death.sentence.start, death.sentence.end):
        before = [g for g in attacks if g.first.event.trigger.start < death.event.trigger.start]
        return before[-1] if before else None
    return None


def _key_heads(m: MentionInContext) -> dict[str, set[str]]:
    heads: dict[str, set[str]] = {}
    for a in m.event.arguments:
        if a.role in KEY_ROLES:
            heads.setdefault(a.role, set()).add(head_word(a.text))
    return heads


def _sentence_words(m: MentionInContext) -> set[str]:
    return {head_word(w) for w in re.findall(r"[\w’'-]+", m.sentence.text)}


def _conflict(a: MentionInContext, b: MentionInContext) -> bool:
    if a.date and b.date and a.date != b.date:
        return True
    heads_a, heads_b = _key_heads(a), _key_heads(b)
    words_a, words_b = _sentence_words(a), _sentence_words(b)
    for role in heads_a.keys() & heads_b.keys():
        if heads_a[role] & heads_b[role]:
            continue
        if heads_a[role] & words_b or heads_b[role] & words_a:
            continue
        return True
    return False


def _share(a: MentionInContext, b: MentionInContext) -> bool:
    heads_a = set().union(*_key_heads(a).values()) if _key_heads(a) else set()
    heads_b = set().union(*_key_heads(b).values()) if _key_heads(b) else set()
    return bool(heads_a & heads_b)


def _anaphor(text: str, m: MentionInContext) -> bool:
    """"The attack", "Thursday's strike": a definite noun trigger points back at an incident already told."""
    before = text[max(m.sentence.start, m.event.trigger.start - 40):m.event.trigger.start]
    return _ANAPHOR.search(before) is not None
