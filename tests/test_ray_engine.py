"""`extract --engine ray` on a Ray started on this machine gives the local engine's output, in shards."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from eventtagger.inference import ray_engine
from eventtagger.inference.cli import main

from .conftest import FIXTURES

pytest.importorskip("ray.data", reason="--engine ray needs the [ray] extra (pip install 'eventtagger[ray]')")
pytestmark = pytest.mark.slow  # the tiny model of conftest is trained once per session


def structure(doc: dict) -> tuple:
    """A tagged document without its scores, which may differ in the last digits with the batch's padding."""
    def strip(item: dict) -> dict:
        return {k: (strip(v) if isinstance(v, dict) else [strip(a) for a in v] if isinstance(v, list) else v)
                for k, v in item.items() if k != "score"}
    return doc["id"], doc["text"], doc["meta"], strip({"entities": doc["entities"], "events": doc["events"]})


def test_ray_shards_equal_the_local_output(tiny_model, tmp_path, monkeypatch):
    inputs = tmp_path / "in.jsonl"
    lines = (FIXTURES / "tiny.jsonl").read_text(encoding="utf-8").splitlines()
    inputs.write_text("\n".join([*lines, "{not json", lines[0]]) + "\n", encoding="utf-8")  # a bad line, a duplicate
    (tmp_path / "note.txt").write_text("Police arrested two men in Basra on Friday.", encoding="utf-8")
    sources = [str(inputs), str(tmp_path / "note.txt")]

    # fp32: the int8 network quantizes activations with ranges taken over the whole batch, so its scores
    # move a little with the company a document keeps, and the two engines batch differently
    local = tmp_path / "local.jsonl"
    assert main(["extract", "--variant", "fp32", "--model", str(tiny_model), *sources, "-o", str(local)]) == 1
    expected = [json.loads(line) for line in local.read_text(encoding="utf-8").splitlines()]

    monkeypatch.setattr(ray_engine, "DOCUMENTS_PER_CALL", 2)  # several blocks, so both actors work
    out = tmp_path / "shards"
    argv = ["extract", "--engine", "ray", "--variant", "fp32", "--num-actors", "2", "--shard-size", "4",
            "--model", str(tiny_model), *sources, "-o", str(out)]
    assert main(argv) == 1  # as the local engine: some records could not be read
    parts = sorted(p.name for p in out.iterdir())
    assert parts == ["errors.jsonl", "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    shards = [json.loads(line) for part in parts[1:] for line in (out / part).read_text(encoding="utf-8").splitlines()]
    assert [d["id"] for d in shards] == [d["id"] for d in expected] and len(shards) == 9
    assert [structure(d) for d in shards] == [structure(d) for d in expected]
    for got, want in zip(shards, expected, strict=True):
        for a, b in zip(got["entities"] + got["events"], want["entities"] + want["events"], strict=True):
            assert abs(a["score"] - b["score"]) < 1e-3
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [e["id"] for e in errors] == [None, "tiny-1"]

    # a second run must say what to do; --resume finds nothing left and starts no Ray (the unreadable records
    # are still among the inputs: exit 1)
    assert main(argv) == 2
    assert main([*argv, "--resume"]) == 1
    assert sorted(p.name for p in out.iterdir()) == parts


def test_ray_output_must_be_a_folder(tiny_model, tmp_path):
    assert main(["extract", "--engine", "ray", "--model", str(tiny_model), str(FIXTURES / "tiny.jsonl"),
                 "-o", str(tmp_path / "out.jsonl")]) == 2
    assert not Path(tmp_path / "out.jsonl").exists()


def test_ray_client_addresses_are_refused(tmp_path):
    assert main(["extract", "--engine", "ray", "--ray-address", "ray://head:10001", "--model", str(tmp_path),
                 str(FIXTURES / "tiny.jsonl"), "-o", str(tmp_path / "out")]) == 2
