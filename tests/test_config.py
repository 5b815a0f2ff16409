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


@pytest.mark.parametrize("line, field, message", [
    ("select_metric: f1_mean", "select_metric", "must be one of mean_f1, entity"),
    ("epochs: 0", "epochs", "must be at least 1, not 0"),
    ("batch_size: -4", "batch_size", "must be at least 1, not -4"),
    ("max_length: 32\nstride: 30", "stride", "below max_length - 2 = 30, not 30"),
    ("stride: -1", "stride", "must be at least 0"),
    ("mixed_precision: auto", "mixed_precision", "must be one of no, bf16, fp16, not 'auto'"),
    ("learning_rate: 0", "learning_rate", "must be positive"),
    ("distill_weight: 1.5", "distill_weight", "must lie in [0, 1]"),
    ("dropout: 1.0", "dropout", "must lie in [0, 1)"),
    ("argument_spans: spans", "argument_spans", "must be one of auto, entities, free"),
    ("language: English", "language", "BCP 47"),
    ("train: [{paths: [a], format: mm2e2}]", "train[0].format", "did you mean 'm2e2'?"),
])
def test_a_value_out_of_its_domain_is_refused_at_load(tmp_path, line, field, message):
    path = write(tmp_path, f"name: x\ntrain: [a.jsonl]\n{line}\n".replace("train: [a.jsonl]\ntrain:", "train:"))
    with pytest.raises(InputError) as err:
        TrainConfig.load(path)
    (problem,) = err.value.problems
    assert problem.where == str(path) and problem.field == field and message in problem.message


def test_domain_and_type_mistakes_are_reported_together(tmp_path):
    path = write(tmp_path, "name: x\ntrain: [a.jsonl]\nepochs: three\nbatch_size: 0\n")
    with pytest.raises(InputError) as err:
        TrainConfig.load(path)
    assert [p.field for p in err.value.problems] == ["epochs", "batch_size"]


def test_an_override_is_checked_like_the_file(tmp_path):
    with pytest.raises(InputError, match=r"c.yaml, field 'eval_every_epochs': must be at least 1"):
        TrainConfig.load(write(tmp_path, "name: x\ntrain: [a]\n"), ["eval_every_epochs=0"])


def test_fp32_unless_asked_and_english_unless_told(tmp_path):
    cfg = TrainConfig.load(write(tmp_path, "name: x\ntrain: [a]\n"))
    assert cfg.mixed_precision == "no" and cfg.language == "en"
    cfg = TrainConfig.load(write(tmp_path, "name: x\ntrain: [a]\nmixed_precision: bf16\nlanguage: de\n"))
    assert cfg.mixed_precision == "bf16" and cfg.language == "de"
