"""Training-time rewrites: hypophora and enumeration keep the annotation consistent."""

from __future__ import annotations

import random

import pytest

from argmine.document import Document, Relation, Unit
from argmine.errors import InputError
from argmine.schema import Label, RelationKind, labels_from_links
from argmine.scoring.augment import (
    ANNOUNCEMENTS,
    DENIALS,
    announced,
    announcement,
    augment,
    augment_epoch,
    concatenate,
    enumeration,
    forest,
    hypophora,
    late_objection,
)
from argmine.scoring.config import TrainingConfig
from argmine.scoring.features import PAIR_FEATURES, announces, pair_features
from argmine.scoring.fit import sample_epoch

S, A = RelationKind.SUPPORT, RelationKind.ATTACK


def make_doc(texts, links, doc_id="d"):
    """A document whose labels follow from its links by the scheme's rule."""
    labels = labels_from_links(len(texts), links)
    units, offset = [], 0
    for i, text in enumerate(texts):
        units.append(Unit(i, text, offset, offset + len(text), label=labels[i][0]))
        offset += len(text) + 1
    relations = tuple(Relation(s, t, k) for s, t, k in links)
    return Document(doc_id, " ".join(texts), tuple(units), relations,
                    meta={"corpus": "microtexts"}).validate()


@pytest.fixture
def debate():
    return make_doc(
        ["We should tax sugar.", "Sugar causes obesity.", "Children drink soda daily.",
         "Admittedly, taxes hurt the poor.", "But the poor gain most from better health."],
        [(1, 0, S), (2, 0, S), (3, 0, A), (4, 3, A)],
    )


def assert_consistent(doc: Document) -> None:
    """Labels agree with the links by the scheme's rule, and spans slice the text."""
    doc.validate()
    links = [(r.source, r.target, r.kind) for r in doc.relations]
    derived = [label for label, _ in labels_from_links(len(doc.units), links)]
    assert [u.label for u in doc.units] == derived


def leaving(doc, index: int) -> list[Relation]:
    """The relations leaving unit ``index`` (a unit has at most one parent)."""
    return [r for r in doc.relations if r.source == index]


def test_hypophora_asks_the_objection_and_answers_it(debate):
    out = hypophora(debate, random.Random(0), denial_rate=1.0)
    assert out is not debate
    assert len(out.units) == len(debate.units) + 1
    question, denial, answer = out.units[3], out.units[4], out.units[5]
    assert question.text.endswith("?") and "taxes hurt the poor" in question.text
    assert "Admittedly" not in question.text
    assert question.label is Label.COUNTERARGUMENT
    assert denial.text in DENIALS and denial.label is Label.REBUTTAL
    assert leaving(out, 4) == [Relation(4, 3, A)]
    # the old rebuttal now backs the denial: a proponent that supports is a premise
    assert leaving(out, 5) == [Relation(5, 4, S)] and answer.label is Label.PREMISE
    assert leaving(out, 3) == [Relation(3, 0, A)]
    assert_consistent(out)
    assert debate.units[3].text == "Admittedly, taxes hurt the poor."  # original untouched


def test_late_objection_moves_the_objection_and_its_answers_behind_the_reasons():
    doc = make_doc(
        ["We should tax sugar.", "Admittedly, taxes hurt the poor.",
         "But the poor gain most from better health.", "Sugar causes obesity.",
         "Children drink soda daily."],
        [(1, 0, A), (2, 1, A), (3, 0, S), (4, 3, S)],
    )
    out = late_objection(doc, random.Random(0))
    assert [u.text for u in out.units] == [doc.units[i].text for i in (0, 3, 4, 1, 2)]
    assert leaving(out, 3) == [Relation(3, 0, A)] and leaving(out, 4) == [Relation(4, 3, A)]
    assert leaving(out, 1) == [Relation(1, 0, S)] and leaving(out, 2) == [Relation(2, 1, S)]
    # the objection and its answer share one new, last paragraph
    assert [u.paragraph for u in out.units] == [0, 0, 0, 1, 1]
    assert [u.label for u in out.units] == [doc.units[i].label for i in (0, 3, 4, 1, 2)]
    assert_consistent(out)


def test_rewritten_documents_drop_the_sentence_views_unit_map(debate):
    viewed = debate.replace(meta={**debate.meta, "label_source": [0, 1, 2, 3, 4]})
    for out in (hypophora(viewed, random.Random(0), denial_rate=1.0),
                concatenate([viewed, viewed])):
        assert "label_source" not in out.meta and out.meta["augmented"] is True
        assert out.meta["corpus"] == "microtexts"


def test_late_objection_needs_a_claim_with_reasons_besides_the_objection():
    alone = make_doc(["We should tax sugar.", "Taxes hurt the poor."], [(1, 0, A)])
    assert late_objection(alone, random.Random(0)) is alone
    deep = make_doc(["We should tax sugar.", "Sugar causes obesity.", "Not everyone gets fat."],
                    [(1, 0, S), (2, 1, A)])  # attacks a premise, not the claim
    assert late_objection(deep, random.Random(0)) is deep


def test_hypophora_without_denial_keeps_the_structure(debate):
    out = hypophora(debate, random.Random(0), denial_rate=0.0)
    assert len(out.units) == len(debate.units)
    assert out.units[3].text.endswith("?")
    assert out.relations == debate.relations
    assert_consistent(out)


def test_hypophora_leaves_documents_without_an_attacking_counterargument():
    doc = make_doc(["We should act.", "It pays."], [(1, 0, S)])
    assert hypophora(doc, random.Random(0)) is doc


def test_hypophora_skips_objections_that_are_no_proposition():
    doc = make_doc(["We go.", "Although it rains, we go.", "No matter."], [(1, 0, A), (2, 1, A)])
    assert hypophora(doc, random.Random(0)) is doc


def test_enumeration_numbers_sibling_premises_in_text_order(debate):
    out = enumeration(debate, random.Random(0))
    first, second = out.units[1].text, out.units[2].text
    assert first.endswith("sugar causes obesity.") and second.endswith("children drink soda daily.")
    assert first.split(",")[0] != second.split(",")[0]
    assert out.units[3].text == debate.units[3].text
    assert_consistent(out)


def test_enumeration_can_open_a_paragraph_per_reason(debate):
    flat = enumeration(debate, random.Random(0), paragraph_rate=0.0)
    assert [u.paragraph for u in flat.units] == [0] * 5
    out = enumeration(debate, random.Random(0), paragraph_rate=1.0)
    assert [u.paragraph for u in out.units] == [0, 1, 2, 2, 2]
    assert out.text.count("\n") == 2
    assert_consistent(out)


def test_announcement_lets_the_parent_before_a_list_announce_it(debate):
    listed = enumeration(debate, random.Random(0))
    assert announcement(debate, random.Random(0)) is debate  # no list yet
    out = announcement(listed, random.Random(0))
    claim = out.units[0].text
    assert claim.startswith("We should tax sugar") and claim != debate.units[0].text
    assert announces(claim) and out.relations == debate.relations
    assert [u.text for u in out.units[1:]] == [u.text for u in listed.units[1:]]
    # the link head's announced-list feature now points both reasons at the claim
    feats = pair_features(out.units)[..., PAIR_FEATURES.index("announced_list")]
    assert feats[:, 0].tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]
    assert_consistent(out)
    assert announcement(out, random.Random(0)) is out  # announced once only


def test_announcement_skips_a_parent_after_its_list_or_items_of_several_parents():
    after = make_doc(["First, sugar causes obesity.", "Second, children drink soda.",
                      "We should tax sugar."], [(0, 2, S), (1, 2, S)])
    assert announcement(after, random.Random(0)) is after
    split = make_doc(["We should tax sugar.", "It is cheap.", "First, sugar is bad.",
                      "Second, soda is cheap."], [(1, 0, S), (2, 0, S), (3, 1, S)])
    assert announcement(split, random.Random(0)) is split


def test_enumeration_alone_draws_as_before(debate):
    # Recipes written before the announcement rewrite existed reproduce: with its rate
    # at zero, augment() draws no random number for it.
    a, b = random.Random(5), random.Random(5)
    augment(debate, {"enumeration": 1.0}, a)
    b.random()  # augment's draw for the enumeration rate
    enumeration(debate, b)
    assert a.random() == b.random()


@pytest.mark.parametrize("seed", range(40))
def test_every_announcement_is_one_the_features_recognise(seed):
    rng = random.Random(seed)
    text = announced("Cities should ban cars from their centres.", rng.randrange(2, 7), rng)
    assert text is not None and announces(text) and text.startswith("Cities should ban cars")


def test_announcement_templates_all_take_body_and_count():
    for template in ANNOUNCEMENTS:
        assert template.format(body="X", count="two").startswith("X")


def test_enumeration_skips_fragments_and_marked_units():
    doc = make_doc(["We should act.", "First, it pays.", "and it is fair."],
                   [(1, 0, S), (2, 0, S)])
    assert enumeration(doc, random.Random(0)) is doc


def test_augment_applies_rates(debate):
    assert augment(debate, {"hypophora": 0.0, "enumeration": 0.0}, random.Random(0)) is debate
    out = augment(debate, {"hypophora": 1.0, "enumeration": 1.0}, random.Random(1))
    assert out.meta["augmented"] is True
    assert any(u.text.endswith("?") for u in out.units)
    assert_consistent(out)


def test_sample_epoch_rewrites_only_when_asked(debate):
    docs = [debate.replace(id=f"d{i}") for i in range(6)]
    plain = sample_epoch(docs, TrainingConfig(seed=3), 0)
    assert [d.id for d in plain] == [d.id for d in sample_epoch(docs, TrainingConfig(seed=3), 0)]
    assert all(d.units == debate.units for d in plain)
    rewritten = sample_epoch(docs, TrainingConfig(seed=3, augment={"hypophora": 1.0}), 0)
    assert [d.id for d in rewritten] == [d.id for d in plain]
    assert all(d.units[3].text.endswith("?") for d in rewritten)
    again = sample_epoch(docs, TrainingConfig(seed=3, augment={"hypophora": 1.0}), 0)
    assert [d.text for d in again] == [d.text for d in rewritten]


def test_augment_epoch_without_rates_is_identity(debate):
    assert augment_epoch([debate], {}, random.Random(0)) == [debate]


@pytest.mark.parametrize("rates", [{"paraphrase": 0.5}, {"hypophora": 1.5}])
def test_config_rejects_bad_rates(rates):
    with pytest.raises(InputError, match="augment"):
        TrainingConfig(augment=rates)


def test_concatenate_keeps_each_tree_in_its_own_paragraphs(debate):
    other = make_doc(["Cities need trams.", "Buses are slow."], [(1, 0, S)], doc_id="e")
    out = concatenate([debate, other])
    assert out.id == "d+e" and len(out.units) == 7
    assert [u.paragraph for u in out.units] == [0, 0, 0, 0, 0, 1, 1]
    assert leaving(out, 6) == [Relation(6, 5, S)] and leaving(out, 4) == [Relation(4, 3, A)]
    assert [u.text for u in out.units[5:]] == ["Cities need trams.", "Buses are slow."]
    assert_consistent(out)


def test_forest_joins_short_documents_of_one_corpus_and_loses_no_unit(debate):
    docs = [debate.replace(id=f"m{i}") for i in range(6)]
    docs.insert(3, debate.replace(id="essay", meta={"corpus": "aae2"}))
    out = forest(docs, random.Random(0), rate=1.0, max_parts=2)
    # m2 finds its partner past the essay: partners are looked for past other corpora
    assert [d.id for d in out] == ["m0+m1", "m2+m3", "essay", "m4+m5"]
    assert sum(len(d.units) for d in out) == sum(len(d.units) for d in docs)
    assert forest(docs, random.Random(0), rate=0.0) == docs
    long = debate.replace(id="long", units=debate.units)  # 5 units: over a 4-unit limit
    assert len(forest([long, long], random.Random(0), rate=1.0, max_units=4)) == 2


def test_augment_epoch_applies_the_forest_rewrite_after_the_others(debate):
    docs = [debate.replace(id=f"m{i}") for i in range(4)]
    out = augment_epoch(docs, {"forest": 1.0}, random.Random(0))
    assert len(out) < len(docs) and "+" in out[0].id and out[0].meta.get("augmented")
    assert sum(len(d.units) for d in out) == sum(len(d.units) for d in docs)
    assert TrainingConfig(augment={"forest": 0.5}).augment == {"forest": 0.5}
