"""Training configuration: a YAML file loaded into frozen dataclasses that reject unknown keys and
wrong types at load time; `--set key=value` overrides single fields.

>>> cfg = TrainConfig.from_dict({"name": "t", "train": [{"paths": ["a.jsonl"]}], "learning_rate": "1e-4"})
>>> cfg.learning_rate, cfg.train[0].format
(0.0001, 'jsonl')
>>> TrainConfig.from_dict({"name": "t", "train": [], "epoch": 3})
Traceback (most recent call last):
...
eventtagger.core.errors.InputError: config, field 'epoch': unknown key (did you mean 'epochs'?)

Values are checked against their domains at load too, so a mistake surfaces before any compute:

>>> TrainConfig.from_dict({"name": "t", "train": [], "max_length": 32, "stride": 30})
Traceback (most recent call last):
...
eventtagger.core.errors.InputError: config, field 'stride': must be at least 0 and below max_length - 2 = 30, not 30
"""
from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Callable
from dataclasses import MISSING, asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml
from eventtagger.core.errors import InputError, Problem
from eventtagger.core.metrics import LEVELS

MIXED_PRECISION = ("no", "bf16", "fp16")
SELECT_METRICS = ("mean_f1", "entity", *LEVELS)  # mean_f1: entity, trigger and argument classification F1
ARGUMENT_SPANS = ("auto", "entities", "free")  # auto, or one of inference.spec.ARGUMENT_SPANS


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
    mixed_precision: str = "no"          # no (fp32), bf16 or fp16. fp32 by default: bf16 autocast measured
                                         # slower for MiniLM on an H100 (docs/PERFORMANCE.md); ask for bf16
                                         # where arithmetic dominates (base-size backbones, long windows)
    select_metric: str = "mean_f1"       # the dev F1 that picks the best epoch: mean_f1 or one of core.metrics
    max_train_documents: int = 0         # 0 = all; a cap for quick runs
    eval_every_epochs: int = 1
    num_threads: int = 0                 # CPU threads for torch; 0 = all this process may use
    language: str = "en"                 # the training data's language (BCP 47 code), stated in the model card

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
            continue
        wrong = _DOMAINS[cls].get(f.name, _anything)(values[f.name])
        if wrong:
            problems.append(Problem(where, prefix + f.name, wrong))
    if cls is TrainConfig and not {p.field for p in problems} & {"max_length", "stride"}:
        problems.extend(_window_problems(values, where))
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


# What each field may hold, checked at load (after its type): a value -> what is wrong with it, or None.
Check = Callable[[Any], "str | None"]


def _anything(value: Any) -> None:
    return None


def _at_least(low: int | float) -> Check:
    return lambda v: None if v >= low else f"must be at least {low}, not {v}"


def _positive(value: float) -> str | None:
    return None if value > 0 else f"must be positive, not {value}"


def _fraction(low_open: bool = False, high_open: bool = False) -> Check:
    """A value in [0, 1], either end excluded on request."""
    low, high = "(" if low_open else "[", ")" if high_open else "]"

    def check(v: float) -> str | None:
        inside = (0 < v if low_open else 0 <= v) and (v < 1 if high_open else v <= 1)
        return None if inside else f"must lie in {low}0, 1{high}, not {v}"
    return check


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(v: str) -> str | None:
        if v in choices:
            return None
        close = difflib.get_close_matches(v, choices, n=1)
        return f"must be one of {', '.join(choices)}, not {v!r}" + (f" (did you mean '{close[0]}'?)" if close else "")
    return check


def _text(value: str) -> str | None:
    return None if value.strip() else "must not be empty"


def _folder_name(value: str) -> str | None:
    """`name` is the run folder under output_dir (and the default model name)."""
    if not value.strip() or value in (".", "..") or "/" in value or "\\" in value:
        return f"must be a folder name (not empty, no / or \\), not {value!r}"
    return None


def _layer_indices(layers: tuple[int, ...]) -> str | None:
    """Increasing and distinct; whether the backbone has that many layers is known only once it is loaded."""
    if layers and (layers[0] < 0 or any(a >= b for a, b in zip(layers, layers[1:]))):
        return f"must be increasing layer indices from 0 up, not {list(layers)}"
    return None


def _language(value: str) -> str | None:
    if re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", value):
        return None
    return f"must be a BCP 47 language code such as en or pt-BR, not {value!r}"


def _paths(paths: tuple[str, ...]) -> str | None:
    return None if paths and all(p.strip() for p in paths) else "must name at least one file"


def _source_format(value: str) -> str | None:
    from eventtagger.core.formats import readers

    return _one_of(("jsonl", *sorted(readers())))(value)


_DOMAINS: dict[type, dict[str, Check]] = {
    DataSource: {"paths": _paths, "format": _source_format},
    TrainConfig: {
        "name": _folder_name, "ontology": _text, "backbone": _text, "output_dir": _text,
        "max_length": _at_least(3),  # [CLS], [SEP] and one token of text; the stride is checked against it below
        "epochs": _at_least(1), "batch_size": _at_least(1), "eval_batch_size": _at_least(1),
        "learning_rate": _positive, "head_learning_rate": _positive, "layer_decay": _fraction(low_open=True),
        "weight_decay": _at_least(0), "warmup_ratio": _fraction(), "max_grad_norm": _at_least(0),
        "dropout": _fraction(high_open=True),
        "encoder_layers": _layer_indices, "distill_weight": _fraction(), "distill_temperature": _positive,
        "role_dim": _at_least(1), "entity_loss_weight": _at_least(0), "trigger_loss_weight": _at_least(0),
        "role_loss_weight": _at_least(0), "outside_weight": _positive,
        "candidate_threshold": _fraction(low_open=True, high_open=True), "argument_spans": _one_of(ARGUMENT_SPANS),
        "seed": lambda v: None if 0 <= v < 2 ** 32 else f"must lie in [0, 2^32), not {v}",  # numpy's seed range
        "mixed_precision": _one_of(MIXED_PRECISION), "select_metric": _one_of(SELECT_METRICS),
        "max_train_documents": _at_least(0), "eval_every_epochs": _at_least(1), "num_threads": _at_least(0),
        "language": _language,
    },
}


def _window_problems(values: dict[str, Any], where: str) -> list[Problem]:
    """Consecutive windows share `stride` tokens of the max_length - 2 that are text: a stride as long as the
    window would never move on."""
    defaults = {f.name: f.default for f in fields(TrainConfig)}
    max_length = values.get("max_length", defaults["max_length"])
    stride = values.get("stride", defaults["stride"])
    if 0 <= stride < max_length - 2:
        return []
    return [Problem(where, "stride", f"must be at least 0 and below max_length - 2 = {max_length - 2}, not {stride}")]
