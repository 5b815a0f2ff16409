"""The decoder on hand-made scores: offsets, window ownership, roles the event type allows, snapping."""
import dataclasses

import numpy as np
from eventtagger.core.schema import Document
from eventtagger.inference.decoding import WindowScores, decode_document
from eventtagger.inference.spec import TaggerSpec
from eventtagger.inference.windows import TextEncoding, Window

TEXT = "Rebels shelled Kadugli, killing two soldiers."
WORDS = [(0, 6), (7, 14), (15, 22), (22, 23), (24, 31), (32, 35), (36, 44), (44, 45)]


def encoding() -> TextEncoding:
    n = len(WORDS)  # one token per word keeps the arithmetic readable
    return TextEncoding(np.arange(n), np.arange(n), np.array(WORDS), np.arange(n))


def spec(ontology, argument_spans="free") -> TaggerSpec:
    return TaggerSpec(ontology, 16, 4, 101, 102, 0, 0.05, argument_spans)


def log_probs(n_tokens, n_tags, tags_at: dict[int, int]):
    """Near-certain O everywhere, except the given tag at the given tokens."""
    p = np.full((n_tokens, n_tags), 1e-4)
    p[:, 0] = 1.0
    for token, tag in tags_at.items():
        p[token] = 1e-4
        p[token, tag] = 1.0
    return np.log(p / p.sum(axis=1, keepdims=True))


def scores(s: TaggerSpec, window: Window, roles_for_trigger: dict[int, int]) -> WindowScores:
    ent, trig, role = s.entity_tags, s.trigger_tags, s.role_tags
    n = window.end - window.start
    local = lambda tags: {t - window.start: v for t, v in tags.items() if window.start <= t < window.end}  # noqa: E731
    entities = log_probs(n, len(ent.names), local({0: ent.begin("ORG"), 2: ent.begin("GPE"), 6: ent.begin("PER")}))
    triggers = log_probs(n, len(trig.names), local({1: trig.begin("Conflict:Attack"), 4: trig.begin("Life:Die")}))
    rows = {}
    for trigger_token, _ in ((1, None), (4, None)):
        if window.start <= trigger_token < window.end:
            rows[trigger_token - window.start] = log_probs(n, len(role.names), local(roles_for_trigger))
    owned = slice(window.own_start - window.start, window.own_end - window.start)  # one token per word
    return WindowScores(window, entities[owned], triggers[owned], rows)


def test_single_window(ontology):
    s = spec(ontology)
    role = s.role_tags
    # every trigger row proposes Attacker on "Rebels" and Victim on "soldiers"
    row = {0: role.begin("Attacker"), 6: role.begin("Victim")}
    entities, events = decode_document(Document("d", TEXT), encoding(), [scores(s, Window(0, 8, 0, 8), row)], s)
    assert [(e.text, e.label, e.start, e.end) for e in entities] == [
        ("Rebels", "ORG", 0, 6), ("Kadugli", "GPE", 15, 22), ("soldiers", "PER", 36, 44)]
    assert [(e.type, e.trigger.text) for e in events] == [("Conflict:Attack", "shelled"), ("Life:Die", "killing")]
    # Attack allows Attacker, not Victim; Die allows Victim, not Attacker
    assert [(a.role, a.text, a.entity) for a in events[0].arguments] == [("Attacker", "Rebels", "T1")]
    assert [(a.role, a.text, a.entity) for a in events[1].arguments] == [("Victim", "soldiers", "T3")]
    assert all(0 < e.score <= 1 for e in (*entities, *events))


def test_two_windows_each_word_decided_once(ontology):
    s = spec(ontology)
    row = {0: s.role_tags.begin("Attacker")}
    first, second = Window(0, 5, 0, 3), Window(2, 8, 3, 8)
    entities, events = decode_document(Document("d", TEXT), encoding(),
                                       [scores(s, first, row), scores(s, second, row)], s)
    assert [e.text for e in entities] == ["Rebels", "Kadugli", "soldiers"]
    assert [e.trigger.text for e in events] == ["shelled", "killing"]
    # "killing" is owned by the second window, which does not hold "Rebels": no Attacker argument can come from it
    assert events[1].arguments == ()
    assert [a.text for a in events[0].arguments] == ["Rebels"]


def test_snap_arguments_to_entities(ontology):
    s = spec(ontology, argument_spans="entities")
    # the role tagger marks "two soldiers" (words 5-6): snapping moves it onto the entity "soldiers"
    role = s.role_tags
    row = {5: role.begin("Victim"), 6: role.begin("Victim") + 1, 2: role.begin("Place")}
    _, events = decode_document(Document("d", TEXT), encoding(), [scores(s, Window(0, 8, 0, 8), row)], s)
    die = events[1]
    assert sorted((a.role, a.text, a.entity) for a in die.arguments) == [("Place", "Kadugli", "T2"),
                                                                         ("Victim", "soldiers", "T3")]
    free = dataclasses.replace(s, argument_spans="free")
    _, events = decode_document(Document("d", TEXT), encoding(), [scores(free, Window(0, 8, 0, 8), row)], free)
    assert ("Victim", "two soldiers") in [(a.role, a.text) for a in events[1].arguments]


def test_empty_document(ontology):
    empty = TextEncoding(np.zeros(0, int), np.zeros(0, int), np.zeros((0, 2), int), np.zeros(0, int))
    assert decode_document(Document("e", ""), empty, [], spec(ontology)) == ((), ())
