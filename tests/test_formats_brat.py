import subprocess
import sys

import pytest
from eventtagger.core.errors import InputError
from eventtagger.core.formats import brat, readers, writers
from eventtagger.core.jsonl import read_documents
from eventtagger.core.schema import Argument, Document, Entity, Event, Trigger
from eventtagger.core.validation import check_record

from .conftest import FIXTURES, ROOT

BRAT = FIXTURES / "formats" / "brat"


def test_reads_a_hand_written_collection(ontology):
    conversion = brat.read([str(BRAT)])
    (doc,) = conversion.documents
    assert doc.id == "raid" and doc.meta == {}
    # T10 (nested in T2) and T11 (discontinuous) are dropped; the triggers T12-T14 are no entities
    assert [(e.id, e.label, e.text) for e in doc.entities] == [
        ("T1", "PER", "fighters"), ("T2", "FAC", "Kafr Nabl checkpoint"), ("T3", "ORG", "Police"),
        ("T4", "PER", "men"), ("T5", "LOC", "border"), ("T6", "PER", "mayor"), ("T7", "PER", "governor"),
        ("T8", "PER", "envoy"), ("T9", "GPE", "Idlib")]
    # names come back through visual.conf; brat's numbered roles (Entity2) lose their digits
    assert [(e.id, e.type, e.trigger.text) for e in doc.events] == [
        ("E1", "Conflict:Attack", "shelled"), ("E2", "Justice:Arrest-Jail", "detained"), ("E3", "Contact:Meet", "met")]
    assert [(a.role, a.text, a.entity) for a in doc.events[2].arguments] == [
        ("Entity", "mayor", "T6"), ("Entity", "governor", "T7"), ("Entity", "envoy", "T8"), ("Place", "Idlib", "T9")]
    notes = "\n".join(conversion.notes)
    for expected in ("dropped entity T10 nested in or overlapping T2", "dropped discontinuous entity T11",
                     "skipped 1 relation", "skipped 1 attribute", "skipped 1 note", "skipped 1 normalization"):
        assert expected in notes
    assert check_record(doc.to_dict(), doc.id, ontology) == []


def _round_trip(documents, tmp_path):
    brat.write(documents, str(tmp_path / "brat"))
    conversion = brat.read([str(tmp_path / "brat")])
    assert conversion.notes == []
    back = {d.id: d for d in conversion.documents}
    assert sorted(back) == sorted(d.id for d in documents)
    for doc in documents:
        assert back[doc.id] == doc, doc.id  # ids, links, order and meta included


def test_round_trip_of_tiny_is_exact(tmp_path, ontology):
    documents = read_documents(FIXTURES / "tiny.jsonl", ontology)
    _round_trip(documents, tmp_path)


def test_round_trip_of_the_dev_set_is_exact(tmp_path, ontology):
    path = ROOT / "data" / "dev.jsonl"
    assert path.is_file(), f"{path} is missing: data/ is part of the repository"
    _round_trip(read_documents(path, ontology), tmp_path)


def test_round_trip_keeps_odd_ids_plain_arguments_and_meta(tmp_path):
    text = "Gunmen fired at a bus on the road to Kabul."
    doc = Document(
        "odd.id-1", text,
        entities=(Entity("gunmen", 0, 6, "PER", "Gunmen"), Entity("bus", 18, 21, "VEH", "bus")),
        events=(Event("attack-1", "Conflict:Attack", Trigger(7, 12, "fired"), (
            Argument("Attacker", 0, 6, "Gunmen", "gunmen"), Argument("Target", 18, 21, "bus", "bus"),
            Argument("Place", 29, 33, "road"), Argument("Place", 37, 42, "Kabul"))),),
        meta={"source": "test", "nested": {"a": [1, 2]}})
    _round_trip([doc], tmp_path)
    ann = (tmp_path / "brat" / "odd.id-1.ann").read_text()
    assert "T3\tConflict_Attack 7 12\tfired" in ann
    assert "T4\tArgument 29 33\troad" in ann
    assert "Place:T4 Place2:T5" in ann


def test_writer_refuses_an_id_that_is_no_file_name(tmp_path):
    with pytest.raises(InputError, match="'a/b'.*cannot be a file name"):
        brat.write([Document("a/b", "text")], str(tmp_path))


@pytest.mark.parametrize("line, field, message", [
    ("X1\tPER 0 4\tRain", "id", "'X1' is no brat annotation id"),
    ("T1\tPER 0 x\tRain", "offsets", "'0 x' is not 'START END"),
    ("T1\tPER 0 99\tRain", "offsets", "outside the text"),
    ("T1\tPER 0 4\tSnow", "text", "'Snow' differs from the .txt"),
    ("T1\tLife_Die 0 4\tRain\nE1\tLife_Die:T1 Victim:T9", "arguments", "Victim:T9 names no T or E annotation"),
    ("T1\tPER 0 4\tRain\nE1\tLife_Die:T1", "trigger", "T1 is labelled 'PER', the event is 'Life_Die'"),
])
def test_bad_files_are_refused_with_file_line_and_field(tmp_path, line, field, message):
    (tmp_path / "d.txt").write_text("Rain fell.")
    (tmp_path / "d.ann").write_text(line + "\n")
    with pytest.raises(InputError) as err:
        brat.read([str(tmp_path / "d.ann")])
    text = str(err.value)
    assert str(tmp_path / "d.ann") in text and ", line " in text
    assert f"field '{field}'" in text and message in text


def test_registered_and_cli_round_trip(tmp_path):
    assert "brat" in readers() and "brat" in writers()
    out, back = tmp_path / "collection", tmp_path / "back.jsonl"
    cli = [sys.executable, "-m", "eventtagger.inference.cli", "convert"]
    subprocess.run([*cli, "--to", "brat", str(FIXTURES / "tiny.jsonl"), "-o", str(out)], check=True)
    subprocess.run([*cli, "--from", "brat", str(out), "-o", str(back),
                    "--ontology", str(ROOT / "configs" / "ontology" / "ace.yaml")], check=True)
    original = {d.id: d for d in read_documents(FIXTURES / "tiny.jsonl")}
    assert {d.id: d for d in read_documents(back)} == original


def test_crlf_line_ends_are_written_as_brat_reads_them_and_scores_are_counted_as_lost(tmp_path):
    text = "Rockets hit Erbil.\r\nTwo guards died.\rEnd"
    doc = Document("d", text, (Entity("T1", 12, 17, "GPE", "Erbil", 0.9), Entity("T2", 24, 30, "PER", "guards")),
                   (Event("E1", "Life:Die", Trigger(31, 35, "died"), (Argument("Victim", 24, 30, "guards", "T2", 0.8),),
                          0.7),))
    assert brat.losses([doc], "out") == ("brat has no place for scores: dropping those of 1 entity mention, 1 event "
                                         "and 1 argument; 1 document with \\r line ends gets \\n instead, as brat "
                                         "reads its .txt files, and the offsets after them move with them")
    brat.write([doc], str(tmp_path / "b"))
    (back,) = brat.read([str(tmp_path / "b")]).documents
    assert back.text == "Rockets hit Erbil.\nTwo guards died.\nEnd"
    assert [(e.start, e.text) for e in back.entities] == [(12, "Erbil"), (23, "guards")]
    assert (back.events[0].trigger.start, back.events[0].arguments[0].start) == (30, 23)
    assert brat.losses(read_documents(FIXTURES / "tiny.jsonl"), "out") == ""
