"""Tests for argmine/baseline.py (the shared stage contract lives in test_model.py)."""

from __future__ import annotations

import inspect
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from argmine.document import Document, Unit
from argmine.errors import InputError, ModelFormatError
from argmine.schema import LABELS, Label
from argmine.scoring import persistence
from argmine.scoring.baseline import MODEL_TYPE, BaselineModel


def _doc(doc_id: str, rows: list[tuple[str, Label | None]]) -> Document:
    text, units = "", []
    for i, (sentence, label) in enumerate(rows):
        text += (" " if text else "") + sentence
        units.append(Unit(i, sentence, len(text) - len(sentence), len(text), label=label))
    return Document(doc_id, text, tuple(units))


def test_baseline_init_stores_parameters_unchanged():
    model = BaselineModel(C=0.5, max_features=10, neighbours=False, seed=3)
    assert (model.C, model.max_features, model.neighbours, model.seed) == (0.5, 10, False, 3)
    assert not hasattr(model, "classifier_")


def test_baseline_fits_its_training_data(tiny_baseline, tiny_documents):
    # Labels must land in the right columns of LABELS: a column mix-up would wreck this.
    docs = list(tiny_documents)
    gold = [u.label for d in docs for u in d.units]
    pred = [label for row in tiny_baseline.model.predict(docs) for label in row]
    accuracy = np.mean([g == p for g, p in zip(gold, pred)])
    assert accuracy >= 0.9


def test_baseline_link_scores_are_the_nearest_preceding_unit_prior(tiny_baseline, tiny_documents):
    for p in tiny_baseline.model.predict_proba(list(tiny_documents)):
        n = len(p.label_probs)
        expected = np.zeros((n, n + 1))
        expected[0, n] = 1.0
        for i in range(1, n):
            expected[i, i - 1] = 1.0
        np.testing.assert_array_equal(p.link_probs, expected)
        np.testing.assert_array_equal(p.attack_probs, np.full((n, n), 0.5))


def test_baseline_labels_never_seen_get_zero_probability():
    docs = [
        _doc("a", [("We must act now.", Label.CLAIM), ("Time is short.", Label.PREMISE)]),
        _doc("b", [("Taxes should fall.", Label.CLAIM), ("People keep more.", Label.PREMISE)]),
    ]
    model = BaselineModel().fit(docs)
    (p,) = model.predict_proba([_doc("c", [("Something new.", None), ("More text.", None)])])
    assert p.label_probs.shape == (2, len(LABELS))
    for label in (Label.COUNTERARGUMENT, Label.REBUTTAL, Label.NONE):
        assert (p.label_probs[:, LABELS.index(label)] == 0).all()
    np.testing.assert_allclose(p.label_probs.sum(axis=1), 1.0)


def test_baseline_fit_ignores_unlabelled_units():
    docs = [
        _doc("a", [("We must act now.", Label.CLAIM), ("Unlabelled words here.", None)]),
        _doc("b", [("Taxes should fall.", Label.CLAIM), ("People keep more.", Label.PREMISE)]),
    ]
    model = BaselineModel().fit(docs)
    assert set(model.classifier_.classes_) == {"claim", "premise"}
    assert "unlabelled" not in model.vectorizer_.vocabulary_


def test_baseline_fit_refuses_documents_without_labels():
    with pytest.raises(InputError) as info:
        BaselineModel().fit([_doc("a", [("No label.", None)])])
    assert info.value.code == "E002"


def test_baseline_without_neighbours_predicts(tiny_documents, tmp_path: Path):
    model = BaselineModel(neighbours=False).fit(list(tiny_documents))
    probs = model.predict_proba(list(tiny_documents))
    assert [p.label_probs.shape for p in probs] == [(len(d.units), 5) for d in tiny_documents]
    loaded = BaselineModel.from_pretrained(model.save_pretrained(tmp_path / "m"))
    assert loaded.neighbours is False
    assert loaded.predict(list(tiny_documents)) == model.predict(list(tiny_documents))


def test_baseline_neighbours_change_the_scores(tiny_documents):
    # With neighbours, the same unit text scores differently in different contexts.
    model = BaselineModel(neighbours=True).fit(list(tiny_documents))
    unit = "Taxes should fall."
    a = _doc("a", [(unit, None), ("Children need a quiet place to read after school.", None)])
    b = _doc("b", [(unit, None), ("Some say the project costs too much.", None)])
    pa, pb = model.predict_proba([a, b])
    assert not np.allclose(pa.label_probs[0], pb.label_probs[0])
    plain = BaselineModel(neighbours=False).fit(list(tiny_documents))
    qa, qb = plain.predict_proba([a, b])
    np.testing.assert_allclose(qa.label_probs[0], qb.label_probs[0])


def test_baseline_load_keeps_parameters(tiny_baseline, tmp_path: Path):
    names = [p for p in inspect.signature(BaselineModel.__init__).parameters if p != "self"]
    loaded = BaselineModel.from_pretrained(tiny_baseline.directory)
    assert {n: getattr(loaded, n) for n in names} == {
        n: getattr(tiny_baseline.model, n) for n in names}
    config = json.loads((tiny_baseline.directory / persistence.CONFIG_NAME).read_text())
    assert config["model_type"] == MODEL_TYPE
    # Non-default values survive too.
    custom = BaselineModel(C=0.25, max_features=50, neighbours=True, seed=7).fit(
        [_doc("a", [("We must act now.", Label.CLAIM), ("Time is short.", Label.PREMISE)])])
    again = BaselineModel.from_pretrained(custom.save_pretrained(tmp_path / "m"))
    assert (again.C, again.max_features, again.neighbours, again.seed) == (0.25, 50, True, 7)


def test_baseline_load_refuses_a_config_without_its_fields(tiny_baseline_dir, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(tiny_baseline_dir, folder)
    config = json.loads((folder / persistence.CONFIG_NAME).read_text())
    del config["params"]
    (folder / persistence.CONFIG_NAME).write_text(json.dumps(config))
    with pytest.raises(ModelFormatError) as info:
        BaselineModel.from_pretrained(folder)
    assert info.value.code == "E203"
    assert persistence.CONFIG_NAME in str(info.value)


def test_baseline_load_refuses_an_argument_model_folder(tiny_model_dir):
    with pytest.raises(ModelFormatError) as info:
        BaselineModel.from_pretrained(tiny_model_dir)
    assert info.value.code == "E203"
