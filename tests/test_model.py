"""Tests for argmine/model.py, and the contract every trainable stage passes.

``TestTrainableStageContract`` runs over ArgumentModel and BaselineModel alike (the stages
share one interface): fit, predict, save, load, identical predictions, empty input, unfitted
error, folder layout. Both are fitted once per session on tests/fixtures/tiny (conftest).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open

import argmine
from argmine.document import Document, Unit
from argmine.errors import ArgmineError, InputError, NotFittedError
from argmine.schema import LABELS, Label
from argmine.scoring import persistence
from argmine.scoring.config import TrainingConfig
from argmine.scoring.features import PAIR_FEATURES
from argmine.scoring.model import MODEL_TYPE, ArgumentModel
from argmine.scoring.protocol import Prediction

PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".pt", ".pth", ".bin", ".ckpt"}


def _assert_same(a: list[Prediction], b: list[Prediction], atol: float) -> None:
    assert len(a) == len(b)
    for p, q in zip(a, b):
        for name in ("label_probs", "link_probs", "attack_probs"):
            x, y = getattr(p, name), getattr(q, name)
            assert x.shape == y.shape, name
            if atol == 0:
                assert np.array_equal(x, y), name
            else:
                np.testing.assert_allclose(x, y, atol=atol, rtol=0, err_msg=name)


# --------------------------------------------------------------------------- the contract


@pytest.fixture(params=["network", "baseline"], ids=["ArgumentModel", "BaselineModel"])
def stage(request):
    """Each trainable stage, fitted on the tiny documents (session-scoped, read-only)."""
    return request.getfixturevalue(f"tiny_{request.param}")


@pytest.fixture
def fitted(stage):
    """A deep copy of the fitted stage, free to change."""
    return copy.deepcopy(stage.model)


class TestTrainableStageContract:
    def test_contract_fit_returns_self_with_fitted_labels(self, stage):
        assert stage.fit_result is stage.model
        assert stage.model.labels_ == LABELS

    def test_contract_predict_proba_shapes_and_distributions(self, fitted, tiny_documents):
        preds = fitted.predict_proba(list(tiny_documents))
        assert len(preds) == len(tiny_documents)
        for doc, p in zip(tiny_documents, preds):
            n = len(doc.units)
            assert p.label_probs.shape == (n, len(LABELS))
            assert p.link_probs.shape == (n, n + 1)
            assert p.attack_probs.shape == (n, n)
            for arr in (p.label_probs, p.link_probs, p.attack_probs):
                assert np.isfinite(arr).all()
                assert (arr >= 0).all() and (arr <= 1 + 1e-6).all()
            np.testing.assert_allclose(p.label_probs.sum(axis=1), 1.0, atol=1e-5)
            np.testing.assert_allclose(p.link_probs.sum(axis=1), 1.0, atol=1e-5)
            # A unit is never its own parent.
            assert (np.diag(p.link_probs[:, :n]) < 1e-3).all()

    def test_contract_predict_returns_scheme_labels_of_argmax(self, fitted, tiny_documents):
        docs = list(tiny_documents)
        labels = fitted.predict(docs)
        probs = fitted.predict_proba(docs)
        assert [len(x) for x in labels] == [len(d.units) for d in docs]
        for row, p in zip(labels, probs):
            assert all(isinstance(label, Label) and label in LABELS for label in row)
            assert row == [LABELS[i] for i in p.label_probs.argmax(axis=1)]
            assert row == p.labels

    def test_contract_predict_is_deterministic_and_batch_independent(
        self, fitted, tiny_documents
    ):
        docs = list(tiny_documents)
        together = fitted.predict_proba(docs)
        _assert_same(together, fitted.predict_proba(docs), atol=0)
        alone = [fitted.predict_proba([d])[0] for d in docs]
        _assert_same(together, alone, atol=1e-5)
        _assert_same(together, fitted.predict_proba(docs, batch_units=1), atol=1e-5)

    def test_contract_predict_does_not_change_its_input(self, fitted, tiny_documents):
        docs = list(tiny_documents)
        before = [d.to_dict() for d in docs]
        fitted.predict(docs)
        assert [d.to_dict() for d in docs] == before

    def test_contract_save_load_predicts_the_same(self, stage, tiny_documents, tmp_path):
        docs = list(tiny_documents)
        original = stage.model.predict_proba(docs)
        loaded = stage.cls.from_pretrained(stage.directory)
        assert type(loaded) is stage.cls
        first = loaded.predict_proba(docs)
        assert [p.labels for p in first] == [p.labels for p in original]
        _assert_same(first, original, atol=stage.atol)
        # Stored values are exact in the stored type: a second round trip changes nothing.
        loaded.save_pretrained(tmp_path / "again" / "nested")
        again = stage.cls.from_pretrained(tmp_path / "again" / "nested")
        _assert_same(again.predict_proba(docs), first, atol=0)

    def test_contract_empty_inputs(self, fitted, tiny_documents):
        assert fitted.predict_proba([]) == []
        assert fitted.predict([]) == []
        empty = Document("empty", "")
        (p,) = fitted.predict_proba([empty])
        assert p.label_probs.shape == (0, len(LABELS))
        assert p.link_probs.shape == (0, 1)
        assert p.attack_probs.shape == (0, 0)
        assert fitted.predict([empty]) == [[]]

    def test_contract_empty_documents_keep_their_place(self, fitted, tiny_documents):
        a, b = tiny_documents[0], tiny_documents[1]
        empty = Document("empty", "")
        mixed = fitted.predict_proba([empty, a, empty, b, empty])
        assert [len(p.label_probs) for p in mixed] == [0, len(a.units), 0, len(b.units), 0]
        _assert_same([mixed[1], mixed[3]], fitted.predict_proba([a, b]), atol=1e-5)

    def test_contract_fit_refuses_documents_without_units(self, stage):
        for docs in ([], [Document("empty", "")]):
            with pytest.raises(InputError) as info:
                stage.cls().fit(docs)
            assert info.value.code == "E002"

    def test_contract_unfitted_model_raises(self, stage, tiny_documents, tmp_path):
        model = stage.cls()
        calls = [
            lambda: model.predict_proba(list(tiny_documents)),
            lambda: model.predict(list(tiny_documents)),
            lambda: model.save_pretrained(tmp_path / "out"),
        ]
        for call in calls:
            with pytest.raises(NotFittedError) as info:
                call()
            err = info.value
            assert err.code == "E205"
            assert isinstance(err, ValueError)
            assert isinstance(err, AttributeError)
            assert isinstance(err, ArgmineError)
            assert stage.name in str(err)
        assert not (tmp_path / "out").exists()

    def test_contract_model_folder_layout(self, stage):
        names = {p.name for p in stage.directory.iterdir()}
        assert {persistence.CONFIG_NAME, persistence.WEIGHTS_NAME} <= names
        assert names <= {persistence.CONFIG_NAME, persistence.WEIGHTS_NAME, persistence.CARD_NAME}
        assert not [p for p in stage.directory.rglob("*") if p.suffix in PICKLE_SUFFIXES]
        config = json.loads((stage.directory / persistence.CONFIG_NAME).read_text())
        assert config["format_version"] == persistence.FORMAT_VERSION
        assert config["argmine_version"] == argmine.__version__
        assert config["labels"] == [label.value for label in LABELS]
        module = __import__(stage.cls.__module__, fromlist=["MODEL_TYPE"])
        assert config["model_type"] == module.MODEL_TYPE
        with safe_open(str(stage.directory / persistence.WEIGHTS_NAME), "pt") as fh:
            assert len(list(fh.keys())) > 0


# --------------------------------------------------------------------------- ArgumentModel only


def test_model_init_stores_config_unchanged():
    config = TrainingConfig(epochs=1)
    model = ArgumentModel(config)
    assert model.config is config
    assert not hasattr(model, "network_")
    assert ArgumentModel().config == TrainingConfig()


def test_model_prediction_labels_of_empty_document():
    p = Prediction(np.zeros((0, 5)), np.zeros((0, 1)), np.zeros((0, 0)))
    assert p.labels == []


def test_model_prediction_labels_follow_label_order():
    probs = np.array([[0.1, 0.1, 0.1, 0.6, 0.1], [0.0, 0.0, 0.0, 0.0, 1.0]])
    p = Prediction(probs, np.zeros((2, 3)), np.zeros((2, 2)))
    assert p.labels == [Label.REBUTTAL, Label.NONE]


def test_model_saves_only_trained_weights_in_fp16(tiny_model_dir: Path):
    config = json.loads((tiny_model_dir / persistence.CONFIG_NAME).read_text())
    assert config["model_type"] == MODEL_TYPE
    assert config["training"]["trainable_layers"] == 1
    with safe_open(str(tiny_model_dir / persistence.WEIGHTS_NAME), "pt") as fh:
        keys = list(fh.keys())
        dtypes = {fh.get_tensor(k).dtype for k in keys}
    import torch

    assert dtypes <= {torch.float16, torch.int64}
    encoder_keys = [k for k in keys if k.startswith("encoder.")]
    # MiniLM has six layers; with trainable_layers=1 only the top one (layer 5) is stored.
    assert encoder_keys and all(".layer.5." in k for k in encoder_keys)
    assert not any("embeddings" in k for k in keys)
    assert any(k.startswith("label_head.") for k in keys)
    assert sorted(config["trainable_parameters"]) == sorted(k[len("encoder."):]
                                                            for k in encoder_keys)


def test_model_history_has_one_entry_per_epoch(tiny_network):
    history = tiny_network.model.history_
    assert [h["epoch"] for h in history] == [1, 2]
    assert all(np.isfinite(h["loss"]) and h["loss"] > 0 for h in history)


def test_model_warns_when_base_encoder_differs(tiny_model_dir: Path, tmp_path: Path):
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    config = json.loads((folder / persistence.CONFIG_NAME).read_text())
    config["encoder_fingerprint"] = config["encoder_fingerprint"] + 5.0
    (folder / persistence.CONFIG_NAME).write_text(json.dumps(config))
    with pytest.warns(UserWarning, match="base encoder"):
        ArgumentModel.from_pretrained(folder)


def test_model_deepcopy_is_independent(tiny_network, tiny_documents):
    clone = copy.deepcopy(tiny_network.model)
    import torch

    with torch.no_grad():
        clone.network_.label_head.bias[LABELS.index(Label.NONE)] += 100.0
    before = tiny_network.model.predict_proba([tiny_documents[0]])[0].label_probs
    after = clone.predict_proba([tiny_documents[0]])[0].label_probs
    assert (after[:, LABELS.index(Label.NONE)] > 0.99).all()
    assert not np.allclose(before, after)
    np.testing.assert_allclose(
        before, tiny_network.model.predict_proba([tiny_documents[0]])[0].label_probs
    )


def test_model_scores_units_as_given(tiny_network):
    # Segmentation is taken as given: a one-unit document gets one row, whatever its text.
    text = "First sentence. Second sentence."
    doc = Document("one", text, (Unit(0, text, 0, len(text)),))
    (p,) = tiny_network.model.predict_proba([doc])
    assert p.label_probs.shape == (1, 5)
    assert p.link_probs.shape == (1, 2)
    assert p.link_probs[0, 1] == pytest.approx(1.0)  # the only candidate is "no parent"


# --------------------------------------------------------------------------- init_from


def _frozen_config(**changes) -> TrainingConfig:
    # Learning rates of ~0: a model trained from init_from must stay the model it started from.
    settings = {"epochs": 1, "trainable_layers": 1, "batch_units": 16, "seed": 0,
                "learning_rate": 1e-12, "head_learning_rate": 1e-12, "pair_learning_rate": 1e-12}
    return TrainingConfig(**{**settings, **changes})


def test_model_fit_init_from_starts_from_the_saved_model(
    tiny_network, tiny_documents, torch_single_thread
):
    docs = list(tiny_documents)
    model = ArgumentModel(_frozen_config()).fit(
        docs, init_from=tiny_network.directory, progress=False)
    assert len(model.history_) == 1
    expected = ArgumentModel.from_pretrained(tiny_network.directory).predict_proba(docs)
    _assert_same(model.predict_proba(docs), expected, atol=1e-4)


def test_model_fit_init_from_with_more_trainable_layers_round_trips(
    tiny_network, tiny_documents, tmp_path, torch_single_thread
):
    docs = list(tiny_documents)
    model = ArgumentModel(_frozen_config(trainable_layers=2)).fit(
        docs, init_from=tiny_network.directory, progress=False)
    loaded = ArgumentModel.from_pretrained(model.save_pretrained(tmp_path / "m"))
    _assert_same(loaded.predict_proba(docs), model.predict_proba(docs), atol=1e-2)


def test_model_fit_init_from_a_model_without_pair_features_adds_them_unchanged(
    tiny_documents, tmp_path, torch_single_thread
):
    docs = list(tiny_documents)
    plain = ArgumentModel(_frozen_config(pair_features=False, head_learning_rate=1e-3)).fit(
        docs, progress=False)
    assert plain.network_.config.n_pair_features == 0
    directory = plain.save_pretrained(tmp_path / "plain")
    model = ArgumentModel(_frozen_config(pair_features=True)).fit(
        docs, init_from=directory, progress=False)
    assert model.network_.config.n_pair_features == len(PAIR_FEATURES)
    # Zero-initialised pair weights: the extended network starts where the saved one was.
    _assert_same(model.predict_proba(docs), plain.predict_proba(docs), atol=1e-4)
    loaded = ArgumentModel.from_pretrained(model.save_pretrained(tmp_path / "extended"))
    assert loaded.network_.config.n_pair_features == len(PAIR_FEATURES)
    assert ArgumentModel.from_pretrained(directory).network_.config.n_pair_features == 0


def _as_corpus(docs, name):
    return [dataclasses.replace(d, meta={**d.meta, "corpus": name}) for d in docs]


def test_model_adapted_from_a_saved_model_names_it_on_its_card_and_in_its_config(
    tiny_network, tiny_documents, tmp_path, torch_single_thread
):
    base_corpora = tiny_network.model.training_corpora_
    first = ArgumentModel(_frozen_config()).fit(
        _as_corpus(tiny_documents[:6], "mine"), list(tiny_documents[6:]),
        init_from=tiny_network.directory, progress=False)
    # The adapted model's own corpora, not the base's; the base is named beside them.
    assert first.training_corpora_ == {"mine": 6}
    assert first.base_model_["path"] == str(tiny_network.directory)
    assert first.base_model_["training_corpora"] == base_corpora
    once = first.save_pretrained(tmp_path / "once")
    card = (once / "README.md").read_text()
    assert f"Adapted from `model` (`{tiny_network.directory}`)" in card
    assert "## Adaptation data" in card and "`mine` (6 documents)" in card
    # The base's own card is not copied over the adapted model's.
    assert card != (tiny_network.directory / "README.md").read_text()
    # Adapting the adapted model names the whole chain.
    second = ArgumentModel(_frozen_config()).fit(
        _as_corpus(tiny_documents[6:], "theirs"), list(tiny_documents[:6]), init_from=once,
        progress=False)
    card = (second.save_pretrained(tmp_path / "twice") / "README.md").read_text()
    assert f"Adapted from `once` (`{once}`), trained on: `mine` (6 documents)" in card
    assert f"which was adapted from `model` (`{tiny_network.directory}`)" in card
    # The adapted model refitted from scratch no longer names a base, nor keeps its card.
    second.fit(list(tiny_documents), progress=False)
    assert not hasattr(second, "base_model_")
    assert "## Base model" not in (second.save_pretrained(tmp_path / "fresh") / "README.md"
                                   ).read_text()


def test_model_card_names_from_config_cannot_add_markup(tiny_network, tiny_documents,
                                                        tmp_path, torch_single_thread):
    hostile = "x`) <b>\n## Scores\nall 1.0"
    docs = _as_corpus(tiny_documents[:6], hostile)
    model = ArgumentModel(_frozen_config()).fit(docs, list(tiny_documents[6:]),
                                                init_from=tiny_network.directory,
                                                progress=False)
    model.base_model_ = {**model.base_model_, "model": hostile}
    card = (model.save_pretrained(tmp_path / "m") / "README.md").read_text()
    assert "\n## Scores" not in card and "`x') <b> ## Scores all 1.0`" in card


def test_model_lineage_is_cut_to_what_loading_accepts(tiny_network, tiny_documents,
                                                      tmp_path, torch_single_thread):
    from argmine.scoring.modelcard import MAX_LINEAGE

    model = ArgumentModel(_frozen_config()).fit(list(tiny_documents),
                                                init_from=tiny_network.directory,
                                                progress=False)
    chain = None
    for i in range(MAX_LINEAGE + 5):  # a base adapted 20 times over
        chain = {"model": f"m{i}", "path": f"p{i}", "training_corpora": {}, "base_model": chain}
    base = ArgumentModel.from_pretrained(tiny_network.directory)
    base.base_model_ = chain
    base.save_pretrained(tmp_path / "base")  # cut when saved: loadable
    adapted = ArgumentModel(_frozen_config()).fit(list(tiny_documents),
                                                  init_from=tmp_path / "base", progress=False)
    loaded = ArgumentModel.from_pretrained(adapted.save_pretrained(tmp_path / "adapted"))
    depth, record = 0, loaded.base_model_
    while record:
        depth, record = depth + 1, record["base_model"]
    assert depth == MAX_LINEAGE
    assert model.base_model_["base_model"] is None


@pytest.mark.parametrize("lineage", [
    {"training_corpora": ["microtexts"]},
    {"training_corpora": {"microtexts": -1}},
    {"base_model": "models/default"},
    {"base_model": {"model": "x", "path": "y", "training_corpora": {"a": "many"}}},
    {"base_model": {"model": "x", "path": "y", "training_corpora": {}, "base_model": {
        "model": "z", "path": 3}}},
])
def test_model_a_malformed_lineage_in_config_is_refused(network_copy, lineage):
    from argmine.errors import ModelFormatError

    config = json.loads((network_copy / "config.json").read_text())
    (network_copy / "config.json").write_text(json.dumps({**config, **lineage}))
    with pytest.raises(ModelFormatError, match="E212"):
        ArgumentModel.from_pretrained(network_copy)


def test_model_pair_weights_learn_at_their_own_rate(tiny_network, tiny_documents,
                                                  torch_single_thread):
    # The other weights are frozen (rates ~0): only the pair weights can move, and how far
    # is set by pair_learning_rate alone.
    docs = list(tiny_documents)
    moved = {}
    for rate in (1e-12, 0.05):
        model = ArgumentModel(_frozen_config(pair_features=True, pair_learning_rate=rate)).fit(
            docs, init_from=tiny_network.directory, progress=False)
        moved[rate] = model.network_.pair_weight.weight.abs().max().item()
    assert moved[1e-12] < 1e-6 < 1e-2 < moved[0.05]


def test_model_trained_with_fewer_pair_features_reads_the_first_columns_and_extends(
    tiny_documents, tiny_network, torch_single_thread
):
    import torch

    from argmine.scoring.network import ArgumentNetwork, NetworkConfig

    docs = list(tiny_documents)
    model = ArgumentModel.from_pretrained(tiny_network.directory)
    old = model.network_
    # A network from before the last two pair features existed, with learnt weights.
    net = ArgumentNetwork(old.encoder, NetworkConfig(**{**old.config.to_dict(),
                                                        "n_pair_features": 3}))
    net.load_state_dict(old.state_dict(), strict=False)
    with torch.no_grad():
        net.pair_weight.weight.copy_(torch.tensor([[0.5, 1.0, -1.0]]))
    model.network_ = net.eval()
    before = model.predict_proba(docs)
    model.add_pair_features()
    weights = model.network_.pair_weight.weight.detach()
    assert weights.tolist() == [[0.5, 1.0, -1.0] + [0.0] * (len(PAIR_FEATURES) - 3)]
    model.network_.eval()
    _assert_same(model.predict_proba(docs), before, atol=1e-5)


def test_model_network_pair_weights_raise_the_links_they_mark():
    import torch

    from argmine.scoring.network import ArgumentNetwork, NetworkConfig

    class _Encoder(torch.nn.Module):
        class config:  # noqa: N801 - mimics a transformers config
            hidden_size = 8

    torch.manual_seed(0)
    net = ArgumentNetwork(_Encoder(), NetworkConfig(n_features=2, link_dim=4,
                                                    n_pair_features=3)).eval()
    vectors, feats = torch.randn(6, 8), torch.randn(6, 2)
    pairs = torch.zeros(6, 6, 3)
    pairs[5, 1, 1] = 1.0  # unit 1 introduces the list unit 5 is an item of
    with torch.no_grad():
        before = net.heads(vectors, feats, pairs)["links"]
        net.pair_weight.weight.copy_(torch.tensor([[0.0, 3.0, 0.0]]))
        after = net.heads(vectors, feats, pairs)["links"]
    assert torch.allclose(after[5, 1] - before[5, 1], torch.tensor(3.0))
    unmarked = torch.ones_like(before, dtype=torch.bool)
    unmarked[5, 1] = False
    assert torch.equal(after[unmarked], before[unmarked])


def test_model_network_scores_kinds_of_top_candidates_in_long_documents():
    import torch

    from argmine.scoring import network
    from argmine.scoring.network import ArgumentNetwork, NetworkConfig

    class _Encoder(torch.nn.Module):
        class config:  # noqa: N801 - mimics a transformers config
            hidden_size = 8

    torch.manual_seed(0)
    net = ArgumentNetwork(_Encoder(), NetworkConfig(n_features=2, link_dim=4)).eval()
    n = network.FULL_KIND_PAIRS + 20
    vectors, feats = torch.randn(n, 8), torch.randn(n, 2)
    with torch.no_grad():
        sparse = net.heads(vectors, feats)
        old = network.FULL_KIND_PAIRS
        network.FULL_KIND_PAIRS = n  # force the dense computation for comparison
        try:
            dense = net.heads(vectors, feats)
        finally:
            network.FULL_KIND_PAIRS = old
    assert sparse["kinds"].shape == (n, n)
    top = sparse["links"][:, :n].topk(network.KIND_TOP_K, dim=1).indices
    assert torch.allclose(sparse["kinds"].gather(1, top), dense["kinds"].gather(1, top),
                          atol=1e-5)
    mask = torch.ones(n, n, dtype=torch.bool).scatter(1, top, False)
    assert (sparse["kinds"][mask] == 0).all()
    assert torch.equal(sparse["labels"], dense["labels"])


def test_model_device_follows_to_and_from_pretrained(tiny_model_dir: Path, tiny_documents):
    import torch

    from argmine.scoring.model import ArgumentModel

    model = ArgumentModel.from_pretrained(tiny_model_dir, device="cpu")
    assert model.device == torch.device("cpu")
    assert {p.device for p in model.network_.parameters()} == {torch.device("cpu")}
    before = model.predict_proba(tiny_documents[:2])
    assert model.to("cpu") is model
    after = model.predict_proba(tiny_documents[:2])
    for a, b in zip(before, after):
        np.testing.assert_allclose(a.label_probs, b.label_probs, atol=1e-6)


@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="needs a CUDA GPU")
def test_model_on_cuda_predicts_like_on_cpu(tiny_model_dir: Path, tiny_documents):
    from argmine.scoring.model import ArgumentModel

    cpu = ArgumentModel.from_pretrained(tiny_model_dir).predict_proba(tiny_documents[:3])
    gpu_model = ArgumentModel.from_pretrained(tiny_model_dir, device="cuda")
    gpu = gpu_model.predict_proba(tiny_documents[:3])
    for a, b in zip(cpu, gpu):
        assert isinstance(b.label_probs, np.ndarray)
        np.testing.assert_allclose(a.label_probs, b.label_probs, atol=1e-3)
    # The default backend is ONNX Runtime on the CPU; moving the model drops it.
    moved = argmine.load(tiny_model_dir).model.to("cuda")
    assert moved.backend == "torch"
    assert len(moved.predict_proba(tiny_documents[:1])) == 1


@pytest.mark.parametrize("device", ["gpu", "cuda:0"])
def test_model_refuses_unknown_or_absent_devices(device):
    import torch

    from argmine.errors import InputError
    from argmine.scoring.model import ArgumentModel

    if device.startswith("cuda") and torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(InputError, match="device"):
        ArgumentModel(device=device)


@pytest.mark.parametrize("kind", ["bert", "mpnet"])
def test_model_network_layers_run_one_by_one_as_the_whole_encoder(kind):
    """The frozen-layer cache runs the layers in two parts; together they must be the encoder.

    MPNet adds a relative-position bias its encoder computes once for every layer; leaving it
    out still runs, but drops what each layer adds for the distance between two tokens.
    """
    import torch
    from transformers import BertConfig, BertModel, MPNetConfig, MPNetModel

    from argmine.scoring.network import can_split, run_layers

    torch.manual_seed(0)
    small = dict(vocab_size=100, hidden_size=16, num_hidden_layers=3, num_attention_heads=2,
                 intermediate_size=32, max_position_embeddings=64)
    encoder = (BertModel(BertConfig(**small)) if kind == "bert"
               else MPNetModel(MPNetConfig(**small))).eval()
    assert can_split(encoder)
    ids = torch.tensor([[5, 6, 7, 8, 9, 10], [5, 11, 12, 0, 0, 0]])
    mask = (torch.arange(6) < torch.tensor([[6], [3]])).long()
    with torch.no_grad():
        whole = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        lower = run_layers(encoder, None, mask, 0, 1, input_ids=ids)
        parts = run_layers(encoder, lower, mask, 1, 3)
    keep = mask.bool()
    assert torch.allclose(parts[keep], whole[keep], atol=1e-5)
