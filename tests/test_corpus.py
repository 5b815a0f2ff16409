"""The datasheet figures of our corpus, computed from the files in data/ (they fail below the bar)."""
from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
from eventtagger.core.jsonl import check_file, read_documents

from .conftest import ROOT, SHARED

SPLITS = ("train", "dev", "test")
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘']?[A-Z0-9])|\n+")


@pytest.fixture(scope="module")
def corpus():
    return {split: read_documents(ROOT / "data" / f"{split}.jsonl") for split in SPLITS}


@pytest.fixture(scope="module")
def documents(corpus):
    return [d for split in SPLITS for d in corpus[split]]


def test_every_file_validates_against_the_default_ontology(ontology):
    for split in SPLITS:
        docs, problems = check_file(ROOT / "data" / f"{split}.jsonl", ontology)
        assert problems == [] and docs


def test_split_by_document(corpus):
    ids = [set(d.id for d in corpus[s]) for s in SPLITS]
    assert not (ids[0] & ids[1]) and not (ids[0] & ids[2]) and not (ids[1] & ids[2])
    assert len(corpus["dev"]) >= 30 and len(corpus["test"]) >= 30


def test_size_and_coverage(documents, ontology):
    assert len(documents) >= 400
    events = [ev for d in documents for ev in d.events]
    assert len(events) >= 1200
    types = Counter(ev.type for ev in events)
    assert min(types[t] for t in ontology.types) >= 60, types
    roles = Counter((ev.type, a.role) for ev in events for a in ev.arguments)
    thin = {(t, r): roles[(t, r)] for t in ontology.types for r in ontology.roles_of(t) if roles[(t, r)] < 25}
    assert not thin, f"roles used fewer than 25 times: {thin}"
    labels = Counter(e.label for d in documents for e in d.entities)
    assert min(labels[x] for x in ontology.entity_labels) >= 50, labels
    assert sum(1 for d in documents if not d.events) >= 10
    assert sum(1 for d in documents if len(d.text.split()) >= 600) >= 10


def test_sentences_with_several_events(documents):
    multi = 0
    for d in documents:
        bounds = [0, *(m.end() for m in SENTENCE_END.finditer(d.text)), len(d.text) + 1]
        for start, end in zip(bounds, bounds[1:]):
            if sum(1 for ev in d.events if start <= ev.trigger.start < end) >= 2:
                multi += 1
    assert multi >= 150


def test_not_template_filled(documents):
    assert len({ev.trigger.text.lower() for d in documents for ev in d.events}) >= 150
    assert len({e.text for d in documents for e in d.entities}) >= 800
    shared = defaultdict(set)
    for d in documents:
        words = re.findall(r"\w+", d.text.lower())
        for i in range(len(words) - 7):
            shared[" ".join(words[i:i + 8])].add(d.id)
    common = {g: len(ids) for g, ids in shared.items() if len(ids) > 3}
    assert not common, f"8-word sequences in more than 3 documents: {list(common)[:5]}"


def test_no_seed_article_text(documents):
    """The two seed articles must stay out of the training data."""
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"the seed articles are not at {seeds} (set EVENTTAGGER_SHARED)")
    corpus_grams = set()
    for d in documents:
        words = re.findall(r"\w+", d.text.lower())
        corpus_grams.update(" ".join(words[i:i + 8]) for i in range(len(words) - 7))
    for seed in seeds.glob("*.txt"):
        words = re.findall(r"\w+", seed.read_text(encoding="utf-8").lower())
        overlap = {" ".join(words[i:i + 8]) for i in range(len(words) - 7)} & corpus_grams
        assert not overlap, f"{seed.name} shares text with the corpus: {sorted(overlap)[:3]}"
