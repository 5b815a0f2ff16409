"""`eventtagger show`: what it reads, the text listing, CSV rows and the HTML page, the filters."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest
from eventtagger.core.jsonl import write_documents
from eventtagger.core.schema import Argument, Document, Entity, Event, Trigger
from eventtagger.inference.cli import main
from eventtagger.inference.display import bracketed, context, render_html, select, sentence_around

# code points, not bytes or UTF-16 units: the emoji is one (two in UTF-16, four in UTF-8), "é" and "ë" one each
TEXT = "🚀 Rockets struck the café in Mosul on Monday. Zoë Ortega said <script>alert(1)</script> & fled."


def span(text: str, part: str, start: int = 0) -> tuple[int, int]:
    i = text.index(part, start)
    return i, i + len(part)


def sample() -> Document:
    ents = [("Rockets", "WEA", 0.9), ("café", "FAC", 0.8), ("Mosul", "GPE", 0.3), ("Zoë Ortega", "PER", None)]
    entities = tuple(Entity(f"T{i}", *span(TEXT, part), label, part, score)
                     for i, (part, label, score) in enumerate(ents, 1))
    attack = Event("E1", "Conflict:Attack", Trigger(*span(TEXT, "struck"), "struck"),
                   (Argument("Instrument", *span(TEXT, "Rockets"), "Rockets", "T1", 0.95),
                    Argument("Target", *span(TEXT, "café"), "café", "T2", 0.4),
                    Argument("Place", *span(TEXT, "Mosul"), "Mosul", "T3", 0.7)), 0.97)
    fled = Event("E2", "Movement:Transport", Trigger(*span(TEXT, "fled"), "fled"),
                 (Argument("Artifact", *span(TEXT, "Zoë Ortega"), "Zoë Ortega", "T4"),), 0.45)
    return Document("a&b<c>", TEXT, entities, (attack, fled))


@pytest.fixture
def predictions(tmp_path):
    path = tmp_path / "p.jsonl"
    write_documents(path, [sample()])
    return path


def show(capsys, *argv) -> tuple[int, str, str]:
    code = main(["show", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_file_that_is_not_json_lines_is_told_what_show_reads(tmp_path, capsys):
    path = tmp_path / "notes.jsonl"
    path.write_text("Rockets struck the airbase.\n")
    code, out, err = show(capsys, path)
    assert code == 2 and out == ""
    assert err == ("eventtagger show: show reads JSON Lines documents (docs/FORMAT.md §1), e.g. the output of "
                   f"`eventtagger extract`; {path}, line 1: is not valid JSON (Expecting value at column 1)\n")


def test_a_problem_inside_a_document_is_said_plainly(tmp_path, capsys):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "d", "text": "abc", "entities": [{"start": 0, "end": 9, "label": "PER"}]}\n')
    code, _, err = show(capsys, path)
    assert code == 2 and "show reads" not in err and f"{path}, line 1, field 'entities[0].end'" in err


def test_text_lists_offsets_scores_and_each_event_in_its_sentence(predictions, capsys):
    code, out, _ = show(capsys, predictions)
    assert code == 0
    lines = out.splitlines()
    start, end = span(TEXT, "struck")
    assert (start, end) == (10, 16)  # the emoji counts one
    assert f'   - E1 Conflict:Attack  "struck" [{start}, {end})  0.97' in lines
    assert "       🚀 Rockets [struck] the café in Mosul on Monday." in lines  # its sentence only
    assert '       Target        "café" [21, 25)  0.40' in lines
    assert '       PER    "Zoë Ortega" [46, 56)' in lines  # unscored: no score shown
    assert "       Zoë Ortega said <script>alert(1)</script> & [fled]." in lines


def test_filters_by_type_and_score(predictions, capsys):
    _, out, err = show(capsys, predictions, "--type", "Conflict:Attack", "--type", "PER", "--type", "LOC",
                       "--min-score", "0.5")
    assert "Conflict:Attack" in out and "Movement:Transport" not in out  # a type, and E2 is scored 0.45
    assert '"Instrument"' not in out and "Instrument    \"Rockets\"" in out
    assert "Target" not in out  # 0.4 < 0.5; the event keeps its other arguments
    assert "   1 entity mentions" in out and '"Zoë Ortega" [46, 56)' in out  # PER only, unscored so kept
    assert err == "note: --type LOC matches no event type or entity label shown\n"


def test_select_keeps_arguments_whose_entity_is_filtered_out():
    kept = select(sample(), types=frozenset({"Conflict:Attack"}))
    assert kept.entities == () and [a.role for a in kept.events[0].arguments] == ["Instrument", "Target", "Place"]


def test_a_type_that_leaves_a_document_empty_leaves_it_out(predictions, capsys):
    _, out, _ = show(capsys, predictions, "--type", "Contact:Meet")
    assert out.strip() == ""


def test_csv_has_one_row_per_event_argument_and_entity(predictions, tmp_path, capsys):
    out_path = tmp_path / "rows.csv"
    code, out, _ = show(capsys, predictions, "--format", "csv", "-o", out_path)
    assert code == 0 and out == ""
    rows = list(csv.DictReader(io.StringIO(out_path.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["document", "kind", "type", "role", "text", "start", "end", "score", "event", "entity"]
    assert [r["kind"] for r in rows] == ["event", "argument", "argument", "argument", "event", "argument",
                                         "entity", "entity", "entity", "entity"]
    assert rows[2] == {"document": "a&b<c>", "kind": "argument", "type": "Conflict:Attack", "role": "Target",
                       "text": "café", "start": "21", "end": "25", "score": "0.4", "event": "E1", "entity": "T2"}
    assert rows[-1]["score"] == "" and rows[-1]["entity"] == "T4"
    assert all(TEXT[int(r["start"]):int(r["end"])] == r["text"] for r in rows)


def test_csv_to_stdout(predictions, capsys):
    _, out, _ = show(capsys, predictions, "--format", "csv", "--min-score", "0.5")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["kind"], r["role"] or r["type"]) for r in rows] == [
        ("event", "Conflict:Attack"), ("argument", "Instrument"), ("argument", "Place"),
        ("entity", "WEA"), ("entity", "FAC"), ("entity", "PER")]
    assert rows[2]["entity"] == ""  # Mosul the entity (0.3) is left out, Mosul the Place (0.7) is not


def test_html_escapes_the_text_and_loads_nothing(predictions, tmp_path, capsys):
    page_path = tmp_path / "page.html"
    code, _, _ = show(capsys, predictions, "--format", "html", "-o", page_path)
    page = page_path.read_text(encoding="utf-8")
    assert code == 0 and page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; " in page
    assert "<h2>a&amp;b&lt;c&gt;</h2>" in page  # the document id is escaped too
    assert "default-src 'none'" in page and not re.search(r"(src|href)=", page)  # nothing fetched, no links
    # the legend names each label; a trigger carries its event type
    assert re.search(r'<div class="legend">Entities: <mark class="l0">FAC</mark>.*<mark class="l3">WEA</mark>', page)
    assert '<span class="trigger" title="Conflict:Attack E1 [10, 16) 0.97">struck</span>' \
           '<sub class="type">Conflict:Attack</sub>' in page
    assert "<tr><td>Target</td><td>café</td><td class=\"num\">[21, 25)</td><td class=\"num\">0.40</td>" in page


def test_html_text_is_the_document_text_with_marks_around_the_spans():
    page = render_html([sample()], title="t")
    marked = re.search(r'<p class="text">(.*?)</p>', page, re.S).group(1)
    without_badges = re.sub(r'<sub class="type">.*?</sub>', "", marked)
    assert html.unescape(re.sub(r"<[^>]+>", "", without_badges)) == TEXT
    # each entity mark holds exactly its span: offsets in code points, the emoji before them counted once
    marks = [html.unescape(m) for m in re.findall(r'<mark class="l\d" title="[^"]*">(.*?)</mark>', marked)]
    assert marks == ["Rockets", "café", "Mosul", "Zoë Ortega"]


def test_a_trigger_inside_an_entity_and_coinciding_entities_are_both_marked():
    text = "The bombing campaign went on."
    doc = Document("d", text, (Entity("T1", 4, 20, "ORG", text[4:20]), Entity("T2", 4, 20, "LOC", text[4:20])),
                   (Event("E1", "Conflict:Attack", Trigger(4, 11, "bombing")),))
    marked = re.search(r'<p class="text">(.*?)</p>', render_html([doc], "t"), re.S).group(1)
    assert marked.count('<mark class="l0"') == 2 and marked.count('<mark class="l1"') == 2  # cut at the trigger
    assert '<span class="trigger" title="Conflict:Attack E1 [4, 11)">bombing</span>' in marked


def test_the_sentence_around_a_span():
    text = "First one. Second, with the span!\nThird line"
    assert sentence_around(text, *span(text, "span")) == span(text, "Second, with the span!")
    assert bracketed(text, *span(text, "Third")) == "[Third] line"
    long = "word " * 200 + "trigger " + "word " * 200 + "."
    before, middle, after = context(long, *span(long, "trigger"))
    assert before.startswith("…") and after.endswith("…") and middle == "trigger"
    assert len(before) + len(middle) + len(after) <= 245


def test_show_renders_incident_records(tmp_path):
    """`show` on the output of `records`: one block per incident, counted first, unknown counts said so."""
    import json

    from eventtagger.inference.cli import main

    row = {"id": "d#I1", "document": "d", "event_type": "Conflict:Attack", "counted": True, "modality": "asserted",
           "excluded_because": None, "mentions": [{"trigger": {"start": 8, "end": 11, "text": "hit"}}],
           "date": {"value": "2024-03-12", "precision": "day", "evidence": {"start": 17, "end": 27,
                                                                             "text": "on Tuesday"}},
           "location": {"place": {"start": 12, "end": 16, "text": "Gaza"}, "country": "Palestine"},
           "actors": {"targets": []}, "killed": {"low": 2, "high": None, "evidence": None}, "injured": None}
    other = {**row, "id": "d#I2", "counted": False, "excluded_because": "generic or habitual mention ('often')"}
    path = tmp_path / "incidents.jsonl"
    path.write_text(json.dumps(other) + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    out = tmp_path / "shown.txt"
    assert main(["show", str(path), "-o", str(out)]) == 0
    shown = out.read_text(encoding="utf-8")
    assert shown.index("d#I1  Conflict:Attack  counted") < shown.index("d#I2  Conflict:Attack  not counted: generic")
    assert "2024-03-12 (day) from on Tuesday [17, 27)" in shown and "Gaza [12, 16) -> Palestine" in shown
    assert "at least 2" in shown and "unknown" in shown
    assert main(["show", str(path), "--format", "html"]) == 2
