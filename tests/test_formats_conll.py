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
    """CoNLL holds tokens and entity BIO tags only. What survives writing and reading back: the entity
    mentions (label and order exactly, their text up to white space) and every character of the text but
    white space. What does not: events, ids (documents become OUT-N, entities T1..), scores and meta, and the
    spacing (the tokens joined by single spaces, a sentence a line), so offsets move."""
    out = tmp_path / "out.conll"
    writers()["conll"](documents, str(out))
    back = conll.read([str(out)]).documents
    assert len(back) == len(documents)
    for n, (doc, again) in enumerate(zip(documents, back, strict=True), 1):
        # kept
        assert [(e.label, _squeeze(e.text)) for e in again.entities] == [(e.label, _squeeze(e.text))
                                                                          for e in doc.entities]
        assert all(again.text[e.start:e.end] == e.text for e in again.entities)
        assert _squeeze(again.text) == _squeeze(doc.text)
        # re-spaced: single spaces between tokens, a newline between sentences
        assert "  " not in again.text and again.text == "\n".join(" ".join(line.split())
                                                                   for line in again.text.split("\n"))
        # dropped
        assert again.events == () and (again.id, again.meta) == (f"out-{n}", {"source": "conll"})
        assert [e.id for e in again.entities] == [f"T{i}" for i in range(1, len(doc.entities) + 1)]
        assert all(e.score is None for e in again.entities)
    # reading what was written from CoNLL gives the same documents again
    rewritten = tmp_path / "again.conll"
    conll.write(back, str(rewritten))
    assert [d.entities for d in conll.read([str(rewritten)]).documents] == [d.entities for d in back]
    assert [d.text for d in conll.read([str(rewritten)]).documents] == [d.text for d in back]


def test_round_trip_of_entities(tmp_path):
    _round_trip(read_documents(FIXTURES / "tiny.jsonl"), tmp_path)


def test_round_trip_of_the_dev_set(tmp_path):
    path = ROOT / "data" / "dev.jsonl"
    assert path.is_file(), f"{path} is missing: data/ is part of the repository"
    _round_trip(read_documents(path), tmp_path)


def test_losses_count_what_the_file_cannot_hold(tmp_path):
    path = ROOT / "data" / "dev.jsonl"
    assert path.is_file(), f"{path} is missing: data/ is part of the repository"
    documents = read_documents(path)
    events = sum(len(d.events) for d in documents)
    arguments = sum(len(ev.arguments) for d in documents for ev in d.events)
    assert (len(documents), events) == (38, 188)
    assert conll.losses(documents, str(tmp_path / "dev.conll")) == (
        f"CoNLL keeps tokens and entity labels only: dropping 188 events and their {arguments} arguments, the meta "
        "of 38 documents; document ids become dev-1 … dev-38 (the file's name and the number of the document), "
        "entity ids T1, T2, … in each; the text is re-spaced (tokens joined by single spaces, one sentence per "
        "line) in 38 of 38 documents, and every offset after a change moves")


def test_losses_count_coinciding_entities_scores_and_documents_without_tokens():
    text = "Kabul fell."
    documents = [Document("a", text, (Entity("T1", 0, 5, "GPE", "Kabul", 0.9), Entity("T2", 0, 5, "LOC", "Kabul"))),
                 Document("b", "  "), Document("c", "Kabul fell .")]
    assert conll.losses(documents, "x.conll") == (
        "CoNLL keeps tokens and entity labels only: dropping 1 entity mention that "
        "shares a token with another (a BIO tag marks one entity per token), the scores of 1 entity mention; "
        "document ids become x-1 … x-2 (the file's name and the number of the document), entity ids T1, T2, … in "
        "each; the text is re-spaced (tokens joined by single spaces, one sentence per line) in 1 of 3 documents, "
        "and every offset after a change moves; 1 document without a token cannot be read back")


def test_convert_says_what_it_drops_before_it_writes(tmp_path, capsys):
    from eventtagger.inference.cli import main

    out = tmp_path / "tiny.conll"
    assert main(["convert", "--to", "conll", str(FIXTURES / "tiny.jsonl"), "-o", str(out)]) == 0
    note, wrote = capsys.readouterr().err.splitlines()
    assert note.startswith("note: CoNLL keeps tokens and entity labels only: dropping 11 events and their 30 "
                           "arguments, the meta of 8 documents; document ids become tiny-1 … tiny-8")
    assert wrote == f"wrote 8 documents as conll to {out}"


def test_a_label_with_white_space_is_refused(tmp_path):
    doc = Document("d", "Kabul", (Entity("T1", 0, 5, "Capital City", "Kabul"),))
    with pytest.raises(InputError, match="'Capital City' holds white space"):
        conll.write([doc], str(tmp_path / "d.conll"))


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
