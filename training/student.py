"""Smaller, faster models: keep some of the encoder's layers, and learn from a trained teacher.

`encoder_layers: [0, 2, 4]` keeps three of six layers (for MiniLM-L6, an int8 entity/trigger pass 1.6x as fast
on a 2-core Xeon at 8 windows per call and 1.9x on a 2-core AMD EPYC at 4, docs/PERFORMANCE.md). With
`teacher: runs/demo` the model starts from that run's weights (the kept layers and its heads) and learns the
teacher's tag distributions besides the gold tags (knowledge distillation, Hinton et al. 2015): what the teacher
knows about near-misses is what the smaller model lacks.

>>> import torch
>>> logits = torch.tensor([[[2.0, 0.0, -1.0]]])
>>> labels = torch.tensor([[1]])
>>> float(kl_divergence(logits, logits, labels, temperature=2.0))  # the same distributions: nothing to learn
0.0
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from eventtagger.core.errors import InputError, Problem

from .features import IGNORE


def keep_layers(encoder: torch.nn.Module, layers: tuple[int, ...]) -> None:
    """Keep only `layers` (indices into the encoder's layer stack, increasing), in place; the encoder's
    config says the new depth, so checkpoints rebuild it."""
    stack = getattr(getattr(encoder, "encoder", None), "layer", None)
    if not isinstance(stack, torch.nn.ModuleList):
        raise InputError(Problem("config", "encoder_layers", f"{type(encoder).__name__} has no encoder.layer stack "
                                 "to trim (BERT, RoBERTa and MPNet encoders have one)"))
    if not layers or list(layers) != sorted(set(layers)) or layers[0] < 0 or layers[-1] >= len(stack):
        raise InputError(Problem("config", "encoder_layers", f"must be increasing layer indices in [0, {len(stack)}), "
                                 f"not {list(layers)}"))
    encoder.encoder.layer = torch.nn.ModuleList(stack[i] for i in layers)
    encoder.config.num_hidden_layers = len(layers)


def kl_divergence(student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor,
                  temperature: float) -> torch.Tensor:
    """The Kullback-Leibler divergence KL(teacher || student) of the two tag distributions (softmax of the
    logits / T), x T^2 so its gradients keep their scale whatever T, averaged over the positions that carry a
    gold label (words' first tokens: where the decoder reads tags). It differs from the cross-entropy against
    the teacher's soft targets by the teacher's entropy, a constant for the student: same gradients, but 0
    when the student matches the teacher."""
    keep = labels != IGNORE
    if not keep.any():
        return student.sum() * 0.0
    s = F.log_softmax(student[keep].float() / temperature, dim=-1)
    t = F.log_softmax(teacher[keep].float() / temperature, dim=-1)
    return (t.exp() * (t - s)).sum(-1).mean() * temperature ** 2


def distillation_loss(student_outputs: tuple[torch.Tensor, ...], teacher_outputs: tuple[torch.Tensor, ...],
                      entity_labels: torch.Tensor, trigger_labels: torch.Tensor, role_labels: torch.Tensor,
                      temperature: float) -> torch.Tensor:
    """Entity, trigger and role terms summed; both models scored the same windows and role rows."""
    entity, trigger, _, roles = student_outputs
    t_entity, t_trigger, _, t_roles = teacher_outputs
    loss = kl_divergence(entity, t_entity, entity_labels, temperature)
    loss = loss + kl_divergence(trigger, t_trigger, trigger_labels, temperature)
    if roles.shape[0] > 0:
        loss = loss + kl_divergence(roles, t_roles, role_labels, temperature)
    return loss


def teacher_checkpoint(run: str) -> Path:
    """The teacher's best checkpoint in a finished run folder."""
    folder = Path(run) / "checkpoints" / "best"
    if not (folder / "model.safetensors").is_file():
        raise InputError(Problem("config", "teacher", f"{run} is not a finished run (no checkpoints/best)"))
    return folder
