"""The training loop: accelerate (CUDA when present, CPU otherwise, `accelerate launch` for several GPUs; fp32
unless the config asks for bf16 or fp16), length-grouped batches, per-group learning rates, dev evaluation
with the runtime's own decoder each epoch, best checkpoint kept as safetensors."""
from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from eventtagger.core.metrics import score
from eventtagger.core.schema import Document
from eventtagger.inference.pipeline import tag_documents
from eventtagger.inference.spec import TaggerSpec
from tokenizers import Tokenizer
from tqdm.auto import tqdm

from .checkpoint import load_training_state, replace_folder, resumable_folder, save_checkpoint, save_training_state
from .config import TrainConfig
from .features import IGNORE, Example
from .model import EventTaggerModel
from .student import distillation_loss
from .torch_network import TorchNetwork


@dataclass(frozen=True)
class Batch:
    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    entity_labels: torch.Tensor
    trigger_labels: torch.Tensor
    role_rows: torch.Tensor       # [N, 2]
    role_labels: torch.Tensor     # [N, T]

    def to(self, device: torch.device) -> Batch:
        return Batch(*(t.to(device, non_blocking=True) for t in (self.input_ids, self.attention_mask,
                     self.entity_labels, self.trigger_labels, self.role_rows, self.role_labels)))


def collate(examples: list[Example], pad_id: int) -> Batch:
    length = max(len(e.input_ids) for e in examples)
    length = -(-length // 8) * 8
    n = len(examples)
    ids = torch.full((n, length), pad_id, dtype=torch.long)
    mask = torch.zeros((n, length), dtype=torch.long)
    ent = torch.full((n, length), IGNORE, dtype=torch.long)
    trig = torch.full((n, length), IGNORE, dtype=torch.long)
    rows, role_labels = [], []
    for i, e in enumerate(examples):
        k = len(e.input_ids)
        ids[i, :k] = torch.from_numpy(e.input_ids)
        mask[i, :k] = 1
        ent[i, :k] = torch.from_numpy(e.entity_labels)
        trig[i, :k] = torch.from_numpy(e.trigger_labels)
        for pos, labels in zip(e.role_positions, e.role_labels):
            rows.append((i, pos))
            row = torch.full((length,), IGNORE, dtype=torch.long)
            row[:k] = torch.from_numpy(labels)
            role_labels.append(row)
    role_rows = torch.tensor(rows, dtype=torch.long).reshape(-1, 2)
    role_tensor = torch.stack(role_labels) if role_labels else torch.empty((0, length), dtype=torch.long)
    return Batch(ids, mask, ent, trig, role_rows, role_tensor)


def length_grouped_batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Shuffle, then sort within groups of 50 batches by length: batches of similar length waste little
    padding, yet each epoch sees a different order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    group = batch_size * 50
    batches = []
    for g in range(0, len(order), group):
        chunk = sorted(order[g:g + group], key=lambda i: lengths[i], reverse=True)
        batches.extend(chunk[b:b + batch_size] for b in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def parameter_groups(model: EventTaggerModel, config: TrainConfig) -> list[dict]:
    """Encoder layers get learning_rate x layer_decay^(layers above them); heads get head_learning_rate;
    biases and norms get no weight decay."""
    n_layers = getattr(model.encoder.config, "num_hidden_layers", 12)
    groups: dict[tuple[float, float], list[torch.nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        if name.startswith("encoder."):
            depth = n_layers  # embeddings sit below layer 0
            parts = name.split(".")
            if "layer" in parts:
                idx = parts.index("layer") + 1
                if idx < len(parts) and parts[idx].isdigit():
                    depth = n_layers - 1 - int(parts[idx])
            elif "embeddings" not in parts:
                depth = 0
            lr = config.learning_rate * config.layer_decay ** depth
        else:
            lr = config.head_learning_rate
        no_decay = param.ndim == 1 or "norm" in name.lower()
        wd = 0.0 if no_decay else config.weight_decay
        groups.setdefault((lr, wd), []).append(param)
    return [{"params": p, "lr": lr, "weight_decay": wd} for (lr, wd), p in groups.items()]


def class_weights(n_tags: int, outside_weight: float, device) -> torch.Tensor | None:
    if outside_weight == 1.0:
        return None
    w = torch.ones(n_tags, device=device)
    w[0] = outside_weight
    return w


def compute_loss(model: EventTaggerModel, batch: Batch, config: TrainConfig,
                 teacher: EventTaggerModel | None = None) -> torch.Tensor:
    """Cross-entropy on the gold tags of the three heads; with a teacher, mixed with its soft targets."""
    outputs = model(batch.input_ids, batch.attention_mask, batch.role_rows)
    loss = gold_loss(outputs, batch, config)
    if teacher is None:
        return loss
    with torch.no_grad():
        targets = teacher(batch.input_ids, batch.attention_mask, batch.role_rows)
    soft = distillation_loss(outputs, targets, batch.entity_labels, batch.trigger_labels, batch.role_labels,
                             config.distill_temperature)
    return (1 - config.distill_weight) * loss + config.distill_weight * soft


def gold_loss(outputs: tuple[torch.Tensor, ...], batch: Batch, config: TrainConfig) -> torch.Tensor:
    entity, trigger, _, roles = outputs
    device = entity.device
    loss = config.entity_loss_weight * F.cross_entropy(
        entity.flatten(0, 1).float(), batch.entity_labels.flatten(), ignore_index=IGNORE)
    loss = loss + config.trigger_loss_weight * F.cross_entropy(
        trigger.flatten(0, 1).float(), batch.trigger_labels.flatten(), ignore_index=IGNORE,
        weight=class_weights(trigger.shape[-1], config.outside_weight, device))
    if roles.shape[0] > 0:
        loss = loss + config.role_loss_weight * F.cross_entropy(
            roles.flatten(0, 1).float(), batch.role_labels.flatten(), ignore_index=IGNORE,
            weight=class_weights(roles.shape[-1], config.outside_weight, device))
    else:
        loss = loss + 0.0 * roles.sum()  # keep every parameter in the graph (distributed training)
    return loss


def selection_value(metrics: dict, name: str) -> float:
    """The dev F1 that `select_metric` names (config.SELECT_METRICS): one level's, or the mean of entity,
    trigger classification and argument classification."""
    if name == "mean_f1":
        return (metrics["entity"]["f1"] + metrics["trigger_classification"]["f1"]
                + metrics["argument_classification"]["f1"]) / 3
    return metrics[name]["f1"]


def evaluate(model: EventTaggerModel, documents: list[Document], tokenizer, spec: TaggerSpec,
             device: torch.device, batch_size: int, autocast_dtype=None) -> dict:
    network = TorchNetwork(model, device, autocast_dtype)
    bare = [Document(d.id, d.text) for d in documents]
    return score(documents, tag_documents(bare, tokenizer, network, spec, windows_per_call=batch_size))


@dataclass
class Progress:
    """What the loop carries from epoch to epoch (and what `--resume` restores)."""
    history: list[dict]
    best: dict | None = None
    best_value: float = -1.0

    @property
    def epochs_done(self) -> int:
        return self.history[-1]["epoch"] if self.history else 0


@dataclass(frozen=True)
class Loop:
    """What accelerate prepared (the model is wrapped for several processes), and the data-order RNG."""
    accelerator: Any
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler
    rng: random.Random
    teacher: EventTaggerModel | None

    @property
    def is_main(self) -> bool:
        return self.accelerator.is_main_process

    def unwrapped(self) -> EventTaggerModel:
        return self.accelerator.unwrap_model(self.model)


@dataclass(frozen=True)
class Checkpoints:
    """run_dir/checkpoints: `best` (what export ships) and `last` (what --resume continues). Each is written
    beside its target and swapped in whole, so a kill at any moment leaves a complete one."""
    folder: Path
    tokenizer: Tokenizer
    spec: TaggerSpec
    backbone: str

    def save(self, name: str, model: EventTaggerModel, training_state: tuple | None = None) -> None:
        """`training_state`: (optimizer, scheduler, progress) for `last`, which --resume reads besides the weights."""
        staged = self.folder / f"{name}.new"
        save_checkpoint(staged, model, self.tokenizer, self.spec, self.backbone)
        if training_state is not None:
            save_training_state(staged, *training_state)
        replace_folder(staged, self.folder / name)


def fit(config: TrainConfig, model: EventTaggerModel, train_examples: list[Example], dev_documents: list[Document],
        tokenizer: Tokenizer, spec: TaggerSpec, run_dir: Path, backbone: str, extra: dict, resume: bool = False,
        teacher: EventTaggerModel | None = None) -> dict:
    """Train for config.epochs; with `resume`, go on from run_dir/checkpoints/last (weights, optimizer,
    scheduler, data order and history), so an interrupted run ends as if it had never stopped. With a
    `teacher` (frozen), the loss mixes in its outputs (training/student.py). Returns metrics.json's content
    (empty on processes other than the main one)."""
    loop = set_up(config, model, len(train_examples), teacher)
    checkpoints = Checkpoints(run_dir / "checkpoints", tokenizer, spec, backbone)
    progress = restore_progress(loop, checkpoints) if resume else Progress(history=[])
    for epoch in range(progress.epochs_done + 1, config.epochs + 1):
        batches = epoch_batches(loop, train_examples, config.batch_size)
        record = {"epoch": epoch, **train_epoch(loop, batches, config, spec.pad_id, f"epoch {epoch}/{config.epochs}")}
        if dev_documents and (epoch % config.eval_every_epochs == 0 or epoch == config.epochs):
            evaluate_epoch(loop, record, progress, dev_documents, config, checkpoints)
        progress.history.append(record)
        save_last(loop, progress, checkpoints)
    loop.accelerator.wait_for_everyone()
    if not loop.is_main:  # evaluation, checkpoints and metrics are the main process's
        return {}
    return write_metrics(loop, progress, config, checkpoints, run_dir / "metrics.json", extra)


def set_up(config: TrainConfig, model: EventTaggerModel, n_examples: int,
           teacher: EventTaggerModel | None) -> Loop:
    """Device and precision (CUDA when present, else CPU), seeds, the optimizer and its schedule, all
    handed to accelerate."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    cuda = torch.cuda.is_available()
    accelerator = Accelerator(mixed_precision=config.mixed_precision, cpu=not cuda)
    set_seed(config.seed)
    rng = random.Random(config.seed)
    if not cuda and config.num_threads:
        torch.set_num_threads(config.num_threads)
    if cuda and config.compile:  # in place: the state dict keeps its names, so checkpoints load anywhere
        model.encoder.compile(dynamic=True)
    optimizer = torch.optim.AdamW(parameter_groups(model, config), fused=cuda)
    steps = total_steps(n_examples, config, accelerator.num_processes)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, linear_schedule(int(steps * config.warmup_ratio), steps))
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    if teacher is not None:
        teacher = teacher.to(accelerator.device).eval()
    return Loop(accelerator, model, optimizer, scheduler, rng, teacher)


def total_steps(n_examples: int, config: TrainConfig, processes: int) -> int:
    """accelerate's prepared scheduler advances once per process on every step, so count global batches."""
    return math.ceil(n_examples / config.batch_size) // processes * processes * config.epochs


def restore_progress(loop: Loop, checkpoints: Checkpoints) -> Progress:
    """Optimizer, scheduler, RNGs and history from checkpoints/last (training/run.py loaded its weights
    before accelerate wrapped the model)."""
    saved = load_training_state(resumable_folder(checkpoints.folder / "last"), loop.optimizer, loop.scheduler)
    loop.rng.setstate(_rng_state(saved["python_rng"]))
    best = next((r for r in saved["history"] if r["epoch"] == saved["best_epoch"]), None)
    loop.accelerator.print(f"resuming after epoch {saved['epoch']}")
    return Progress(saved["history"], best, saved["best_value"])


def epoch_batches(loop: Loop, examples: list[Example], batch_size: int) -> list[list[Example]]:
    """This process's share of one epoch's length-grouped batches; every process takes as many steps."""
    processes = loop.accelerator.num_processes
    ordered = length_grouped_batches([len(e.input_ids) for e in examples], batch_size, loop.rng)
    ordered = ordered[:len(ordered) // processes * processes]
    return [[examples[i] for i in indices] for indices in ordered[loop.accelerator.process_index::processes]]


def evaluate_epoch(loop: Loop, record: dict, progress: Progress, dev_documents: list[Document],
                   config: TrainConfig, checkpoints: Checkpoints) -> None:
    """Score dev into `record` on the main process; a new best epoch replaces checkpoints/best."""
    if loop.is_main:
        started = time.perf_counter()
        record["dev"] = evaluate(loop.unwrapped(), dev_documents, checkpoints.tokenizer, checkpoints.spec,
                                 loop.accelerator.device, config.eval_batch_size,
                                 precision_dtype(config.mixed_precision))
        record["eval_seconds"] = round(time.perf_counter() - started, 1)
        value = selection_value(record["dev"], config.select_metric)
        record["selection"] = round(value, 4)
        if value > progress.best_value:
            progress.best_value, progress.best = value, record
            checkpoints.save("best", loop.unwrapped())
    loop.accelerator.wait_for_everyone()


def save_last(loop: Loop, progress: Progress, checkpoints: Checkpoints) -> None:
    """Report the epoch and replace checkpoints/last: weights, optimizer, scheduler, RNGs and history."""
    if not loop.is_main:
        return
    record = progress.history[-1]
    loop.accelerator.print(_epoch_line(record))
    state = {"epoch": record["epoch"], "history": progress.history, "best_value": progress.best_value,
             "best_epoch": progress.best["epoch"] if progress.best else None, "python_rng": loop.rng.getstate()}
    checkpoints.save("last", loop.unwrapped(), (loop.optimizer, loop.scheduler, state))


def write_metrics(loop: Loop, progress: Progress, config: TrainConfig, checkpoints: Checkpoints, path: Path,
                  extra: dict) -> dict:
    """metrics.json: every epoch's record and the best one. Without dev data the last epoch is the model."""
    if progress.best is None:
        checkpoints.save("best", loop.unwrapped())
        progress.best = progress.history[-1]
    metrics = {"name": config.name, "best_epoch": progress.best["epoch"], "best": progress.best.get("dev"),
               "epochs": progress.history, "select_metric": config.select_metric,
               "device": str(loop.accelerator.device), "mixed_precision": config.mixed_precision,
               "processes": loop.accelerator.num_processes, **extra}
    path.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics


def train_epoch(loop: Loop, batches: list[list[Example]], config: TrainConfig, pad_id: int,
                description: str) -> dict:
    """One pass over `batches`. Nothing here waits for the device between steps (the loss is summed on the
    device, tokens are counted on the host, the progress bar reads the loss every 50 steps): on a GPU a small
    encoder is bound by kernel launches, and each host sync would leave the GPU idle."""
    accelerator, model = loop.accelerator, loop.model
    model.train()
    start, tokens = time.perf_counter(), 0
    total = torch.zeros((), device=accelerator.device)
    bar = tqdm(batches, desc=description, disable=not loop.is_main, leave=False, mininterval=2.0)
    for step, examples in enumerate(bar):
        batch = collate(examples, pad_id)
        tokens += int(batch.attention_mask.sum())
        batch = batch.to(accelerator.device)
        with accelerator.autocast():
            loss = compute_loss(model, batch, config, loop.teacher)
        accelerator.backward(loss)
        if config.max_grad_norm > 0:
            accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        loop.optimizer.step()
        loop.scheduler.step()
        loop.optimizer.zero_grad(set_to_none=True)
        total += loss.detach()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}")
    mean_loss = float(total) / max(1, len(batches))
    seconds = time.perf_counter() - start
    return {"train_loss": round(mean_loss, 4), "train_seconds": round(seconds, 1),
            "train_tokens_per_second": round(tokens / seconds, 1)}


def precision_dtype(mixed_precision: str) -> torch.dtype | None:
    """The dtype dev evaluation computes in: the one training autocasts to (None for fp32)."""
    return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(mixed_precision)


def _rng_state(saved) -> tuple:
    """random.Random state from its JSON form (lists where the state has tuples)."""
    version, internal, gauss = saved
    return version, tuple(internal), gauss


def _epoch_line(record: dict) -> str:
    line = f"epoch {record['epoch']}: loss {record['train_loss']:.4f}, {record['train_seconds']:.0f}s"
    if "dev" in record:
        d = record["dev"]
        line += (f" | dev entity {d['entity']['f1']:.3f} trigger {d['trigger_classification']['f1']:.3f}"
                 f" argument {d['argument_classification']['f1']:.3f}")
    return line


def linear_schedule(warmup: int, total: int):
    """Linear warm-up to the full rate, then linear decay to zero."""
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return factor
