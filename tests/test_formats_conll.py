import pytest
from eventtagger.core.errors import InputError
from eventtagger.core.formats import conll, readers, writers
from eventtagger.core.jsonl import read_documents
from eventtagger.core.schema import Document, Entity
from eventtagger.core.validation import check_record

from .conftest import FIXTURES, ROOT

SAMPLE = FIXTURES / "formats" / "sample.conll"


def test_reads_documents_with_exact_offsets(ontology):
    docs = readers()["conll"]([str(SAMPLE)]).documents
    assert [d.id for d in docs] == ["sample-1", "sample-2"]
    first, second = docs
    assert first.text == "Insurgents fired rockets at the Bagram airfield .\nTwo guards died ."
    # the IOB1 'I-PER' after 'O' starts an entity; BIOES 'S-' tags are single-token entities
    assert [(e.label, e.text, e.start) for e in first.entities] == [
        ("PER", "Insurgents", 0), ("WEA", "rockets", 17), ("FAC", "Bagram airfield", 32), ("PER", "guards", 54)]
    assert second.text == "Protesters marched in Nairobi and Mombasa"
    assert [(e.label, e.text) for e in second.entities] == [("PER", "Protesters"), ("GPE", "Nairobi"),
                                                            ("GPE", "Mombasa")]
    for doc in docs:
        assert check_record(doc.to_dict(), doc.id, ontology) == []


def _squeeze(s: str) -> str:
    return "".join(s.split())


def _round_trip(documents, tmp_path):
    out = tmp_path / "out.conll"
    writers()["conll"](documents, str(out))
    back = conll.read([str(out)]).documents
    assert len(back) == len(documents)
    for doc, again in zip(documents, back, strict=True):
        # the text comes back tokenised ("airbase ." for "airbase."), the entities with it
        expected = [(e.label, _squeeze(e.text)) for e in doc.entities]
        assert [(e.label, _squeeze(e.text)) for e in again.entities] == expected
        assert all(again.text[e.start:e.end] == e.text for e in again.entities)
    # reading what was written from CoNLL gives the same documents again
    rewritten = tmp_path / "again.conll"
    conll.write(back, str(rewritten))
    assert [d.entities for d in conll.read([str(rewritten)]).documents] == [d.entities for d in back]
    assert [d.text for d in conll.read([str(rewritten)]).documents] == [d.text for d in back]


def test_round_trip_of_entities(tmp_path):
    _round_trip(read_documents(FIXTURES / "tiny.jsonl"), tmp_path)


def test_round_trip_of_the_dev_set(tmp_path):
    path = ROOT / "data" / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} is not there (the project's own corpus)")
    _round_trip(read_documents(path), tmp_path)


def test_writer_cuts_tokens_at_entity_boundaries_and_keeps_entities_in_one_sentence(tmp_path):
    text = "Troops left Erbil-based units in the U.S. Army camp.\nThen they flew home."
    doc = Document("d", text, (Entity("T1", 12, 17, "GPE", "Erbil"), Entity("T2", 37, 46, "ORG", "U.S. Army")))
    assert all(text[e.start:e.end] == e.text for e in doc.entities)
    out = tmp_path / "d.conll"
    conll.write([doc], str(out))
    lines = out.read_text().split("\n")
    assert "Erbil B-GPE" in lines and "-based O" not in lines and "- O" in lines
    assert lines[lines.index("U.S B-ORG") + 1:lines.index("U.S B-ORG") + 3] == [". I-ORG", "Army I-ORG"]
    (back,) = conll.read([str(out)]).documents
    assert [(e.label, e.text) for e in back.entities] == [("GPE", "Erbil"), ("ORG", "U.S . Army")]
    assert back.text.split("\n")[1] == "Then they flew home ."


@pytest.mark.parametrize("line, message", [
    ("Rockets B_WEA", "'B_WEA' is not O or B-, I-, E-, S- and a label"),
    ("Rockets", "is missing"),
])
def test_bad_tags_are_refused_with_file_line_and_field(tmp_path, line, message):
    path = tmp_path / "bad.conll"
    path.write_text(f"-DOCSTART- O\n\nTwo O\n{line}\n")
    with pytest.raises(InputError) as err:
        conll.read([str(path)])
    assert f"{path}, line 4, field 'tag': {message}" in str(err.value)
