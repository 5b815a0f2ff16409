"""`eventtagger train`: load data -> build model -> fit -> save. Reads like its table of contents."""
from __future__ import annotations

import json
import platform
from pathlib import Path

import torch
import yaml

from eventtagger.inference.errors import InputError, Problem
from eventtagger.inference.ontology import Ontology
from eventtagger.inference.spec import TaggerSpec

from .checkpoint import load_backbone
from .config import TrainConfig
from .data import load_sources, summarize
from .features import build_examples
from .model import EventTaggerModel, HeadConfig
from .trainer import fit


def train(config: TrainConfig) -> Path:
    ontology = Ontology.load(config.ontology)
    train_docs = load_sources(config.train, ontology, "train")   # every problem, before any compute
    dev_docs = load_sources(config.dev, ontology, "dev")
    if not train_docs:
        raise InputError(Problem("config", "train", "holds no documents"))
    if config.max_train_documents:
        train_docs = train_docs[:config.max_train_documents]

    if not torch.cuda.is_available() and config.num_threads:
        torch.set_num_threads(config.num_threads)
    torch.manual_seed(config.seed)  # the heads' initialisation
    backbone = load_backbone(config.backbone)
    spec = TaggerSpec(ontology, config.max_length, config.stride, backbone.cls_id, backbone.sep_id,
                      backbone.pad_id, config.candidate_threshold)
    model = EventTaggerModel(backbone.encoder, HeadConfig(
        n_entity_tags=len(spec.entity_tags.names), n_trigger_tags=len(spec.trigger_tags.names),
        n_role_tags=len(spec.role_tags.names), role_dim=config.role_dim, dropout=config.dropout,
        candidate_threshold=config.candidate_threshold))
    examples = build_examples(train_docs, backbone.tokenizer, spec)

    run_dir = Path(config.output_dir) / config.name
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")
    extra = {"train_data": summarize(train_docs), "dev_data": summarize(dev_docs), "train_windows": len(examples),
             "hardware": _hardware(), "backbone": config.backbone}
    fit(config, model, examples, dev_docs, backbone.tokenizer, spec, run_dir, config.backbone, extra)
    return run_dir


def _hardware() -> dict:
    info = {"platform": platform.platform(), "torch": torch.__version__, "cpu_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpus"] = torch.cuda.device_count()
    return info


def load_metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
