"""Tests for argmine/persistence.py: the model folder format, its checks and version warnings."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import argmine
from argmine.errors import ModelFormatError
from argmine.pipeline import ArgumentMiner, load
from argmine.scoring import persistence
from argmine.scoring.baseline import BaselineModel
from argmine.scoring.model import ArgumentModel
from argmine.scoring.runtimes.lite import LiteScorer


def _edit_config(folder: Path, **changes) -> None:
    path = folder / persistence.CONFIG_NAME
    config = json.loads(path.read_text())
    config.update(changes)
    path.write_text(json.dumps(config))


def _loaders():
    return [BaselineModel.from_pretrained, ArgumentModel.from_pretrained, load]


# --------------------------------------------------------------------------- save_model


def test_persistence_save_model_writes_versions_and_casts_floats(tmp_path: Path):
    state = {"w": torch.ones(2, 3, dtype=torch.float32) / 3, "n": torch.arange(4)}
    folder = persistence.save_model(tmp_path / "a" / "b", {"model_type": "x"}, state, card="# hi")
    assert folder == tmp_path / "a" / "b"
    assert sorted(p.name for p in folder.iterdir()) == [
        persistence.CARD_NAME, persistence.CONFIG_NAME, persistence.WEIGHTS_NAME]
    config = json.loads((folder / persistence.CONFIG_NAME).read_text())
    assert config["model_type"] == "x"
    assert config["format_version"] == persistence.FORMAT_VERSION
    assert config["argmine_version"] == argmine.__version__
    assert config["torch_version"] and "transformers_version" in config
    assert (folder / persistence.CARD_NAME).read_text() == "# hi"
    raw = load_file(str(folder / persistence.WEIGHTS_NAME))
    assert raw["w"].dtype == torch.float16
    assert raw["n"].dtype == torch.int64 and raw["n"].tolist() == [0, 1, 2, 3]
    read = persistence.read_weights(folder)
    assert read["w"].dtype == torch.float32
    torch.testing.assert_close(read["w"], state["w"], atol=1e-3, rtol=0)


def test_persistence_weights_are_as_readable_as_the_config(tmp_path: Path):
    # safetensors alone writes mode 0600; a shared model folder must stay readable.
    folder = persistence.save_model(tmp_path / "m", {"model_type": "x"}, {"w": torch.ones(1)})
    mode = (folder / persistence.CONFIG_NAME).stat().st_mode & 0o777
    assert (folder / persistence.WEIGHTS_NAME).stat().st_mode & 0o777 == mode
    from safetensors import safe_open

    with safe_open(str(folder / persistence.WEIGHTS_NAME), "pt") as f:
        assert f.metadata()["argmine_format"] == str(persistence.FORMAT_VERSION)


def test_persistence_save_model_keeps_the_requested_dtype(tmp_path: Path):
    state = {"w": torch.tensor([1 / 3], dtype=torch.float64)}
    persistence.save_model(tmp_path, {}, state, dtype=torch.float32)
    assert load_file(str(tmp_path / persistence.WEIGHTS_NAME))["w"].dtype == torch.float32


def test_persistence_save_model_does_not_change_the_callers_config(tmp_path: Path):
    config = {"model_type": "x"}
    persistence.save_model(tmp_path, config, {"w": torch.zeros(1)})
    assert config == {"model_type": "x"}


def test_persistence_save_model_overwrites_an_existing_folder(tmp_path: Path):
    persistence.save_model(tmp_path, {"k": 1}, {"w": torch.zeros(1)})
    persistence.save_model(tmp_path, {"k": 2}, {"w": torch.ones(2)})
    assert persistence.read_config(tmp_path)["k"] == 2
    assert persistence.read_weights(tmp_path)["w"].tolist() == [1.0, 1.0]
    assert not list(tmp_path.glob("*.tmp"))


# --------------------------------------------------------------------------- missing / invalid


@pytest.mark.parametrize("missing", [persistence.CONFIG_NAME, persistence.WEIGHTS_NAME])
@pytest.mark.parametrize("loader", _loaders(), ids=["baseline", "network", "pipeline"])
def test_persistence_missing_file_is_e201_naming_it(baseline_copy, missing, loader):
    (baseline_copy / missing).unlink()
    with pytest.raises(ModelFormatError) as info:
        loader(baseline_copy)
    assert info.value.code == "E201"
    assert missing in str(info.value)
    assert isinstance(info.value, OSError)


def test_persistence_empty_folder_is_e201(tmp_path: Path):
    with pytest.raises(ModelFormatError) as info:
        persistence.read_config(tmp_path)
    assert info.value.code == "E201"


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"", b"\xff\xfe{}", b"[1, 2]", b'{"model_type": "argmine-baseline"}'],
    ids=["broken", "empty", "not-utf8", "not-an-object", "no-format-version"],
)
@pytest.mark.parametrize("loader", _loaders(), ids=["baseline", "network", "pipeline"])
def test_persistence_invalid_config_is_e203(baseline_copy, content, loader):
    (baseline_copy / persistence.CONFIG_NAME).write_bytes(content)
    with pytest.raises(ModelFormatError) as info:
        loader(baseline_copy)
    assert info.value.code == "E203"
    assert persistence.CONFIG_NAME in str(info.value)


@pytest.mark.parametrize("loader", _loaders(), ids=["baseline", "network", "pipeline"])
def test_persistence_newer_format_is_e202(baseline_copy, loader):
    _edit_config(baseline_copy, format_version=persistence.FORMAT_VERSION + 1)
    with pytest.raises(ModelFormatError) as info:
        loader(baseline_copy)
    assert info.value.code == "E202"


def test_persistence_current_format_loads(baseline_copy):
    _edit_config(baseline_copy, format_version=persistence.FORMAT_VERSION)
    assert persistence.read_config(baseline_copy)["format_version"] == persistence.FORMAT_VERSION


def test_persistence_wrong_model_type_is_e203(tiny_baseline_dir, tiny_model_dir):
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel.from_pretrained(tiny_baseline_dir)
    assert info.value.code == "E203"
    assert "argmine-baseline" in str(info.value)
    with pytest.raises(ModelFormatError) as info:
        BaselineModel.from_pretrained(tiny_model_dir)
    assert info.value.code == "E203"


def test_persistence_unknown_model_type_is_e203(network_copy):
    _edit_config(network_copy, model_type="something-else")
    with pytest.raises(ModelFormatError) as info:
        load(network_copy)
    assert info.value.code == "E203"


def test_persistence_weights_that_do_not_fit_are_e203(network_copy):
    path = network_copy / persistence.WEIGHTS_NAME
    state = load_file(str(path))
    dropped = sorted(k for k in state if k.startswith("label_head."))[0]
    del state[dropped]
    state["extra_head.weight"] = torch.zeros(3)
    save_file(state, str(path))
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel.from_pretrained(network_copy)
    assert info.value.code == "E203"
    assert persistence.WEIGHTS_NAME in str(info.value)


def test_persistence_baseline_weights_that_do_not_fit_are_e203(baseline_copy):
    path = baseline_copy / persistence.WEIGHTS_NAME
    state = load_file(str(path))
    del state["idf"]
    save_file(state, str(path))
    with pytest.raises(ModelFormatError) as info:
        BaselineModel.from_pretrained(baseline_copy)
    assert info.value.code == "E203"


@pytest.mark.parametrize("kind", ["baseline", "network"])
@pytest.mark.parametrize("through_pipeline", [False, True], ids=["class", "pipeline"])
def test_persistence_unreadable_weights_are_e203(kind, through_pipeline, request):
    folder = request.getfixturevalue(f"{kind}_copy")
    (folder / persistence.WEIGHTS_NAME).write_bytes(b"\x00not safetensors at all")
    cls = BaselineModel if kind == "baseline" else ArgumentModel
    with pytest.raises(ModelFormatError) as info:
        (load if through_pipeline else cls.from_pretrained)(folder)
    assert info.value.code == "E203"
    assert persistence.WEIGHTS_NAME in str(info.value)


# --------------------------------------------------------------------------- version warnings


def test_persistence_other_minor_version_warns_naming_both(baseline_copy):
    _edit_config(baseline_copy, argmine_version="0.99.0")
    with pytest.warns(UserWarning, match="0.99.0") as record:
        BaselineModel.from_pretrained(baseline_copy)
    assert argmine.__version__ in str(record[0].message)


def test_persistence_missing_version_warns(baseline_copy):
    path = baseline_copy / persistence.CONFIG_NAME
    config = json.loads(path.read_text())
    del config["argmine_version"]
    path.write_text(json.dumps(config))
    with pytest.warns(UserWarning):
        persistence.read_config(baseline_copy)


def test_persistence_same_minor_version_does_not_warn(baseline_copy):
    major, minor = argmine.__version__.split(".")[:2]
    _edit_config(baseline_copy, argmine_version=f"{major}.{minor}.99")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        BaselineModel.from_pretrained(baseline_copy)


# --------------------------------------------------------------------------- pipeline.load


@pytest.mark.parametrize("name", ["nonexistent", "no/such/folder"])
def test_persistence_load_unknown_name_is_e204(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelFormatError) as info:
        load(name)
    assert info.value.code == "E204"
    assert name in str(info.value)


def test_persistence_load_a_file_is_e204(tmp_path: Path):
    path = tmp_path / "model.txt"
    path.write_text("not a folder")
    with pytest.raises(ModelFormatError) as info:
        load(path)
    assert info.value.code == "E204"


def test_persistence_load_dispatches_on_model_type(tiny_baseline_dir, tiny_model_dir):
    assert isinstance(load(tiny_baseline_dir).model, BaselineModel)
    miner = load(tiny_model_dir, backend="torch")
    assert isinstance(miner, ArgumentMiner)
    assert isinstance(miner.model, ArgumentModel)
    # The default backend may serve a folder validated before without torch.
    assert isinstance(load(tiny_model_dir).model, (ArgumentModel, LiteScorer))


def test_persistence_miner_save_pretrained_round_trips(tiny_baseline_dir, tmp_path):
    miner = load(tiny_baseline_dir)
    miner.save_pretrained(tmp_path / "copy")
    again = load(tmp_path / "copy")
    text = "Cities should ban cars. Exhaust fumes make the air unhealthy."
    assert [u.label for u in again.label(text)] == [u.label for u in miner.label(text)]


def test_persistence_model_card_is_written(tiny_network, tmp_path):
    from argmine.scoring.modelcard import write_card

    card = write_card(tiny_network.model, corpora=["microtexts"])
    tiny_network.model.save_pretrained(tmp_path / "m", card=card)
    text = (tmp_path / "m" / persistence.CARD_NAME).read_text()
    assert text == card
    assert "microtexts" in text and "CC BY-NC-SA 4.0" in text
    assert "epoch 2" in text


def test_missing_file_error_names_the_folder_and_the_file(tmp_path):
    from argmine.errors import ModelFormatError
    from argmine.scoring.persistence import read_config

    with pytest.raises(ModelFormatError) as info:
        read_config(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message and "config.json" in message
    assert "{" not in message  # every placeholder filled


@pytest.mark.parametrize("stage", ["tiny_network", "tiny_baseline"])
def test_persistence_save_pretrained_writes_a_model_card(stage, request, tmp_path):
    trained = request.getfixturevalue(stage)
    card = (trained.directory / persistence.CARD_NAME).read_text()
    # The training corpora with their document counts and licences, and what was measured.
    counted = trained.model.training_corpora_
    assert counted and all(f"`{name}` ({n} documents)" in card for name, n in counted.items())
    assert "licence:" in card
    if stage == "tiny_network":
        assert "Best dev score" in card
    # Saving a loaded model again keeps the card it came with.
    again = load(trained.directory, backend="torch").model
    again.save_pretrained(tmp_path / "again")
    assert (tmp_path / "again" / persistence.CARD_NAME).read_text() == card
