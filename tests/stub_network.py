"""A stand-in for the ONNX network with the same `Network` interface, for tests of tokenization, windows
and decoding that must not wait for a real model: constant logits, or random ones from a seed.

>>> import numpy as np
>>> out = StubNetwork(n_entity=17, n_trigger=17, n_role=23)(np.zeros((2, 8), np.int64), np.ones((2, 8), np.int64))
>>> out.entity_logits.shape, out.role_rows.shape, out.role_logits.shape
((2, 8, 17), (0, 2), (0, 8, 23))
"""
from __future__ import annotations

import numpy as np
from eventtagger.inference.network import NetworkOutput
from eventtagger.inference.spec import TaggerSpec


class StubNetwork:
    """Constant logits (everything O) unless `seed` is given; then random logits, with a role row for every
    real token whose most likely trigger tag is not O (as the exported graph picks candidates).

    `every`: instead, tags that follow the token ids, so the same word gets the same tags in every window:
    B of the first entity label on ids divisible by every[0], B of the first event type on ids divisible by
    every[1], and in each event's role row B of the first role on ids divisible by every[2]."""

    def __init__(self, n_entity: int, n_trigger: int, n_role: int, seed: int | None = None, scale: float = 4.0,
                 every: tuple[int, int, int] | None = None):
        self.sizes = (n_entity, n_trigger, n_role)
        self.rng = np.random.default_rng(seed) if seed is not None else None
        self.scale = scale
        self.every = every
        self.calls = 0
        self.max_batch_tokens = 0

    @classmethod
    def for_spec(cls, spec: TaggerSpec, seed: int | None = None, every: tuple[int, int, int] | None = None
                 ) -> StubNetwork:
        return cls(len(spec.entity_tags.names), len(spec.trigger_tags.names), len(spec.role_tags.names), seed,
                   every=every)

    def _logits(self, shape: tuple[int, ...]) -> np.ndarray:
        if self.rng is None:
            out = np.zeros(shape, dtype=np.float32)
            out[..., 0] = 5.0  # O everywhere
            return out
        return (self.rng.standard_normal(shape) * self.scale).astype(np.float32)

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> NetworkOutput:
        self.calls += 1
        self.max_batch_tokens = max(self.max_batch_tokens, input_ids.size)
        batch, length = input_ids.shape
        n_entity, n_trigger, n_role = self.sizes
        entity = self._logits((batch, length, n_entity))
        trigger = self._logits((batch, length, n_trigger))
        if self.every is not None:
            entity[..., 1] = np.where(input_ids % self.every[0] == 0, 9.0, -9.0)
            trigger[..., 1] = np.where(input_ids % self.every[1] == 0, 9.0, -9.0)
        candidate = (trigger.argmax(-1) != 0) & (attention_mask == 1)
        rows = np.argwhere(candidate).astype(np.int64).reshape(-1, 2)
        roles = self._logits((len(rows), length, n_role))
        if self.every is not None:
            roles[..., 1] = np.where(input_ids[rows[:, 0]] % self.every[2] == 0, 9.0, -9.0)
        return NetworkOutput(entity, trigger, rows, roles)
