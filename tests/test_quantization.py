"""Tests for argmine/quantization.py, ``load(..., quantize=True)`` and the int8 scoring of
the microtexts cross-validation (``microtext_cv(quantize=True)``, ``bench mtc --quantize``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from argmine.errors import ArgmineError, InferenceOnlyError, InputError, NotFittedError
from argmine.scoring.model import ArgumentModel
from argmine.scoring.runtimes.int8 import (
    QuantizedArgumentModel,
    RowScaledLinear,
    check_quantizable,
    is_quantized,
    quantize_dynamic,
)


def _linear_types(module: nn.Module) -> set[type]:
    return {type(m) for m in module.modules() if type(m).__name__ == "Linear"}


@pytest.fixture(scope="module")
def int8(tiny_network):
    return quantize_dynamic(tiny_network.model)


# --------------------------------------------------------------------------- the int8 copy


def test_quantize_dynamic_returns_an_int8_copy_and_leaves_the_original(tiny_network, int8):
    original = tiny_network.model
    assert is_quantized(int8) and int8.quantized_ is True
    assert isinstance(int8, ArgumentModel) and not is_quantized(original)
    assert int8.quantized_modules_ == ("encoder",)
    assert _linear_types(int8.network_.encoder) == {torch.ao.nn.quantized.dynamic.Linear}
    assert _linear_types(original.network_.encoder) == {nn.Linear}
    # every int8 Linear of the encoder quantizes its input row by row
    assert all(isinstance(m.quantized, torch.ao.nn.quantized.dynamic.Linear)
               for m in int8.network_.encoder.modules() if isinstance(m, RowScaledLinear))
    assert sum(isinstance(m, RowScaledLinear) for m in int8.network_.encoder.modules()) == sum(
        type(m) is nn.Linear for m in original.network_.encoder.modules())
    # The heads stay fp32 by default: nothing to gain there, only accuracy to lose.
    assert type(int8.network_.label_head) is nn.Linear
    assert type(int8.network_.context) is nn.GRU


def test_quantized_model_predicts_close_to_the_fp32_one(tiny_network, int8, tiny_documents):
    docs = list(tiny_documents)
    fp32, q = tiny_network.model.predict_proba(docs), int8.predict_proba(docs)
    labels = np.concatenate([p.label_probs for p in fp32])
    labels_q = np.concatenate([p.label_probs for p in q])
    assert labels_q.shape == labels.shape and np.isfinite(labels_q).all()
    assert np.abs(labels - labels_q).max() < 0.2
    assert (labels.argmax(1) == labels_q.argmax(1)).mean() >= 0.8
    # int8 is not the identity: the encoder really runs different weights.
    assert np.abs(labels - labels_q).max() > 0


def _dynamic_linear(n_in: int, n_out: int) -> nn.Module:
    from torch.ao.quantization import per_channel_dynamic_qconfig
    from torch.ao.quantization import quantize_dynamic as torch_quantize

    torch.manual_seed(0)
    return torch_quantize(nn.Sequential(nn.Linear(n_in, n_out)),
                          {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)[0]


def test_row_scaled_linear_gives_each_row_the_same_output_in_any_batch():
    plain = _dynamic_linear(16, 8)
    rows = RowScaledLinear(_dynamic_linear(16, 8))
    torch.manual_seed(1)
    x = torch.randn(2, 6, 16)
    x[1] *= 40  # one loud sequence widens a per-tensor range
    with torch.inference_mode():
        assert torch.equal(rows(x)[0], rows(x[:1])[0])
        # torch's own dynamic Linear takes one scale for the whole tensor: the quiet
        # sequence's output changes with the loud one beside it
        assert not torch.allclose(plain(x)[0], plain(x[:1])[0], atol=1e-3)
        reference = nn.functional.linear(x, plain.weight().dequantize(), plain.bias())
        assert rows(x).shape == (2, 6, 8)
        assert torch.allclose(rows(x), reference, atol=0.05 * reference.abs().max().item())


def test_int8_predictions_of_a_document_do_not_depend_on_its_batch(int8, tiny_documents):
    docs = list(tiny_documents)
    together = int8.predict_proba(docs)
    alone = [int8.predict_proba([doc])[0] for doc in docs]
    # Before rows were scaled one by one this drifted by ~.02 on these texts (.16 on the
    # seed article); what remains is float rounding that tips an int8 rounding.
    for a, b in zip(together, alone):
        assert np.abs(a.label_probs - b.label_probs).max() < 0.006
        assert np.abs(a.link_probs - b.link_probs).max() < 0.006


def test_quantize_dynamic_heads_converts_the_gru_and_head_linears(tiny_network, tiny_documents):
    both = quantize_dynamic(tiny_network.model, heads=True)
    assert both.quantized_modules_ == ("encoder", "heads")
    assert type(both.network_.context) is torch.ao.nn.quantized.dynamic.GRU
    assert type(both.network_.label_head) is torch.ao.nn.quantized.dynamic.Linear
    pred = both.predict_proba(list(tiny_documents[:2]))
    assert all(np.allclose(p.label_probs.sum(1), 1, atol=1e-5) for p in pred)


def test_quantized_model_refuses_fit_save_and_gpus(int8, tiny_documents, tmp_path):
    with pytest.raises(InferenceOnlyError) as fit:
        int8.fit(list(tiny_documents))
    assert fit.value.code == "E207" and "fit" in str(fit.value)
    with pytest.raises(InferenceOnlyError) as save:
        int8.save_pretrained(tmp_path / "int8")
    assert save.value.code == "E207" and not (tmp_path / "int8").exists()
    with pytest.raises(InferenceOnlyError):
        int8.to("cuda")
    assert int8.to("cpu") is int8
    assert isinstance(save.value, ArgmineError)


def test_quantize_dynamic_refuses_the_baseline_and_unfitted_models(tiny_baseline):
    with pytest.raises(InputError) as baseline:
        quantize_dynamic(tiny_baseline.model)
    assert baseline.value.code == "E301"
    with pytest.raises(NotFittedError):
        quantize_dynamic(ArgumentModel())
    check_quantizable(ArgumentModel())  # type only: an estimator can be checked before fit


def test_quantizing_twice_or_from_a_folder(int8, tiny_model_dir, tiny_documents):
    again = quantize_dynamic(int8)
    assert again is not int8 and is_quantized(again)
    loaded = QuantizedArgumentModel.from_pretrained(tiny_model_dir)
    assert is_quantized(loaded)
    a = int8.predict_proba(list(tiny_documents[:3]))
    b = loaded.predict_proba(list(tiny_documents[:3]))
    for x, y in zip(a, b):  # the saved fp16 weights round a little differently
        np.testing.assert_allclose(x.label_probs, y.label_probs, atol=0.05)


# --------------------------------------------------------------------------- load(quantize=True)


def test_load_quantize_true_gives_an_int8_miner(tiny_model_dir, tmp_path):
    import argmine

    miner = argmine.load(tiny_model_dir, quantize=True)
    assert is_quantized(miner.model)
    units = miner.label(["We should ban cars.", "They pollute the air.", "But they are useful."])
    assert len(units) == 3 and all(u.label is not None for u in units)
    assert miner.mine("We should ban cars. They pollute the air.").trees
    with pytest.raises(InferenceOnlyError):
        miner.save_pretrained(tmp_path / "out")
    assert not is_quantized(argmine.load(tiny_model_dir).model)


def test_load_quantize_true_refuses_a_baseline_folder(tiny_baseline_dir):
    from argmine.pipeline import ArgumentMiner

    with pytest.raises(InputError) as error:
        ArgumentMiner.from_pretrained(tiny_baseline_dir, quantize=True)
    assert error.value.code == "E301" and "quantize" in str(error.value)


# --------------------------------------------------------------------------- microtexts folds


@pytest.fixture(scope="module")
def micro(fixtures_dir):
    from argmine.corpora.microtexts import read_microtext_folds, read_microtexts

    root = fixtures_dir / "microtexts" / "part1"
    return read_microtexts(root), read_microtext_folds(root)


def _saved_splits(tmp_path: Path, model_dir: Path, splits) -> Path:
    """A models_dir holding the tiny model as every split's model: nothing is trained."""
    for split in splits:
        shutil.copytree(model_dir, tmp_path / "splits" / f"split-{split}")
    return tmp_path / "splits"


def test_microtext_cv_scores_the_int8_copy_of_every_split(micro, tiny_model_dir, tmp_path,
                                                          torch_single_thread):
    from argmine.evaluation.protocols import microtext_cv

    docs, folds = micro
    models = _saved_splits(tmp_path, tiny_model_dir, [f.index for f in folds if f.iteration < 1])
    config = ArgumentModel.from_pretrained(tiny_model_dir).config  # the saved models' own

    def same(index: int) -> ArgumentModel:
        return ArgumentModel(config)

    report = microtext_cv(docs, folds, same, iterations=1, models_dir=models, quantize=True)
    assert len(report["splits"]) == 2
    for split in report["splits"]:
        q = split["quantized"]
        assert {"labels", "decoded_labels", "structure", "label_agreement"} <= set(q)
        assert 0 <= q["label_agreement"] <= 1 and q["quantized_modules"] == ["encoder"]
        assert q["labels"]["labels"] == split["labels"]["labels"]
    average = report["quantized"]
    assert average["labels"]["splits"] == 2
    assert set(average["labels"]["per_label"]) == set(report["labels"]["per_label"])
    assert set(average["structure"]) == set(report["structure"])
    expected = np.mean([s["quantized"]["labels"]["macro_f1"] for s in report["splits"]])
    assert average["labels"]["macro_f1"] == pytest.approx(expected)
    assert "quantized" not in microtext_cv(docs, folds, same, iterations=1, models_dir=models)


def test_microtext_cv_refuses_saved_split_models_trained_otherwise(micro, tiny_model_dir,
                                                                   tmp_path):
    """A rerun with other settings over a models_dir must not score the earlier models."""
    from argmine.evaluation.protocols import microtext_cv
    from argmine.scoring.config import TrainingConfig

    docs, folds = micro
    models = _saved_splits(tmp_path, tiny_model_dir, [f.index for f in folds if f.iteration < 1])
    config = ArgumentModel.from_pretrained(tiny_model_dir).config
    other = TrainingConfig(**{**config.to_dict(), "mask_absent_labels": True})
    with pytest.raises(InputError, match="mask_absent_labels"):
        microtext_cv(docs, folds, lambda i: ArgumentModel(other), iterations=1,
                     models_dir=models)


def test_microtext_cv_quantize_refuses_the_baseline_before_training(micro):
    from argmine.evaluation.protocols import microtext_cv
    from argmine.scoring.baseline import BaselineModel

    fitted = []

    class Recording(BaselineModel):
        def fit(self, documents, *args, **kwargs):
            fitted.append(len(documents))
            return super().fit(documents, *args, **kwargs)

    docs, folds = micro
    with pytest.raises(InputError):
        microtext_cv(docs, folds, lambda i: Recording(), quantize=True)
    assert fitted == []


def test_bench_mtc_quantize_shows_fp32_and_int8_rows(capsys, fixtures_dir, tiny_model_dir,
                                                     tmp_path, torch_single_thread):
    from argmine.cli.app import main

    corpus = fixtures_dir / "microtexts" / "part1"
    models = _saved_splits(tmp_path, tiny_model_dir, [0])
    out = tmp_path / "out"
    # The saved split models' own settings: bench mtc refuses split models trained otherwise.
    status = main(["bench", "mtc", "--smoke", "--quantize", "--model", str(tiny_model_dir),
                   "--corpus", f"microtexts:{corpus}", "--save-models", str(models),
                   "--epochs", "2", "--trainable-layers", "1", "--batch-units", "16",
                   "--out", str(out)])
    _, err = capsys.readouterr()
    assert status == 0, err
    data = json.loads((out / "mtc-model-smoke.json").read_text(encoding="utf-8"))
    systems = [row["system"] for row in data["rows"]]
    assert sum(s.endswith("(fp32)") for s in systems) == 2
    assert sum(s.endswith("(int8 dynamic quantization)") for s in systems) == 2
    assert "--quantize" in data["command"] and data["model"]["quantized_copy_scored"] is True
    assert len(data["results"]["quantized"]["macro_f1_per_split"]) == 1
    assert "int8:" in err


def test_bench_mtc_quantize_refuses_the_baseline(capsys, tmp_path):
    from argmine.cli.app import main

    status = main(["bench", "mtc", "--model", "baseline", "--quantize", "--out",
                   str(tmp_path)])
    _, err = capsys.readouterr()
    assert status == 1 and "--quantize" in err
