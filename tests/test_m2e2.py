import gzip
import json
import subprocess
import sys

import pytest
from eventtagger.core.formats import m2e2
from eventtagger.core.validation import check_record

from .conftest import FIXTURES, needs_datasets

SOURCES = [str(FIXTURES / "m2e2_text_only.jsonl"), str(FIXTURES / "m2e2_multimedia.jsonl")]


def test_fixture_converts_and_merges_by_sentence(ontology):
    conversion = m2e2.read(SOURCES)
    docs = {d.id: d for d in conversion.documents}
    assert len(docs) == 3
    first = docs["TEST_EN_NW_2020.01.01.1_0"]
    # the stored sentence lost its final '.', which comes back from the last word
    assert first.text == "Militants fired rockets at the Balad air base north of Baghdad, killing a contractor."
    assert [(e.type, e.trigger.text) for e in first.events] == [("Conflict:Attack", "fired"), ("Life:Die", "killing")]
    attack = first.events[0]
    # arguments of the same event from both files are merged
    assert {(a.role, a.text) for a in attack.arguments} == {
        ("Attacker", "Militants"), ("Instrument", "rockets"), ("Target", "Balad air base"), ("Place", "Baghdad")}
    assert all(a.entity for a in attack.arguments)
    # the nested 'base' inside 'Balad air base' is dropped, with a note
    assert [e.text for e in first.entities if e.label == "FAC"] == ["Balad air base"]
    assert any("dropped entity" in n for n in conversion.notes)
    # offsets relative to the sentence although `index` holds document offsets
    second = docs["TEST_EN_NW_2020.01.01.1_1"]
    assert [(e.text, e.start) for e in second.entities] == [("Protesters", 0), ("Kyiv", 22)]
    assert docs["TEST_EN_NW_2020.01.01.1_2"].events == ()
    for d in docs.values():
        assert check_record(d.to_dict(), d.id, ontology) == []


def test_reads_gzip_and_json_array(tmp_path):
    records = [json.loads(line) for line in open(SOURCES[0])]
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wt") as f:
        f.write("\n".join(json.dumps(r) for r in records))
    array = tmp_path / "b.json"
    array.write_text(json.dumps(records))
    assert [d.id for d in m2e2.read([str(gz)]).documents] == [d.id for d in m2e2.read([str(array)]).documents]


def test_cli_refuses_a_file_that_is_not_m2e2(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"id": "a", "text": "b"}\n')
    proc = subprocess.run([sys.executable, "-m", "eventtagger.inference.cli", "convert", "--from", "m2e2", str(bad),
                           "-o", str(tmp_path / "o.jsonl")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert f"{bad}, line 1, field 'sentence_id': is missing" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.datasets
def test_real_m2e2_dev_converts_cleanly(ontology):
    folder = needs_datasets("m2e2")
    files = ["text_only_event.dev.jsonl.gz", "text_multimedia_event.dev.jsonl.gz"]
    conversion = m2e2.read([str(folder / f) for f in files])
    assert len(conversion.documents) == 520
    assert sum(len(d.events) for d in conversion.documents) == 104
    assert all(check_record(d.to_dict(), d.id, ontology) == [] for d in conversion.documents)
