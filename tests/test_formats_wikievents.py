import json

import pytest
from eventtagger.core.errors import InputError
from eventtagger.core.formats import readers, wikievents
from eventtagger.core.validation import check_record

from .conftest import FIXTURES, needs_datasets

SAMPLE = FIXTURES / "formats" / "wikievents_sample.jsonl"


def test_sample_maps_to_the_default_ontology(ontology):
    conversion = readers()["wikievents"]([str(SAMPLE)])
    (doc,) = conversion.documents
    record = json.loads(SAMPLE.read_text())
    assert doc.id == "wiki_sample_1" and doc.meta == {"source": "wikievents"}
    # sentences joined with newlines (the record's own text runs them together)
    assert doc.text == "\n".join(s[1] for s in record["sentences"])
    assert [(e.label, e.text) for e in doc.entities] == [
        ("WEA", "Car bomb"), ("PER", "police chief"), ("GPE", "Mosul"), ("WEA", "car bomb"), ("FAC", "police station"),
        ("GPE", "Mosul"), ("PER", "police chief"), ("PER", "officers"), ("ORG", "Islamic State"), ("PER", "Soldiers"),
        ("PER", "wounded"), ("GPE", "Baghdad"), ("ORG", "charity"), ("VALUE", "$5,000"), ("PER", "families"),
        ("PER", "Rescuers"), ("LOC", "scene")]
    events = [(e.type, e.trigger.text, [(a.role, a.text, a.entity is not None) for a in e.arguments])
              for e in doc.events]
    assert events == [
        ("Life:Die", "kills", [("Victim", "police chief", True), ("Place", "Mosul", True)]),
        ("Conflict:Attack", "exploded", [("Instrument", "car bomb", True), ("Target", "police station", True),
                                         ("Place", "Mosul", True)]),
        ("Life:Die", "killing", [("Victim", "police chief", True), ("Place", "Mosul", True)]),
        ("Conflict:Attack", "attack", [("Attacker", "Islamic State", True)]),
        # a Transporter who moves others is the Agent; 'medicine' (COM) keeps its span without an entity
        ("Movement:Transport", "drove", [("Agent", "Soldiers", True), ("Artifact", "wounded", True),
                                         ("Artifact", "medicine", False), ("Destination", "Baghdad", True)]),
        ("Transaction:Transfer-Money", "donated", [("Giver", "charity", True), ("Recipient", "families", True)]),
        # ... one who moves themself is the Artifact, as in ACE
        ("Movement:Transport", "arrived", [("Artifact", "Rescuers", True), ("Destination", "scene", True)])]
    for ev in doc.events:
        for a in ev.arguments:
            assert doc.text[a.start:a.end] == a.text
    notes = conversion.notes
    for expected in ("wikievents: dropped 1 events of type Life.Injure.Unspecified",
                     "wikievents: dropped 1 events of type Contact.Contact.Broadcast",
                     "wikievents: dropped 1 entity mentions of type VAL",
                     "wikievents: dropped 1 entity mentions (nested or overlapping)",
                     "wikievents: dropped 1 arguments with role ArtifactMoney of Transaction.Donation.Unspecified",
                     "wiki_sample_1: dropped entity 'police' nested in or overlapping 'police station'"):
        assert expected in notes
    assert check_record(doc.to_dict(), doc.id, ontology) == []


def test_a_donation_of_something_else_than_money_is_dropped(tmp_path):
    record = json.loads(SAMPLE.read_text())
    for mention in record["entity_mentions"]:
        if mention["text"] == "$5,000":
            mention["entity_type"] = "COM"
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps(record) + "\n")
    conversion = wikievents.read([str(path)])
    assert "Transaction:Transfer-Money" not in {e.type for e in conversion.documents[0].events}
    assert ("wikievents: dropped 1 events of type Transaction.Donation.Unspecified (what is given is not money)"
            in conversion.notes)


def _broken(record):
    record["event_mentions"][0]["arguments"][0]["entity_id"] = "nowhere"
    return record


@pytest.mark.parametrize("change, field, message", [
    (lambda r: {k: v for k, v in r.items() if k != "sentences"}, "sentences", "is missing"),
    (_broken, "event_mentions[0].arguments[0].entity_id", "'nowhere' names no entity mention"),
    (lambda r: {**r, "entity_mentions": [{**r["entity_mentions"][0], "end": 999}]}, "entity_mentions[0]",
     "outside the document"),
])
def test_bad_records_are_refused_with_file_line_and_field(tmp_path, change, field, message):
    record = change(json.loads(SAMPLE.read_text()))
    path = tmp_path / "bad.jsonl"
    path.write_text("\n" + json.dumps(record) + "\n")
    with pytest.raises(InputError) as err:
        wikievents.read([str(path)])
    assert f"{path}, line 2, field '{field}': " in str(err.value) and message in str(err.value)


@pytest.mark.datasets
@pytest.mark.parametrize("name", ["dev.jsonl", "dev_info.jsonl"])
def test_real_dev_split_converts_and_validates(ontology, name):
    path = needs_datasets("wikievents", name)
    conversion = wikievents.read([str(path)])
    docs = conversion.documents
    assert len(docs) == 20
    assert sum(len(d.events) for d in docs) == 196  # of 345: the types without an ACE counterpart are dropped
    assert sum(len(d.entities) for d in docs) == 2185  # of 2,256: VAL, MHI, COM, TTL, SID, ABS dropped
    for doc in docs:
        assert check_record(doc.to_dict(), doc.id, ontology) == []
        for span in [*doc.entities, *(e.trigger for e in doc.events), *(a for e in doc.events for a in e.arguments)]:
            assert doc.text[span.start:span.end] == span.text
