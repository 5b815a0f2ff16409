"""The record behind the README's demo figures: what `make demo` trained, how the int8 model it exported scores
on our dev and test splits, and what it says on the README's example sentences.

    /usr/bin/time -f %e make demo                       # from a fresh clone; note the seconds
    python bench/demo_record.py --model models/demo --run runs/demo --make-demo-seconds 612 \
        --json-out docs/demo.json

The example sentences are the README's own (written by us); their output is stored as the model gave it, so
the README can quote it and a reader can check it.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The sentences the README shows, each with where it is shown.
EXAMPLES = {
    "lead": "Rockets struck Ain al-Asad airbase in Iraq on Thursday.",
    "format": "Two rockets fell outside the Ain al-Asad base on Saturday.",
    "python": "Rockets struck the airbase near Erbil on Monday, killing two guards.",
    "serve": "Rockets struck the airbase near Erbil on Monday.",
    # the same news in French and Spanish: the README says the model is English only
    "french": "Des roquettes ont frappé la base aérienne près d'Erbil lundi, tuant deux gardes.",
    "spanish": "Unos cohetes alcanzaron la base aérea cerca de Erbil el lunes y mataron a dos guardias.",
}
KEYS = ("entity", "trigger_identification", "trigger_classification", "argument_identification",
        "argument_classification")


def summarize(result: dict) -> dict:
    return {key: {k: round(v, 3) for k, v in result[key].items()} for key in KEYS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/demo")
    parser.add_argument("--run", default="runs/demo")
    parser.add_argument("--make-demo-seconds", type=float, default=None,
                        help="wall time of `make demo` from a fresh clone, measured by the caller")
    parser.add_argument("--make-test-seconds", type=float, default=None,
                        help="wall time of `make test` from a fresh clone, measured by the caller")
    parser.add_argument("--json-out", default="docs/demo.json")
    args = parser.parse_args(argv)

    from eventtagger.core.jsonl import read_documents
    from eventtagger.core.metrics import score
    from eventtagger.inference import Document, EventTagger

    tagger = EventTagger.load(args.model)  # int8, as `make demo` uses it
    splits = {}
    for split in ("dev", "test"):
        gold = read_documents(ROOT / "data" / f"{split}.jsonl")
        predictions = list(tagger.tag(Document(d.id, d.text) for d in gold))
        splits[split] = {"documents": len(gold), "int8": summarize(score(gold, predictions))}
    examples = {}
    for name, text in EXAMPLES.items():
        doc = tagger.extract([text])[0]
        examples[name] = {
            "text": text,
            "entities": [[e.label, e.text, round(e.score, 3)] for e in doc.entities],
            "events": [{"type": ev.type, "trigger": ev.trigger.text, "score": round(ev.score, 3),
                        "arguments": [[a.role, a.text, round(a.score, 3)] for a in ev.arguments]}
                       for ev in doc.events],
        }
    metrics = json.loads((Path(args.run) / "metrics.json").read_text(encoding="utf-8"))
    record = {
        "command": " ".join(["python", "bench/demo_record.py", *(argv if argv is not None else sys.argv[1:])]),
        "made_by": "make demo (from a fresh clone), then this script",
        "date": datetime.date.today().isoformat(),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine()},
        "make_demo_seconds": args.make_demo_seconds,
        "make_test_seconds": args.make_test_seconds,
        "model": args.model,
        "best_epoch": metrics.get("best_epoch"),
        "splits": splits,
        "examples": examples,
    }
    Path(args.json_out).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({"splits": splits, "examples": examples}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
