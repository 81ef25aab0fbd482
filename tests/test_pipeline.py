"""Tests for argmine/pipeline.py: ArgumentMiner and load(), on the tiny trained model."""

from __future__ import annotations

from pathlib import Path

import pytest

from argmine.document import Document, Unit
from argmine.errors import InputError
from argmine.pipeline import ArgumentMiner, load
from argmine.schema import LABELS, Label, RelationKind, labels_from_links
from argmine.scoring.model import ArgumentModel
from argmine.scoring.runtimes.lite import LiteScorer

TEXT = (
    "Cities should ban cars from their centres. Exhaust fumes make the air unhealthy. "
    "Some say shops would lose customers.\n"
    "But pedestrians spend more money in town. The weather was mild last spring."
)
TEXTS = [
    TEXT,
    "Museums should be free of charge. Culture belongs to all citizens.",
    "Voting should be compulsory. Some object that this violates freedom. "
    "But nobody must choose a party.",
    "Plastic bags should be banned. They pollute the sea.",
    "I had a sandwich for lunch.",
]


@pytest.fixture(scope="module")
def miner(tiny_model_dir: Path) -> ArgumentMiner:
    """The tiny model's miner (read-only: ArgumentMiner's methods do not change it)."""
    return load(tiny_model_dir)


def _check_scored(unit: Unit, *, argmax: bool = True) -> None:
    """Label, score and all five scores; ``label`` is the argmax unless trees decided it."""
    assert unit.label in LABELS
    assert set(unit.scores) == {label.value for label in LABELS}
    assert sum(unit.scores.values()) == pytest.approx(1.0, abs=1e-4)
    assert unit.score == pytest.approx(unit.scores[unit.label.value])
    if argmax:
        assert unit.score == pytest.approx(max(unit.scores.values()))


def _check_forest(doc: Document) -> None:
    """The trees of a mined document are a valid forest whose labels follow the scheme."""
    doc.validate()
    n = len(doc.units)
    owner: dict[int, int] = {}
    for t, tree in enumerate(doc.trees):
        assert tree.root.label is Label.CLAIM
        indices = [u.index for u in tree.nodes]
        assert indices == sorted(indices)
        assert tree.root.index in indices
        for index in indices:
            assert index not in owner, f"unit {index} lies in two trees"
            owner[index] = t
            assert tree.nodes[indices.index(index)] == doc.units[index]
        sources = [e.source for e in tree.edges]
        assert sorted(sources) == sorted(set(indices) - {tree.root.index})
        for edge in tree.edges:
            assert edge.source in indices and edge.target in indices
        # Every node reaches the root.
        for index in indices:
            steps = 0
            while index != tree.root.index:
                index = tree.parent(index)[0].index
                steps += 1
                assert steps <= n
    assert sorted((r.source, r.target) for r in doc.relations) == sorted(
        (e.source, e.target) for t in doc.trees for e in t.edges
    )
    links = [(r.source, r.target, r.kind) for r in doc.relations]
    derived = labels_from_links(n, links)
    roots = {t.root.index for t in doc.trees}
    for unit, (label, role) in zip(doc.units, derived):
        if unit.index in roots:
            assert unit.label is Label.CLAIM
        elif unit.index not in owner:
            assert unit.label is Label.NONE
            assert unit.role is None
        else:
            assert (unit.label, unit.role) == (label, role)


# --------------------------------------------------------------------------- load


def test_pipeline_load_tiny_model(tiny_model_dir: Path):
    miner = load(tiny_model_dir, backend="torch")
    assert isinstance(miner, ArgumentMiner)
    assert isinstance(miner.model, ArgumentModel)
    assert miner.decoding is None
    # The default backend serves a folder loaded in full before without torch.
    assert isinstance(load(tiny_model_dir).model, (ArgumentModel, LiteScorer))


def test_pipeline_load_passes_decoding(tiny_model_dir: Path):
    from argmine.decoding.objective import DecodingConfig

    config = DecodingConfig(single_root=True)
    miner = load(tiny_model_dir, decoding=config)
    assert miner.decoding is config
    doc = miner.mine(TEXT)
    assert len(doc.trees) == 1
    _check_forest(doc)


# --------------------------------------------------------------------------- label


def test_pipeline_label_text(miner: ArgumentMiner):
    units = miner.label(TEXT)
    assert [u.index for u in units] == list(range(5))
    for unit in units:
        assert TEXT[unit.start : unit.end] == unit.text
        _check_scored(unit, argmax=False)
    for unit in miner.label(TEXT, decoded=False):
        _check_scored(unit)
    assert [u.paragraph for u in units] == [0, 0, 0, 1, 1]


def test_pipeline_label_agrees_with_model(miner: ArgumentMiner):
    doc = miner.to_document(TEXT)
    (pred,) = miner.model.predict_proba([doc])
    assert [u.label for u in miner.label(TEXT, decoded=False)] == pred.labels


def test_pipeline_label_and_mine_give_one_answer(miner: ArgumentMiner):
    # label() and mine() print the same labels by default: the decoded ones.
    mined = miner.mine(TEXT)
    assert [u.label for u in miner.label(TEXT)] == [u.label for u in mined.units]
    assert [u.score for u in miner.label(TEXT)] == [u.score for u in mined.units]


def test_pipeline_label_classifier_labels_on_request(miner: ArgumentMiner, tiny_documents):
    docs = [miner.to_document(d.text) for d in tiny_documents]
    decoded = [u.label for d in miner.label_documents(docs) for u in d.units]
    mined = [u.label for d in miner.mine_documents(docs) for u in d.units]
    raw = [u.label for d in miner.label_documents(docs, decoded=False) for u in d.units]
    argmax = [lab for p in miner.model.predict_proba(docs) for lab in p.labels]
    assert decoded == mined
    assert raw == argmax


def test_pipeline_label_presegmented_units(miner: ArgumentMiner):
    items = ["Cities should ban cars, ", "because fumes are unhealthy.", "  Shops disagree."]
    units = miner.label(items)
    assert [u.text for u in units] == ["Cities should ban cars,", "because fumes are unhealthy.",
                                       "Shops disagree."]
    doc = miner.to_document(items)
    for unit in units:
        assert doc.text[unit.start : unit.end] == unit.text
        _check_scored(unit, argmax=False)


def test_pipeline_label_one_unit_per_item_even_with_several_sentences(miner: ArgumentMiner):
    units = miner.label(["One sentence. Another one.", "A third."])
    assert [u.text for u in units] == ["One sentence. Another one.", "A third."]


def test_pipeline_label_does_not_link(miner: ArgumentMiner):
    (doc,) = miner.label_documents([miner.to_document(TEXT)])
    assert doc.relations == () and doc.trees == ()


@pytest.mark.parametrize("bad", ["", "   \n\t ", []])
def test_pipeline_empty_input_raises(miner: ArgumentMiner, bad):
    with pytest.raises(InputError) as info:
        miner.label(bad)
    assert info.value.code in {"E002", "E007"}
    with pytest.raises(InputError):
        miner.mine(bad)


def test_pipeline_empty_text_is_e002(miner: ArgumentMiner):
    with pytest.raises(InputError) as info:
        miner.mine("")
    assert info.value.code == "E002"


@pytest.mark.parametrize("bad", [["ok", ""], ["ok", None], ["ok", 3]])
def test_pipeline_bad_unit_item_is_e007(miner: ArgumentMiner, bad):
    with pytest.raises(InputError) as info:
        miner.label(bad)
    assert info.value.code == "E007"


@pytest.mark.parametrize("bad", [None, 42, b"bytes", {"text": "x"}])
def test_pipeline_wrong_input_type_is_e006(miner: ArgumentMiner, bad):
    with pytest.raises(InputError) as info:
        miner.mine(bad)
    assert info.value.code == "E006"


# --------------------------------------------------------------------------- mine


def test_pipeline_mine_returns_valid_forest(miner: ArgumentMiner):
    doc = miner.mine(TEXT, doc_id="cars")
    assert isinstance(doc, Document)
    assert doc.id == "cars"
    assert doc.text == TEXT
    assert len(doc.units) == 5
    for unit in doc.units:
        _check_scored(unit, argmax=False)
    _check_forest(doc)
    assert doc.paragraphs == ((0, TEXT.index("\n")), (TEXT.index("\n") + 1, len(TEXT)))


def test_pipeline_call_is_mine(miner: ArgumentMiner):
    assert miner(TEXT) == miner.mine(TEXT)


@pytest.mark.parametrize("text", TEXTS + [[
    "Schools should start later.", "Teenagers fall asleep late.", "Buses would need changes.",
    "But timetables change every year anyway.",
]])
def test_pipeline_mine_forests_are_valid(miner: ArgumentMiner, text):
    _check_forest(miner.mine(text))


def test_pipeline_mine_gold_units_of_a_document(miner: ArgumentMiner, tiny_documents):
    gold = tiny_documents[0]
    (doc,) = miner.mine_documents([gold])
    assert [u.text for u in doc.units] == [u.text for u in gold.units]
    _check_forest(doc)


def test_pipeline_mine_accepts_a_document(miner: ArgumentMiner, tiny_documents):
    doc = tiny_documents[2]
    assert miner.to_document(doc) is doc


def test_pipeline_mine_keeps_the_models_probabilities(miner: ArgumentMiner):
    doc = miner.mine(TEXT)
    labelled = miner.label(TEXT)
    for mined, plain in zip(doc.units, labelled):
        assert mined.scores == pytest.approx(plain.scores, abs=1e-6)


def test_pipeline_relations_have_kinds_and_scores(miner: ArgumentMiner):
    doc = miner.mine(TEXT)
    for rel in doc.relations:
        assert rel.kind in (RelationKind.SUPPORT, RelationKind.ATTACK)
        assert rel.score is None or 0.0 <= rel.score <= 1.0


# --------------------------------------------------------------------------- pipe


def test_pipeline_pipe_yields_in_order(miner: ArgumentMiner):
    docs = list(miner.pipe(TEXTS, batch_size=2))
    assert [d.id for d in docs] == [f"doc{i}" for i in range(len(TEXTS))]
    assert [d.text for d in docs] == TEXTS
    for doc in docs:
        _check_forest(doc)
    single = [miner.mine(t) for t in TEXTS]
    assert [[u.label for u in d.units] for d in docs] == [
        [u.label for u in d.units] for d in single
    ]


def test_pipeline_pipe_is_lazy_and_accepts_generators(miner: ArgumentMiner):
    stream = miner.pipe(t for t in TEXTS)
    assert next(stream).text == TEXTS[0]
    assert len(list(stream)) == len(TEXTS) - 1


def test_pipeline_pipe_of_nothing(miner: ArgumentMiner):
    assert list(miner.pipe([])) == []


def test_pipeline_pipe_refuses_empty_text(miner: ArgumentMiner):
    with pytest.raises(InputError) as info:
        list(miner.pipe(["Fine text.", "  "]))
    assert info.value.code == "E002"


# --------------------------------------------------------------------------- baseline


def test_pipeline_works_with_the_baseline(tiny_baseline_dir: Path):
    from argmine.scoring.baseline import BaselineModel

    miner = load(tiny_baseline_dir)
    assert isinstance(miner.model, BaselineModel)
    doc = miner.mine(TEXT)
    _check_forest(doc)
    for unit in doc.units:
        _check_scored(unit, argmax=False)


def test_pipeline_load_is_the_top_level_entry_point(tiny_model_dir):
    import argmine

    miner = argmine.load(tiny_model_dir)
    assert isinstance(miner, argmine.ArgumentMiner)
    assert [u.text for u in miner.label(["We should act.", "It pays."])] == [
        "We should act.", "It pays."]


def test_pipeline_decodes_paragraph_lists_as_coordinate(miner: ArgumentMiner):
    from argmine.scoring.features import coordinate_lists

    text = ("Cities should ban cars from their centres, for three reasons.\n\n"
            "First, exhaust fumes make the air unhealthy. They cause asthma.\n\n"
            "Second, streets without cars are safer for children.\n\n"
            "Third, pedestrians spend more money in shops. Shops would gain.")
    doc = miner.mine(text)
    _check_forest(doc)
    (items,) = coordinate_lists(doc.units)
    assert [doc.units[i].text.split(",")[0] for i in items] == ["First", "Second", "Third"]
    parent = {e.source: e.target for e in doc.relations}
    paragraph = [u.paragraph for u in doc.units]
    outside = {parent[i] for i in items if i in parent and paragraph[parent[i]] != paragraph[i]}
    assert len(outside) <= 1 and not (outside & set(items))
    assert all(paragraph[p] < paragraph[items[0]] or paragraph[p] > paragraph[items[-1]]
               for p in outside)
