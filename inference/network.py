"""What the network computes for a batch of windows, and the ONNX backend that computes it.

The same `NetworkOutput` comes from the exported ONNX graph (here) and from the PyTorch model during
training (`eventtagger.training.torch_network`), so one decoder serves both.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from .defaults import threads_and_windows

INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAMES = ("entity_logits", "trigger_logits", "role_rows", "role_logits")
DISABLED_FUSIONS = ["SkipLayerNormFusion"]


@dataclass(frozen=True)
class NetworkOutput:
    """entity_logits [B, T, E] and trigger_logits [B, T, G] per token; role_logits [N, T, R] for the N
    trigger candidates role_rows [N, 2] = (window in batch, token position): the role tags of every token
    given that candidate is the trigger."""
    entity_logits: np.ndarray
    trigger_logits: np.ndarray
    role_rows: np.ndarray
    role_logits: np.ndarray


class Network(Protocol):
    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> NetworkOutput: ...


class OnnxNetwork:
    """An onnxruntime session over a model file. Sessions are thread-safe: `run` may be called from
    several threads at once."""

    def __init__(self, path: str | Path, threads: int | None = None, providers: list[str] | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads, _ = threads_and_windows(threads)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        # Add + LayerNormalization make the network 1.3x faster than onnxruntime's fused
        # SkipLayerNormalization on the CPUs we measured (training/export.py): keep it from fusing them back.
        self.session = ort.InferenceSession(str(path), sess_options=options,
                                            providers=providers or ["CPUExecutionProvider"],
                                            disabled_optimizers=DISABLED_FUSIONS)

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> NetworkOutput:
        outputs = self.session.run(list(OUTPUT_NAMES), {"input_ids": input_ids, "attention_mask": attention_mask})
        return NetworkOutput(*outputs)


def log_softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float32, copy=False)
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
