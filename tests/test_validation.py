import json

from eventtagger.core.jsonl import check_file
from eventtagger.core.validation import check_record

TEXT = "Two rockets fell outside the Ain al-Asad base on Saturday."


def doc(**extra):
    d = {"id": "d1", "text": TEXT,
         "entities": [{"id": "T1", "start": 0, "end": 11, "label": "WEA", "text": "Two rockets"},
                      {"id": "T2", "start": 29, "end": 45, "label": "FAC", "text": "Ain al-Asad base"}],
         "events": [{"id": "E1", "type": "Conflict:Attack", "trigger": {"start": 12, "end": 16, "text": "fell"},
                     "arguments": [{"role": "Instrument", "start": 0, "end": 11, "text": "Two rockets", "entity": "T1"},
                                   {"role": "Target", "start": 29, "end": 45, "text": "Ain al-Asad base",
                                    "entity": "T2"}]}]}
    d.update(extra)
    return d


def fields(problems):
    return [p.field for p in problems]


def test_spec_example_is_valid(ontology):
    assert check_record(doc(), "f, line 1", ontology) == []


def test_every_problem_is_reported_with_its_field(ontology):
    bad = doc()
    bad["entities"][0]["text"] = "Three rockets"
    bad["entities"][1]["label"] = "WEAPON"
    bad["events"][0]["type"] = "Conflict:Attack"
    bad["events"][0]["arguments"][1]["role"] = "Victim"
    bad["events"][0]["trigger"]["end"] = 999
    problems = check_record(bad, "f, line 7", ontology)
    assert fields(problems) == ["entities[0].text", "entities[1].label", "events[0].trigger.end",
                                "events[0].arguments[1].role"]
    assert all(str(p).startswith("f, line 7, field '") for p in problems)
    assert "not allowed for Conflict:Attack" in str(problems[-1])


def test_missing_fields_and_types():
    problems = check_record({"text": 3}, "f, line 2")
    assert fields(problems) == ["id", "text"]
    problems = check_record({"id": "x", "text": "abc", "entities": {"start": 0}}, "w")
    assert fields(problems) == ["entities"]


def test_offsets_and_references():
    d = doc()
    d["entities"].append({"start": 5, "end": 3, "label": "PER"})
    d["events"][0]["arguments"][0]["entity"] = "T9"
    problems = check_record(d, "w")
    assert fields(problems) == ["entities[2].start", "events[0].arguments[0].entity"]


def test_overlapping_entities_are_refused():
    d = doc()
    d["entities"].append({"start": 4, "end": 16, "label": "WEA"})
    (problem,) = check_record(d, "w")
    assert "overlaps" in problem.message


def test_same_span_in_two_roles_is_fine(ontology):
    d = doc()
    d["events"].append({"type": "Life:Die", "trigger": {"start": 12, "end": 16},
                        "arguments": [{"role": "Instrument", "start": 0, "end": 11}]})
    assert check_record(d, "w", ontology) == []


def test_file_reports_line_numbers_duplicates_and_encoding(tmp_path):
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps(doc()).encode(), b"{not json", b"", json.dumps(doc()).encode(), b"\xff\xfe",
             json.dumps([1, 2]).encode()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    docs, problems = check_file(path)
    assert len(docs) == 1
    where = [str(p) for p in problems]
    assert where[0].startswith(f"{path}, line 2: is not valid JSON")
    assert where[1].startswith(f"{path}, line 4, field 'id': duplicate id 'd1' (first at {path}, line 1)")
    assert where[2].startswith(f"{path}, line 5: is not valid UTF-8")
    assert where[3].startswith(f"{path}, line 6: must be a JSON object")
