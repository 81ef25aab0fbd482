from __future__ import annotations

from argmine.corpora.views import sentence_documents, sentence_view
from argmine.document import Document, Relation, Unit
from argmine.schema import Label, RelationKind, Role
from argmine.text.paragraphs import paragraph_index, paragraph_spans

SUPPORT, ATTACK = RelationKind.SUPPORT, RelationKind.ATTACK


def make_doc(text: str, spans: list[tuple[str, Label]], links: list[tuple[int, int, str]],
             meta: dict | None = None) -> Document:
    """Gold units from (substring, label) pairs found left to right in ``text``."""
    units, pos = [], 0
    paragraphs = paragraph_spans(text)
    for i, (part, label) in enumerate(spans):
        start = text.index(part, pos)
        pos = start + len(part)
        role = {Label.COUNTERARGUMENT: Role.OPPONENT, Label.NONE: None}.get(label, Role.PROPONENT)
        units.append(Unit(i, part, start, pos, label=label, role=role, id=f"T{i}",
                          paragraph=paragraph_index(paragraphs, start)))
    relations = tuple(Relation(s, t, RelationKind(k)) for s, t, k in links)
    return Document("d1", text, tuple(units), relations, meta=meta or {}).validate()


def summary(doc: Document) -> tuple[list[tuple[str, str]], list[tuple[int, int, str]]]:
    return ([(u.text, u.label.value) for u in doc.units],
            [(r.source, r.target, r.kind.value) for r in doc.relations])


def test_views_sentence_view_labels_by_majority_cover() -> None:
    text = "We must act now because delay costs lives. Some say it is too expensive. Hi."
    doc = make_doc(text, [
        ("We must act now", Label.CLAIM),
        ("delay costs", Label.PREMISE),
        ("it is too expensive", Label.COUNTERARGUMENT),
    ], [(1, 0, "support"), (2, 0, "attack")])
    view = sentence_view(doc).validate()
    labels, relations = summary(view)
    # Sentence 1: "Some say " is uncovered, but the counterargument still covers most of it.
    assert labels == [
        ("We must act now because delay costs lives.", "claim"),
        ("Some say it is too expensive.", "counterargument"),
        ("Hi.", "none"),
    ]
    assert relations == [(1, 0, "attack")]
    assert [u.role for u in view.units] == [Role.PROPONENT, Role.OPPONENT, None]
    assert view.meta["label_source"] == [0, 2, None]
    assert view.trees == ()
    assert view.paragraphs == ((0, len(text)),)


def test_views_sentence_view_follows_links_out_of_the_sentence() -> None:
    # Sentence 1 holds a premise whose parent lies in the same sentence and attacks the claim:
    # the sentence links to the claim's sentence, and support∘attack composes to attack.
    text = "Taxes should fall. It would hurt because revenue would drop sharply."
    doc = make_doc(text, [
        ("Taxes should fall", Label.CLAIM),
        ("It would hurt", Label.COUNTERARGUMENT),
        ("revenue would drop sharply", Label.COUNTERARGUMENT),
    ], [(1, 0, "attack"), (2, 1, "support")])
    labels, relations = summary(sentence_view(doc))
    assert labels[1] == ("It would hurt because revenue would drop sharply.", "counterargument")
    assert relations == [(1, 0, "attack")]


def test_views_sentence_view_composes_two_attacks_to_support() -> None:
    text = "Act now. Critics object but the objection fails on the evidence we have."
    doc = make_doc(text, [
        ("Act now", Label.CLAIM),
        ("Critics object", Label.COUNTERARGUMENT),
        ("the objection fails on the evidence we have", Label.REBUTTAL),
    ], [(1, 0, "attack"), (2, 1, "attack")])
    labels, relations = summary(sentence_view(doc))
    assert labels[1][1] == "rebuttal"
    assert relations == [(1, 0, "support")]


def test_views_sentence_view_skips_self_links_and_keeps_one_parent() -> None:
    text = "A claim here and its premise here. Another premise. A third premise."
    doc = make_doc(text, [
        ("A claim here", Label.CLAIM),
        ("its premise here", Label.PREMISE),
        ("Another premise", Label.PREMISE),
        ("A third premise", Label.PREMISE),
    ], [(1, 0, "support"), (2, 0, "support"), (3, 2, "support")])
    view = sentence_view(doc)
    _labels, relations = summary(view)
    assert relations == [(1, 0, "support"), (2, 1, "support")]
    sources = [r.source for r in view.relations]
    assert len(sources) == len(set(sources))
    assert all(r.source != r.target for r in view.relations)


def test_views_sentence_view_unit_spanning_two_sentences_belongs_to_the_larger_part() -> None:
    text = "Cut. Taxes now because it pays off well. Yes indeed."
    doc = make_doc(text, [
        ("Cut. Taxes now", Label.CLAIM),
        ("it pays off well. Yes", Label.PREMISE),
    ], [(1, 0, "support")])
    labels, relations = summary(sentence_view(doc))
    # Sentence 1 holds 9 claim and 17 premise characters, so it is a premise sentence.
    assert [label for _t, label in labels] == ["claim", "premise", "premise"]
    # Both gold units live in sentence 1 (claim: 9 of 14 characters; premise: 17 of 21), so
    # sentence 1's premise points at itself (no link) and sentence 2's premise links to it.
    assert relations == [(2, 1, "support")]


def test_views_sentence_view_breaks_cycles() -> None:
    # Each sentence's majority unit points into the other sentence: one link must go.
    text = "Alpha alpha alpha beta. Gamma gamma gamma delta."
    doc = make_doc(text, [
        ("Alpha alpha alpha", Label.PREMISE),
        ("beta", Label.CLAIM),
        ("Gamma gamma gamma", Label.PREMISE),
        ("delta", Label.CLAIM),
    ], [(0, 3, "support"), (2, 1, "support")])
    view = sentence_view(doc).validate()
    assert summary(view)[1] == [(0, 1, "support")]


def test_views_sentence_view_of_sentence_units_is_identity() -> None:
    text = "We must act.\nIt pays. Nobody cares."
    doc = make_doc(text, [
        ("We must act.", Label.CLAIM), ("It pays.", Label.PREMISE),
        ("Nobody cares.", Label.NONE),
    ], [(1, 0, "support")], meta={"split": "train"})
    view = sentence_view(doc)
    assert [(u.text, u.start, u.end, u.label, u.paragraph) for u in view.units] == [
        (u.text, u.start, u.end, u.label, u.paragraph) for u in doc.units
    ]
    assert view.relations == doc.relations
    assert view.meta["split"] == "train"
    assert view.id == doc.id and view.text == doc.text


def test_views_sentence_view_without_gold_units_is_all_none() -> None:
    view = sentence_view(Document("x", "One. Two.\r\nThree"))
    assert [(u.text, u.label, u.role, u.paragraph) for u in view.units] == [
        ("One.", Label.NONE, None, 0), ("Two.", Label.NONE, None, 0), ("Three", Label.NONE, None, 1)
    ]
    assert view.relations == ()
    assert sentence_view(Document("e", "  ")).units == ()


def test_views_sentence_documents_maps_every_document() -> None:
    docs = [Document("a", "One. Two."), Document("b", "Three.")]
    out = sentence_documents(iter(docs))
    assert [d.id for d in out] == ["a", "b"]
    assert [len(d.units) for d in out] == [2, 1]
    assert sentence_documents([]) == []
