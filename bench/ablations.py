"""Record an ablation: one finished training run, summarised into docs/ablations.json (which
`make benchmark-quality` renders into docs/RESULTS.md).

    python bench/ablations.py RUN_DIR --name base --change "M2E2 train only" \\
        --command "eventtagger train --config configs/m2e2.yaml" --finding "..."

A record holds the run's best-epoch dev figures (PyTorch model, the runtime's decoder), its training data,
hardware and time, and the command that reproduces it. A record of the same name is replaced.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def summarize(run_dir: Path) -> dict:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    best = metrics["best"]
    hardware = metrics.get("hardware", {})
    device = hardware.get("gpu") or f"CPU, {hardware.get('cpu_threads', '?')} threads"
    seconds = sum(r["train_seconds"] + r.get("eval_seconds", 0) for r in metrics["epochs"])
    train = metrics.get("train_data", {})
    return {"dev": {k: best[k]["f1"] for k in ("entity", "trigger_classification", "argument_classification")},
            "best_epoch": metrics["best_epoch"], "epochs": len(metrics["epochs"]),
            "train_data": f"{train.get('documents', '?')} docs, {train.get('events', '?')} events",
            "hardware": f"{device} ({metrics.get('mixed_precision', '?')})", "minutes": round(seconds / 60, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--change", required=True, help="what this run changes against the base")
    parser.add_argument("--command", required=True, help="the command that reproduces the run")
    parser.add_argument("--finding", required=True, help="what the figures say")
    parser.add_argument("--dev-set", default="M2E2 dev")
    parser.add_argument("--dev", help="JSON of dev F1s measured otherwise (e.g. a decoding-only change)")
    parser.add_argument("--file", type=Path, default=ROOT / "docs" / "ablations.json")
    args = parser.parse_args()
    record = {"name": args.name, "change": args.change, "command": args.command, "finding": args.finding,
              "dev_set": args.dev_set, **summarize(args.run_dir)}
    if args.dev:
        record["dev"] = json.loads(args.dev)
    records = json.loads(args.file.read_text()) if args.file.is_file() else []
    records = [r for r in records if r["name"] != args.name] + [record]
    args.file.parent.mkdir(parents=True, exist_ok=True)
    args.file.write_text(json.dumps(records, indent=2) + "\n")
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
