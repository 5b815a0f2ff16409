"""Smaller models: trimming encoder layers and distilling a trained teacher into a student."""
from __future__ import annotations

import copy
import json

import pytest
from eventtagger.core.errors import InputError

from .conftest import FIXTURES, ROOT

torch = pytest.importorskip("torch", reason="training needs the [train] extra")

from eventtagger.training.config import TrainConfig  # noqa: E402
from eventtagger.training.features import IGNORE  # noqa: E402
from eventtagger.training.model import EventTaggerModel, HeadConfig  # noqa: E402
from eventtagger.training.student import keep_layers, kl_divergence  # noqa: E402
from eventtagger.training.trainer import Batch, compute_loss  # noqa: E402


def tiny_model(layers: int = 4) -> EventTaggerModel:
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    config = BertConfig(vocab_size=60, hidden_size=16, num_hidden_layers=layers, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=64, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0)
    encoder = BertModel(config, add_pooling_layer=False)
    return EventTaggerModel(encoder, HeadConfig(5, 7, 9, role_dim=8, dropout=0.0)).eval()


def tiny_batch() -> Batch:
    ids = torch.tensor([[1, 5, 6, 7, 8, 2], [1, 9, 10, 2, 0, 0]])
    mask = (ids != 0).long()
    entity = torch.tensor([[IGNORE, 1, 2, 0, 0, IGNORE], [IGNORE, 3, 0, IGNORE, IGNORE, IGNORE]])
    trigger = torch.tensor([[IGNORE, 0, 0, 1, 0, IGNORE], [IGNORE, 0, 0, IGNORE, IGNORE, IGNORE]])
    rows = torch.tensor([[0, 3]])
    roles = torch.tensor([[IGNORE, 1, 2, 0, 0, IGNORE]])
    return Batch(ids, mask, entity, trigger, rows, roles)


def test_keep_layers_trims_the_stack_and_says_so_in_the_config():
    model = tiny_model(4)
    kept = [model.encoder.encoder.layer[i] for i in (0, 3)]
    keep_layers(model.encoder, (0, 3))
    assert list(model.encoder.encoder.layer) == kept
    assert model.encoder.config.num_hidden_layers == 2
    assert model(torch.tensor([[1, 5, 2]]), torch.ones(1, 3, dtype=torch.long))[0].shape == (1, 3, 5)


@pytest.mark.parametrize("layers", [(), (2, 1), (1, 1), (-1,), (0, 4)])
def test_keep_layers_refuses_what_is_not_a_choice_of_layers(layers):
    with pytest.raises(InputError, match="encoder_layers"):
        keep_layers(tiny_model(4).encoder, layers)


def test_kl_divergence_reads_labelled_positions_only():
    labels = torch.tensor([[IGNORE, 0, 1, IGNORE]])
    teacher = torch.randn(1, 4, 3)
    student = teacher.clone()
    student[0, 0] += 5.0  # positions without a gold label (special tokens, later sub-words) do not count
    student[0, 3] -= 5.0
    assert float(kl_divergence(student, teacher, labels, 2.0)) == pytest.approx(0.0, abs=1e-6)
    student[0, 1] += torch.tensor([3.0, -3.0, 0.0])
    assert float(kl_divergence(student, teacher, labels, 2.0)) > 0.1


def test_the_loss_mixes_gold_and_teacher_by_distill_weight():
    model, batch = tiny_model(), tiny_batch()
    twin = copy.deepcopy(model)  # predicts exactly what the student does: nothing to learn from it
    base = {"name": "t", "train": [], "dropout": 0.0}
    gold = compute_loss(model, batch, TrainConfig.from_dict(base))
    only_teacher = compute_loss(model, batch, TrainConfig.from_dict({**base, "distill_weight": 1.0}), twin)
    half = compute_loss(model, batch, TrainConfig.from_dict({**base, "distill_weight": 0.5}), twin)
    assert float(gold) > 0 and float(only_teacher) == pytest.approx(0.0, abs=1e-6)
    assert float(half) == pytest.approx(0.5 * float(gold), rel=1e-5)
    other = tiny_model()
    other.entity_head.bias.data += torch.tensor([2.0, 0, 0, 0, -2.0])
    assert float(compute_loss(model, batch, TrainConfig.from_dict({**base, "distill_weight": 1.0}), other)) > 0.01


def _student_config(tmp_path, teacher, **changes) -> TrainConfig:
    return TrainConfig.from_dict({
        "name": "student", "train": [str(FIXTURES / "tiny.jsonl")], "dev": [str(FIXTURES / "tiny.jsonl")],
        "output_dir": str(tmp_path / "runs"), "ontology": str(ROOT / "configs/ontology/ace.yaml"),
        "teacher": str(teacher), "encoder_layers": [0, 3, 5], "epochs": 8, "batch_size": 8,
        "learning_rate": 2e-4, "head_learning_rate": 1e-3, "max_length": 32, "stride": 8, "dropout": 0.0,
        "eval_every_epochs": 8, "seed": 1, **changes})


@pytest.mark.slow
def test_a_three_layer_student_of_the_tiny_model_trains_and_exports(tiny_run, tmp_path):
    from eventtagger.inference.tagger import EventTagger
    from eventtagger.training.export import export
    from eventtagger.training.run import train

    run_dir = train(_student_config(tmp_path, tiny_run.run_dir))
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["teacher"] == str(tiny_run.run_dir)
    assert metrics["best"]["entity"]["f1"] >= 0.8 and metrics["best"]["trigger_classification"]["f1"] >= 0.8
    info = export(run_dir, tmp_path / "model")
    assert info["encoder"]["num_hidden_layers"] == 3 and info["training"]["teacher"] == str(tiny_run.run_dir)
    card = (tmp_path / "model/README.md").read_text()
    assert f"3-layer student distilled from the run `{tiny_run.run_dir}`" in card
    assert "The backbone is uncased" in card and "in English (`en`)" in card  # MiniLM lowercases; config default
    assert (tmp_path / "model/model.onnx").stat().st_size < (tiny_run.model_dir / "model.onnx").stat().st_size * 0.8
    (doc,) = EventTagger.load(tmp_path / "model").extract(["Rockets struck the airbase near Erbil on Monday."])
    assert [e.trigger.text for e in doc.events] == ["struck"]


@pytest.mark.slow
@pytest.mark.parametrize("changes, field", [
    ({"backbone": "some/other-backbone"}, "backbone"),
    ({"role_dim": 64}, "role_dim"),
    ({"distill_weight": 1.5}, "distill_weight"),
    ({"distill_temperature": 0.0}, "distill_temperature"),
    ({"encoder_layers": [4, 2]}, "encoder_layers"),
])
def test_a_student_config_that_cannot_work_is_refused_before_training(tiny_run, tmp_path, changes, field):
    from eventtagger.training.run import prepare

    with pytest.raises(InputError) as error:
        prepare(_student_config(tmp_path, tiny_run.run_dir, **changes))
    assert error.value.problems[0].field == field


@pytest.mark.slow
def test_a_teacher_with_other_labels_is_refused(tiny_run, tmp_path):
    import yaml
    from eventtagger.training.run import prepare

    ontology = yaml.safe_load((ROOT / "configs/ontology/ace.yaml").read_text())
    ontology["entity_labels"] = [*ontology["entity_labels"], "EXTRA"]
    path = tmp_path / "larger.yaml"
    path.write_text(yaml.safe_dump(ontology))
    with pytest.raises(InputError, match="other labels than the teacher"):
        prepare(_student_config(tmp_path, tiny_run.run_dir, ontology=str(path)))


def test_a_teacher_that_is_not_a_run_is_refused(tmp_path):
    from eventtagger.training.run import prepare

    with pytest.raises(InputError, match="not a finished run"):
        prepare(_student_config(tmp_path, tmp_path / "nowhere"))
