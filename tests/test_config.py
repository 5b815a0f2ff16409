from pathlib import Path

import pytest
from eventtagger.core.errors import InputError

ROOT = Path(__file__).resolve().parent.parent

config = pytest.importorskip("eventtagger.training.config", reason="needs the [train] extra")
TrainConfig = config.TrainConfig


def write(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_loads_and_coerces(tmp_path):
    cfg = TrainConfig.load(write(tmp_path, "name: x\ntrain: data/train.jsonl\nlearning_rate: 1e-5\nepochs: 2\n"))
    assert cfg.learning_rate == 1e-5 and cfg.train[0].paths == ("data/train.jsonl",) and cfg.epochs == 2


def test_overrides(tmp_path):
    cfg = TrainConfig.load(write(tmp_path, "name: x\ntrain: [a.jsonl]\n"), ["epochs=7", "head_learning_rate=0.01"])
    assert cfg.epochs == 7 and cfg.head_learning_rate == 0.01


def test_every_mistake_at_once(tmp_path):
    path = write(tmp_path, "name: x\ntrain: [a.jsonl]\nepochs: three\nlearnig_rate: 0.1\n")
    with pytest.raises(InputError) as err:
        TrainConfig.load(path)
    messages = [str(p) for p in err.value.problems]
    assert f"{path}, field 'learnig_rate': unknown key (did you mean 'learning_rate'?)" in messages
    assert any("field 'epochs': must be int" in m for m in messages)


def test_required_and_nested(tmp_path):
    with pytest.raises(InputError) as err:
        TrainConfig.load(write(tmp_path, "train: [{paths: [a], fmt: m2e2}]\n"))
    fields = [p.field for p in err.value.problems]
    assert "train[0].fmt" in fields and "name" in fields


def test_bad_override(tmp_path):
    with pytest.raises(InputError, match="expected key=value"):
        TrainConfig.load(write(tmp_path, "name: x\ntrain: [a]\n"), ["epochs"])


def test_unquoted_no_is_explained(tmp_path):
    with pytest.raises(InputError, match=r"field 'mixed_precision': must be a string, not False \(quote it"):
        TrainConfig.load(write(tmp_path, "name: x\ntrain: [a]\nmixed_precision: no\n"))


@pytest.mark.parametrize("path", sorted((ROOT / "configs").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_config_loads(path):
    cfg = TrainConfig.load(path)
    assert cfg.name and cfg.train
