"""Training configuration: a YAML file loaded into frozen dataclasses that reject unknown keys and
wrong types at load time; `--set key=value` overrides single fields.

>>> cfg = TrainConfig.from_dict({"name": "t", "train": [{"paths": ["a.jsonl"]}], "learning_rate": "1e-4"})
>>> cfg.learning_rate, cfg.train[0].format
(0.0001, 'jsonl')
>>> TrainConfig.from_dict({"name": "t", "train": [], "epoch": 3})
Traceback (most recent call last):
...
eventtagger.core.errors.InputError: config, field 'epoch': unknown key (did you mean 'epochs'?)
"""
from __future__ import annotations

import difflib
import types
import typing
from dataclasses import MISSING, asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml
from eventtagger.core.errors import InputError, Problem


@dataclass(frozen=True)
class DataSource:
    """Annotated documents: docs/FORMAT.md §1 JSON Lines, or any format `convert` reads (e.g. m2e2)."""
    paths: tuple[str, ...]
    format: str = "jsonl"


@dataclass(frozen=True)
class TrainConfig:
    name: str
    train: tuple[DataSource, ...]
    dev: tuple[DataSource, ...] = ()
    ontology: str = "configs/ontology/ace.yaml"
    backbone: str = "all-minilm-l6-v2"   # a packaged alias, a local folder or a Hugging Face hub name
    output_dir: str = "runs"
    # windows
    max_length: int = 128                # tokens per window, special tokens included
    stride: int = 32                     # tokens shared by consecutive windows
    # optimisation
    epochs: int = 10
    batch_size: int = 16
    eval_batch_size: int = 64
    learning_rate: float = 5e-5          # encoder
    head_learning_rate: float = 1e-3     # the three heads, freshly initialised
    layer_decay: float = 1.0             # learning rate x decay^(layers above): <1 moves lower layers less
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    dropout: float = 0.1
    # smaller models (training/student.py)
    encoder_layers: tuple[int, ...] = ()  # the encoder layers kept, e.g. [0, 2, 4]; () = all
    teacher: str = ""                    # a finished run: start from its weights and learn its outputs too
    distill_weight: float = 0.5          # share of the loss on the teacher's tags (the rest on gold tags)
    distill_temperature: float = 2.0     # softens both distributions: near-misses carry more signal
    # heads and losses
    role_dim: int = 256
    entity_loss_weight: float = 1.0
    trigger_loss_weight: float = 1.0
    role_loss_weight: float = 1.0
    outside_weight: float = 1.0          # weight of the O tag in the trigger and role losses (<1 fights imbalance)
    candidate_threshold: float = 0.05    # tokens with P(trigger) above this get a role row
    argument_spans: str = "auto"         # entities: snap arguments to predicted entities; free; auto: entities
                                         # when at least 95% of the training arguments are entity mentions
    # run
    seed: int = 13
    compile: bool = False                # torch.compile the encoder when training on a CUDA GPU
    mixed_precision: str = "auto"        # auto: bf16 where native (CUDA, AMX/AVX512-BF16 CPUs), else no; no, bf16, fp16
    select_metric: str = "mean_f1"       # which dev figure picks the best epoch
    max_train_documents: int = 0         # 0 = all; a cap for quick runs
    eval_every_epochs: int = 1
    num_threads: int = 0                 # CPU threads for torch; 0 = all this process may use

    @staticmethod
    def from_dict(data: Any, where: str = "config") -> TrainConfig:
        return _build(TrainConfig, data, where)

    @staticmethod
    def load(path: str | Path, overrides: list[str] = ()) -> TrainConfig:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(Problem(str(path), "", f"cannot read the config: {exc}")) from None
        if not isinstance(data, dict):
            raise InputError(Problem(str(path), "", "a config must be a mapping of keys to values"))
        for item in overrides:
            key, sep, value = item.partition("=")
            if not sep:
                raise InputError(Problem("--set", key, "expected key=value"))
            data[key.strip()] = yaml.safe_load(value)
        return TrainConfig.from_dict(data, where=str(path))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_overrides(self, **changes: Any) -> TrainConfig:
        return replace(self, **changes)


def _build(cls: type, data: Any, where: str, prefix: str = "") -> Any:
    if not isinstance(data, dict):
        raise InputError(Problem(where, prefix.rstrip("."), f"must be a mapping, not {type(data).__name__}"))
    hints = typing.get_type_hints(cls)
    names = [f.name for f in fields(cls)]
    problems, values = [], {}
    for key in data:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(names)})"
            problems.append(Problem(where, prefix + str(key), "unknown key" + hint))
    for f in fields(cls):
        if f.name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                problems.append(Problem(where, prefix + f.name, "is required"))
            continue
        try:
            values[f.name] = _coerce(hints[f.name], data[f.name], where, prefix + f.name)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return cls(**values)


def _coerce(hint: Any, value: Any, where: str, name: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is tuple:
        (item,) = {a for a in typing.get_args(hint) if a is not Ellipsis}
        if isinstance(value, (str, dict)) or not isinstance(value, (list, tuple)):
            value = [value]  # a single path or source where a list is expected
        return tuple(_coerce(item, v, where, f"{name}[{i}]") for i, v in enumerate(value))
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            if option is type(None) and value is None:
                return None
        hint = next(a for a in typing.get_args(hint) if a is not type(None))
    if hint is DataSource:
        if isinstance(value, str):  # shorthand: a JSONL path
            value = {"paths": [value]}
        return _build(DataSource, value, where, prefix=f"{name}.")
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML 1.1 reads 1e-5 as a string
            try:
                return float(value)
            except ValueError:
                pass
    elif hint is str:
        if isinstance(value, str):
            return value
        if isinstance(value, bool):  # YAML 1.1 reads unquoted no/yes/off/on as booleans
            raise InputError(Problem(where, name, f"must be a string, not {value!r} (quote it: \"no\", not no)"))
    raise InputError(Problem(where, name, f"must be {getattr(hint, '__name__', hint)}, not {value!r}"))
