"""Tests for argmine/training/: TrainingConfig, sampling and batching, class weights,
checkpoints and resume, corpus specifications."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from argmine.document import Document, Relation, Unit
from argmine.errors import InputError
from argmine.schema import LABELS, Label, RelationKind
from argmine.scoring import fit as T
from argmine.scoring.config import TrainingConfig
from argmine.scoring.model import ArgumentModel
from argmine.training.data import CorpusSpec, load_documents


def _doc(doc_id: str, corpus: str, n_units: int, labels: list[Label] | None = None) -> Document:
    units, text = [], ""
    for i in range(n_units):
        sentence = f"Sentence {i} of {doc_id}."
        text += (" " if text else "") + sentence
        label = labels[i] if labels else None
        units.append(Unit(i, sentence, len(text) - len(sentence), len(text), label=label))
    return Document(doc_id, text, tuple(units), meta={"corpus": corpus})


def _corpus(name: str, n_docs: int, n_units: int) -> list[Document]:
    return [_doc(f"{name}{i}", name, n_units) for i in range(n_docs)]


# --------------------------------------------------------------------------- the tiny fixture


def test_training_tiny_fixture_is_consistent(tiny_documents):
    from argmine.schema import labels_from_links

    assert len(tiny_documents) == 10
    assert len({d.id for d in tiny_documents}) == 10
    for doc in tiny_documents:
        doc.validate()
        assert doc.meta["corpus"] == "tiny"
        links = [(r.source, r.target, r.kind) for r in doc.relations]
        expected = labels_from_links(len(doc.units), links)
        assert [(u.label, u.role) for u in doc.units] == expected
    labels = Counter(u.label for d in tiny_documents for u in d.units)
    assert set(labels) == set(LABELS)


# --------------------------------------------------------------------------- TrainingConfig


@pytest.mark.parametrize(
    "field, value",
    [
        ("trainable_layers", -1),
        ("epochs", 0),
        ("learning_rate", 0.0),
        ("head_learning_rate", -1e-3),
        ("batch_units", 0),
        ("max_length", 4),
        ("dev_fraction", 1.0),
        ("dev_fraction", -0.1),
        ("patience", 0),
    ],
)
def test_training_config_rejects_bad_values(field, value):
    with pytest.raises(InputError) as info:
        TrainingConfig(**{field: value})
    err = info.value
    assert err.code == "E301"
    assert isinstance(err, ValueError)
    assert err.details["param"] == field
    assert err.details["value"] == value


@pytest.mark.parametrize(
    "field, value",
    [
        pytest.param("units_per_epoch", 0),
        pytest.param("corpus_weights", {"aae2": -1.0}),
        pytest.param("label_smoothing", 1.5),
    ],
)
def test_training_config_rejects_unvalidated_values(field, value):
    with pytest.raises(InputError) as info:
        TrainingConfig(**{field: value})
    assert info.value.code == "E301"


def test_training_config_boundaries_are_accepted():
    config = TrainingConfig(trainable_layers=0, epochs=1, batch_units=1, max_length=8,
                            dev_fraction=0.0, patience=1)
    assert config.trainable_layers == 0 and config.dev_fraction == 0.0


def test_training_config_round_trips_and_ignores_unknown_keys():
    config = TrainingConfig(epochs=3, corpus_weights={"aae2": 2.0}, encoder="x/y")
    data = config.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert TrainingConfig.from_dict(data) == config
    assert TrainingConfig.from_dict({**data, "from_the_future": 1}) == config


def test_training_config_defaults_are_not_shared():
    a, b = TrainingConfig(), TrainingConfig()
    a.corpus_weights["x"] = 2.0
    assert b.corpus_weights == {}


# --------------------------------------------------------------------------- sampling


def test_training_sample_epoch_respects_corpus_weights():
    docs = _corpus("a", 20, 3) + _corpus("b", 20, 3)
    config = TrainingConfig(units_per_epoch=1200, corpus_weights={"b": 3.0})
    units = Counter()
    for doc in T.sample_epoch(docs, config, 0):
        units[T.corpus_of(doc)] += len(doc.units)
    assert units["a"] + units["b"] == pytest.approx(1200, rel=0.02)
    assert units["b"] / units["a"] == pytest.approx(3.0, rel=0.05)


def test_training_sample_epoch_weights_are_per_unit_not_per_document():
    # Corpus a has 3 times the units per document: equal weights give it 3 times the units.
    docs = _corpus("a", 10, 6) + _corpus("b", 10, 2)
    config = TrainingConfig(units_per_epoch=800)
    units = Counter()
    for doc in T.sample_epoch(docs, config, 0):
        units[T.corpus_of(doc)] += len(doc.units)
    assert units["a"] / units["b"] == pytest.approx(3.0, rel=0.05)


def test_training_sample_epoch_cycles_small_and_subsamples_large_corpora():
    docs = _corpus("small", 2, 2) + _corpus("large", 100, 2)
    config = TrainingConfig(units_per_epoch=100, corpus_weights={"small": 50.0})
    counts = Counter(d.id for d in T.sample_epoch(docs, config, 0))
    assert counts["small0"] >= 5 and counts["small1"] >= 5
    large = [k for k in counts if k.startswith("large")]
    assert 0 < len(large) < 100


def test_training_sample_epoch_is_deterministic_per_seed_and_epoch():
    docs = _corpus("a", 15, 2) + _corpus("b", 15, 3)
    config = TrainingConfig(units_per_epoch=200, corpus_weights={"b": 2.0}, seed=4)

    def ids(cfg, epoch):
        return [d.id for d in T.sample_epoch(docs, cfg, epoch)]

    assert ids(config, 1) == ids(config, 1)
    assert ids(config, 1) != ids(config, 2)
    assert ids(config, 1) != ids(replace(config, seed=5), 1)


def test_training_sample_epoch_without_budget_is_a_permutation():
    docs = _corpus("a", 12, 2) + _corpus("b", 5, 1)
    config = TrainingConfig(seed=1)
    first = T.sample_epoch(docs, config, 0)
    assert sorted(d.id for d in first) == sorted(d.id for d in docs)
    assert [d.id for d in first] != [d.id for d in docs]
    assert [d.id for d in first] == [d.id for d in T.sample_epoch(docs, config, 0)]
    assert [d.id for d in first] != [d.id for d in T.sample_epoch(docs, config, 1)]


def test_training_sample_epoch_does_not_change_its_input():
    docs = _corpus("a", 10, 2)
    before = list(docs)
    T.sample_epoch(docs, TrainingConfig(), 0)
    T.sample_epoch(docs, TrainingConfig(units_per_epoch=50), 0)
    assert docs == before


# --------------------------------------------------------------------------- batches


@pytest.mark.parametrize("batch_units", [1, 4, 7, 100])
def test_training_batches_keep_whole_documents(batch_units):
    sizes = [3, 1, 5, 2, 2, 8, 1, 4]
    docs = [_doc(f"d{i}", "c", n) for i, n in enumerate(sizes)]
    groups = T.batches(docs, batch_units)
    assert [d for g in groups for d in g] == docs  # every document once, in order, whole
    for group in groups[:-1]:
        size = sum(len(d.units) for d in group)
        assert size >= batch_units
        assert size - len(group[-1].units) < batch_units  # no batch is larger than needed
    assert all(groups)


def test_training_batches_of_nothing():
    assert T.batches([], 16) == []


# --------------------------------------------------------------------------- class weights


def test_training_class_weights_favour_rare_labels():
    labels = [Label.PREMISE] * 8 + [Label.CLAIM] * 3 + [Label.REBUTTAL]
    docs = [_doc("d", "c", len(labels), labels)]
    weights = T.class_weights(docs, TrainingConfig(class_weight_power=0.5))
    w = {label: float(weights[LABELS.index(label)]) for label in LABELS}
    assert w[Label.REBUTTAL] > w[Label.CLAIM] > w[Label.PREMISE]
    assert w[Label.REBUTTAL] / w[Label.PREMISE] == pytest.approx(np.sqrt(8), rel=1e-5)
    seen = [w[x] for x in (Label.PREMISE, Label.CLAIM, Label.REBUTTAL)]
    assert np.mean(seen) == pytest.approx(1.0, rel=1e-5)


def test_training_class_weights_power_zero_is_uniform():
    labels = [Label.PREMISE] * 8 + [Label.CLAIM]
    weights = T.class_weights([_doc("d", "c", 9, labels)], TrainingConfig(class_weight_power=0))
    assert weights.tolist() == [1.0] * len(LABELS)


def test_training_class_weights_count_corpus_weights():
    a = _doc("a", "a", 4, [Label.PREMISE] * 4)
    b = _doc("b", "b", 4, [Label.CLAIM] * 4)
    plain = T.class_weights([a, b], TrainingConfig())
    assert plain[LABELS.index(Label.PREMISE)] == pytest.approx(plain[LABELS.index(Label.CLAIM)])
    weighted = T.class_weights([a, b], TrainingConfig(corpus_weights={"a": 4.0}))
    assert weighted[LABELS.index(Label.CLAIM)] > weighted[LABELS.index(Label.PREMISE)]


def test_training_class_weights_ignore_unlabelled_units():
    doc = _doc("d", "c", 3, [Label.CLAIM, Label.PREMISE, Label.PREMISE])
    unlabelled = _doc("u", "c", 5)
    assert torch.equal(T.class_weights([doc], TrainingConfig()),
                       T.class_weights([doc, unlabelled], TrainingConfig()))


# --------------------------------------------------------------------------- label loss


def _loss_docs():
    c, p, ca, r = Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT, Label.REBUTTAL
    # "narrow" never uses counterarguments, rebuttals or none; "full" uses four labels.
    narrow = _doc("n", "narrow", 3, [c, p, p])
    full = _doc("f", "full", 4, [c, p, ca, r])
    return narrow, full


def test_training_corpus_labels_per_corpus():
    narrow, full = _loss_docs()
    index = {label: i for i, label in enumerate(LABELS)}
    assert T.corpus_labels([narrow, full]) == {
        "narrow": frozenset({index[Label.CLAIM], index[Label.PREMISE]}),
        "full": frozenset(index[x] for x in (Label.CLAIM, Label.PREMISE,
                                             Label.COUNTERARGUMENT, Label.REBUTTAL)),
    }


def test_training_label_loss_unmasked_is_plain_weighted_cross_entropy():
    narrow, full = _loss_docs()
    config = TrainingConfig()
    loss = T.LabelLoss([narrow, full], config)
    logits = torch.randn(3, len(LABELS), generator=torch.Generator().manual_seed(0))
    target = torch.tensor(T.gold_targets(narrow)[0])
    expected = torch.nn.functional.cross_entropy(
        logits, target, weight=T.class_weights([narrow, full], config),
        label_smoothing=config.label_smoothing)
    assert torch.allclose(loss(narrow, logits, target), expected)


def test_training_label_loss_masks_labels_a_corpus_never_uses():
    narrow, full = _loss_docs()
    loss = T.LabelLoss([narrow, full], TrainingConfig(mask_absent_labels=True))
    target = torch.tensor(T.gold_targets(narrow)[0])
    logits = torch.zeros(3, len(LABELS), requires_grad=True)
    loss(narrow, logits, target).backward()
    absent = [LABELS.index(x) for x in (Label.COUNTERARGUMENT, Label.REBUTTAL, Label.NONE)]
    present = [LABELS.index(Label.CLAIM), LABELS.index(Label.PREMISE)]
    # The narrow corpus neither pushes its absent labels down nor is pulled by them ...
    assert torch.all(logits.grad[:, absent] == 0)
    assert torch.all(logits.grad[:, present].abs().sum(1) > 0)
    # ... and raising an absent label's logit changes nothing of its loss.
    raised = torch.zeros(3, len(LABELS))
    raised[:, absent] = 5.0
    assert torch.isclose(loss(narrow, raised, target), loss(narrow, torch.zeros_like(raised),
                                                             target))
    # The mask is per corpus: "full" uses rebuttals, so they still train there; it never uses
    # `none` either, so it does not push `none` down.
    full_target = torch.tensor(T.gold_targets(full)[0])
    full_logits = torch.zeros(4, len(LABELS), requires_grad=True)
    loss(full, full_logits, full_target).backward()
    assert torch.all(full_logits.grad[:, LABELS.index(Label.NONE)] == 0)
    assert torch.all(full_logits.grad[:, LABELS.index(Label.REBUTTAL)] != 0)


def test_training_label_loss_keeps_labels_a_rewrite_added():
    narrow, full = _loss_docs()
    loss = T.LabelLoss([narrow, full], TrainingConfig(mask_absent_labels=True))
    rewritten = _doc("n-rewritten", "narrow", 2, [Label.CLAIM, Label.REBUTTAL])
    target = torch.tensor(T.gold_targets(rewritten)[0])
    assert loss.columns(rewritten) == tuple(sorted(
        LABELS.index(x) for x in (Label.CLAIM, Label.PREMISE, Label.REBUTTAL)))
    assert torch.isfinite(loss(rewritten, torch.zeros(2, len(LABELS)), target))


def test_training_label_loss_of_unlabelled_units_is_zero():
    narrow, _ = _loss_docs()
    loss = T.LabelLoss([narrow], TrainingConfig(mask_absent_labels=True))
    logits = torch.randn(2, len(LABELS), requires_grad=True)
    value = loss(_doc("u", "narrow", 2), logits, torch.tensor([-100, -100]))
    assert value.item() == 0.0
    value.backward()  # still part of the graph, so a batch of such documents trains nothing
    assert torch.all(logits.grad == 0)


def test_training_mask_absent_labels_is_saved_and_changes_training(
        tmp_path, tiny_documents, torch_single_thread):
    """Two fits differing only in the mask: different weights, and the setting is recorded."""
    narrow = [d.replace(meta={"corpus": "narrow"},
                        units=tuple(u if u.label in (Label.CLAIM, Label.PREMISE)
                                    else replace(u, label=Label.PREMISE) for u in d.units))
              for d in tiny_documents[:4]]
    docs = narrow + list(tiny_documents[4:])
    states = []
    for mask in (False, True):
        config = TrainingConfig(epochs=1, trainable_layers=0, mask_absent_labels=mask, seed=0)
        model = ArgumentModel(config).fit(docs, docs[:2], progress=False)
        states.append({k: v.clone() for k, v in model.network_.state_dict().items()})
    model.save_pretrained(tmp_path / "m")
    saved = json.loads((tmp_path / "m" / "config.json").read_text())
    assert saved["training"]["mask_absent_labels"] is True
    assert ArgumentModel.from_pretrained(tmp_path / "m").config.mask_absent_labels is True
    head = [k for k in states[0] if k.startswith("label")]
    assert head and any(not torch.equal(states[0][k], states[1][k]) for k in head)


# --------------------------------------------------------------------------- other helpers


def test_training_gold_targets():
    doc = _doc("d", "c", 4, [Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT, None])
    doc = doc.replace(relations=(Relation(1, 0, RelationKind.SUPPORT),
                                 Relation(2, 0, RelationKind.ATTACK)))
    labels, parents, kinds = T.gold_targets(doc)
    assert labels == [LABELS.index(Label.CLAIM), LABELS.index(Label.PREMISE),
                      LABELS.index(Label.COUNTERARGUMENT), -100]
    assert parents == [4, 0, 0, 4]
    assert kinds == [(1, 0, 0.0), (2, 0, 1.0)]


def test_training_split_dev_is_stratified_and_reproducible():
    docs = _corpus("a", 20, 1) + _corpus("b", 10, 1) + _corpus("tiny", 4, 1)
    train, dev = T.split_dev(docs, 0.2, seed=0)
    assert sorted(d.id for d in train + dev) == sorted(d.id for d in docs)
    assert Counter(T.corpus_of(d) for d in dev) == {"a": 4, "b": 2}  # 4 docs: none held out
    assert T.split_dev(docs, 0.2, seed=0) == (train, dev)
    assert T.split_dev(docs, 0.2, seed=1)[1] != dev


def test_training_lr_schedule_warms_up_then_decays():
    factor = T.lr_lambda(100, 10)
    values = [factor(step) for step in range(101)]
    assert values[0] == pytest.approx(0.1)
    assert values[9] == pytest.approx(1.0)
    assert max(values) == pytest.approx(1.0)
    assert values[10:] == sorted(values[10:], reverse=True)
    assert values[100] == 0.0


def test_training_n_steps():
    docs = _corpus("a", 5, 3)  # 15 units
    assert T.n_steps(docs, TrainingConfig(batch_units=4)) == 4
    assert T.n_steps(docs, TrainingConfig(batch_units=4, units_per_epoch=40)) == 10


def test_training_macro_f1():
    assert T.macro_f1([0, 0, 1, 1], [0, 0, 1, 1]) == 1.0
    assert T.macro_f1([0, 0, 1, 1], [0, 1, 1, 1]) == pytest.approx((2 / 3 + 0.8) / 2)
    assert T.macro_f1([], []) == 0.0


# --------------------------------------------------------------------------- checkpoints, resume


def test_training_resume_continues_where_it_stopped(
    tiny_documents, tmp_path: Path, torch_single_thread
):
    docs = list(tiny_documents)
    ckpt = tmp_path / "ckpt"
    config = TrainingConfig(epochs=2, trainable_layers=1, batch_units=16, seed=0)
    first = ArgumentModel(config).fit(docs, checkpoint_dir=ckpt, progress=False)
    assert [h["epoch"] for h in first.history_] == [1, 2]
    names = {p.relative_to(ckpt).as_posix() for p in ckpt.rglob("*") if p.is_file()}
    assert {T.CHECKPOINT_STATE, T.CHECKPOINT_OPTIMIZER, "last/model.safetensors"} <= names
    assert not [n for n in names if n.endswith((".pt", ".pkl", ".pickle", ".bin"))]
    assert json.loads((ckpt / T.CHECKPOINT_STATE).read_text())["epoch"] == 1

    # Nothing left to train: the resumed model is the checkpointed one, bit for bit.
    same = ArgumentModel(config).fit(docs, checkpoint_dir=ckpt, resume=True, progress=False)
    assert same.history_ == first.history_
    for p, q in zip(first.predict_proba(docs), same.predict_proba(docs)):
        np.testing.assert_allclose(p.label_probs, q.label_probs, atol=1e-6, rtol=0)
        np.testing.assert_allclose(p.link_probs, q.link_probs, atol=1e-6, rtol=0)

    longer = ArgumentModel(replace(config, epochs=3)).fit(
        docs, checkpoint_dir=ckpt, resume=True, progress=False)
    assert len(longer.history_) == 3
    assert longer.history_[:2] == first.history_
    assert longer.history_[2]["epoch"] == 3
    assert json.loads((ckpt / T.CHECKPOINT_STATE).read_text())["epoch"] == 2


# --------------------------------------------------------------------------- CorpusSpec


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("microtexts", CorpusSpec("microtexts")),
        ("aae2@train", CorpusSpec("aae2", split="train")),
        ("cdcp:/data/cdcp", CorpusSpec("cdcp", path="/data/cdcp")),
        ("aae2@test:/data/aae2", CorpusSpec("aae2", path="/data/aae2", split="test")),
        ("web-discourse@dev:rel/path", CorpusSpec("web-discourse", path="rel/path", split="dev")),
        ("abstrct:C:/corpora/abstrct", CorpusSpec("abstrct", path="C:/corpora/abstrct")),
    ],
)
def test_training_corpus_spec_parse(spec, expected):
    assert CorpusSpec.parse(spec) == expected
    assert CorpusSpec.parse(spec).level is None


@pytest.mark.parametrize("spec", ["", "@train", ":/data", "@test:/data"])
def test_training_corpus_spec_parse_refuses_missing_kind(spec):
    with pytest.raises(InputError) as info:
        CorpusSpec.parse(spec)
    assert info.value.code == "E301"


def test_training_load_documents_microtexts_at_unit_level(fixtures_dir: Path):
    spec = CorpusSpec("microtexts", path=str(fixtures_dir / "microtexts" / "part1"))
    docs = load_documents(spec)
    assert sorted(d.id for d in docs) == ["micro_fx001", "micro_fx002"]
    assert sum(len(d.units) for d in docs) == 10
    assert all(d.meta["corpus"] == "microtexts" for d in docs)


def test_training_load_documents_sentence_level_by_default(fixtures_dir: Path):
    path = str(fixtures_dir / "aae2")
    sentences = load_documents(CorpusSpec("aae2", path=path))
    units = load_documents(CorpusSpec("aae2", path=path, level="unit"))
    assert all(d.meta["corpus"] == "aae2" for d in sentences + units)
    assert [d.id for d in sentences] == [d.id for d in units]
    # The sentence view covers every sentence (also those without a component) ...
    assert [len(d.units) for d in sentences] == [8, 4]
    assert sentences[0].units[0].text == "Should cities ban cars?"
    assert sentences[0].units[0].label is Label.NONE
    # ... while the unit level keeps the gold components only.
    assert [len(d.units) for d in units] == [9, 3]
    for doc in sentences + units:
        doc.validate()


def test_training_resume_refuses_a_tampered_checkpoint(
    tiny_documents, tmp_path: Path, torch_single_thread
):
    from safetensors.torch import load_file, save_file

    from argmine.errors import ModelFormatError

    docs = list(tiny_documents)[:3]
    ckpt = tmp_path / "ckpt"
    config = TrainingConfig(epochs=1, trainable_layers=1, batch_units=16, seed=0)
    ArgumentModel(config).fit(docs, checkpoint_dir=ckpt, progress=False)
    weights = ckpt / "last" / "model.safetensors"
    state = load_file(str(weights))
    name = next(k for k in state if k.startswith("label_head"))
    state[name] = state[name].float() * float("nan")
    save_file(state, str(weights))
    with pytest.raises(ModelFormatError) as info:
        ArgumentModel(replace(config, epochs=2)).fit(docs, checkpoint_dir=ckpt, resume=True,
                                                     progress=False)
    assert info.value.code == "E213"
