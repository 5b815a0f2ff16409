import json

import pytest
from eventtagger.core.errors import InputError
from eventtagger.core.formats import label_studio, readers, writers
from eventtagger.core.jsonl import read_documents
from eventtagger.core.schema import Document
from eventtagger.core.validation import check_record

from .conftest import FIXTURES

EXPORT = FIXTURES / "formats" / "label_studio_export.json"
T1 = "Gunmen attacked a convoy near Kandahar on Sunday, killing three soldiers."
T2 = "The ministry paid the contractors on Friday."

EXPECTED = [
    Document.from_dict({
        "id": "ls-1", "text": T1, "meta": {"source": "label-studio"},
        "entities": [
            {"id": "gunmen", "start": 0, "end": 6, "label": "PER"},
            {"id": "convoy", "start": 18, "end": 24, "label": "VEH"},
            {"id": "kandahar", "start": 30, "end": 38, "label": "GPE"},
            {"id": "three-soldiers", "start": 58, "end": 72, "label": "PER"}],
        "events": [
            {"id": "attack", "type": "Conflict:Attack", "trigger": {"start": 7, "end": 15}, "arguments": [
                {"role": "Attacker", "start": 0, "end": 6, "entity": "gunmen"},
                {"role": "Target", "start": 18, "end": 24, "entity": "convoy"},
                {"role": "Place", "start": 30, "end": 38, "entity": "kandahar"}]},
            {"id": "death", "type": "Life:Die", "trigger": {"start": 50, "end": 57}, "arguments": [
                {"role": "Victim", "start": 58, "end": 72, "entity": "three-soldiers"},
                {"role": "Place", "start": 30, "end": 38, "entity": "kandahar"}]}]}),
    Document.from_dict({
        "id": "42", "text": T2, "meta": {"source": "label-studio"},
        "entities": [
            {"id": "r1", "start": 4, "end": 12, "label": "ORG"},
            {"id": "r3", "start": 22, "end": 33, "label": "PER"}],
        "events": [
            {"id": "r2", "type": "Transaction:Transfer-Money", "trigger": {"start": 13, "end": 17}, "arguments": [
                {"role": "Giver", "start": 4, "end": 12, "entity": "r1"},
                {"role": "Recipient", "start": 22, "end": 33, "entity": "r3"}]}]}),
]


def test_export_converts_to_the_expected_documents(ontology):
    conversion = readers()["label-studio"]([str(EXPORT)])
    assert conversion.documents == EXPECTED
    notes = "\n".join(conversion.notes)
    assert "dropped entity region soldiers nested in or overlapping three-soldiers" in notes
    assert "skipped relation annotations[0].result[12] between two entities" in notes
    assert "skipped 1 result(s) of type 'choices'" in notes
    for doc in conversion.documents:
        assert check_record(doc.to_dict(), doc.id, ontology) == []


def test_round_trip_is_exact_and_writes_a_labeling_config(tmp_path, ontology):
    documents = read_documents(FIXTURES / "tiny.jsonl", ontology) + EXPECTED
    out = tmp_path / "tasks.json"
    writers()["label-studio"](documents, str(out))
    assert label_studio.read([str(out)]).documents == documents
    config = (tmp_path / "tasks.xml").read_text()
    assert '<Label value="Conflict:Attack"/>' in config and '<Relation value="Victim"/>' in config


def test_argument_without_entity_survives(tmp_path):
    doc = Document.from_dict({"id": "d", "text": "Troops fired near the road.", "events": [
        {"id": "E1", "type": "Conflict:Attack", "trigger": {"start": 7, "end": 12},
         "arguments": [{"role": "Place", "start": 22, "end": 26}]}]})
    out = tmp_path / "t.json"
    label_studio.write([doc], str(out))
    assert label_studio.read([str(out)]).documents == [doc]


def test_utf16_offsets_of_old_exports_are_converted():
    text = "🔥 Rockets hit Erbil."  # the emoji is one code point but two UTF-16 units
    task = {"data": {"text": text}, "annotations": [{"result": [
        {"id": "a", "type": "labels", "value": {"start": 15, "end": 20, "text": "Erbil", "labels": ["GPE"]}}]}]}
    (doc,) = label_studio.read_tasks([task], "x.json", [])
    assert (doc.entities[0].start, doc.entities[0].text) == (14, "Erbil")


@pytest.mark.parametrize("tasks, field, message", [
    ({"data": {}}, "", "must be a JSON list of tasks"),
    ([{"data": {"id": "a"}}], "data.text", "is missing"),
    ([{"data": {"text": "Rain."}, "annotations": [{"result": [
        {"id": "a", "type": "labels", "value": {"start": 0, "end": 4, "text": "Snow", "labels": ["PER"]}}]}]}],
     "annotations[0].result[0].value.text", "'Snow' differs from the text"),
    ([{"data": {"text": "Rain."}, "annotations": [{"result": [
        {"id": "a", "type": "labels", "value": {"start": 0, "end": 4, "labels": ["Life:Die"]}},
        {"id": "b", "type": "labels", "value": {"start": 0, "end": 4, "labels": ["PER"]}},
        {"type": "relation", "from_id": "a", "to_id": "b", "labels": []}]}]}],
     "annotations[0].result[2].labels", "must name the argument's role"),
    ([{"data": {"text": "Rain."}, "annotations": [{"result": [
        {"type": "relation", "from_id": "a", "to_id": "b", "labels": ["Victim"]}]}]}],
     "annotations[0].result[0].from_id", "'a' names no region"),
])
def test_bad_exports_are_refused_with_file_item_and_field(tmp_path, tasks, field, message):
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks))
    with pytest.raises(InputError) as err:
        label_studio.read([str(path)])
    text = str(err.value)
    assert str(path) in text and message in text
    if field:
        assert ", item 1" in text and f"field '{field}'" in text


def test_losses_count_scores_and_renamed_event_ids():
    doc = Document.from_dict({"id": "d", "text": "Troops fired near Erbil.", "entities": [
        {"id": "E1", "start": 18, "end": 23, "label": "GPE", "score": 0.9}], "events": [
        {"id": "E1", "type": "Conflict:Attack", "trigger": {"start": 7, "end": 12}, "score": 0.8,
         "arguments": [{"role": "Place", "start": 18, "end": 23, "entity": "E1"}]}]})
    assert label_studio.losses([doc], "t.json") == (
        "the tasks are written as annotations, which have no scores: dropping those of 1 entity mention and 1 event; "
        "1 event id that another region of the task holds already gets a suffix (-2, -3, ...)")
    assert label_studio.losses(EXPECTED, "t.json") == ""
