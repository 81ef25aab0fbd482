from __future__ import annotations

import pytest

from argmine.corpora.dataset import NO_LABEL, to_dataset
from argmine.document import Document, Relation, Unit
from argmine.errors import InputError
from argmine.schema import LABELS, Label, RelationKind, Role

pytest.importorskip("datasets")


@pytest.fixture
def docs() -> list[Document]:
    text = "We must act. It pays. Some disagree."
    units = (
        Unit(0, "We must act.", 0, 12, label=Label.CLAIM, role=Role.PROPONENT),
        Unit(1, "It pays.", 13, 21, label=Label.PREMISE, role=Role.PROPONENT, paragraph=0),
        Unit(2, "Some disagree.", 22, 36, label=Label.COUNTERARGUMENT, role=Role.OPPONENT),
    )
    relations = (Relation(1, 0, RelationKind.SUPPORT), Relation(2, 0, RelationKind.ATTACK))
    second = Document("d2", "Unlabelled.\nLine two", (
        Unit(0, "Unlabelled.", 0, 11), Unit(1, "Line two", 12, 20, paragraph=1)
    ))
    return [Document("d1", text, units, relations).validate(), second.validate()]


def test_dataset_unit_level_rows(docs: list[Document]) -> None:
    ds = to_dataset(docs)
    assert ds.num_rows == 5
    assert ds.column_names == [
        "doc", "index", "text", "start", "end", "label", "role", "paragraph", "parent",
        "relation", "position", "prev_text", "next_text",
    ]
    assert ds.features["label"].names == [label.value for label in LABELS]
    row = ds[1]
    assert row == {
        "doc": "d1", "index": 1, "text": "It pays.", "start": 13, "end": 21,
        "label": LABELS.index(Label.PREMISE), "role": "proponent", "paragraph": 0,
        "parent": 0, "relation": "support", "position": pytest.approx(1 / 3),
        "prev_text": "We must act.", "next_text": "Some disagree.",
    }
    assert ds[0]["parent"] == -1 and ds[0]["relation"] == "" and ds[0]["prev_text"] == ""
    assert ds[2]["relation"] == "attack" and ds[2]["next_text"] == ""
    # Context never leaks across documents.
    assert ds[3]["prev_text"] == "" and ds[3]["next_text"] == "Line two"
    assert ds[3]["label"] == NO_LABEL and ds[3]["role"] == ""
    assert ds[4]["paragraph"] == 1 and ds[4]["position"] == 0.5
    assert [ds.features["label"].int2str(i) for i in ds["label"][:3]] == [
        "claim", "premise", "counterargument"
    ]


def test_dataset_document_level_rows(docs: list[Document]) -> None:
    ds = to_dataset(docs, level="document")
    assert ds.num_rows == 2
    assert ds.column_names == [
        "id", "text", "units", "labels", "starts", "ends", "parents", "relations"
    ]
    first = ds[0]
    assert first["id"] == "d1" and first["text"] == docs[0].text
    assert first["units"] == ["We must act.", "It pays.", "Some disagree."]
    assert first["labels"] == [LABELS.index(x) for x in (
        Label.CLAIM, Label.PREMISE, Label.COUNTERARGUMENT
    )]
    assert first["starts"] == [0, 13, 22] and first["ends"] == [12, 21, 36]
    assert first["parents"] == [-1, 0, 0]
    assert first["relations"] == ["", "support", "attack"]
    assert ds[1]["labels"] == [NO_LABEL, NO_LABEL]


@pytest.mark.parametrize("level", ["unit", "document"])
def test_dataset_empty_input_keeps_columns(level: str) -> None:
    ds = to_dataset([], level=level)
    assert ds.num_rows == 0
    assert len(ds.column_names) == (13 if level == "unit" else 8)


def test_dataset_accepts_any_iterable(docs: list[Document]) -> None:
    assert to_dataset(iter(docs)).num_rows == 5


def test_dataset_rejects_unknown_level(docs: list[Document]) -> None:
    with pytest.raises(InputError) as info:
        to_dataset(docs, level="sentence")
    assert info.value.code == "E008"
