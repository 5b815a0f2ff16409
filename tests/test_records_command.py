"""`eventtagger records` is a runtime command, and its options are checked before any work."""
from __future__ import annotations

import argparse

import pytest


def test_records_is_registered():
    from eventtagger.inference.commands import RUNTIME_COMMANDS

    assert "records" in [c.name for c in RUNTIME_COMMANDS]


def test_published_must_be_a_date():
    from eventtagger.inference.records_command import iso_date

    assert iso_date("2022-04-30").isoformat() == "2022-04-30"
    with pytest.raises(argparse.ArgumentTypeError, match="YYYY-MM-DD"):
        iso_date("30/04/2022")


@pytest.mark.slow
def test_records_end_to_end_with_the_tiny_model(tiny_run, tmp_path):
    """The command and `EventTagger.records` on a real model: the fixture's attack with its place, the killed
    count read from the text, the date anchored on --published, and `show` reading the result back."""
    import datetime
    import json

    from eventtagger.inference import EventTagger
    from eventtagger.inference.cli import main

    text = "Rockets struck the airbase near Erbil on Monday, killing two guards."
    article = tmp_path / "erbil.txt"
    article.write_text(text, encoding="utf-8")
    out = tmp_path / "incidents.jsonl"
    assert main(["records", "--model", str(tiny_run.model_dir), str(article), "-o", str(out),
                 "--published", "2024-03-13"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    attack = next(r for r in rows if r["event_type"] == "Conflict:Attack" and r["counted"])
    assert attack["document"] == "erbil" and attack["location"]["place"]["text"] == "Erbil"
    assert attack["location"]["country_code"] == "IQ"
    assert (attack["killed"]["low"], attack["killed"]["high"]) == (2, 2)
    assert attack["date"]["value"] == "2024-03-11"  # the Monday before Wednesday 13 March 2024
    for span in (attack["location"]["place"], attack["killed"]["evidence"], attack["date"]["evidence"]):
        assert text[span["start"]:span["end"]] == span["text"]

    tagger = EventTagger.load(tiny_run.model_dir)
    same = tagger.records([text], ["erbil"], published=datetime.date(2024, 3, 13))
    assert [(r.id, r.event_type, r.counted) for r in same] == [(r["id"], r["event_type"], r["counted"]) for r in rows]
    assert main(["show", str(out)]) == 0
