"""WikiEvents (KAIROS ontology; raspberryice/gen-arg `dev.jsonl` / `dev_info.jsonl`) -> docs/FORMAT.md §1 documents
in the default ontology (`configs/ontology/ace.yaml`).

One document per record, id = `doc_id`, meta `{"source": "wikievents"}`. The text is the record's
sentence strings joined with a newline (the record's own `text` runs sentences together: "in SyriaThe");
token offsets in `sentences` are shifted to that text, and every span is checked against it.

The mapping is the data below. What does not map is dropped and counted in the notes:

- Event types, where the meaning matches ACE's: attacks (incl. detonations), deaths, arrests, transport
  (incl. evacuation and smuggling), demonstrations (incl. violent ones), face-to-face meetings
  (`Contact.Contact.Meet`) and remote correspondence (`Contact.Contact.Correspondence`) -> Phone-Write.
  Dropped: `Contact.Contact.Broadcast` / `.Unspecified` and the speech acts (request, threaten, prevaricate),
  mostly "said", "reported", "warned": ACE and our guidelines do not tag statements. Injuries, crimes,
  justice steps other than arrest, purchases (`ExchangeBuySell`: a transfer of ownership, which ACE keeps
  apart from Transfer-Money), damage, disease and the rest have no counterpart.
  `Transaction.Donation` becomes Transfer-Money only when what is given (`ArtifactMoney`) is money (MON).
- Roles per ACE type (`ROLES`). KAIROS' `Transporter` is whoever moves; ACE calls someone who moves
  themself the Artifact and keeps Agent for who moves others, so Transporter -> Artifact unless the event
  has a `PassengerArtifact` (`SELF_MOVER`). Roles without a counterpart (Topic, Crime, MedicalIssue...)
  are dropped; an argument keeps its span even when its entity's type was dropped.
- Entity types: the seven ACE types keep their names, MON -> VALUE. Dropped: VAL (counts, dates, ages:
  our VALUE holds sums of money only), MHI, COM, TTL, SID, ABS and anything else.

Nested or overlapping spans (entities; arguments of one event; triggers) lose the shorter one, with a note.

>>> EVENT_TYPES["Conflict.Attack.DetonateExplode"], ROLES["Life:Die"]["Killer"], ENTITY_LABELS["MON"]
('Conflict:Attack', 'Agent', 'VALUE')
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import InputError, Problem
from ..schema import Argument, Document, Entity, Event, Trigger
from .common import check_shape, json_lines, keep_longest, refuse_duplicate_ids
from .conversion import Conversion

# KAIROS event type -> ACE event type.
EVENT_TYPES: dict[str, str] = {
    "Conflict.Attack.Unspecified": "Conflict:Attack",
    "Conflict.Attack.DetonateExplode": "Conflict:Attack",
    "Conflict.Demonstrate.Unspecified": "Conflict:Demonstrate",
    "Conflict.Demonstrate.DemonstrateWithViolence": "Conflict:Demonstrate",
    "Life.Die.Unspecified": "Life:Die",
    "Justice.ArrestJailDetain.Unspecified": "Justice:Arrest-Jail",
    "Movement.Transportation.Unspecified": "Movement:Transport",
    "Movement.Transportation.Evacuation": "Movement:Transport",
    "Movement.Transportation.IllegalTransportation": "Movement:Transport",
    "Contact.Contact.Meet": "Contact:Meet",
    "Contact.Contact.Correspondence": "Contact:Phone-Write",
    "Transaction.Donation.Unspecified": "Transaction:Transfer-Money",
}

# Per ACE event type: KAIROS role -> ACE role.
ROLES: dict[str, dict[str, str]] = {
    "Conflict:Attack": {"Attacker": "Attacker", "Target": "Target", "Instrument": "Instrument",
                        "ExplosiveDevice": "Instrument", "Place": "Place"},
    "Conflict:Demonstrate": {"Demonstrator": "Entity", "Regulator": "Police", "Place": "Place"},
    "Life:Die": {"Victim": "Victim", "Killer": "Agent", "Place": "Place"},
    "Justice:Arrest-Jail": {"Jailer": "Agent", "Detainee": "Person", "Place": "Place"},
    "Movement:Transport": {"Transporter": "Agent", "PassengerArtifact": "Artifact", "Vehicle": "Vehicle",
                           "Origin": "Origin", "Destination": "Destination"},
    "Contact:Meet": {"Participant": "Entity", "Place": "Place"},
    "Contact:Phone-Write": {"Participant": "Entity", "Place": "Place"},
    "Transaction:Transfer-Money": {"Giver": "Giver", "Recipient": "Recipient"},
}

# (ACE type, KAIROS role) -> (KAIROS role whose absence changes it, ACE role it becomes then).
SELF_MOVER: dict[tuple[str, str], tuple[str, str]] = {
    ("Movement:Transport", "Transporter"): ("PassengerArtifact", "Artifact"),
}

# KAIROS event type -> the role whose filler must be money (entity type MON) for the event to be kept.
MONEY_ONLY: dict[str, str] = {"Transaction.Donation.Unspecified": "ArtifactMoney"}

# KAIROS entity type -> ACE entity label.
ENTITY_LABELS: dict[str, str] = {"PER": "PER", "ORG": "ORG", "GPE": "GPE", "LOC": "LOC", "FAC": "FAC",
                                 "VEH": "VEH", "WEA": "WEA", "MON": "VALUE"}

_SPAN = {"start": int, "end": int}
RECORD = {"doc_id": (str, int), "sentences": list, "entity_mentions": [{**_SPAN, "id?": (str, int)}],
          "event_mentions": [{"event_type": str, "trigger": _SPAN,
                              "arguments?": [{"entity_id": (str, int), "role": str}]}]}


def read(paths: Sequence[str]) -> Conversion:
    dropped: Counter[str] = Counter()
    notes: list[str] = []
    documents = [(where, _document(record, where, dropped, notes)) for path in paths
                 for where, record in _records(path)]
    refuse_duplicate_ids(documents)
    summary = [f"wikievents: dropped {n} {what}" for what, n in sorted(dropped.items(), key=lambda x: (-x[1], x[0]))
               if n]
    return Conversion([doc for _, doc in documents], summary + notes)


def _records(path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for where, record in json_lines(path, "WikiEvents JSON Lines"):
        check_shape(record, RECORD, where)
        yield where, record


def _text_and_tokens(record: dict[str, Any], where: str) -> tuple[str, list[tuple[int, int]]]:
    """The sentences joined by newlines, and each token's span in that text (document token order)."""
    pieces: list[str] = []
    tokens: list[tuple[int, int]] = []
    offset = 0
    for i, sentence in enumerate(record["sentences"]):
        field = f"sentences[{i}]"
        try:
            words, string = sentence
            base = words[0][1]
            spans = [(offset + start - base, offset + end - base, word) for word, start, end in words]
            if not isinstance(string, str) or not all(isinstance(s, int) and isinstance(e, int) and
                                                      isinstance(w, str) for s, e, w in spans):
                raise TypeError
        except (TypeError, ValueError, IndexError, KeyError):
            raise InputError(Problem(where, field, "must be [[[token, start, end], ...], sentence]")) from None
        for start, end, word in spans:
            if string[start - offset:end - offset] != word:
                raise InputError(Problem(where, field, f"token {word!r} is not at [{start - offset}, "
                                                       f"{end - offset}) of the sentence"))
            tokens.append((start, end))
        pieces.append(string)
        offset += len(string) + 1
    return "\n".join(pieces), tokens


def _document(record: dict[str, Any], where: str, dropped: Counter[str], notes: list[str]) -> Document:
    doc_id = str(record["doc_id"])
    text, tokens = _text_and_tokens(record, where)

    def span(obj: dict[str, Any], field: str) -> tuple[int, int]:
        start, end = obj.get("start"), obj.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(tokens)):
            raise InputError(Problem(where, field, f"token span [{start}, {end}) is empty or outside the "
                                                   f"document ({len(tokens)} tokens)"))
        char_start, char_end = tokens[start][0], tokens[end - 1][1]
        if "text" in obj and obj["text"] != text[char_start:char_end]:
            raise InputError(Problem(where, f"{field}.text", f"{obj['text']!r} differs from its tokens' text "
                                                             f"{text[char_start:char_end]!r}"))
        return char_start, char_end

    mentions: dict[str, tuple[int, int, str]] = {}
    for i, m in enumerate(record["entity_mentions"]):
        mentions[str(m.get("id"))] = (*span(m, f"entity_mentions[{i}]"), str(m.get("entity_type")))
    entities = _entities(doc_id, text, mentions, dropped, notes)
    entity_id = {(e.start, e.end): e.id for e in entities}

    merged: dict[tuple[int, int, str], dict[tuple[int, int, str], None]] = {}
    for i, ev in enumerate(record["event_mentions"]):
        field = f"event_mentions[{i}]"
        mapped = _event(ev, field, mentions, where, dropped)
        if mapped is not None:
            ace_type, arguments = mapped
            merged.setdefault((*span(ev.get("trigger") or {}, f"{field}.trigger"), ace_type), {}).update(
                dict.fromkeys(arguments))
    events = []
    for (start, end, ace_type), arguments in sorted(merged.items()):
        args = [Argument(role, s, e, text[s:e], entity_id.get((s, e))) for s, e, role in arguments]
        kept, lost = keep_longest(args, lambda a: (a.start, a.end))
        for a, other in lost:
            notes.append(f"{doc_id}: dropped {ace_type} argument {a.role} {a.text!r}, it overlaps {other.text!r}")
        events.append(Event(f"E{len(events) + 1}", ace_type, Trigger(start, end, text[start:end]), tuple(kept)))
    kept_events, lost_events = keep_longest(events, lambda e: (e.trigger.start, e.trigger.end))
    for ev, other in lost_events:
        notes.append(f"{doc_id}: dropped {ev.type} event {ev.trigger.text!r}, its trigger overlaps "
                     f"{other.trigger.text!r}")
    dropped["events (triggers overlapping others')"] += len(lost_events)
    return Document(doc_id, text, entities, tuple(kept_events), meta={"source": "wikievents"})


def _entities(doc_id: str, text: str, mentions: dict[str, tuple[int, int, str]], dropped: Counter[str],
              notes: list[str]) -> tuple[Entity, ...]:
    spans: dict[tuple[int, int], str] = {}
    for start, end, kairos_type in mentions.values():
        if kairos_type not in ENTITY_LABELS:
            dropped[f"entity mentions of type {kairos_type}"] += 1
        else:
            spans.setdefault((start, end), ENTITY_LABELS[kairos_type])
    kept, lost = keep_longest(sorted(spans), lambda s: s)
    for (s, e), (ks, ke) in lost:
        notes.append(f"{doc_id}: dropped entity {text[s:e]!r} nested in or overlapping {text[ks:ke]!r}")
    dropped["entity mentions (nested or overlapping)"] += len(lost)
    return tuple(Entity(f"T{i}", s, e, spans[(s, e)], text[s:e]) for i, (s, e) in enumerate(kept, 1))


def _event(ev: dict[str, Any], field: str, mentions: dict[str, tuple[int, int, str]], where: str,
           dropped: Counter[str]) -> tuple[str, list[tuple[int, int, str]]] | None:
    """(ACE type, [(start, end, ACE role)]) of one event mention, or None when it does not map."""
    kairos_type = str(ev.get("event_type"))
    ace_type = EVENT_TYPES.get(kairos_type)
    if ace_type is None:
        dropped[f"events of type {kairos_type}"] += 1
        return None
    fillers: list[tuple[str, tuple[int, int, str]]] = []
    for j, arg in enumerate(ev.get("arguments") or []):
        ref = str(arg.get("entity_id"))
        if ref not in mentions:
            raise InputError(Problem(where, f"{field}.arguments[{j}].entity_id",
                                     f"{ref!r} names no entity mention of this document"))
        fillers.append((str(arg.get("role")), mentions[ref]))
    money_role = MONEY_ONLY.get(kairos_type)
    if money_role and not any(role == money_role and m[2] == "MON" for role, m in fillers):
        dropped[f"events of type {kairos_type} (what is given is not money)"] += 1
        return None
    present = {role for role, _ in fillers}
    arguments = []
    for role, (start, end, _) in fillers:
        ace_role = ROLES[ace_type].get(role)
        absent, instead = SELF_MOVER.get((ace_type, role), ("", ""))
        if absent and absent not in present:
            ace_role = instead
        if ace_role is None:
            dropped[f"arguments with role {role} of {kairos_type}"] += 1
        else:
            arguments.append((start, end, ace_role))
    return ace_type, arguments
