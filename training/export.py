"""`eventtagger export RUN_DIR -o MODEL_DIR`: the docs/FORMAT.md §3 model folder.

fp32 ONNX through the legacy TorchScript exporter with eager attention (onnxruntime can then fuse
attention), int8 by dynamic quantization, and the parity of both against PyTorch on the dev set.
"""
from __future__ import annotations

import datetime
import json
import logging
import shutil
import tempfile
import warnings
from dataclasses import asdict
from importlib.metadata import version as package_version
from pathlib import Path

import torch
import yaml
from eventtagger.core.errors import InputError, Problem
from eventtagger.core.metrics import LEVELS, score, word_labels
from eventtagger.core.ontology import Ontology
from eventtagger.core.schema import Document
from eventtagger.inference import model_folder as mf
from eventtagger.inference.defaults import default_threads, windows_per_call
from eventtagger.inference.network import INPUT_NAMES, OUTPUT_NAMES, Network, OnnxNetwork
from eventtagger.inference.pipeline import tag_documents
from eventtagger.inference.spec import FORMAT_VERSION
from eventtagger.inference.windows import encode_text

from .checkpoint import load_checkpoint
from .config import TrainConfig
from .data import load_sources
from .model import EventTaggerModel
from .model_card import lowercases, render_card
from .torch_network import TorchNetwork

METRIC_KEYS = ("entity", *LEVELS)


def export(run_dir: Path, out_dir: Path, name: str | None = None, parity_documents: int = 0,
           optimize: bool = True) -> dict:
    """Write the model folder; return its eventtagger.json. `parity_documents` caps the dev documents the
    parity check runs on (0 = all); `optimize` fuses attention, layer norms and GELU for onnxruntime."""
    checkpoint_dir = run_dir / "checkpoints" / "best"
    if not checkpoint_dir.is_dir():
        raise InputError(Problem(str(run_dir), "", "is not a finished run (no checkpoints/best)"))
    ckpt = load_checkpoint(checkpoint_dir, attn_implementation="eager")
    run_metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    config = TrainConfig.from_dict(yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")),
                                   where=str(run_dir / "config.yaml"))

    with tempfile.TemporaryDirectory(dir=out_dir.parent if out_dir.parent.exists() else None) as tmp:
        stage = Path(tmp)
        export_onnx(ckpt.model, stage / mf.MODEL_FP32)
        fused = fuse(stage / mf.MODEL_FP32, ckpt.model) if optimize else {}
        quantize(stage / mf.MODEL_FP32, stage / mf.MODEL)
        (stage / mf.TOKENIZER).write_text(ckpt.tokenizer.to_str(), encoding="utf-8")

        dev = _dev_documents(config, parity_documents)
        parity = measure_parity(ckpt.model, ckpt.tokenizer, ckpt.spec, stage, dev) if dev else {}
        info = {
            "format_version": FORMAT_VERSION,
            "name": name or config.name,
            "version": mf.sha256_of(stage / mf.MODEL)[:12],
            "created": datetime.date.today().isoformat(),
            "eventtagger_version": package_version("eventtagger"),
            "backbone": ckpt.backbone,
            "casing": "uncased" if lowercases(ckpt.tokenizer) else "cased",
            "encoder": _encoder_shape(ckpt.model),
            **ckpt.spec.to_dict(),
            "variants": {"int8": mf.MODEL, "fp32": mf.MODEL_FP32},
            "fused_operators": fused,
            "training_data": {"train": run_metrics.get("train_data"), "dev": run_metrics.get("dev_data"),
                              "sources": {"train": [asdict(s) for s in config.train],
                                          "dev": [asdict(s) for s in config.dev]},
                              "language": config.language},
            "training": {"best_epoch": run_metrics.get("best_epoch"), "epochs": len(run_metrics.get("epochs", [])),
                         "device": run_metrics.get("device"), "hardware": run_metrics.get("hardware"),
                         "teacher": run_metrics.get("teacher")},
            "metrics": {"dev": _headline(run_metrics.get("best"))},
            "parity": parity,
        }
        (stage / mf.CONFIG).write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (stage / mf.CARD).write_text(render_card(info, run_metrics.get("best")), encoding="utf-8")
        mf.write_manifest(stage)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        shutil.copytree(stage, out_dir)
        out_dir.chmod(0o755)
    return info


def export_onnx(model: EventTaggerModel, path: Path) -> None:
    model = model.float().eval()
    ids = torch.tensor([[101, 2000, 2001, 2002, 2003, 102, 0, 0], [101, 2004, 2005, 102, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "entity_logits": {0: "batch", 1: "tokens"}, "trigger_logits": {0: "batch", 1: "tokens"},
            "role_rows": {0: "candidates"}, "role_logits": {0: "candidates", 1: "tokens"}}
    # The tracer warns that a padding branch of transformers' masking is frozen: it is constant (no KV cache)
    # for every input this signature admits; the parity check and tests run other shapes through the graph.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(_Graph(model), (ids, mask), str(path), dynamo=False, input_names=list(INPUT_NAMES),
                          output_names=list(OUTPUT_NAMES), dynamic_axes=axes, opset_version=17,
                          do_constant_folding=True)


class _Graph(torch.nn.Module):
    """The inference signature: no role rows given, the graph finds trigger candidates itself."""

    def __init__(self, model: EventTaggerModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids, attention_mask)


# encoder architectures onnxruntime's transformer optimizer knows, by transformers' model_type
FUSABLE = {"bert": "bert", "mpnet": "bert", "roberta": "bert", "xlm-roberta": "bert", "distilbert": "bert"}


def fuse(path: Path, model: EventTaggerModel) -> dict[str, int]:
    """Rewrite the fp32 graph with onnxruntime's fused transformer operators (Attention, BiasGelu,
    EmbedLayerNormalization), in place; return how many of each. The legacy exporter with eager attention
    emits the patterns the optimizer recognises. Unknown architectures are left as they are.

    Residual additions stay Add + LayerNormalization: onnxruntime's fused SkipLayerNormalization took 28% of
    the int8 network's time on a Sapphire Rapids CPU, and leaving it unfused made the whole network
    faster (1.3x; docs/PERFORMANCE.md). The runtime keeps onnxruntime from fusing it again at load
    (`inference/network.py`)."""
    from onnxruntime.transformers.fusion_options import FusionOptions
    from onnxruntime.transformers.optimizer import optimize_model

    config = model.encoder.config
    model_type = FUSABLE.get(config.model_type)
    if model_type is None:
        return {}
    options = FusionOptions(model_type)
    options.enable_skip_layer_norm = False
    options.enable_bias_skip_layer_norm = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        optimized = optimize_model(str(path), model_type=model_type, num_heads=config.num_attention_heads,
                                   hidden_size=config.hidden_size, opt_level=1, optimization_options=options)
    optimized.save_model_to_file(str(path))
    return {k: v for k, v in optimized.get_fused_operator_statistics().items() if v}


def quantize(fp32: Path, int8: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # it warns about tensors it rightly leaves alone (the integer candidate rows)
    try:
        # the fused graph holds com.microsoft operators whose output types shape inference cannot tell
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    finally:
        root.setLevel(level)


def measure_parity(model: EventTaggerModel, tokenizer, spec, folder: Path, gold: list[Document]) -> dict:
    """ONNX (fp32 and int8) against PyTorch on the same documents: the share of words with the same entity
    and trigger label, and each F1's difference (ONNX - PyTorch)."""
    bare = [Document(d.id, d.text) for d in gold]
    networks: dict[str, Network] = {"pytorch": TorchNetwork(model.float().eval(), "cpu"),
                                    "fp32": OnnxNetwork(folder / mf.MODEL_FP32),
                                    "int8": OnnxNetwork(folder / mf.MODEL)}
    batch = windows_per_call(default_threads())  # what the runtime reads per call on this machine
    predictions = {k: list(tag_documents(bare, tokenizer, net, spec, batch)) for k, net in networks.items()}
    scores = {k: score(gold, p) for k, p in predictions.items()}
    out = {"documents": len(gold), "f1": {k: _headline(s) for k, s in scores.items()}}
    for variant in ("fp32", "int8"):
        out[variant] = {
            "word_label_agreement": word_label_agreement(tokenizer, predictions["pytorch"], predictions[variant]),
            "f1_difference": {m: round(scores[variant][m]["f1"] - scores["pytorch"][m]["f1"], 4) for m in METRIC_KEYS},
        }
    return out


def word_label_agreement(tokenizer, left: list[Document], right: list[Document]) -> dict[str, float]:
    """Share of words whose entity label (and trigger label) is the same in both predictions."""
    same = {"entity": 0, "trigger": 0}
    total = 0
    for a, b in zip(left, right):
        words = encode_text(tokenizer, a.text).words
        total += len(words)
        for head, spans in (("entity", _entity_spans), ("trigger", _trigger_spans)):
            same[head] += int((word_labels(words, spans(a)) == word_labels(words, spans(b))).sum())
    return {k: round(v / total, 5) if total else 1.0 for k, v in same.items()}


def _entity_spans(doc: Document) -> list[tuple[int, int, str]]:
    return [(e.start, e.end, e.label) for e in doc.entities]


def _trigger_spans(doc: Document) -> list[tuple[int, int, str]]:
    return [(e.trigger.start, e.trigger.end, e.type) for e in doc.events]


def _encoder_shape(model: EventTaggerModel) -> dict:
    config = model.encoder.config
    return {"model_type": config.model_type, "hidden_size": config.hidden_size,
            "num_hidden_layers": config.num_hidden_layers, "num_attention_heads": config.num_attention_heads}


def _headline(metrics: dict | None) -> dict:
    return {k: metrics[k]["f1"] for k in METRIC_KEYS} if metrics else {}


def _dev_documents(config: TrainConfig, limit: int) -> list[Document]:
    if not config.dev:
        return []
    docs = load_sources(config.dev, Ontology.load(config.ontology), "dev")
    return docs[:limit] if limit else docs
