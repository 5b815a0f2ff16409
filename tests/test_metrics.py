import random
import re

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


# --- against an independent implementation --------------------------------------------------------------

WORD = re.compile(r"\w+|[^\w\s]")


def iob2(text: str, spans: list[tuple[int, int, str]]) -> list[str]:
    """Word-level IOB2 tags of non-overlapping spans that start and end on word boundaries."""
    words = [(m.start(), m.end()) for m in WORD.finditer(text)]
    tags = ["O"] * len(words)
    for start, end, label in spans:
        inside = [i for i, (s, e) in enumerate(words) if start <= s and e <= end]
        assert inside and words[inside[0]][0] == start and words[inside[-1]][1] == end, (start, end)
        tags[inside[0]] = f"B-{label}"
        for i in inside[1:]:
            tags[i] = f"I-{label}"
    return tags


def document(doc_id: str, text: str, spans: list[tuple[int, int, str]]) -> Document:
    return Document(doc_id, text, entities=tuple(Entity(f"T{i}", s, e, label, text[s:e])
                                                 for i, (s, e, label) in enumerate(spans, 1)))


def random_documents(rng: random.Random, n: int) -> tuple[list[Document], list[Document]]:
    """Gold documents of random words and entities, and predictions made from them with partial matches:
    a span cut or stretched by a word, a wrong label, a span missed, one made up."""
    gold, predicted = [], []
    for k in range(n):
        words = ["".join(rng.choices("abcdefgh", k=rng.randint(1, 6))) for _ in range(rng.randint(1, 30))]
        starts = [0]
        for w in words[:-1]:
            starts.append(starts[-1] + len(w) + 1)
        text = " ".join(words)
        ends = [start + len(w) for start, w in zip(starts, words)]
        gold_words, i = [], 0
        while i < len(words):  # runs of words, some of them entities
            length = rng.randint(1, 3)
            if rng.random() < 0.4:
                gold_words.append((i, min(i + length, len(words)) - 1, rng.choice(["PER", "GPE", "ORG"])))
            i += length + rng.randint(0, 2)
        pred_words = []
        for first, last, label in gold_words:
            change = rng.choice(["keep", "keep", "label", "shorter", "longer", "miss"])
            if change == "label":
                label = rng.choice([x for x in ("PER", "GPE", "ORG") if x != label])
            elif change == "shorter" and last > first:
                last -= 1
            elif change == "longer" and last + 1 < len(words):
                last += 1
            if change != "miss":
                pred_words.append((first, last, label))
        if rng.random() < 0.5:
            first = rng.randrange(len(words))
            pred_words.append((first, first, "PER"))
        kept, taken = [], set()  # BIO cannot nest: drop predictions that overlap an earlier one
        for first, last, label in pred_words:
            if not taken & set(range(first, last + 1)):
                kept.append((first, last, label))
                taken.update(range(first, last + 1))
        pred_words = kept
        gold.append(document(f"d{k}", text, [(starts[f], ends[last], label) for f, last, label in gold_words]))
        predicted.append(document(f"d{k}", text, [(starts[f], ends[last], label) for f, last, label in pred_words]))
    return gold, predicted


HAND_MADE = [
    # (text, gold spans, predicted spans)
    (TEXT, [(e.start, e.end, e.label) for e in GOLD.entities], [(0, 6, "PER"), (18, 24, "FAC")]),
    # a span one word too long, one a word short, one exact, one made up
    ("Troops of the Iraqi army entered New Baghdad on Monday .",
     [(0, 6, "PER"), (14, 24, "ORG"), (33, 44, "GPE")], [(0, 13, "PER"), (20, 24, "ORG"), (33, 44, "GPE"),
                                                         (48, 54, "GPE")]),
    # the same words as two spans, and two spans as one
    ("Amir Taha Ali Hassan met Basra police .", [(0, 9, "PER"), (10, 20, "PER"), (25, 37, "ORG")],
     [(0, 20, "PER"), (25, 30, "GPE"), (31, 37, "ORG")]),
]


def test_entity_scores_agree_with_seqeval_strict_iob2():
    """Our exact-span entity precision, recall and F1 against seqeval's strict IOB2 span scores on word-level tag
    sequences of the same documents. seqeval needs scikit-learn, so it is in the [dev] extra, not [train]."""
    from seqeval.metrics import f1_score, precision_score, recall_score
    from seqeval.scheme import IOB2

    rng = random.Random(3)
    cases = [([document(f"h{i}", text, g) for i, (text, g, _) in enumerate(HAND_MADE)],
              [document(f"h{i}", text, p) for i, (text, _, p) in enumerate(HAND_MADE)])]
    cases += [random_documents(rng, rng.randint(1, 40)) for _ in range(30)]
    partial = 0
    for gold, predicted in cases:
        ours = score(gold, predicted)["entity"]
        y_true = [iob2(d.text, [(e.start, e.end, e.label) for e in d.entities]) for d in gold]
        y_pred = [iob2(d.text, [(e.start, e.end, e.label) for e in d.entities]) for d in predicted]
        if not any("B-" in t for tags in y_pred for t in tags) or not any("B-" in t for tags in y_true for t in tags):
            continue  # seqeval has no answer of its own for an empty side (it warns and says 0)
        theirs = {name: f(y_true, y_pred, mode="strict", scheme=IOB2)
                  for name, f in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score))}
        assert ours == pytest.approx(theirs, abs=5e-5), (ours, theirs)
        partial += 0 < ours["f1"] < 1
    assert partial > 20  # most cases matched some entities and missed others
