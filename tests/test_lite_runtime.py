"""The torch-free runtime: the same predictions as the torch network, without importing torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import argmine
from argmine.scoring.backends import cache_dir
from argmine.scoring.model import ArgumentModel
from argmine.scoring.runtimes.lite import LiteScorer, folder_digest, lookup

REPO = Path(__file__).resolve().parents[1]
TEXT = ("Cities should ban cars from their centres. Fumes harm the people who live there. "
        "But shops need customers who drive in.\n\nThat worry is misplaced. Pedestrian streets "
        "sell more, as several studies found.")


@pytest.fixture(scope="module")
def served(tiny_model_dir: Path, tmp_path_factory, monkeypatch_module):
    """A model folder loaded once in full (which records it) and then without torch."""
    monkeypatch_module.setenv("ARGMINE_CACHE", str(tmp_path_factory.mktemp("lite-cache")))
    full = argmine.load(tiny_model_dir, backend="onnx")
    lite = argmine.load(tiny_model_dir, backend="onnx")
    return full, lite


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_lite_runtime_serves_a_folder_validated_before(served):
    full, lite = served
    assert isinstance(full.model, ArgumentModel) and full.model.backend == "onnx"
    assert isinstance(lite.model, LiteScorer)


def test_lite_runtime_predictions_equal_the_torch_network(served, tiny_documents):
    full, lite = served
    docs = [full.to_document(TEXT), *(full.to_document(d.text) for d in tiny_documents)]
    for a, b in zip(full.model.predict_proba(docs), lite.model.predict_proba(docs)):
        np.testing.assert_allclose(a.label_probs, b.label_probs, atol=1e-5)
        np.testing.assert_allclose(a.link_probs, b.link_probs, atol=1e-5)
        np.testing.assert_allclose(a.attack_probs, b.attack_probs, atol=1e-5)
    for a, b in zip(full.mine_documents(docs), lite.mine_documents(docs)):
        assert [(u.label, u.role) for u in a.units] == [(u.label, u.role) for u in b.units]
        assert [(r.source, r.target, r.kind) for r in a.relations] == \
            [(r.source, r.target, r.kind) for r in b.relations]


def test_lite_runtime_long_documents_by_block(served):
    full, lite = served
    doc = full.to_document(" ".join(f"Point {i} matters because of reason {i}." for i in range(40)))
    (a,), (b,) = (m.model.predict_proba([doc], link_block=16) for m in (full, lite))
    np.testing.assert_array_equal(a.candidates, b.candidates)
    np.testing.assert_allclose(a.link_probs, b.link_probs, atol=1e-5)
    np.testing.assert_allclose(a.attack_probs, b.attack_probs, atol=1e-5)
    # 40 units: more than FULL_KIND_PAIRS is not reached, so check the top-k kind path too
    many = full.to_document(" ".join(f"Claim {i} holds." for i in range(140)))
    (a,), (b,) = (m.model.predict_proba([many]) for m in (full, lite))
    np.testing.assert_allclose(a.attack_probs, b.attack_probs, atol=1e-5)


def test_lite_runtime_truncates_long_units_like_transformers(served):
    full, lite = served
    long_unit = "word " * 400
    (a,), (b,) = (m.model.predict_proba([full.to_document([long_unit, "Short one."])])
                  for m in (full, lite))
    np.testing.assert_allclose(a.label_probs, b.label_probs, atol=1e-5)


def test_lite_runtime_not_used_for_a_changed_folder(tiny_model_dir: Path, tmp_path: Path, served):
    copy = tmp_path / "model"
    copy.mkdir()
    for f in tiny_model_dir.iterdir():
        (copy / f.name).write_bytes(f.read_bytes())
    config = json.loads((copy / "config.json").read_text())
    config["comment"] = "edited"
    (copy / "config.json").write_text(json.dumps(config))
    # Never validated: the full path runs (and then records the edited folder).
    assert isinstance(argmine.load(copy, backend="onnx").model, ArgumentModel)
    assert isinstance(argmine.load(copy, backend="onnx").model, LiteScorer)
    assert isinstance(argmine.load(copy, backend="torch").model, ArgumentModel)


def test_lite_runtime_index_names_only_cache_files(tiny_model_dir: Path, served, tmp_path):
    files = [tmp_path / "enc"]
    files[0].write_text("x")
    digest = folder_digest(tiny_model_dir, files)
    entry = cache_dir() / "models" / f"{digest}.json"
    entry.parent.mkdir(parents=True, exist_ok=True)
    for graph in ("../../../etc/passwd", "/etc/passwd", 3, None):
        entry.write_text(json.dumps({"index_version": 1, "graph": graph}))
        assert lookup(cache_dir(), digest) is None


def test_lite_runtime_pickles_for_batch_workers(served):
    import pickle

    _, lite = served
    again = pickle.loads(pickle.dumps(lite.model))
    doc = lite.to_document(TEXT)
    np.testing.assert_allclose(again.predict_proba([doc])[0].label_probs,
                               lite.model.predict_proba([doc])[0].label_probs, atol=1e-6)


def test_lite_runtime_save_pretrained_copies_the_folder(served, tmp_path: Path,
                                                        tiny_model_dir: Path):
    _, lite = served
    out = lite.save_pretrained(tmp_path / "saved")
    for name in ("config.json", "model.safetensors"):
        assert (out / name).read_bytes() == (tiny_model_dir / name).read_bytes()


def test_lite_runtime_load_and_label_import_neither_torch_nor_transformers(
        served, tiny_model_dir: Path):
    script = (
        "import sys, argmine\n"
        f"miner = argmine.load({str(tiny_model_dir)!r})\n"
        "miner.label('We should ban cars. They pollute. But they are useful.')\n"
        "miner.mine('We should ban cars. They pollute.')\n"
        "print(type(miner.model).__name__, sorted(m for m in ('torch', 'transformers')"
        " if m in sys.modules))\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["LiteScorer", "[]"]


def test_lite_runtime_batch_workers_set_its_threads(served):
    from argmine.batch.work import set_threads

    _, lite = served
    copy = pickle_copy(lite)
    set_threads(1, copy)
    assert copy.model.threads == 1 and copy.model.session.get_session_options() \
        .intra_op_num_threads == 1


def pickle_copy(miner):
    import pickle

    return pickle.loads(pickle.dumps(miner))
