"""Reading units in context: packing units into segments, and a network that reads them."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from argmine.document import Document, Unit
from argmine.errors import InputError
from argmine.scoring.config import TrainingConfig
from argmine.scoring.model import ArgumentModel
from argmine.scoring.segments import pack, segments


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 3)), max_size=40),
       st.integers(8, 120))
def test_pack_covers_every_unit_once_in_order_within_the_budget(units, budget):
    lengths = [n for n, _ in units]
    paragraphs, p = [], 0
    for _, step in units:  # paragraph numbers never go down
        p += step
        paragraphs.append(p)
    runs = pack(lengths, paragraphs, budget)
    assert [i for s, e in runs for i in range(s, e)] == list(range(len(lengths)))
    for s, e in runs:
        assert e > s
        cost = 1 + sum(lengths[i] + 1 for i in range(s, e))
        # Over budget only as a single unit that is too long by itself.
        assert cost <= budget or e - s == 1


def test_pack_keeps_paragraphs_whole_when_they_fit():
    # Two paragraphs that fit together share a segment; a third that does not starts anew
    # at its paragraph, not in the middle of one.
    assert pack([3, 3, 3, 3, 3, 3], [0, 0, 1, 1, 2, 2], budget=18) == [(0, 4), (4, 6)]
    # A paragraph too long for any segment is cut between its units.
    assert pack([3, 3, 3, 3], [0, 0, 0, 0], budget=9) == [(0, 2), (2, 4)]


def test_segments_mark_each_unit_span_between_separators():
    (seg,) = segments([[5, 6], [], [7]], [0, 0, 0], budget=32, cls=1, sep=2, first=4)
    assert seg.ids == (1, 5, 6, 2, 2, 7, 2)
    assert [seg.ids[s:e] for s, e in seg.spans] == [(5, 6), (), (7,)]
    assert seg.first == 4


def _doc(i: int, sentences: list[str]) -> Document:
    text, units = "", []
    for k, sentence in enumerate(sentences):
        start = len(text)
        text += sentence + " "
        units.append(Unit(k, sentence, start, start + len(sentence)))
    return Document(f"d{i}", text, tuple(units))


@pytest.fixture(scope="module")
def segment_model(tiny_documents, torch_single_thread):
    config = TrainingConfig(epochs=1, trainable_layers=1, batch_units=16, seed=0,
                            segment_tokens=128)
    return ArgumentModel(config).fit(list(tiny_documents), progress=False)


def test_segment_model_reads_a_unit_with_its_neighbours(segment_model):
    # The same sentence after different context gets a different vector, as it cannot in a
    # model that encodes each unit alone.
    model = segment_model
    after_question = _doc(0, ["Is this going behind the back of Ukraine?", "Not at all."])
    after_claim = _doc(1, ["We should build the bridge.", "Not at all."])
    with torch.inference_mode():
        a = model._encode_segments([after_question])[1]
        b = model._encode_segments([after_claim])[1]
        alone = model._encode(["Not at all."])[0]
    assert not torch.allclose(a, b, atol=1e-3)
    assert not torch.allclose(a, alone, atol=1e-3)
    # ... and the units of one document never see another document's.
    with torch.inference_mode():
        both = model._encode_segments([after_question, after_claim])
    assert torch.allclose(both[1], a, atol=1e-4) and torch.allclose(both[3], b, atol=1e-4)


def test_segment_model_scores_alike_with_the_training_cache_and_without(
        segment_model, tiny_documents):
    model = segment_model
    model.network_.eval()
    docs = list(tiny_documents[:3])
    with torch.no_grad():
        cached = model.forward(docs, cache={})
        plain = model.forward(docs)
    for c, p in zip(cached, plain):
        assert torch.allclose(c["labels"], p["labels"], atol=1e-3)
        assert torch.allclose(c["links"], p["links"], atol=1e-3)


def test_segment_model_round_trips_and_keeps_reading_in_context(
        segment_model, tiny_documents, tmp_path):
    directory = segment_model.save_pretrained(tmp_path / "m")
    loaded = ArgumentModel.from_pretrained(directory)
    assert loaded.network_.config.segment_tokens == 128
    docs = list(tiny_documents)
    for a, b in zip(loaded.predict_proba(docs), segment_model.predict_proba(docs)):
        assert abs(a.label_probs - b.label_probs).max() < 1e-2


def test_segment_model_scores_alike_in_torch_onnx_and_the_torch_free_runtime(
        segment_model, tiny_documents, tmp_path):
    from argmine.scoring.registry import load_scorer
    from argmine.scoring.runtimes.lite import LiteScorer

    directory = segment_model.save_pretrained(tmp_path / "m")
    docs = list(tiny_documents)
    torch_probs = ArgumentModel.from_pretrained(directory).predict_proba(docs)
    full = load_scorer(directory, backend="onnx")  # the full load exports and records
    assert isinstance(full, ArgumentModel) and full.backend == "onnx"
    lite = load_scorer(directory, backend="auto")
    assert isinstance(lite, LiteScorer)
    for scorer in (full, lite):
        for a, b in zip(scorer.predict_proba(docs), torch_probs):
            assert abs(a.label_probs - b.label_probs).max() < 1e-5
            assert abs(a.link_probs - b.link_probs).max() < 1e-5
            assert abs(a.attack_probs - b.attack_probs).max() < 1e-5


def test_segment_model_adapted_from_a_unit_model_reads_in_context(
        tiny_network, tiny_documents, torch_single_thread):
    config = TrainingConfig(epochs=1, trainable_layers=1, batch_units=16, seed=0,
                            segment_tokens=128, learning_rate=1e-12, head_learning_rate=1e-12)
    model = ArgumentModel(config).fit(list(tiny_documents), init_from=tiny_network.directory,
                                      progress=False)
    assert model.network_.config.segment_tokens == 128
    # The base's folder still reads units alone.
    assert ArgumentModel.from_pretrained(tiny_network.directory).network_.config \
        .segment_tokens == 0


def test_adapting_a_segment_model_with_the_default_setting_keeps_reading_in_context(
        segment_model, tiny_documents, tmp_path, torch_single_thread):
    base = segment_model.save_pretrained(tmp_path / "base")
    config = TrainingConfig(epochs=1, trainable_layers=1, batch_units=16, seed=0,
                            learning_rate=1e-12, head_learning_rate=1e-12)
    assert config.segment_tokens == 0
    model = ArgumentModel(config).fit(list(tiny_documents), init_from=base, progress=False)
    assert model.network_.config.segment_tokens == 128
    assert model.config.segment_tokens == 128  # and the saved settings say so


def test_segments_longer_than_the_encoder_reads_are_refused(tiny_documents, segment_model,
                                                            tmp_path):
    from argmine.errors import ModelFormatError

    too_long = TrainingConfig(epochs=1, trainable_layers=1, segment_tokens=4096)
    with pytest.raises(InputError, match="segment_tokens.*at most 512"):
        ArgumentModel(too_long).fit(list(tiny_documents), progress=False)
    folder = segment_model.save_pretrained(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    config["network"]["segment_tokens"] = 4096
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFormatError, match="E212.*segment_tokens"):
        ArgumentModel.from_pretrained(folder)


def test_segment_tokens_shorter_than_a_unit_are_refused():
    with pytest.raises(InputError, match="segment_tokens"):
        TrainingConfig(segment_tokens=16, max_length=96)
    assert dataclasses.replace(TrainingConfig(), segment_tokens=256).segment_tokens == 256
