"""How consistently does a corpus annotate its own trigger words? For each word annotated as a trigger at
least N times, the share of its occurrences that are annotated. A low share means many mentions of the same
word are left unannotated, which caps the precision any tagger can reach on that corpus.

    python bench/annotation_consistency.py m2e2 ../shared/datasets/m2e2/*.jsonl.gz
    python bench/annotation_consistency.py jsonl data/train.jsonl data/dev.jsonl data/test.jsonl
"""
from __future__ import annotations

import argparse
import re
from collections import Counter

from eventtagger.core.formats import readers
from eventtagger.core.jsonl import read_documents


def consistency(documents, min_annotated: int = 8) -> tuple[list[tuple[str, int, int]], float]:
    occurrences, annotated = Counter(), Counter()
    for doc in documents:
        triggers = {(e.trigger.start, e.trigger.end) for e in doc.events}
        for m in re.finditer(r"[A-Za-z]+", doc.text):
            word = m.group().lower()
            occurrences[word] += 1
            annotated[word] += (m.start(), m.end()) in triggers
    rows = sorted(((w, annotated[w], occurrences[w]) for w in annotated if annotated[w] >= min_annotated),
                  key=lambda r: -r[1])
    share = sum(a for _, a, _ in rows) / max(1, sum(o for _, _, o in rows))
    return rows, share


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("format", help="jsonl, or a format `convert` reads (m2e2, ...)")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--min-annotated", type=int, default=8)
    args = parser.parse_args()
    if args.format == "jsonl":
        documents = [d for p in args.paths for d in read_documents(p)]
    else:
        documents = readers()[args.format](args.paths).documents
    rows, share = consistency(documents, args.min_annotated)
    print(f"{len(rows)} words annotated as a trigger at least {args.min_annotated} times: "
          f"{share:.0%} of their occurrences are annotated")
    print("| word | annotated | occurrences | share |\n| --- | --- | --- | --- |")
    for word, a, o in rows:
        print(f"| {word} | {a} | {o} | {a / o:.0%} |")


if __name__ == "__main__":
    main()
