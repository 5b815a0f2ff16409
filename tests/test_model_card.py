"""The model card states the run's own limits: its language, the backbone's casing, its data and ontology."""
from __future__ import annotations

import pytest
from eventtagger.training.model_card import lowercases, render_card
from tokenizers import Tokenizer, models, normalizers


def tokenizer_with(normalizer) -> Tokenizer:
    tokenizer = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    if normalizer is not None:
        tokenizer.normalizer = normalizer
    return tokenizer


@pytest.mark.parametrize("normalizer, expected", [
    (normalizers.BertNormalizer(lowercase=True), True),
    (normalizers.BertNormalizer(lowercase=False), False),
    (normalizers.Sequence([normalizers.NFD(), normalizers.Lowercase()]), True),
    (normalizers.NFC(), False),
    (None, False),
])
def test_casing_is_read_from_the_normalizer(normalizer, expected):
    assert lowercases(tokenizer_with(normalizer)) is expected


def run_info(casing: str, language: str) -> dict:
    """eventtagger.json as export writes it, for a run on two M2E2 files and our corpus, without dev data."""
    return {
        "name": "m2e2", "version": "0123456789ab", "created": "2025-01-01", "eventtagger_version": "0.1",
        "backbone": "all-minilm-l6-v2", "casing": casing, "max_length": 96, "stride": 24,
        "ontology": {"name": "ace", "entity_labels": ["PER", "ORG"],
                     "event_types": {"Conflict.Attack": ["Attacker", "Target"], "Life.Die": ["Victim"]}},
        "training_data": {"train": {"documents": 4718, "events": 3097, "arguments": 4000, "entities": 9000},
                          "dev": None, "language": language,
                          "sources": {"train": [{"format": "m2e2", "paths": ["../shared/a.train.jsonl.gz",
                                                                            "../shared/b.train.jsonl.gz"]},
                                                {"format": "jsonl", "paths": ["data/train.jsonl"]}],
                                      "dev": []}},
        "training": {"best_epoch": 3, "epochs": 3, "device": "cpu"},
        "encoder": {"num_hidden_layers": 6}, "variants": {}, "parity": {},
    }


def limits(card: str) -> str:
    return card.split("## Limits", 1)[1].split("## How to load", 1)[0]


def test_the_card_of_an_uncased_english_run_says_so():
    section = limits(render_card(run_info("uncased", "en"), None))
    assert "uncased" in section and "lowercases" in section and "capitalisation is no signal" in section
    assert "in English (`en`)" in section
    assert "4718 documents (3097 events)" in section
    assert "`m2e2` (a.train.jsonl.gz, b.train.jsonl.gz) and `jsonl` (train.jsonl)" in section
    assert "only the 2 event types and 2 entity labels of the ontology `ace`" in section
    assert "96 tokens, 94 of them text" in section


def test_the_card_of_a_cased_run_in_another_language_says_so():
    section = limits(render_card(run_info("cased", "pt-BR"), None))
    assert "The backbone is cased" in section and "uncased" not in section
    assert "in Portuguese (`pt-BR`)" in section and "English" not in section
