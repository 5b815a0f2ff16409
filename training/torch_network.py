"""The PyTorch model behind the runtime's `Network` interface, so evaluation during training and the
parity check at export decode exactly as the ONNX runtime does."""
from __future__ import annotations

import contextlib

import numpy as np
import torch
from eventtagger.inference.network import NetworkOutput

from .model import EventTaggerModel


class TorchNetwork:
    def __init__(self, model: EventTaggerModel, device: torch.device | str = "cpu", autocast_dtype=None):
        self.model = model
        self.device = torch.device(device)
        self.autocast_dtype = autocast_dtype

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> NetworkOutput:
        self.model.eval()
        autocast = (torch.autocast(self.device.type, dtype=self.autocast_dtype) if self.autocast_dtype
                    else contextlib.nullcontext())
        with torch.inference_mode(), autocast:
            ids = torch.from_numpy(input_ids).to(self.device)
            mask = torch.from_numpy(attention_mask).to(self.device)
            entity, trigger, rows, roles = self.model(ids, mask)
        return NetworkOutput(entity.float().cpu().numpy(), trigger.float().cpu().numpy(),
                             rows.cpu().numpy(), roles.float().cpu().numpy())
