"""The network: one shared transformer encoder and three heads.

- entity head:  BIO over entity labels, per token
- trigger head: BIO over event types, per token
- role head:    BIO over roles, per token, *for one given trigger token*. It pairs the trigger's state
  with every token's state plus a relative-distance embedding, so a sentence with two events gets each
  event's own arguments.

Why pairing states rather than marking the trigger in the input: marking needs one more encoder pass per
event, which would multiply CPU inference cost by the number of events; pairing reuses the single pass and
costs a few small matrix products per trigger. Training conditions on gold triggers; at inference the
graph itself picks trigger candidates (tokens with P(not O) above a threshold), so the exported ONNX model
does everything in one call.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

DISTANCE_EXACT = 8       # |distance| below this gets its own bucket
DISTANCE_MAX = 128       # beyond this everything shares the last bucket
DISTANCE_BUCKETS = 16    # per direction


@dataclass(frozen=True)
class HeadConfig:
    n_entity_tags: int
    n_trigger_tags: int
    n_role_tags: int
    role_dim: int = 256
    dropout: float = 0.1
    candidate_threshold: float = 0.05

    def to_dict(self) -> dict:
        return asdict(self)


def distance_bucket(distance: torch.Tensor) -> torch.Tensor:
    """Signed token distance -> bucket id in [0, 2 * DISTANCE_BUCKETS): exact when near, log-spaced when far."""
    n = distance.abs()
    far = DISTANCE_EXACT + (
        torch.log(n.float().clamp(min=1) / DISTANCE_EXACT) / math.log(DISTANCE_MAX / DISTANCE_EXACT)
        * (DISTANCE_BUCKETS - DISTANCE_EXACT)).long()
    bucket = torch.where(n < DISTANCE_EXACT, n, far.clamp(max=DISTANCE_BUCKETS - 1))
    return bucket + DISTANCE_BUCKETS * (distance > 0).long()


class RoleScorer(nn.Module):
    def __init__(self, hidden: int, dim: int, n_tags: int, dropout: float):
        super().__init__()
        self.trigger_proj = nn.Linear(hidden, dim)
        self.token_proj = nn.Linear(hidden, dim)
        self.distance = nn.Embedding(2 * DISTANCE_BUCKETS, dim)
        self.norm = nn.LayerNorm(dim)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(dim, n_tags)

    def forward(self, hidden: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        """hidden [B, T, H], rows [N, 2] = (batch index, trigger position) -> role logits [N, T, tags]."""
        trigger = self.trigger_proj(hidden[rows[:, 0], rows[:, 1]])           # [N, D]
        tokens = self.token_proj(hidden)[rows[:, 0]]                         # [N, T, D]
        positions = torch.arange(hidden.shape[1], device=hidden.device)
        distance = positions.unsqueeze(0) - rows[:, 1:2]                     # [N, T]
        pair = tokens + trigger.unsqueeze(1) + tokens * trigger.unsqueeze(1) + self.distance(distance_bucket(distance))
        return self.out(self.dropout(torch.nn.functional.gelu(self.norm(pair))))


class EventTaggerModel(nn.Module):
    def __init__(self, encoder: nn.Module, heads: HeadConfig):
        super().__init__()
        self.encoder = encoder
        self.heads = heads
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(heads.dropout)
        self.entity_head = nn.Linear(hidden, heads.n_entity_tags)
        self.trigger_head = nn.Linear(hidden, heads.n_trigger_tags)
        self.role_scorer = RoleScorer(hidden, heads.role_dim, heads.n_role_tags, heads.dropout)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                role_rows: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
        """Returns entity_logits, trigger_logits, role_rows, role_logits (the ONNX graph's outputs).
        Without `role_rows` (inference), rows are the trigger candidates the trigger head finds."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        hidden = self.dropout(hidden)
        entity_logits = self.entity_head(hidden)
        trigger_logits = self.trigger_head(hidden)
        if role_rows is None:
            outside = torch.softmax(trigger_logits.float(), dim=-1)[..., 0]
            candidate = (outside < 1.0 - self.heads.candidate_threshold) & attention_mask.bool()
            role_rows = torch.nonzero(candidate)
        role_logits = self.role_scorer(hidden, role_rows)
        return entity_logits, trigger_logits, role_rows, role_logits
