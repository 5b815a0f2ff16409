"""Extraction quality: train the chosen config, export it, score the int8 and fp32 models on every data set
at hand, and write docs/RESULTS.md (with the ablations recorded in docs/ablations.json).

    python bench/quality.py --config configs/m2e2_plus_ours.yaml      # make benchmark-quality
    python bench/quality.py --config ... --run runs/NAME               # score an existing run, no training

Data sets (read at run time, never stored): M2E2 dev and WikiEvents dev (out of domain: KAIROS news mapped
to our ontology, see core/formats/wikievents.py) when ../shared/datasets is present; our dev and test
splits always. Scores are docs/FORMAT.md §5 (exact spans, micro-averaged), computed by the runtime's own decoder.
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
KEYS = ("entity", "trigger_identification", "trigger_classification", "argument_identification",
        "argument_classification")
GOALS = {"entity": 0.85, "trigger_classification": 0.70, "argument_classification": 0.50}


def evaluation_sets() -> dict[str, list]:
    from eventtagger.core.formats import m2e2, wikievents
    from eventtagger.core.jsonl import read_documents

    sets = {}
    if (DATASETS / "m2e2").is_dir():
        files = sorted(str(p) for p in (DATASETS / "m2e2").glob("*.dev.jsonl.gz"))
        sets["M2E2 dev"] = m2e2.read(files).documents
    sets["ours dev"] = read_documents(ROOT / "data" / "dev.jsonl")
    sets["ours test"] = read_documents(ROOT / "data" / "test.jsonl")
    if (DATASETS / "wikievents" / "dev.jsonl").is_file():
        sets["WikiEvents dev (out of domain)"] = wikievents.read([str(DATASETS / "wikievents" / "dev.jsonl")]).documents
    return sets


def score_model(model_dir: Path, sets: dict[str, list]) -> dict:
    from eventtagger.core.metrics import score
    from eventtagger.inference import Document, EventTagger

    out = {}
    for variant in ("int8", "fp32"):
        tagger = EventTagger.load(model_dir, variant=variant)
        for name, gold in sets.items():
            start = time.perf_counter()
            predictions = list(tagger.tag(Document(d.id, d.text) for d in gold))
            result = score(gold, predictions)
            result["seconds"] = round(time.perf_counter() - start, 1)
            out.setdefault(name, {})[variant] = result
    return out


def annotation_consistency() -> dict[str, tuple[float, list]]:
    """How often each corpus annotates the words it annotates as triggers (bench/annotation_consistency.py)."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from annotation_consistency import consistency
    from eventtagger.core.formats import m2e2
    from eventtagger.core.jsonl import read_documents

    out = {}
    if (DATASETS / "m2e2").is_dir():
        docs = m2e2.read(sorted(str(p) for p in (DATASETS / "m2e2").glob("*.jsonl.gz"))).documents
        rows, share = consistency(docs)
        out["M2E2 (train + dev + test)"] = (share, rows)
    ours = [d for split in ("train", "dev", "test") for d in read_documents(ROOT / "data" / f"{split}.jsonl")]
    rows, share = consistency(ours)
    out["ours (data/)"] = (share, rows)
    return out


def render_consistency(consistency: dict[str, tuple[float, list]], scores: dict) -> list[str]:
    lines = ["## Reading these figures", "",
             "How consistently each corpus annotates its own trigger words: for every word annotated as a trigger "
             "at least 8 times, the share of its occurrences that carry the annotation "
             "(`bench/annotation_consistency.py`). Where a corpus leaves most mentions of *attack* unannotated, a "
             "tagger that finds them all is scored as wrong on each, which caps precision on that corpus.", "",
             "| corpus | words | share of their occurrences annotated | e.g. |", "| --- | --- | --- | --- |"]
    for name, (share, rows) in consistency.items():
        examples = ", ".join(f"*{w}* {a}/{o}" for w, a, o in rows[:5])
        lines.append(f"| {name} | {len(rows)} | {share:.0%} | {examples} |")
    for name, by_variant in scores.items():
        per_type = by_variant["int8"]["per_type"].values()
        triggers = sum(m["trigger_classification"]["support"] for m in per_type)
        arguments = sum(m["argument_classification"]["support"] for m in per_type)
        if name.startswith("M2E2") and triggers:
            lines += ["", f"{name} holds {triggers} triggers and {arguments} arguments: one trigger is "
                      f"{100 / triggers:.1f} points of trigger recall, so differences of a point or two between runs "
                      "(or between int8 and fp32, whose dynamic quantization makes a window's scores depend on the "
                      "windows batched with it) are within noise."]
    lines.append("")
    return lines


def render(info: dict, scores: dict, ablations: list[dict], consistency: dict | None = None) -> str:
    lines = [
        "# Extraction quality",
        "",
        f"Written by `make benchmark-quality` on {info['date']} ({info['hardware']}).",
        f"Chosen config: `{info['config']}` (the default of `configs/`), backbone `{info['backbone']}`; "
        f"training took {info['train_minutes']} min ({info['device']}, {info['mixed_precision']}), best epoch "
        f"{info['best_epoch']} of {info['epochs']}; export {info['export_minutes']} min.",
        "",
        "All figures: docs/FORMAT.md §5 exact-span F1, micro-averaged, from the exported **int8** model unless marked.",
        "",
        "## Goals (M2E2 dev, int8)",
        "",
        "| metric | goal | reached |",
        "| --- | --- | --- |",
    ]
    m2e2 = scores.get("M2E2 dev", {}).get("int8")
    for key, goal in GOALS.items():
        reached = f"{m2e2[key]['f1']:.3f}" if m2e2 else "not measured (no ../shared/datasets)"
        lines.append(f"| {key.replace('_', ' ')} | {goal:.2f} | {reached} |")
    lines += ["", "## Per data set", "",
              "| data set | documents | entity | trigger id. | trigger cls. | argument id. | argument cls. | "
              "largest int8 - fp32 |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, by_variant in scores.items():
        s, f = by_variant["int8"], by_variant["fp32"]
        gap = max((s[k]["f1"] - f[k]["f1"] for k in KEYS), key=abs)
        cells = " | ".join(f"{s[k]['f1']:.3f}" for k in KEYS)
        lines.append(f"| {name} | {s['documents']} | {cells} | {gap:+.3f} |")
    lines += ["", "Precision / recall of the int8 model:", "", "| data set | " + " | ".join(
        k.replace("_", " ") for k in KEYS) + " |", "| --- |" + " --- |" * len(KEYS)]
    for name, by_variant in scores.items():
        s = by_variant["int8"]
        cells = " | ".join(f"{s[k]['precision']:.3f} / {s[k]['recall']:.3f}" for k in KEYS)
        lines.append(f"| {name} | {cells} |")
    for name, by_variant in scores.items():
        per_type = by_variant["int8"]["per_type"]
        if not per_type:
            continue
        lines += ["", f"### Per event type: {name}", "",
                  "| event type | trigger F1 | triggers (gold) | argument F1 | arguments (gold) |",
                  "| --- | --- | --- | --- | --- |"]
        for etype, m in per_type.items():
            t, a = m["trigger_classification"], m["argument_classification"]
            lines.append(f"| {etype} | {t['f1']:.3f} | {t['support']} | {a['f1']:.3f} | {a['support']} |")
    lines += [""] + render_consistency(consistency or {}, scores)
    lines += ["## Ablations", ""]
    if ablations:
        lines += ["Each row is one training run (PyTorch model at its best epoch on the run's dev set) unless the "
                  "row says otherwise; `docs/ablations.json` holds the full records and the commands.", "",
                  "| run | change | train data | dev set | entity | trigger cls. | argument cls. | hardware, time "
                  "| finding |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for a in ablations:
            d = a["dev"]
            lines.append(f"| {a['name']} | {a['change']} | {a['train_data']} | {a['dev_set']} | {d['entity']:.3f} | "
                         f"{d['trigger_classification']:.3f} | {d['argument_classification']:.3f} | "
                         f"{a['hardware']}, {a['minutes']} min | {a['finding']} |")
    else:
        lines.append("None recorded.")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--run", help="score this finished run instead of training")
    parser.add_argument("--model-out", default=None, help="model folder to write (default models/NAME)")
    parser.add_argument("--results", default=str(ROOT / "docs" / "RESULTS.md"))
    parser.add_argument("--ablations", default=str(ROOT / "docs" / "ablations.json"))
    args = parser.parse_args()

    from eventtagger.training.config import TrainConfig
    from eventtagger.training.export import export
    from eventtagger.training.run import train

    config = TrainConfig.load(args.config, args.overrides)
    start = time.perf_counter()
    run_dir = Path(args.run) if args.run else train(config, overwrite=True)
    train_minutes = round((time.perf_counter() - start) / 60, 1) if not args.run else None
    metrics = json.loads((run_dir / "metrics.json").read_text())
    if train_minutes is None:
        train_minutes = round(sum(r["train_seconds"] + r.get("eval_seconds", 0) for r in metrics["epochs"]) / 60, 1)
    model_dir = Path(args.model_out or ROOT / "models" / config.name)
    start = time.perf_counter()
    export(run_dir, model_dir)
    export_minutes = round((time.perf_counter() - start) / 60, 1)
    scores = score_model(model_dir, evaluation_sets())
    ablations = json.loads(Path(args.ablations).read_text()) if Path(args.ablations).is_file() else []
    info = {"date": datetime.date.today().isoformat(), "config": args.config, "backbone": config.backbone,
            "hardware": hardware(), "train_minutes": train_minutes, "export_minutes": export_minutes,
            "device": metrics.get("device"), "mixed_precision": metrics.get("mixed_precision"),
            "best_epoch": metrics["best_epoch"], "epochs": len(metrics["epochs"])}
    Path(args.results).parent.mkdir(parents=True, exist_ok=True)
    Path(args.results).write_text(render(info, scores, ablations, annotation_consistency()), encoding="utf-8")
    Path(args.results).with_suffix(".json").write_text(json.dumps({"info": info, "scores": scores}, indent=2) + "\n")
    print(f"wrote {args.results}")


def hardware() -> str:
    import os

    cpu = platform.processor() or "CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {len(os.sched_getaffinity(0))} cores usable"


if __name__ == "__main__":
    main()
