"""Where a GPU training step's time goes: milliseconds per step and kernel launches per step for variants of
the same loop (precision, batch size, compiled encoder), on the real training windows of a config.

    python bench/gpu_step_probe.py --config configs/m2e2.yaml [--steps 150]

A small encoder on a large GPU is bound by the host (Python and kernel launches), not by arithmetic: this
says by how much, and which lever moves it. Prints one JSON line per variant and a table.
"""
from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch
from gpu_train import build  # bench/ is the script's own folder


def launches_per_step(step, batches) -> tuple[float, float]:
    """CUDA kernel launches and host milliseconds spent launching, per step, from the profiler."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for b in batches:
            step(b)
        _sync()
    launches = [e for e in prof.events() if "LaunchKernel" in e.name]
    return len(launches) / len(batches), sum(e.cpu_time_total for e in launches) / 1e3 / len(batches)


def probe(config, batch_size: int, precision: str, compiled: bool, tf32: bool, steps: int) -> dict:
    from eventtagger.training.trainer import collate, compute_loss, length_grouped_batches, parameter_groups

    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    model, examples, _, _, spec, _ = build(config)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model.to(device).train()
    if compiled and device.type == "cuda":
        model.encoder.compile(dynamic=True)
    optimizer = torch.optim.AdamW(parameter_groups(model, config), fused=device.type == "cuda")
    dtype = {"bf16": torch.bfloat16, "no": None}[precision]
    order = length_grouped_batches([len(e.input_ids) for e in examples], batch_size, random.Random(0))
    batches = [collate([examples[i] for i in idx], spec.pad_id) for idx in order]
    tokens = [int(b.attention_mask.sum()) for b in batches]

    def step(batch):  # training/trainer.py's train_epoch step, without accelerate (one process, many precisions)
        batch = batch.to(device)
        with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
            loss = compute_loss(model, batch, config)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    started = time.perf_counter()
    for b in batches[:30]:  # warm-up (and compilation)
        step(b)
    _sync()
    warm = time.perf_counter() - started
    run = [batches[(30 + i) % len(batches)] for i in range(steps)]
    started = time.perf_counter()
    for b in run:
        step(b)
    _sync()
    seconds = time.perf_counter() - started
    n_tokens = sum(tokens[(30 + i) % len(batches)] for i in range(steps))
    started = time.perf_counter()
    for idx in order[:steps]:
        collate([examples[i] for i in idx], spec.pad_id)
    collate_ms = (time.perf_counter() - started) * 1e3 / steps
    launches, launch_ms = launches_per_step(step, run[:10])
    return {"batch_size": batch_size, "precision": precision, "tf32": tf32, "compiled": compiled,
            "ms_per_step": round(seconds * 1e3 / steps, 2), "tokens_per_s": round(n_tokens / seconds),
            "launches_per_step": round(launches), "launch_ms_per_step": round(launch_ms, 2),
            "collate_ms": round(collate_ms, 2), "warmup_s": round(warm, 1),
            "peak_gb": round(torch.cuda.max_memory_allocated() / 2**30, 2) if device.type == "cuda" else None}


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


VARIANTS = [  # batch, precision, compiled, tf32
    (16, "no", False, False), (16, "no", False, True), (16, "bf16", False, False), (16, "bf16", True, False),
    (32, "bf16", False, False), (64, "bf16", False, False), (64, "no", False, True), (64, "bf16", True, False),
]


def main() -> None:
    from eventtagger.training.config import TrainConfig

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--variants", type=int, default=len(VARIANTS), help="run the first N variants")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA GPU: a smoke test on the CPU", flush=True)
    config = TrainConfig.load(args.config, args.overrides)
    rows = []
    for batch_size, precision, compiled, tf32 in VARIANTS[:args.variants]:
        row = probe(config, batch_size, precision, compiled, tf32, args.steps)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(rows, indent=2) + "\n")
    print("| batch | precision | tf32 | compiled | ms/step | tokens/s | launches/step | launch ms | collate ms |")
    print("| ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['batch_size']} | {r['precision']} | {r['tf32']} | {r['compiled']} | {r['ms_per_step']} | "
              f"{r['tokens_per_s']:,} | {r['launches_per_step']} | {r['launch_ms_per_step']} | {r['collate_ms']} |")


if __name__ == "__main__":
    main()
