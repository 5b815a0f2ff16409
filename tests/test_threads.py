"""One EventTagger shared by threads gives exactly what a sequential run gives (scores included)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from eventtagger.core.jsonl import read_documents
from eventtagger.inference.tagger import EventTagger

from .conftest import FIXTURES

pytestmark = pytest.mark.slow  # the tiny model of conftest is trained once per session


def test_threads_sharing_one_tagger_match_a_sequential_run(tiny_model):
    tagger = EventTagger.load(tiny_model, threads=2)
    texts = [d.text for d in read_documents(FIXTURES / "tiny.jsonl")]
    # every thread tags every text, in a different order and in different numbers per call
    jobs = [(texts[k:] + texts[:k], 1 + k % 3) for k in range(8)]

    def run(job: tuple[list[str], int]) -> list[dict]:
        job_texts, step = job
        out = []
        for i in range(0, len(job_texts), step):
            out += [d.to_dict() for d in tagger.extract(job_texts[i:i + step])]
        return out

    sequential = [run(job) for job in jobs]
    for _ in range(2):
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            concurrent = list(pool.map(run, jobs))
        assert concurrent == sequential
    assert any(doc["events"] for result in sequential for doc in result)


def test_windows_per_call_follow_the_threads_unless_given(tiny_model):
    assert EventTagger.load(tiny_model, threads=1).windows_per_call == 4
    assert EventTagger.load(tiny_model, threads=6).windows_per_call == 6
    assert EventTagger.load(tiny_model, threads=6, windows_per_call=2).windows_per_call == 2
