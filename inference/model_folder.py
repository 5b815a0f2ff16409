"""The model folder of docs/FORMAT.md §3: file names, eventtagger.json and the sha256 manifest checked at load."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eventtagger.core.errors import InputError

from .spec import FORMAT_VERSION, ModelCard, TaggerSpec

MODEL = "model.onnx"            # int8 by default
MODEL_FP32 = "model.fp32.onnx"
TOKENIZER = "tokenizer.json"
CONFIG = "eventtagger.json"
CARD = "README.md"
MANIFEST = "manifest.json"
VARIANTS = {"int8": MODEL, "fp32": MODEL_FP32}


class ModelFolderError(Exception):
    """The folder is not a usable, untampered model folder."""


@dataclass(frozen=True)
class ModelFolder:
    path: Path
    spec: TaggerSpec
    card: ModelCard
    config: dict[str, Any]

    @staticmethod
    def open(path: str | Path, variant: str = "int8") -> ModelFolder:
        """Check the manifest for the files this variant reads, then parse eventtagger.json."""
        path = Path(path)
        if variant not in VARIANTS:
            raise ModelFolderError(f"unknown model variant {variant!r} (known: {', '.join(VARIANTS)})")
        if not path.is_dir():
            raise ModelFolderError(f"{path} is not a model folder (no such directory)")
        verify_manifest(path, [VARIANTS[variant], TOKENIZER, CONFIG])
        try:
            config = json.loads((path / CONFIG).read_text(encoding="utf-8"))
            if not isinstance(config, dict):
                raise TypeError(f"it holds a JSON {type(config).__name__}, not an object")
            if config.get("format_version") != FORMAT_VERSION:
                raise ModelFolderError(f"{path / CONFIG}: format_version {config.get('format_version')!r} is not "
                                       f"{FORMAT_VERSION}; this eventtagger cannot read it")
            spec = TaggerSpec.from_dict(config)
        except KeyError as exc:
            raise ModelFolderError(f"{path / CONFIG} is malformed: {exc} is missing") from None
        except (ValueError, TypeError, AttributeError, RecursionError, InputError) as exc:  # InputError: its ontology
            raise ModelFolderError(f"{path / CONFIG} is malformed: {exc}") from None
        card = ModelCard(name=config.get("name", path.name), version=config.get("version", ""),
                         backbone=config.get("backbone", ""), training_data=config.get("training_data", {}),
                         metrics=config.get("metrics", {}), parity=config.get("parity", {}))
        return ModelFolder(path, spec, card, config)

    def file(self, name: str) -> Path:
        return self.path / name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(folder: Path) -> dict[str, str]:
    """Record the sha256 of every file of the folder (the manifest itself aside)."""
    files = {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST}
    (folder / MANIFEST).write_text(json.dumps({"sha256": files}, indent=2) + "\n", encoding="utf-8")
    return files


def verify_manifest(folder: Path, must_check: list[str]) -> None:
    """Refuse a folder whose manifest is missing, lists a file that is gone, or disagrees with a file read.

    Hashing every variant at each load would cost seconds for large models, so only the files that are
    about to be read are hashed; the others must merely exist.
    """
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["sha256"]
    except FileNotFoundError:
        raise ModelFolderError(f"{folder} has no {MANIFEST}; refusing to load an unverified model") from None
    except (ValueError, KeyError, TypeError, RecursionError):
        manifest = None
    if not isinstance(manifest, dict) or not all(isinstance(v, str) for v in manifest.values()):
        raise ModelFolderError(f"{folder / MANIFEST} is malformed (not {{\"sha256\": {{file: digest}}}}); "
                               "refusing to load")
    for name in manifest:
        if not (folder / name).is_file():
            raise ModelFolderError(f"{folder} is incomplete: {name} is listed in {MANIFEST} but missing")
    for name in must_check:
        if name not in manifest:
            raise ModelFolderError(f"{folder}: {name} is not listed in {MANIFEST}; refusing to load it")
        if sha256_of(folder / name) != manifest[name]:
            raise ModelFolderError(f"{folder / name} does not match its sha256 in {MANIFEST} "
                                   "(modified or corrupted); refusing to load")
