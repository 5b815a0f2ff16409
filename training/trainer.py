"""The training loop: accelerate (CUDA with bf16 when present, CPU otherwise, `accelerate launch` for
several GPUs), length-grouped batches, per-group learning rates, dev evaluation with the runtime's own
decoder each epoch, best checkpoint kept as safetensors."""
from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from eventtagger.core.metrics import score
from eventtagger.inference.pipeline import tag_documents
from eventtagger.core.schema import Document
from eventtagger.inference.spec import TaggerSpec
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
    if name == "mean_f1":
        return (metrics["entity"]["f1"] + metrics["trigger_classification"]["f1"]
                + metrics["argument_classification"]["f1"]) / 3
    head, _, _ = name.partition(".")
    return metrics[head]["f1"]


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


def fit(config: TrainConfig, model: EventTaggerModel, train_examples: list[Example], dev_documents: list[Document],
        tokenizer, spec: TaggerSpec, run_dir: Path, backbone: str, extra: dict, resume: bool = False,
        teacher: EventTaggerModel | None = None) -> dict:
    """Train for config.epochs; with `resume`, go on from run_dir/checkpoints/last (weights, optimizer,
    scheduler, data order and history), so an interrupted run ends as if it had never stopped. With a
    `teacher` (frozen), the loss mixes in its outputs (training/student.py)."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed

    cuda = torch.cuda.is_available()
    precision = resolve_precision(config.mixed_precision, cuda)
    accelerator = Accelerator(mixed_precision=precision, cpu=not cuda)
    set_seed(config.seed)
    rng = random.Random(config.seed)
    if not cuda and config.num_threads:
        torch.set_num_threads(config.num_threads)
    # accelerate's prepared scheduler advances once per process on every step, so count global batches
    processes = accelerator.num_processes
    total_steps = math.ceil(len(train_examples) / config.batch_size) // processes * processes * config.epochs
    if cuda and config.compile:  # in place: the state dict keeps its names, so checkpoints load anywhere
        model.encoder.compile(dynamic=True)
    optimizer = torch.optim.AdamW(parameter_groups(model, config), fused=cuda)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, linear_schedule(int(total_steps * config.warmup_ratio), total_steps))
    model, optimizer, scheduler = accelerator.prepare(model, optimizer, scheduler)
    if teacher is not None:
        teacher = teacher.to(accelerator.device).eval()
    autocast_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
    checkpoints = run_dir / "checkpoints"
    save = lambda folder: save_checkpoint(folder, accelerator.unwrap_model(model), tokenizer, spec, backbone)  # noqa: E731

    progress, first_epoch = Progress(history=[]), 1
    if resume:
        saved = load_training_state(resumable_folder(checkpoints / "last"), optimizer, scheduler)
        rng.setstate(_rng_state(saved["python_rng"]))
        best = next((r for r in saved["history"] if r["epoch"] == saved["best_epoch"]), None)
        progress, first_epoch = Progress(saved["history"], best, saved["best_value"]), saved["epoch"] + 1
        accelerator.print(f"resuming after epoch {saved['epoch']}")
    lengths = [len(e.input_ids) for e in train_examples]
    for epoch in range(first_epoch, config.epochs + 1):
        ordered = length_grouped_batches(lengths, config.batch_size, rng)
        ordered = ordered[:len(ordered) // processes * processes]  # every process takes as many steps
        shard = ordered[accelerator.process_index::processes]
        batches = [[train_examples[i] for i in indices] for indices in shard]
        record = {"epoch": epoch, **train_epoch(accelerator, model, optimizer, scheduler, batches, config,
                                                 spec.pad_id, f"epoch {epoch}/{config.epochs}", teacher)}
        if dev_documents and (epoch % config.eval_every_epochs == 0 or epoch == config.epochs):
            if accelerator.is_main_process:
                started = time.perf_counter()
                record["dev"] = evaluate(accelerator.unwrap_model(model), dev_documents, tokenizer, spec,
                                         accelerator.device, config.eval_batch_size, autocast_dtype)
                record["eval_seconds"] = round(time.perf_counter() - started, 1)
                value = selection_value(record["dev"], config.select_metric)
                record["selection"] = round(value, 4)
                if value > progress.best_value:
                    progress.best_value, progress.best = value, record
                    save(checkpoints / "best.new")
                    replace_folder(checkpoints / "best.new", checkpoints / "best")
            accelerator.wait_for_everyone()
        progress.history.append(record)
        if accelerator.is_main_process:
            accelerator.print(_epoch_line(record))
            save(checkpoints / "last.new")
            save_training_state(checkpoints / "last.new", optimizer, scheduler, {
                "epoch": epoch, "history": progress.history, "best_value": progress.best_value,
                "best_epoch": progress.best["epoch"] if progress.best else None, "python_rng": rng.getstate()})
            replace_folder(checkpoints / "last.new", checkpoints / "last")
    accelerator.wait_for_everyone()
    if not accelerator.is_main_process:  # evaluation, checkpoints and metrics are the main process's
        return {}
    if progress.best is None:  # no dev data: the last epoch is the model
        save(checkpoints / "best")
        progress.best = progress.history[-1]
    metrics = {"name": config.name, "best_epoch": progress.best["epoch"], "best": progress.best.get("dev"),
               "epochs": progress.history, "select_metric": config.select_metric, "device": str(accelerator.device),
               "mixed_precision": precision, "processes": processes, **extra}
    (run_dir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics


def train_epoch(accelerator, model, optimizer, scheduler, batches: list[list[Example]], config: TrainConfig,
                pad_id: int, description: str, teacher: EventTaggerModel | None = None) -> dict:
    """One pass over `batches`. Nothing here waits for the device between steps (the loss is summed on the
    device, tokens are counted on the host, the progress bar reads the loss every 50 steps): on a GPU a small
    encoder is bound by kernel launches, and each host sync would leave the GPU idle."""
    model.train()
    start, tokens = time.perf_counter(), 0
    total = torch.zeros((), device=accelerator.device)
    bar = tqdm(batches, desc=description, disable=not accelerator.is_main_process, leave=False, mininterval=2.0)
    for step, examples in enumerate(bar):
        batch = collate(examples, pad_id)
        tokens += int(batch.attention_mask.sum())
        batch = batch.to(accelerator.device)
        with accelerator.autocast():
            loss = compute_loss(model, batch, config, teacher)
        accelerator.backward(loss)
        if config.max_grad_norm > 0:
            accelerator.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        total += loss.detach()
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.3f}")
    mean_loss = float(total) / max(1, len(batches))
    seconds = time.perf_counter() - start
    return {"train_loss": round(mean_loss, 4), "train_seconds": round(seconds, 1),
            "train_tokens_per_second": round(tokens / seconds, 1)}


def resolve_precision(setting: str, cuda: bool) -> str:
    """auto: bf16 where the hardware computes it natively (CUDA GPUs from Ampere on; CPUs with AMX or
    AVX512-BF16, where it trains about 1.5x faster than fp32), fp32 elsewhere."""
    if setting != "auto":
        return setting
    if cuda:
        return "bf16" if torch.cuda.is_bf16_supported() else "no"
    return "bf16" if cpu_has_native_bf16() else "no"


def cpu_has_native_bf16() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


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
