"""A model folder is untrusted input: whatever is wrong with it, `extract --model` refuses it with one clear
sentence and exit status 2, before reading any document (see also test_end_to_end's tampered model.onnx).

Two kinds of folder are tried: tampered ones (a file changed after export, so the manifest disagrees) and
broken ones whose manifest was brought up to date, as a careless hand edit would do, so that the runtime's own
checks of eventtagger.json, tokenizer.json and model.onnx must catch them. And no code of the project
unpickles anything: weights are ONNX or safetensors.
"""
from __future__ import annotations

import ast
import hashlib
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from eventtagger.inference import model_folder as mf

from .conftest import ROOT

CLI = [sys.executable, "-m", "eventtagger.inference.cli"]


def linked_copy(source: Path, target: Path) -> Path:
    """The model folder as symbolic links to the original's files (cheap); a file is replaced, never written
    through, by `put`."""
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).symlink_to(path)
    return target


def put(folder: Path, name: str, content: bytes, update_manifest: bool = False) -> None:
    (folder / name).unlink(missing_ok=True)
    (folder / name).write_bytes(content)
    if update_manifest:
        manifest = json.loads((folder / mf.MANIFEST).read_text())
        manifest["sha256"][name] = hashlib.sha256(content).hexdigest()
        put(folder, mf.MANIFEST, json.dumps(manifest).encode())


def edit_config(folder: Path, change: Callable[[dict], object], update_manifest: bool = True) -> None:
    config = json.loads((folder / mf.CONFIG).read_text())
    change(config)
    put(folder, mf.CONFIG, json.dumps(config).encode(), update_manifest)


def edit_manifest(folder: Path, change: Callable[[dict], object]) -> None:
    manifest = json.loads((folder / mf.MANIFEST).read_text())
    change(manifest)
    put(folder, mf.MANIFEST, json.dumps(manifest).encode())


def _swap_in_unlisted_model(folder: Path) -> None:
    """Another network in model.onnx's place, and model.onnx struck from the manifest to hide it."""
    put(folder, mf.MODEL, (folder / mf.MODEL_FP32).read_bytes())
    edit_manifest(folder, lambda m: m["sha256"].pop(mf.MODEL))


TAMPERING: dict[str, tuple[Callable[[Path], object], str]] = {
    "listed-file-missing": (lambda f: (f / mf.CARD).unlink(), "README.md is listed in manifest.json but missing"),
    "variant-missing": (lambda f: (f / mf.MODEL_FP32).unlink(),
                        "model.fp32.onnx is listed in manifest.json but missing"),
    "other-network-swapped-in": (lambda f: put(f, mf.MODEL, (f / mf.MODEL_FP32).read_bytes()),
                                 "model.onnx does not match its sha256"),
    "unlisted-network-swapped-in": (_swap_in_unlisted_model, "model.onnx is not listed in manifest.json"),
    "tokenizer-edited": (lambda f: put(f, mf.TOKENIZER, (f / mf.TOKENIZER).read_bytes().replace(b'"[UNK]"', b'"[X]"')),
                         "tokenizer.json does not match its sha256"),
    "config-edited": (lambda f: edit_config(f, lambda c: c.update(stride=4), update_manifest=False),
                      "eventtagger.json does not match its sha256"),
    "manifest-missing": (lambda f: (f / mf.MANIFEST).unlink(), "has no manifest.json"),
    "manifest-not-json": (lambda f: put(f, mf.MANIFEST, b"sha256: everything is fine"), "manifest.json is malformed"),
    "manifest-a-list": (lambda f: put(f, mf.MANIFEST, b"[]"), "manifest.json is malformed"),
    "manifest-digests-not-strings": (lambda f: edit_manifest(f, lambda m: m["sha256"].update({mf.MODEL: 1})),
                                     "manifest.json is malformed"),
    # broken but consistently hashed: the runtime's own checks must catch these
    "config-not-json": (lambda f: put(f, mf.CONFIG, b"{format_version: 1", update_manifest=True),
                        "eventtagger.json is malformed"),
    "config-a-list": (lambda f: put(f, mf.CONFIG, b"[1]", update_manifest=True), "eventtagger.json is malformed"),
    "config-key-missing": (lambda f: edit_config(f, lambda c: c.pop("special_tokens")),
                           "eventtagger.json is malformed: 'special_tokens' is missing"),
    "config-wrong-format-version": (lambda f: edit_config(f, lambda c: c.update(format_version=2)),
                                    "format_version 2 is not 1"),
    "config-format-version-missing": (lambda f: edit_config(f, lambda c: c.pop("format_version")),
                                      "format_version None is not 1"),
    "config-bad-ontology": (lambda f: edit_config(f, lambda c: c["ontology"].update(entity_labels=[])),
                            "eventtagger.json is malformed: ontology, field 'entity_labels'"),
    "config-label-map-disagrees": (lambda f: edit_config(f, lambda c: c["labels"].update(entity=["O"])),
                                   "label map of the entity head does not match"),
    "config-stride-too-long": (lambda f: edit_config(f, lambda c: c.update(stride=c["max_length"])),
                               "make no windows"),
    "config-special-token-outside-vocabulary": (
        lambda f: edit_config(f, lambda c: c["special_tokens"].update(cls=10**9)),
        "outside the tokenizer's vocabulary"),
    "tokenizer-not-a-tokenizer": (lambda f: put(f, mf.TOKENIZER, b"{}", update_manifest=True),
                                  "tokenizer.json cannot be read as a tokenizer"),
    "network-truncated": (lambda f: put(f, mf.MODEL, (f / mf.MODEL).read_bytes()[:5000], update_manifest=True),
                          "model.onnx cannot be loaded by onnxruntime"),
}


@pytest.mark.slow  # the tiny model of conftest is trained once per session
@pytest.mark.parametrize("name", sorted(TAMPERING))
def test_extract_refuses_an_untrusted_model_folder(name, tiny_model, tmp_path):
    damage, message = TAMPERING[name]
    folder = linked_copy(tiny_model, tmp_path / "model")
    damage(folder)
    (tmp_path / "a.txt").write_text("Rockets struck the airbase near Erbil.")
    proc = subprocess.run([*CLI, "extract", "--model", str(folder), str(tmp_path / "a.txt"), "-o",
                           str(tmp_path / "out.jsonl")], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and proc.stderr.startswith("eventtagger extract: "), proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert not (tmp_path / "out.jsonl").exists(), "a refused model still produced output"
    assert all(p.is_symlink() or p.parent == folder for p in folder.iterdir())  # the original was not written to


# --- no unpickling anywhere --------------------------------------------------------------------------------

UNPICKLERS = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def unsafe_loads(source: str) -> list[str]:
    """Imports of unpicklers, torch.load without weights_only=True, numpy.load with allow_pickle=True and
    trust_remote_code=True, in Python source.

    >>> unsafe_loads("import torch\\nstate = torch.load(path)\\nok = torch.load(path, weights_only=True)")
    ['line 2: torch.load without weights_only=True']
    >>> unsafe_loads("from joblib import load\\nimport numpy as np\\nnp.load(p, allow_pickle=True)")
    ['line 1: imports joblib', 'line 3: np.load with allow_pickle=True']
    """
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            hits += [f"line {node.lineno}: imports {a.name}" for a in node.names if a.name.split(".")[0] in UNPICKLERS]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in UNPICKLERS:
            hits.append(f"line {node.lineno}: imports {node.module}")
        elif isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
            if name.endswith("torch.load") or name == "load_state_dict_from_url":
                if keywords.get("weights_only") != "True":
                    hits.append(f"line {node.lineno}: {name} without weights_only=True")
            if name.split(".")[-1] == "load" and name.split(".")[0] in ("np", "numpy") and \
                    keywords.get("allow_pickle") == "True":
                hits.append(f"line {node.lineno}: {name} with allow_pickle=True")
            if keywords.get("trust_remote_code") == "True":
                hits.append(f"line {node.lineno}: {name} with trust_remote_code=True")
    return hits


def test_no_code_unpickles_anything():
    files = [p for folder in ("inference", "training", "examples", "bench") for p in (ROOT / folder).rglob("*.py")]
    assert len(files) > 30
    hits = {str(p.relative_to(ROOT)): found for p in files if (found := unsafe_loads(p.read_text(encoding="utf-8")))}
    assert hits == {}, f"unsafe deserialisation: {hits}"
    # and a plain text search, outside docstrings and comments
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0]
            assert not re.search(r"\b(pickle|joblib|dill)\.\w", code), f"{path}:{lineno}: {line}"
            if "torch.load(" in code:
                assert "weights_only=True" in code, f"{path}:{lineno}: {line}"
