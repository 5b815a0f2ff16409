"""bench/records_eval.py: incident matching and field scores on tiny hand-built cases (no model), and the gold file's
offsets (data/incidents/test.jsonl)."""
from __future__ import annotations

import records_eval as ev


def incident(**fields) -> dict:
    base = {"type": "Conflict:Attack", "date": None, "country": "IQ", "region": "IQ-AN", "place": "Haditha",
            "attackers": ["gunmen"], "targets": ["checkpoint"], "victims": ["soldiers"], "instruments": [],
            "claimed_by": [], "killed": (2, 2), "injured": None, "modality": "asserted", "counted": True,
            "triggers": [(7, 15)]}
    base.update(fields)
    base["counted"] = base["modality"] == "asserted"
    return base


def test_a_perfect_match_scores_one():
    gold = [incident(), incident(type="Justice:Arrest-Jail", triggers=[(40, 48)], killed=None, victims=[],
                                 attackers=["police"], targets=["men"])]
    r = ev.score({"d": (gold, [dict(g) for g in gold])})
    assert r["incidents"]["all"]["f1"] == 1.0 and r["incidents"]["counted"]["f1"] == 1.0
    for field, figures in r["fields"].items():
        if figures["gold"]:
            assert figures["f1"] == 1.0, field
    assert r["incident_count"]["all"]["accuracy"] == 1.0
    assert [e for e in r["errors"]] == []


def test_a_missing_incident_lowers_recall_not_precision():
    gold = [incident(), incident(triggers=[(90, 96)], place="Mosul", region="IQ-NI")]
    r = ev.score({"d": (gold, [incident()])})
    assert r["incidents"]["all"]["precision"] == 1.0
    assert r["incidents"]["all"]["recall"] == 0.5
    assert r["fields"]["place"]["recall"] == 0.5 and r["fields"]["place"]["precision"] == 1.0
    assert r["incident_count"]["all"]["accuracy"] == 0.0
    assert {"field": "incident", "kind": "missing"}.items() <= r["errors"][-1].items()


def test_a_wrong_killed_count_is_counted_wrong():
    r = ev.score({"d": ([incident()], [incident(killed=(1, 1))])})
    assert r["incidents"]["all"]["f1"] == 1.0
    assert r["fields"]["killed"]["tp"] == 0 and r["fields"]["killed"]["f1"] == 0.0
    assert r["fields"]["victims"]["f1"] == 1.0
    assert [(e["field"], e["kind"]) for e in r["errors"]] == [("killed", "wrong")]


def test_unknown_is_not_zero():
    gold = [incident(killed=(0, 0))]
    r = ev.score({"d": (gold, [incident(killed=None)])})
    assert r["fields"]["killed"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "tp": 0, "predicted": 0, "gold": 1}


def test_matching_by_place_and_date_then_across_types():
    gold = [incident(triggers=[(0, 5)], date="2024-03-08")]
    r = ev.score({"d": (gold, [incident(triggers=[(50, 55)], date="2024-03-08", place="haditha")])})
    assert r["incidents"]["all"]["tp"] == 1
    r = ev.score({"d": (gold, [incident(type="Life:Die", triggers=[(0, 5)])])})  # same trigger, other type: fields only
    assert r["incidents"]["all"]["tp"] == 0 and r["fields"]["type"]["tp"] == 0
    assert r["fields"]["place"]["tp"] == 1


def test_actors_by_head_word_and_places_by_name():
    assert ev.role_hits(["Euphrates Guardians", "soldiers"], ["the Guardians", "soldier", "police"]) == 2
    assert ev.same_place("Artibonite valley", "Artibonite") and ev.same_place("Zvečan", "zvecan")
    assert not ev.same_place("Kherson", "Kharkiv")


def test_gold_offsets_are_valid_and_cover_the_corpus():
    assert ev.check_gold() > 300
    gold = ev.load_gold()
    assert len(gold) == 48 and sum(map(len, gold.values())) > 0
