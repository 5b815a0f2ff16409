import pytest
from eventtagger.core.errors import InputError
from eventtagger.core.metrics import score
from eventtagger.core.schema import Argument, Document, Entity, Event, Trigger

TEXT = "Gunmen attacked a convoy in Gao, killing two soldiers."


def event(t0, t1, etype, *args):
    return Event("E", etype, Trigger(t0, t1, TEXT[t0:t1]), tuple(Argument(r, s, e, TEXT[s:e]) for r, s, e in args))


GOLD = Document("d", TEXT,
                entities=(Entity("T1", 0, 6, "PER", "Gunmen"), Entity("T2", 18, 24, "VEH", "convoy"),
                          Entity("T3", 28, 31, "GPE", "Gao"), Entity("T4", 45, 53, "PER", "soldiers")),
                events=(event(7, 15, "Conflict:Attack", ("Attacker", 0, 6), ("Target", 18, 24), ("Place", 28, 31)),
                        event(33, 40, "Life:Die", ("Victim", 45, 53), ("Place", 28, 31))))


def test_perfect_prediction():
    result = score([GOLD], [GOLD])
    assert result["documents"] == 1
    for key in ("entity", "trigger_identification", "trigger_classification", "argument_identification",
                "argument_classification"):
        assert result[key] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_hand_computed_counts():
    pred = Document("d", TEXT,
                    entities=(Entity("T1", 0, 6, "PER", "Gunmen"), Entity("T2", 18, 24, "FAC", "convoy")),
                    events=(
                        # right span and type: its arguments can count; one role is wrong, one span is wrong
                        event(7, 15, "Conflict:Attack", ("Attacker", 0, 6), ("Place", 18, 24), ("Place", 28, 30)),
                        # right span, wrong type: identified but not classified; its argument never counts
                        event(33, 40, "Conflict:Attack", ("Target", 45, 53))))
    r = score([GOLD], [pred])
    assert r["entity"] == {"precision": 0.5, "recall": 0.25, "f1": pytest.approx(0.3333, abs=1e-4)}
    assert r["trigger_identification"]["f1"] == 1.0
    assert r["trigger_classification"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    # identification: (Attacker 0-6) and (18-24) match gold Attack arguments; 28-30 does not; 45-53 is under a
    # wrongly typed event -> 2 of 4 predicted, 2 of 5 gold
    assert r["argument_identification"] == {"precision": 0.5, "recall": 0.4, "f1": pytest.approx(0.4444, abs=1e-4)}
    assert r["argument_classification"] == {"precision": 0.25, "recall": 0.2, "f1": pytest.approx(0.2222, abs=1e-4)}
    assert r["per_type"]["Life:Die"]["trigger_classification"]["recall"] == 0.0
    assert r["per_type"]["Conflict:Attack"]["argument_classification"]["support"] == 3


def test_missing_prediction_counts_as_empty_and_unknown_ids_are_refused():
    r = score([GOLD], [])
    assert r["entity"]["recall"] == 0.0 and r["entity"]["precision"] == 0.0
    with pytest.raises(InputError):
        score([GOLD], [Document("other", "x")])
