"""How much a model's labels depend on where its windows fall.

A long article is cut into windows (128 tokens overlapping by 32 in our models); which window reads a word, and
how much context it gets on each side, follows from the article's length before it. This script tags the
`make bench` workload with the model's own overlap and again with others, and counts the words whose entity
and trigger labels stay the same. What changes is the model's doing, not the runtime's: the same weights, the
same decoder, only the placement of windows moves. It bounds how closely any two runtimes that cut windows
differently can agree (bench/speed.py's "words same as (a)").

    python bench/placement.py --model models/demo                      # fp32, overlaps 16, 48 and 0
    python bench/placement.py --model models/demo --variant int8 --strides 16 0

Prints one JSON line per overlap, then writes them all with --json-out.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="model folder (eventtagger export)")
    parser.add_argument("--variant", choices=("fp32", "int8"), default="fp32")
    parser.add_argument("--strides", type=int, nargs="+", default=[16, 48, 0], help="overlaps to compare with")
    parser.add_argument("--words", type=int, default=60_000, help="workload size in words")
    parser.add_argument("--json-out", help="also write the results here")
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    from eventtagger.inference.tagger import EventTagger
    from eventtagger.inference.windows import encode_text
    from workload import load_texts

    texts, source = load_texts(args.words)
    tagger = EventTagger.load(args.model, variant=args.variant)
    words = [encode_text(tagger.tokenizer, text).words for text in texts]  # the same whatever the windows
    base_stride = tagger.spec.stride
    base = word_labels_at(tagger, texts, words, base_stride)
    rows = []
    for stride in args.strides:
        other = word_labels_at(tagger, texts, words, stride)
        row = {"model": args.model, "variant": args.variant, "workload": source, "documents": len(texts),
               "stride": base_stride, "other_stride": stride, **compare(base, other)}
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


def word_labels_at(tagger, texts: list[str], words: list[np.ndarray], stride: int) -> dict[str, list[np.ndarray]]:
    """Entity and trigger label of every word ("" for none) with windows overlapping by `stride`."""
    from eventtagger.core.metrics import word_labels

    tagger.spec = dataclasses.replace(tagger.spec, stride=stride)
    out: dict[str, list[np.ndarray]] = {"entity": [], "trigger": []}
    for doc_words, doc in zip(words, tagger.extract(texts)):
        out["entity"].append(word_labels(doc_words, [(e.start, e.end, e.label) for e in doc.entities]))
        out["trigger"].append(word_labels(doc_words, [(e.trigger.start, e.trigger.end, e.type) for e in doc.events]))
    return out


def compare(a: dict[str, list[np.ndarray]], b: dict[str, list[np.ndarray]]) -> dict:
    """Share of words with the same label, over all words and over the words either side labels.

    >>> x = {"entity": [np.array(["", "PER", "GPE", ""])], "trigger": [np.array(["", "", "", ""])]}
    >>> y = {"entity": [np.array(["", "PER", "ORG", ""])], "trigger": [np.array(["", "", "", "Attack"])]}
    >>> [compare(x, y)[k] for k in ("entity_words_same", "entity_labelled_words_same", "trigger_words_same")]
    [0.75, 0.5, 0.75]
    """
    out = {}
    for kind in ("entity", "trigger"):
        left, right = np.concatenate(a[kind]), np.concatenate(b[kind])
        labelled = (left != "") | (right != "")
        out[f"{kind}_words_same"] = round(float((left == right).mean()), 5)
        out[f"{kind}_labelled_words_same"] = round(float((left == right)[labelled].mean()), 5)
    return out


if __name__ == "__main__":
    main()
