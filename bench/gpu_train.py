"""GPU training throughput: our loop against the plain transformers Trainer recipe, same data, same model,
one process, one run.

    python bench/gpu_train.py --config configs/m2e2.yaml [--set key=value ...] [--epochs 10]

(a) trainer  transformers.Trainer with its defaults (fp32, random batch order, dynamic padding, AdamW),
             the same EventTaggerModel, the same windows and losses, the same learning rates and epochs
(b) ours     eventtagger's loop: bf16 autocast, length-grouped batches, fused AdamW (training/trainer.py)

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
    from eventtagger.inference.ontology import Ontology
    from eventtagger.inference.spec import TaggerSpec
    from eventtagger.training.checkpoint import load_backbone
    from eventtagger.training.data import load_sources
    from eventtagger.training.features import build_examples
    from eventtagger.training.model import EventTaggerModel, HeadConfig
    from eventtagger.training.run import argument_spans

    ontology = Ontology.load(config.ontology)
    train_docs = load_sources(config.train, ontology, "train")
    if config.max_train_documents:
        train_docs = train_docs[:config.max_train_documents]
    dev_docs = load_sources(config.dev, ontology, "dev")
    torch.manual_seed(config.seed)
    backbone = load_backbone(config.backbone)
    spec = TaggerSpec(ontology, config.max_length, config.stride, backbone.cls_id, backbone.sep_id, backbone.pad_id,
                      config.candidate_threshold, argument_spans(config, train_docs))
    model = EventTaggerModel(backbone.encoder, HeadConfig(len(spec.entity_tags.names), len(spec.trigger_tags.names),
                                                          len(spec.role_tags.names), config.role_dim, config.dropout,
                                                          config.candidate_threshold))
    return model, build_examples(train_docs, backbone.tokenizer, spec), dev_docs, backbone.tokenizer, spec


def run_trainer_recipe(config, workdir: Path) -> dict:
    """The plain recipe: Trainer defaults around the same model and losses."""
    from eventtagger.training.trainer import Batch, collate, compute_loss, evaluate, selection_value
    from transformers import Trainer, TrainingArguments

    model, examples, dev_docs, tokenizer, spec = build(config)

    class WithLoss(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, **batch):
            return {"loss": compute_loss(self.inner, Batch(**batch), config)}

    def collator(items):
        b = collate(items, spec.pad_id)
        return {k: getattr(b, k) for k in Batch.__dataclass_fields__}

    tokens = sum(int((e.input_ids != spec.pad_id).sum()) for e in examples) * config.epochs
    args = TrainingArguments(output_dir=str(workdir / "trainer"), per_device_train_batch_size=config.batch_size,
                             num_train_epochs=config.epochs, learning_rate=config.learning_rate,
                             weight_decay=config.weight_decay, warmup_steps=config.warmup_ratio,
                             eval_strategy="no", save_strategy="no", report_to=[], logging_strategy="no",
                             seed=config.seed, remove_unused_columns=False, dataloader_num_workers=0)
    trainer = Trainer(model=WithLoss(model), args=args, train_dataset=examples, data_collator=collator)
    _reset_memory()
    with UtilisationSampler() as util:
        start = time.perf_counter()
        trainer.train()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = evaluate(model, dev_docs, tokenizer, spec, device, config.eval_batch_size)
    return {"recipe": "transformers Trainer defaults", "epochs": config.epochs, "train_seconds": round(seconds, 1),
            "tokens_per_s": round(tokens / seconds, 1), "peak_gpu_memory_gb": _peak_memory(),
            "gpu_utilisation_mean": util.mean, "dev_f1": _f1(dev),
            "selection": round(selection_value(dev, config.select_metric), 4)}


def run_ours(config, workdir: Path) -> dict:
    from eventtagger.training.trainer import fit

    model, examples, dev_docs, tokenizer, spec = build(config)
    tokens = sum(int((e.input_ids != spec.pad_id).sum()) for e in examples)
    _reset_memory()
    with UtilisationSampler() as util:
        metrics = fit(config, model, examples, dev_docs, tokenizer, spec, workdir / "ours", config.backbone, {})
    history = metrics["epochs"]
    train_seconds = sum(r["train_seconds"] for r in history)
    best = metrics["best_epoch"]
    to_best = sum(r["train_seconds"] + r.get("eval_seconds", 0) for r in history if r["epoch"] <= best)
    return {"recipe": "eventtagger (bf16, length-grouped, fused AdamW)", "epochs": config.epochs,
            "train_seconds": round(train_seconds, 1), "tokens_per_s": round(tokens * len(history) / train_seconds, 1),
            "seconds_to_best_epoch": round(to_best, 1), "best_epoch": best,
            "peak_gpu_memory_gb": _peak_memory(), "gpu_utilisation_mean": util.mean, "dev_f1": _f1(metrics["best"]),
            "selection": round(max(r.get("selection", 0) for r in history), 4),
            "mixed_precision": metrics["mixed_precision"]}


def _reset_memory() -> None:
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()


def _peak_memory() -> float | None:
    return round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None


def _f1(dev: dict) -> dict:
    return {k: dev[k]["f1"] for k in ("entity", "trigger_classification", "argument_classification")}


def main() -> None:
    from eventtagger.training.config import TrainConfig

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", required=True)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--only", choices=["trainer", "ours"], help="run one side only")
    parser.add_argument("--json-out")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("no CUDA GPU: running on the CPU (a smoke test; the figures that matter are GPU ones)", flush=True)
    config = TrainConfig.load(args.config, args.overrides)
    if args.only:  # a child: one side, in a process of its own (accelerate's state is per process)
        with tempfile.TemporaryDirectory() as tmp:
            side = {"trainer": run_trainer_recipe, "ours": run_ours}[args.only](config, Path(tmp))
        print("RESULT " + json.dumps(side), flush=True)
        return
    results = {"gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
               "torch": torch.__version__, "config": args.config, "overrides": args.overrides}
    for side in ("trainer", "ours"):
        cmd = [sys.executable, __file__, "--config", args.config, "--only", side]
        for item in args.overrides:
            cmd += ["--set", item]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        if proc.returncode != 0 or not lines:
            raise SystemExit(f"{side} failed:\n{proc.stderr[-3000:]}")
        results[side] = json.loads(lines[-1][len("RESULT "):])
        print(json.dumps({side: results[side]}), flush=True)
    if "trainer" in results and "ours" in results:
        results["throughput_ratio"] = round(results["ours"]["tokens_per_s"] / results["trainer"]["tokens_per_s"], 2)
    print(json.dumps(results, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
