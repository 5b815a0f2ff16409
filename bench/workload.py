"""The benchmark workload: real article text of mixed lengths, the same for every configuration.

M2E2 sentences joined back into their Voice of America articles and WikiEvents documents when
../shared/datasets is present, else our own corpus in data/. Texts are read at run time, never stored.
"""
from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"


def load_texts(limit_words: int = 60_000, seed: int = 0) -> tuple[list[str], str]:
    """About `limit_words` words of article text, shuffled with a fixed seed; returns (texts, source)."""
    texts, source = _public_articles(), "M2E2 articles + WikiEvents documents (../shared/datasets)"
    if not texts:
        texts = [json.loads(line)["text"] for split in ("train", "dev", "test")
                 for line in open(ROOT / "data" / f"{split}.jsonl", encoding="utf-8")]
        source = "our corpus (data/)"
    random.Random(seed).shuffle(texts)
    out, words = [], 0
    for text in texts:
        if words >= limit_words:
            break
        out.append(text)
        words += len(text.split())
    return out, source


def _public_articles() -> list[str]:
    m2e2 = DATASETS / "m2e2"
    wiki = DATASETS / "wikievents" / "dev.jsonl"
    if not m2e2.is_dir():
        return []
    from eventtagger.core.formats import m2e2 as reader

    articles: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for doc in reader.read([str(p) for p in sorted(m2e2.glob("text_only_event.*.jsonl.gz"))]).documents:
        article, _, number = doc.id.rpartition("_")
        articles[article].append((int(number), doc.text))
    texts = [" ".join(t for _, t in sorted(parts)) for parts in articles.values()]
    if wiki.is_file():
        from eventtagger.core.formats import wikievents

        texts += [doc.text for doc in wikievents.read([str(wiki)]).documents]
    return [t for t in texts if t.strip()]
