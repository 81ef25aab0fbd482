import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from argmine.document import ArgumentTree, Document, Relation, Unit
from argmine.errors import InputError
from argmine.schema import Label, RelationKind, Role

TEXT = "We should act. It pays. But it costs. Not at all."


def _mined() -> Document:
    spans, pos = [], 0
    for part in ("We should act.", "It pays.", "But it costs.", "Not at all."):
        start = TEXT.index(part, pos)
        spans.append((start, start + len(part)))
        pos = start + len(part)
    labels = [Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT, Label.REBUTTAL]
    roles = [Role.PROPONENT, Role.PROPONENT, Role.OPPONENT, Role.PROPONENT]
    units = tuple(
        Unit(i, TEXT[s:e], s, e, label=lab, score=0.5 + i / 10, role=role,
             scores={x.value: 0.2 for x in Label}, id=f"u{i}")
        for i, ((s, e), lab, role) in enumerate(zip(spans, labels, roles))
    )
    rels = (Relation(1, 0, RelationKind.SUPPORT, 0.9), Relation(2, 0, RelationKind.ATTACK, 0.8),
            Relation(3, 2, RelationKind.ATTACK, 0.7))
    tree = ArgumentTree(units[0], units, rels)
    return Document("d1", TEXT, units, rels, (tree,), paragraphs=((0, len(TEXT)),),
                    meta={"corpus": "test", "split": None})


def test_document_round_trips_through_json():
    doc = _mined()
    again = Document.from_dict(json.loads(json.dumps(doc.to_dict())))
    assert again == doc
    assert again.trees[0].summary() == doc.trees[0].summary()


def test_document_dict_carries_versions():
    data = _mined().to_dict()
    assert data["format_version"] == 1
    assert data["argmine_version"]


def test_document_rejects_newer_format_and_garbage():
    data = _mined().to_dict()
    data["format_version"] = 99
    with pytest.raises(InputError) as info:
        Document.from_dict(data)
    assert info.value.code == "E011"
    with pytest.raises(InputError):
        Document.from_dict({"text": "no id"})
    with pytest.raises(InputError):
        Unit.from_dict({"index": 0, "text": "x", "start": 0, "end": 1, "label": "warrant"})


def test_document_tree_walk_summary_and_counts():
    tree = _mined().trees[0]
    walked = [(u.index, depth, rel.kind.value if rel else None) for u, depth, rel in tree.walk()]
    assert walked == [(0, 0, None), (1, 1, "support"), (2, 1, "attack"), (3, 2, "attack")]
    assert tree.summary() == ("We should act. — 1 premise, 1 counterargument, 1 rebuttal")
    assert [u.index for u in tree.children(2)] == [3]
    assert tree.parent(3)[0].index == 2
    assert tree.parent(0) is None


def test_document_validate_catches_bad_spans_and_relations():
    doc = _mined()
    assert doc.validate() is doc
    bad = doc.replace(units=(Unit(0, "We", 1, 3),))
    with pytest.raises(InputError):
        bad.validate()
    dangling = doc.replace(relations=(Relation(1, 9, RelationKind.SUPPORT),))
    with pytest.raises(InputError):
        dangling.validate()


@given(st.text(max_size=40), st.floats(allow_nan=False, allow_infinity=False),
       st.sampled_from(list(Label)), st.sampled_from([None, *Role]))
def test_document_unit_round_trip_any_values(text, score, label, role):
    unit = Unit(3, text, 5, 5 + len(text), label=label, score=score, role=role, paragraph=2)
    assert Unit.from_dict(json.loads(json.dumps(unit.to_dict()))) == unit


def test_document_prints_its_trees_as_an_outline():
    claim = Unit(0, "Cities should ban cars.", 0, 23, label=Label.CLAIM, score=0.9)
    why = Unit(1, "Fumes\nharm people.", 24, 42, label=Label.PREMISE, score=0.8)
    but = Unit(2, "Shops lose.", 43, 54, label=Label.COUNTERARGUMENT, score=0.7)
    edges = (Relation(1, 0, RelationKind.SUPPORT), Relation(2, 0, RelationKind.ATTACK))
    tree = ArgumentTree(claim, (claim, why, but), edges)
    doc = Document("d1", "x" * 54, (claim, why, but), edges, (tree,))
    text = str(doc)
    assert text.splitlines()[0] == "Document 'd1': 1 argument"
    assert "  #1 premise, supports #0 (0.80): Fumes harm people." in text.splitlines()
    assert "  #2 counterargument, attacks #0 (0.70): Shops lose." in text.splitlines()
    assert str(tree).splitlines()[0] == tree.summary()
    assert "no arguments found" in str(Document("empty", ""))
