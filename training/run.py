"""`eventtagger train`: load data -> build model -> fit -> save. Reads like its table of contents."""
from __future__ import annotations

import copy
import platform
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import torch
import yaml
from eventtagger.core.bio import TagSet
from eventtagger.core.errors import InputError, Problem
from eventtagger.core.ontology import Ontology
from eventtagger.core.schema import Document
from eventtagger.inference.spec import TaggerSpec
from safetensors.torch import load_file
from tokenizers import Tokenizer

from .checkpoint import load_backbone, load_checkpoint, resumable_folder
from .config import TrainConfig
from .data import load_train_and_dev, summarize
from .features import Example, build_examples
from .model import EventTaggerModel, HeadConfig
from .student import keep_layers, teacher_checkpoint
from .trainer import fit


def train(config: TrainConfig, resume: bool = False, overwrite: bool = False) -> Path:
    """Train as configured; `resume` continues the run folder's last epoch, `overwrite` replaces a finished
    or broken run. Without either, an existing run folder is refused rather than clobbered."""
    from accelerate import PartialState

    state = PartialState()  # under `accelerate launch`, one of several processes
    run_dir = Path(config.output_dir) / config.name
    _check_run_folder(run_dir, config, resume, overwrite)  # read-only: every process refuses alike
    run = prepare(config)
    if resume:
        run.model.load_state_dict(load_file(str(resumable_folder(run_dir / "checkpoints" / "last")
                                                / "model.safetensors")))

    if state.is_main_process:
        if overwrite and not resume and run_dir.exists():
            shutil.rmtree(run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False), encoding="utf-8")
    state.wait_for_everyone()
    extra = {"train_data": summarize(run.train_documents), "dev_data": summarize(run.dev_documents),
             "train_windows": len(run.examples), "hardware": _hardware(), "backbone": config.backbone}
    if config.teacher:
        extra["teacher"] = config.teacher
    fit(config, run.model, run.examples, run.dev_documents, run.tokenizer, run.spec, run_dir, config.backbone, extra,
        resume=resume, teacher=run.teacher)
    return run_dir


@dataclass(frozen=True)
class Prepared:
    """Everything `fit` trains on, built from a config."""
    model: EventTaggerModel
    examples: list[Example]
    train_documents: list[Document]
    dev_documents: list[Document]
    tokenizer: Tokenizer
    spec: TaggerSpec
    teacher: EventTaggerModel | None = None  # frozen; its outputs are soft targets (config.teacher)


def prepare(config: TrainConfig) -> Prepared:
    """Data (every problem of train and dev before any compute), backbone or teacher, tag spec, heads, windows."""
    ontology = Ontology.load(config.ontology)
    train_docs, dev_docs = load_train_and_dev(config.train, config.dev, ontology)
    if not train_docs:
        raise InputError(Problem("config", "train", "holds no documents"))
    if config.max_train_documents:
        train_docs = train_docs[:config.max_train_documents]
    if not torch.cuda.is_available() and config.num_threads:
        torch.set_num_threads(config.num_threads)
    torch.manual_seed(config.seed)  # the heads' initialisation
    start = _from_teacher(config, ontology) if config.teacher else _from_backbone(config, ontology)
    if config.encoder_layers:
        keep_layers(start.model.encoder, config.encoder_layers)
    spec = TaggerSpec(ontology, config.max_length, config.stride, *start.special_ids, config.candidate_threshold,
                      argument_spans(config, train_docs))
    examples = build_examples(train_docs, start.tokenizer, spec)
    return Prepared(start.model, examples, train_docs, dev_docs, start.tokenizer, spec, start.teacher)


@dataclass(frozen=True)
class _Start:
    """The model before training, with the tokenizer it reads and its [CLS], [SEP], [PAD] ids."""
    model: EventTaggerModel
    tokenizer: Tokenizer
    special_ids: tuple[int, int, int]
    teacher: EventTaggerModel | None = None


def _from_backbone(config: TrainConfig, ontology: Ontology) -> _Start:
    """A pretrained encoder and fresh heads."""
    backbone = load_backbone(config.backbone)
    n_tags = lambda labels: len(TagSet.bio(labels).names)  # noqa: E731
    model = EventTaggerModel(backbone.encoder, HeadConfig(
        n_entity_tags=n_tags(ontology.entity_labels), n_trigger_tags=n_tags(ontology.types),
        n_role_tags=n_tags(ontology.roles), role_dim=config.role_dim, dropout=config.dropout,
        candidate_threshold=config.candidate_threshold))
    return _Start(model, backbone.tokenizer, (backbone.cls_id, backbone.sep_id, backbone.pad_id))


def _from_teacher(config: TrainConfig, ontology: Ontology) -> _Start:
    """A copy of the teacher (its tokenizer, encoder and heads) to train; the teacher itself stays frozen."""
    teacher = load_checkpoint(teacher_checkpoint(config.teacher), attn_implementation="sdpa")
    if teacher.backbone != config.backbone:
        raise InputError(Problem("config", "backbone", f"is {config.backbone!r} but the teacher {config.teacher} was "
                                 f"trained from {teacher.backbone!r}; the student starts from the teacher's weights"))
    tags = lambda o: (o.entity_labels, o.types, o.roles)  # noqa: E731
    if tags(teacher.spec.ontology) != tags(ontology):
        raise InputError(Problem("config", "ontology", f"{config.ontology} has other labels than the teacher's "
                                 f"({config.teacher}): distillation matches tag for tag"))
    if teacher.model.heads.role_dim != config.role_dim:
        raise InputError(Problem("config", "role_dim", f"is {config.role_dim} but the teacher's role head has "
                                 f"{teacher.model.heads.role_dim}"))
    model = copy.deepcopy(teacher.model)
    model.heads = replace(model.heads, dropout=config.dropout, candidate_threshold=config.candidate_threshold)
    model.dropout.p = model.role_scorer.dropout.p = config.dropout
    model.train()
    teacher.model.requires_grad_(False)
    spec = teacher.spec
    return _Start(model, teacher.tokenizer, (spec.cls_id, spec.sep_id, spec.pad_id), teacher.model.eval())


def argument_spans(config: TrainConfig, documents: list[Document]) -> str:
    """The configured choice; for auto, entities when at least 95% of the training arguments are entity
    mentions (snapping to predicted entities then helps), free otherwise."""
    if config.argument_spans != "auto":
        return config.argument_spans
    spans = [(d.id, a.start, a.end) for d in documents for ev in d.events for a in ev.arguments]
    mentions = {(d.id, e.start, e.end) for d in documents for e in d.entities}
    share = sum(s in mentions for s in spans) / len(spans) if spans else 0.0
    return "entities" if share >= 0.95 else "free"


def _check_run_folder(run_dir: Path, config: TrainConfig, resume: bool, overwrite: bool) -> None:
    if resume:
        if resumable_folder(run_dir / "checkpoints" / "last") is None:
            raise InputError(Problem(str(run_dir), "", "has no checkpoints/last to resume from"))
        saved = TrainConfig.from_dict(yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")),
                                      where=str(run_dir / "config.yaml"))
        if saved.with_overrides(epochs=config.epochs) != config:
            changed = [k for k, v in config.to_dict().items() if saved.to_dict()[k] != v and k != "epochs"]
            raise InputError(Problem(str(run_dir / "config.yaml"), changed[0],
                                     "differs from the config given; only `epochs` may change on --resume"))
    elif run_dir.exists() and any(run_dir.iterdir()) and not overwrite:
        raise InputError(Problem(str(run_dir), "", "exists already; pass --resume to continue it or --overwrite "
                                 "to start again (or --set name=another)"))


def _hardware() -> dict:
    info = {"platform": platform.platform(), "torch": torch.__version__, "cpu_threads": torch.get_num_threads()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpus"] = torch.cuda.device_count()
    return info
