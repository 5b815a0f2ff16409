"""`train` and `export`, registered as entry points of the `eventtagger` command. Importing this module
must stay cheap and torch-free: the heavy imports happen inside `run`."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eventtagger.inference.command import Command


def _train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, help="training config YAML (see configs/)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config field, e.g. --set epochs=3 (repeatable)")
    p.add_argument("--resume", action="store_true", help="continue the run from its last finished epoch")
    p.add_argument("--overwrite", action="store_true", help="replace an existing run folder of the same name")


def _train(args: argparse.Namespace) -> int:
    _require_training_stack()
    from .config import TrainConfig
    from .run import train

    config = TrainConfig.load(args.config, args.overrides)
    run_dir = train(config, resume=args.resume, overwrite=args.overwrite)
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    print(f"run folder: {run_dir} (best epoch {metrics['best_epoch']})", file=sys.stderr)
    return 0


def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by `eventtagger train`")
    p.add_argument("-o", "--output", required=True, metavar="MODEL_DIR", help="the model folder to write")
    p.add_argument("--name", help="model name (default: the run's name)")
    p.add_argument("--parity-documents", type=int, default=0,
                   help="check ONNX against PyTorch on at most this many dev documents (0 = all)")
    p.add_argument("--no-optimize", action="store_true", help="keep the plain exported graph (no operator fusion)")


def _export(args: argparse.Namespace) -> int:
    _require_training_stack()
    from .export import export

    info = export(Path(args.run_dir), Path(args.output), name=args.name, parity_documents=args.parity_documents,
                  optimize=not args.no_optimize)
    parity = info.get("parity", {}).get("int8", {})
    summary = f"wrote {args.output} (version {info['version']})"
    if parity:
        summary += (f"; int8 vs PyTorch: {parity['word_label_agreement']['entity']:.2%} entity and "
                    f"{parity['word_label_agreement']['trigger']:.2%} trigger word labels equal")
    print(summary, file=sys.stderr)
    return 0


def _require_training_stack() -> None:
    try:
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        from eventtagger.core.errors import InputError

        raise InputError("training needs the [train] extra: pip install 'eventtagger[train]', "
                         "or '.[train]' from a checkout") from None


train_command = Command("train", "train a model on annotated documents; writes a run folder", _train_arguments, _train)
export_command = Command("export", "write a run's best checkpoint as a model folder (ONNX, int8)",
                         _export_arguments, _export)
