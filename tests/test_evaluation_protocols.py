import numpy as np
import pytest

from argmine.evaluation.labels import average_reports, label_report
from argmine.evaluation.protocols import evaluate_documents, microtext_cv
from argmine.evaluation.tuning import tune_decoding
from argmine.pipeline import ArgumentMiner
from argmine.schema import LABELS, Label
from argmine.scoring.protocol import Prediction


class Oracle:
    """An estimator that predicts the gold labels and links of the documents it was given."""

    def __init__(self, docs):
        self.by_text = {d.text: d for d in docs}
        self.dev_documents_ = list(docs)

    def fit(self, documents, **_):
        return self

    def predict_proba(self, documents, **_):
        out = []
        for doc in documents:
            gold = self.by_text[doc.text]
            n = len(doc.units)
            labels = np.full((n, 5), 0.01)
            links = np.full((n, n + 1), 0.01)
            kinds = np.full((n, n), 0.5)
            for u in gold.units:
                labels[u.index, LABELS.index(u.label)] = 0.96
                links[u.index, n] = 0.9
            for rel in gold.relations:
                links[rel.source, n] = 0.01
                links[rel.source, rel.target] = 0.9
                kinds[rel.source, rel.target] = 0.95 if rel.kind.value == "attack" else 0.05
            out.append(Prediction(labels, links, kinds))
        return out


@pytest.fixture(scope="module")
def micro(fixtures_dir):
    from argmine.corpora.microtexts import read_microtext_folds, read_microtexts

    root = fixtures_dir / "microtexts" / "part1"
    return read_microtexts(root), read_microtext_folds(root)


def test_evaluation_label_report_counts_and_confusion():
    gold = [Label.CLAIM, Label.PREMISE, Label.PREMISE, Label.REBUTTAL]
    pred = [Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT, Label.PREMISE]
    r = label_report(gold, pred)
    assert r["labels"] == ["claim", "premise", "counterargument", "rebuttal"]
    assert r["per_label"]["premise"]["precision"] == pytest.approx(0.5)
    assert r["per_label"]["premise"]["recall"] == pytest.approx(0.5)
    assert r["per_label"]["rebuttal"]["f1"] == 0.0
    assert r["macro_f1"] == pytest.approx((1 + 0.5 + 0 + 0) / 4)
    assert r["confusion"][1][2] == 1 and r["confusion"][3][1] == 1
    perfect = label_report(gold, gold)
    # counterargument occurs in neither list, so even a perfect prediction scores 0 on it
    assert perfect["macro_f1"] == pytest.approx(0.75)
    avg = average_reports([r, perfect])
    assert avg["macro_f1"] == pytest.approx((r["macro_f1"] + 0.75) / 2)
    assert sum(map(sum, avg["confusion"])) == 8


def test_evaluation_oracle_scores_perfectly(micro):
    docs, _folds = micro
    result = evaluate_documents(ArgumentMiner(Oracle(docs)), docs)
    assert result["labels"]["macro_f1"] == pytest.approx(1.0)
    assert result["decoded_labels"]["macro_f1"] == pytest.approx(1.0)
    for level in ("cc", "ro", "fu", "at"):
        assert result["structure"][level] == pytest.approx(1.0)


def test_evaluation_microtext_cv_runs_each_split_of_an_iteration(micro):
    docs, folds = micro
    seen = []
    out = microtext_cv(docs, folds, lambda i: Oracle(docs), iterations=1, tune=True,
                       on_split=lambda r: seen.append(r["split"]))
    assert seen == [f.index for f in folds if f.iteration == 0]
    assert out["labels"]["macro_f1"] == pytest.approx(1.0)
    assert "decoding" in out["splits"][0]


def test_evaluation_tune_decoding_returns_a_config_from_the_grid(micro):
    docs, _ = micro
    config, score = tune_decoding(Oracle(docs), docs, grid={"label_weight": (1.0, 3.0)})
    assert config.label_weight in (1.0, 3.0)
    assert score == pytest.approx(1.0)


def test_evaluation_estimators_are_built_in_one_place():
    from argmine.errors import InputError
    from argmine.evaluation.estimators import estimator_factory, start_model
    from argmine.scoring.baseline import BaselineModel
    from argmine.scoring.config import TrainingConfig
    from argmine.scoring.model import ArgumentModel

    baseline = estimator_factory("baseline", {"epochs": 3}, seed=4)(0)
    assert isinstance(baseline, BaselineModel) and baseline.seed == 4
    make = estimator_factory("runs/stage1", {"epochs": 3, "batch_units": None,
                                             "pair_features": True}, seed=4)
    first, second = make(0), make(1)
    assert isinstance(first, ArgumentModel) and first.config is not second.config
    assert (first.config.epochs, first.config.seed, first.config.pair_features) == (3, 4, True)
    assert first.config.batch_units == TrainingConfig().batch_units  # None: the default
    assert start_model("runs/stage1") == "runs/stage1"
    assert start_model("baseline") is None and start_model(None) is None
    with pytest.raises(InputError):  # refused before any corpus is read
        estimator_factory(None, {"augment": {"forest": 2.0}})


def test_evaluation_cross_validate_starts_each_split_from_the_model(micro, monkeypatch):
    from argmine.evaluation import protocols

    docs, folds = micro
    seen = {}

    def fake_cv(documents, folds_, make, **kwargs):
        seen.update(kwargs, estimator=type(make(0)).__name__)
        return {"splits": []}

    monkeypatch.setattr(protocols, "microtext_cv", fake_cv)
    protocols.cross_validate(docs, folds, "runs/stage1", {"epochs": 1}, iterations=2)
    assert seen == {"init_from": "runs/stage1", "iterations": 2, "estimator": "ArgumentModel"}
    protocols.cross_validate(docs, folds, "baseline", {}, iterations=1)
    assert seen["init_from"] is None and seen["estimator"] == "BaselineModel"


class PremiseEverywhere(Oracle):
    """The oracle's links, but a classifier that calls every unit a premise."""

    def predict_proba(self, documents, **kwargs):
        out = []
        for p in super().predict_proba(documents, **kwargs):
            labels = np.full_like(p.label_probs, 0.01)
            labels[:, LABELS.index(Label.PREMISE)] = 0.96
            out.append(Prediction(labels, p.link_probs, p.attack_probs))
        return out


def test_evaluation_labels_report_is_the_classifiers_own(micro):
    # "labels" scores the classifier's argmax; "decoded_labels" the trees' (which need a
    # claim at every root, so they cannot all be premises).
    docs, _folds = micro
    result = evaluate_documents(ArgumentMiner(PremiseEverywhere(docs)), docs)
    gold = [u.label for d in docs for u in d.units]
    assert result["labels"] == label_report(gold, [Label.PREMISE] * len(gold))
    assert result["decoded_labels"] != result["labels"]
