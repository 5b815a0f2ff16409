import json
import shutil

import pytest
from eventtagger.core.errors import InputError
from eventtagger.core.formats import re3d, readers
from eventtagger.core.validation import check_record

from .conftest import FIXTURES, needs_datasets

SAMPLE = FIXTURES / "formats" / "re3d"


def test_sample_maps_to_the_default_labels(ontology):
    conversion = readers()["re3d"]([str(SAMPLE)])
    first, second = conversion.documents
    assert first.id == "DOC0001"
    assert first.meta == {"source": "re3d", "publisher": "Example Source", "title": "Strike on depot",
                          "url": "https://example.org/news/1"}
    assert [(e.label, e.text) for e in first.entities] == [
        ("ORG", "Coalition"), ("VEH", "aircraft"), ("GPE", "a weapons depot"), ("GPE", "Raqqa"), ("GPE", "Kurdish"),
        ("ORG", "SDF"), ("VEH", "two tanks"), ("WEA", "a mortar"), ("ORG", "Jordan"), ("VALUE", "$2 million")]
    assert [(e.label, e.text) for e in second.entities] == [
        ("PER", 'Colonel Dana "Red" Ortiz'), ("GPE", "Iraqi"), ("GPE", "Taji")]
    notes = conversion.notes
    for expected in ("re3d: dropped 2 rows with confidence below 0.5", "re3d: dropped 1 entities of type Temporal",
                     "re3d: dropped 1 entities (nested or overlapping)",
                     "re3d: dropped 1 entities on a span labelled more confidently by another row",
                     "DOC0001: dropped entity 'weapons' nested in or overlapping 'a weapons depot'"):
        assert expected in notes
    assert any("value \"Colonel Dana 'Red' Ortiz\" differs from the text" in n for n in notes)
    for doc in conversion.documents:
        assert check_record(doc.to_dict(), doc.id, ontology) == []


def test_reads_a_documents_file_too():
    assert [d.id for d in re3d.read([str(SAMPLE / "Example_Source" / "documents.json")]).documents] == [
        "DOC0001", "DOC0002"]


@pytest.mark.parametrize("edit, field, message", [
    (lambda row: {**row, "end": 9999}, "end", "outside the text"),
    (lambda row: {**row, "documentId": "DOC9"}, "documentId", "'DOC9' names no row"),
    (lambda row: {k: v for k, v in row.items() if k != "type"}, "type", "is missing"),
])
def test_bad_rows_are_refused_with_file_line_and_field(tmp_path, edit, field, message):
    folder = tmp_path / "src"
    shutil.copytree(SAMPLE / "Example_Source", folder)
    rows = [json.loads(line) for line in (folder / "entities.json").read_text().splitlines()]
    rows[2] = edit(rows[2])
    (folder / "entities.json").write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError) as err:
        re3d.read([str(folder)])
    assert f"{folder / 'entities.json'}, line 3, field '{field}': " in str(err.value)
    assert message in str(err.value)


def test_missing_entities_file_is_refused(tmp_path):
    shutil.copy(SAMPLE / "Example_Source" / "documents.json", tmp_path / "documents.json")
    with pytest.raises(InputError, match="entities.json: is missing"):
        re3d.read([str(tmp_path)])


@pytest.mark.datasets
@pytest.mark.parametrize("split, documents, entities", [("train", 68, 2087), ("dev", 9, 179)])
def test_real_splits_convert_and_validate(ontology, split, documents, entities):
    folder = needs_datasets("re3d", split)
    docs = re3d.read([str(folder)]).documents
    assert len(docs) == documents
    assert sum(len(d.entities) for d in docs) == entities
    for doc in docs:
        assert check_record(doc.to_dict(), doc.id, ontology) == []
        assert all(doc.text[e.start:e.end] == e.text for e in doc.entities)
