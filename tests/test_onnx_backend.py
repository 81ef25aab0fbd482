"""The ONNX Runtime encoder backend: same predictions as torch, cached export, clear errors."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


@pytest.fixture()
def onnx_cache(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.setenv("ARGMINE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "onnx"


def test_onnx_backend_predicts_like_torch(tiny_model_dir, tiny_documents, onnx_cache,
                                          torch_single_thread):
    from argmine.scoring.model import ArgumentModel

    model = ArgumentModel.from_pretrained(tiny_model_dir)
    expected = model.predict_proba(tiny_documents)
    assert model.use_backend("onnx") is model and model.backend == "onnx"
    got = model.predict_proba(tiny_documents)
    for a, b in zip(expected, got):
        np.testing.assert_allclose(a.label_probs, b.label_probs, atol=1e-4)
        np.testing.assert_allclose(a.link_probs, b.link_probs, atol=1e-4)
        np.testing.assert_allclose(a.attack_probs, b.attack_probs, atol=1e-4)
    assert [p.name for p in onnx_cache.iterdir()] == [model.onnx_encoder_.path.name]
    model.use_backend("torch")
    assert model.backend == "torch"


def test_onnx_export_is_cached_per_weights(tiny_model_dir, onnx_cache, torch_single_thread):
    import torch

    from argmine.scoring.model import ArgumentModel

    first = ArgumentModel.from_pretrained(tiny_model_dir).use_backend("onnx")
    stamp = first.onnx_encoder_.path.stat().st_mtime_ns
    again = ArgumentModel.from_pretrained(tiny_model_dir).use_backend("onnx")
    assert again.onnx_encoder_.path == first.onnx_encoder_.path
    assert again.onnx_encoder_.path.stat().st_mtime_ns == stamp  # reused, not re-exported
    changed = ArgumentModel.from_pretrained(tiny_model_dir)
    with torch.no_grad():
        next(changed.network_.encoder.parameters()).add_(0.01)
    changed.use_backend("onnx")
    assert changed.onnx_encoder_.path != first.onnx_encoder_.path
    assert len(list(onnx_cache.glob("*.onnx"))) == 2


def test_onnx_backend_survives_pickle_and_deepcopy(tiny_model_dir, tiny_documents, onnx_cache,
                                                   torch_single_thread):
    from argmine.scoring.model import ArgumentModel

    model = ArgumentModel.from_pretrained(tiny_model_dir).use_backend("onnx")
    expected = model.predict_proba(tiny_documents[:2])
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert clone.backend == "onnx"
        for a, b in zip(expected, clone.predict_proba(tiny_documents[:2])):
            np.testing.assert_allclose(a.label_probs, b.label_probs, atol=1e-6)


def test_fit_drops_the_onnx_backend(tiny_model_dir, tiny_documents, onnx_cache,
                                    torch_single_thread):
    from argmine.scoring.model import ArgumentModel

    model = ArgumentModel.from_pretrained(tiny_model_dir).use_backend("onnx")
    model.config = type(model.config).from_dict({**model.config.to_dict(), "epochs": 1})
    model.fit(list(tiny_documents), progress=False, init_from=tiny_model_dir)
    assert model.backend == "torch"


def test_unknown_backend_is_refused(tiny_model_dir):
    from argmine.errors import InputError
    from argmine.scoring.model import ArgumentModel

    model = ArgumentModel.from_pretrained(tiny_model_dir)
    with pytest.raises(InputError, match="backend"):
        model.use_backend("tensorrt")


def test_auto_backend_is_onnx_on_the_cpu_and_torch_where_onnx_cannot_run(
    tiny_model_dir, tiny_baseline_dir, onnx_cache, torch_single_thread
):
    from argmine.pipeline import load

    assert load(tiny_model_dir).model.backend == "onnx"
    assert load(tiny_model_dir, backend="torch").model.backend == "torch"
    # int8 runs in torch; the TF-IDF baseline has no encoder: auto is no error for either.
    assert load(tiny_model_dir, quantize=True).model.backend == "torch"
    assert not hasattr(load(tiny_baseline_dir).model, "onnx_encoder_")


def test_auto_backend_falls_back_to_torch_when_the_export_fails(
    tiny_model_dir, tiny_documents, onnx_cache, monkeypatch, torch_single_thread
):
    from argmine.scoring.model import ArgumentModel
    from argmine.scoring.runtimes import onnx as onnx_backend

    def broken(network, path):
        raise RuntimeError("unsupported operator")

    monkeypatch.setattr(onnx_backend, "export_encoder", broken)
    model = ArgumentModel.from_pretrained(tiny_model_dir)
    with pytest.warns(UserWarning, match="unsupported operator"):
        model.use_backend("auto")
    assert model.backend == "torch"
    assert len(model.predict_proba(tiny_documents[:1])) == 1
    with pytest.raises(RuntimeError):
        ArgumentModel.from_pretrained(tiny_model_dir).use_backend("onnx")


def test_onnx_session_takes_the_thread_count_set_before_first_use(
    tiny_model_dir, tiny_documents, onnx_cache, torch_single_thread
):
    import torch

    from argmine.scoring.model import ArgumentModel

    model = ArgumentModel.from_pretrained(tiny_model_dir).use_backend("onnx")
    before = torch.get_num_threads()
    torch.set_num_threads(3)  # what a batch worker does after loading its model
    try:
        model.predict_proba(tiny_documents[:1])
    finally:
        torch.set_num_threads(before)
    options = model.onnx_encoder_.session.get_session_options()
    assert options.intra_op_num_threads == 3
