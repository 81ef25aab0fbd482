"""Shared fixtures. Expensive objects are built once per session; tests get them read-only."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from argmine.document import Document

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = REPO_ROOT / "seeds" / "track-ii-talks.txt"


@pytest.fixture(scope="session", autouse=True)
def _onnx_cache(tmp_path_factory) -> Iterator[None]:
    """Keep the ONNX graphs the default backend exports out of the user's cache folder."""
    before = os.environ.get("ARGMINE_CACHE")
    os.environ["ARGMINE_CACHE"] = str(tmp_path_factory.mktemp("argmine-cache"))
    yield
    if before is None:
        os.environ.pop("ARGMINE_CACHE", None)
    else:
        os.environ["ARGMINE_CACHE"] = before


def _corpora_root() -> Path:
    env = os.environ.get("ARGMINE_CORPORA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "corpora"


def corpus_folder(root: Path, name: str) -> Path:
    """One corpus folder under ``root``; skips when absent, except under CI=true."""
    folder = root / name
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the corpus is missing at {folder}")
        pytest.skip(f"corpora not found at {folder}")
    return folder


def by_id(docs) -> dict:
    """Documents keyed by id."""
    return {doc.id: doc for doc in docs}


def link_ids(doc) -> set:
    """A document's relations as (source unit id, target unit id, kind)."""
    return {(doc.units[r.source].id, doc.units[r.target].id, r.kind) for r in doc.relations}


@pytest.fixture(scope="session")
def corpora_root() -> Path:
    """The folder with the shared corpora; skips when absent, except under CI=true."""
    root = _corpora_root()
    if not root.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the corpora are missing at {root} (set ARGMINE_CORPORA)")
        pytest.skip(f"corpora not found at {root}; set ARGMINE_CORPORA to run this test")
    return root


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The folder of tiny hand-written fixtures in each raw format."""
    return FIXTURES


@pytest.fixture(scope="session")
def seed_text() -> str:
    """The seed op-ed shipped in seeds/."""
    return SEED.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- trained stages
# The tiny training set and the two trainable stages fitted on it, once per session. Tests
# get the saved folders (and load their own copies) or deep copies of the fitted objects.

TINY_DOCUMENTS = FIXTURES / "tiny" / "documents.json"
TINY_TRAINING = {"epochs": 2, "trainable_layers": 1, "batch_units": 16, "seed": 0}
"""Settings of the tiny ArgumentModel: small enough to train in seconds on a CPU."""


@dataclass(frozen=True)
class TrainedStage:
    """A trainable stage fitted on the tiny documents, and the folder it was saved to.

    Attributes:
        name: ``"ArgumentModel"`` or ``"BaselineModel"``.
        cls: The stage's class.
        model: The fitted object (read-only: deep-copy it before changing anything).
        fit_result: What ``fit`` returned (should be ``model`` itself).
        directory: The folder ``save_pretrained`` wrote (read-only: copy it to change files).
        atol: Tolerance between the fitted model and one loaded from ``directory``.
    """

    name: str
    cls: type
    model: Any
    fit_result: Any
    directory: Path
    atol: float


@pytest.fixture(scope="session")
def torch_single_thread() -> Iterator[None]:
    """Run torch on one thread for the session.

    On a small shared machine torch's default of one thread per core oversubscribes the CPU:
    training the tiny model took ~30 s with two threads next to another job, ~5 s with one.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_documents() -> tuple[Document, ...]:
    """Ten hand-written argumentative texts with gold labels, roles and relations."""
    data = json.loads(TINY_DOCUMENTS.read_text(encoding="utf-8"))
    return tuple(Document.from_dict(item) for item in data)


@pytest.fixture(scope="session")
def tiny_network(
    tiny_documents: tuple[Document, ...], tmp_path_factory, torch_single_thread
) -> TrainedStage:
    """An ArgumentModel fitted on the tiny documents (2 epochs, top layer only) and saved."""
    from argmine.scoring.config import TrainingConfig
    from argmine.scoring.model import ArgumentModel

    model = ArgumentModel(TrainingConfig(**TINY_TRAINING))
    fitted = model.fit(list(tiny_documents), progress=False)
    directory = tmp_path_factory.mktemp("tiny-network") / "model"
    model.save_pretrained(directory)
    return TrainedStage("ArgumentModel", ArgumentModel, model, fitted, directory, 1e-2)


@pytest.fixture(scope="session")
def tiny_baseline(tiny_documents: tuple[Document, ...], tmp_path_factory) -> TrainedStage:
    """A BaselineModel fitted on the tiny documents and saved."""
    from argmine.scoring.baseline import BaselineModel

    model = BaselineModel(seed=0)
    fitted = model.fit(list(tiny_documents))
    directory = tmp_path_factory.mktemp("tiny-baseline") / "model"
    model.save_pretrained(directory)
    return TrainedStage("BaselineModel", BaselineModel, model, fitted, directory, 1e-6)


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_network: TrainedStage) -> Path:
    """Folder of the tiny ArgumentModel (read-only; copy it before changing files)."""
    return tiny_network.directory


@pytest.fixture(scope="session")
def tiny_baseline_dir(tiny_baseline: TrainedStage) -> Path:
    """Folder of the tiny BaselineModel (read-only; copy it before changing files)."""
    return tiny_baseline.directory


@pytest.fixture
def network_copy(tiny_model_dir: Path, tmp_path: Path) -> Path:
    """A copy of the tiny ArgumentModel folder, free to break."""
    folder = tmp_path / "network"
    shutil.copytree(tiny_model_dir, folder)
    return folder


@pytest.fixture
def baseline_copy(tiny_baseline_dir: Path, tmp_path: Path) -> Path:
    """A copy of the tiny baseline folder, free to break."""
    folder = tmp_path / "baseline"
    shutil.copytree(tiny_baseline_dir, folder)
    return folder
