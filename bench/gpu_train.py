"""GPU training throughput: our loop against the plain transformers Trainer recipe, same data, same model,
one process, one run.

    python bench/gpu_train.py --config configs/m2e2.yaml [--set key=value ...] [--variant NAME:key=value,...]

(a) trainer  transformers.Trainer with its defaults (fp32, random batch order, dynamic padding, AdamW),
             the same EventTaggerModel, windows, losses, epochs and encoder learning rate (Trainer has one
             rate for every parameter, fused AdamW and pinned memory by default)
(b) ours     eventtagger's loop (training/trainer.py): length-grouped batches, its own head learning rate,
             fused AdamW, precision and batch size from the config
--variant    more runs of either, with other settings, e.g. the GPU settings of configs/m2e2_gpu.yaml:
             --variant "gpu:batch_size=64,mixed_precision='no'" --variant "trainer-b64:batch_size=64"

Reports real (non-padding) tokens per second, time to the best dev figure, dev F1 (scored with the runtime's
decoder for both), peak GPU memory and mean GPU utilisation (nvidia-smi sampled every 0.5 s).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import torch


class UtilisationSampler:
    def __init__(self):
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.5):
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"],
                                     capture_output=True, text=True, timeout=5)
                self.samples.append(float(out.stdout.split()[0]))
            except (OSError, ValueError, IndexError, subprocess.SubprocessError):
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def mean(self) -> float | None:
        return round(sum(self.samples) / len(self.samples), 1) if self.samples else None


def build(config):
    """The model, windows, dev documents, tokenizer and spec `eventtagger train` would build, and the real
    (non-padding) tokens of one epoch."""
    from eventtagger.training.run import prepare

    run = prepare(config)
    tokens = sum(len(e.input_ids) for e in run.examples)
    return run.model, run.examples, run.dev_documents, run.tokenizer, run.spec, tokens


def run_trainer_recipe(config, workdir: Path) -> dict:
    """The plain recipe: Trainer defaults around the same model and losses. A callback scores dev at each
    epoch's end with the same decoder as ours (its time is kept out of the training time), so both sides
    report time to their best epoch."""
    from eventtagger.training.trainer import Batch, collate, compute_loss, evaluate, selection_value
    from transformers import Trainer, TrainerCallback, TrainingArguments

    model, examples, dev_docs, tokenizer, spec, tokens = build(config)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    class WithLoss(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, **batch):
            return {"loss": compute_loss(self.inner, Batch(**batch), config)}

    def collator(items):
        b = collate(items, spec.pad_id)
        return {k: getattr(b, k) for k in Batch.__dataclass_fields__}

    class EpochScores(TrainerCallback):
        def __init__(self):
            self.history: list[dict] = []
            self._started = 0.0

        def on_epoch_begin(self, args, state, control, **kwargs):
            _sync()
            self._started = time.perf_counter()

        def on_epoch_end(self, args, state, control, **kwargs):
            _sync()
            trained = time.perf_counter() - self._started
            started = time.perf_counter()
            dev = evaluate(model, dev_docs, tokenizer, spec, device, config.eval_batch_size)
            model.train()
            self.history.append({"epoch": len(self.history) + 1, "train_seconds": trained,
                                 "eval_seconds": time.perf_counter() - started, "dev": dev,
                                 "selection": selection_value(dev, config.select_metric)})

    args = TrainingArguments(output_dir=str(workdir / "trainer"), per_device_train_batch_size=config.batch_size,
                             num_train_epochs=config.epochs, learning_rate=config.learning_rate,
                             weight_decay=config.weight_decay, warmup_steps=config.warmup_ratio,
                             eval_strategy="no", save_strategy="no", report_to=[], logging_strategy="no",
                             seed=config.seed, remove_unused_columns=False, dataloader_num_workers=0)
    scores = EpochScores()
    trainer = Trainer(model=WithLoss(model), args=args, train_dataset=examples, data_collator=collator,
                      callbacks=[scores])
    _reset_memory()
    with UtilisationSampler() as util:
        trainer.train()
    return _summary("transformers Trainer defaults (fp32, random order, AdamW)", config, tokens, scores.history,
                    util.mean, "no")


def run_ours(config, workdir: Path) -> dict:
    from eventtagger.training.trainer import fit

    model, examples, dev_docs, tokenizer, spec, tokens = build(config)
    _reset_memory()
    with UtilisationSampler() as util:
        metrics = fit(config, model, examples, dev_docs, tokenizer, spec, workdir / "ours", config.backbone, {})
    precision = {"no": "fp32"}.get(metrics["mixed_precision"], metrics["mixed_precision"])
    recipe = (f"eventtagger ({precision}, batch {config.batch_size}, length-grouped, head learning rate, fused AdamW"
              + (", compiled encoder)" if config.compile else ")"))
    return _summary(recipe, config, tokens, metrics["epochs"], util.mean, metrics["mixed_precision"])


def _summary(recipe: str, config, tokens_per_epoch: int, history: list[dict], utilisation, precision) -> dict:
    """Training throughput excludes dev scoring; time to best counts training and scoring up to the best
    epoch (what a user waits for)."""
    train_seconds = sum(r["train_seconds"] for r in history)
    best = max(history, key=lambda r: r["selection"])
    to_best = sum(r["train_seconds"] + r.get("eval_seconds", 0) for r in history if r["epoch"] <= best["epoch"])
    return {"recipe": recipe, "epochs": len(history), "mixed_precision": precision,
            "train_seconds": round(train_seconds, 1),
            "tokens_per_s": round(tokens_per_epoch * len(history) / train_seconds, 1),
            "epoch_seconds": [round(r["train_seconds"], 2) for r in history],
            "best_epoch": best["epoch"], "seconds_to_best_epoch": round(to_best, 1),
            "dev_f1_best": _f1(best["dev"]), "dev_f1_last": _f1(history[-1]["dev"]),
            "selection_by_epoch": [round(r["selection"], 4) for r in history],
            "peak_gpu_memory_gb": _peak_memory(), "gpu_utilisation_mean": utilisation}


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _reset_memory() -> None:
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def _peak_memory() -> float | None:
    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None


def _f1(dev: dict) -> dict:
    return {k: dev[k]["f1"] for k in ("entity", "trigger_classification", "argument_classification")}


SIDES = {"trainer": [], "ours": [], "ours-compiled": ["compile=true"]}


def parse_variant(text: str) -> tuple[str, list[str]]:
    """NAME:key=value,key=value -> ("NAME", ["key=value", ...]): one more run of our loop."""
    name, _, settings = text.partition(":")
    return name, [item for item in settings.split(",") if item]


def main() -> None:
    from eventtagger.training.config import TrainConfig

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="key=value for every side")
    parser.add_argument("--sides", nargs="*", choices=list(SIDES), default=list(SIDES))
    parser.add_argument("--variant", action="append", default=[], type=parse_variant,
                        help="NAME:key=value,... one more run with these settings (of the Trainer recipe when "
                        "NAME starts with 'trainer', else of our loop)")
    parser.add_argument("--only", choices=["trainer", "ours"], help=argparse.SUPPRESS)  # a child runs one side
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA GPU: running on the CPU (a smoke test; the figures that matter are GPU ones)", flush=True)
    if args.only:  # a child: one side, in a process of its own (accelerate's state is per process)
        config = TrainConfig.load(args.config, args.overrides)
        run = run_trainer_recipe if args.only == "trainer" else run_ours
        with tempfile.TemporaryDirectory() as tmp:
            side = run(config, Path(tmp))
        print("RESULT " + json.dumps(side), flush=True)
        return
    runs = {name: SIDES[name] for name in args.sides} | dict(args.variant)
    results = {"gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
               "torch": torch.__version__, "config": args.config, "overrides": args.overrides,
               "settings": runs, "runs": {}}
    for name, settings in runs.items():
        recipe = "trainer" if name.startswith("trainer") else "ours"
        cmd = [sys.executable, __file__, "--config", args.config, "--only", recipe]
        for item in args.overrides + settings:
            cmd += ["--set", item]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            print(f"{name} failed:\n{proc.stderr[-3000:]}", flush=True)
            continue
        results["runs"][name] = json.loads(lines[-1][len("RESULT "):])
        print(json.dumps({name: results["runs"][name]}), flush=True)
    base = results["runs"].get("trainer", {}).get("tokens_per_s")
    for r in results["runs"].values():
        r["throughput_vs_trainer"] = round(r["tokens_per_s"] / base, 2) if base else None
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))


def table(results: dict) -> str:
    rows = ["| run | settings | tokens/s | x Trainer | best epoch | s to best | entity | trigger | argument "
            "| GPU GB | util % |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, r in results["runs"].items():
        f1 = r["dev_f1_best"]
        rows.append(f"| {name} | {' '.join(results['settings'][name]) or '-'} | {r['tokens_per_s']:,.0f} | "
                    f"{r['throughput_vs_trainer']} | {r['best_epoch']} | {r['seconds_to_best_epoch']} | "
                    f"{f1['entity']:.3f} | {f1['trigger_classification']:.3f} | {f1['argument_classification']:.3f} | "
                    f"{r['peak_gpu_memory_gb']} | {r['gpu_utilisation_mean']} |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
