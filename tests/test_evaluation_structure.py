"""Tests for argmine/evaluation/structure.py: cc/ro/fu/at scores and the trivial baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from argmine.decoding.build import build_document
from argmine.decoding.objective import decode
from argmine.document import Document, Relation, Unit
from argmine.errors import InputError
from argmine.evaluation import (
    baseline_first_claim_all_support,
    baseline_first_claim_chain,
    structure_scores,
)
from argmine.schema import Label, RelationKind, Role, labels_from_links

S, A = RelationKind.SUPPORT, RelationKind.ATTACK


def _doc(n: int, links=(), doc_id: str = "d") -> Document:
    """A gold document as a corpus reader builds it: labels and roles from the links."""
    words = [f"U{i}." for i in range(n)]
    derived = labels_from_links(n, list(links))
    units, start = [], 0
    for i, w in enumerate(words):
        label, role = derived[i]
        units.append(Unit(i, w, start, start + len(w), label=label, role=role))
        start += len(w) + 1
    return Document(doc_id, " ".join(words), tuple(units),
                    tuple(Relation(s, t, RelationKind(k)) for s, t, k in links))


# claim 0; 1 supports 0; 2 attacks 0 (counterargument); 3 attacks 2 (rebuttal)
GOLD_LINKS = [(1, 0, S), (2, 0, A), (3, 2, A)]


def test_evaluation_structure_perfect_prediction_scores_one():
    gold = [_doc(4, GOLD_LINKS), _doc(3, [(1, 0, S), (2, 1, A)], "e")]
    scores = structure_scores(gold, gold)
    assert set(scores) == {"cc", "ro", "fu", "at", "laa", "uaa"}
    assert all(v == 1.0 for v in scores.values())


def test_evaluation_structure_hand_computed_all_support():
    gold = _doc(4, GOLD_LINKS)
    pred = baseline_first_claim_all_support(gold)
    scores = structure_scores([gold], [pred])
    assert scores["cc"] == 1.0
    # ro: gold P P O P, pred P P P P → F1(P) = 6/7, F1(O) = 0
    assert scores["ro"] == pytest.approx(3 / 7)
    # fu: gold cc sup att att, pred cc sup sup sup → F1 1, 1/2, 0
    assert scores["fu"] == pytest.approx(0.5)
    # at over 12 pairs: gold {1→0, 2→0, 3→2}, pred {1→0, 2→0, 3→0}
    # → F1(attached) = 2/3, F1(not attached) = 16/18
    assert scores["at"] == pytest.approx((2 / 3 + 8 / 9) / 2)
    assert scores["uaa"] == pytest.approx(2 / 3)
    assert scores["laa"] == pytest.approx(1 / 3)


def test_evaluation_structure_hand_computed_chain():
    gold = _doc(4, GOLD_LINKS)
    pred = baseline_first_claim_chain(gold)  # 1→0, 2→1, 3→2, all support
    scores = structure_scores([gold], [pred])
    assert scores["cc"] == 1.0
    # attached: gold {1→0, 2→0, 3→2}, pred {1→0, 2→1, 3→2}: TP 2, FP 1, FN 1; TN 8
    assert scores["at"] == pytest.approx((2 / 3 + 16 / 18) / 2)
    assert scores["uaa"] == pytest.approx(2 / 3)
    assert scores["laa"] == pytest.approx(1 / 3)  # 3→2 has the right parent, wrong kind


def test_evaluation_structure_wrong_central_claim():
    gold = _doc(3, [(1, 0, S), (2, 0, S)])
    pred = _doc(3, [(0, 1, S), (2, 1, S)])
    scores = structure_scores([gold], [pred])
    # cc: gold T F F, pred F T F → F1(T) = 0, F1(F) = 1/2
    assert scores["cc"] == pytest.approx(0.25)
    assert scores["ro"] == 1.0  # everyone is a proponent either way
    assert scores["uaa"] == 0.0  # neither 1 nor 2 keeps its parent


def test_evaluation_structure_pools_over_documents():
    gold = [_doc(4, GOLD_LINKS), _doc(2, [(1, 0, S)], "e")]
    pred = [baseline_first_claim_all_support(d) for d in gold]
    pooled = structure_scores(gold, pred)
    # ro pooled: gold P P O P P P, pred all P → F1(P) = 10/11, F1(O) = 0
    assert pooled["ro"] == pytest.approx(5 / 11)
    assert pooled["uaa"] == pytest.approx(3 / 4)


def test_evaluation_structure_units_outside_gold_trees():
    # Unit 2 is in no gold tree: left out of ro/fu, "not a claim" for cc, unattached for at.
    gold = _doc(3, [(1, 0, S)])
    assert gold.units[2].label is Label.NONE
    pred = baseline_first_claim_all_support(gold)  # attaches unit 2 anyway
    scores = structure_scores([gold], [pred])
    assert scores["ro"] == 1.0 and scores["fu"] == 1.0 and scores["cc"] == 1.0
    assert scores["at"] < 1.0
    assert scores["uaa"] == 1.0


def test_evaluation_structure_prediction_leaving_a_unit_out():
    gold = _doc(3, [(1, 0, S), (2, 0, A)])
    pred = _doc(3, [(1, 0, S)])  # unit 2 predicted none
    scores = structure_scores([gold], [pred])
    # ro: gold P P O, pred P P none → F1(P) = 1, F1(O) = 0
    assert scores["ro"] == pytest.approx(0.5)
    # fu: gold cc sup att, pred cc sup none → 1, 1, 0
    assert scores["fu"] == pytest.approx(2 / 3)


def test_evaluation_structure_on_decoded_documents():
    q = np.array([[.8, .1, .05, .03, .02], [.1, .8, .05, .03, .02],
                  [.05, .1, .8, .03, .02], [.05, .2, .1, .6, .05]])
    link = np.full((4, 4), 0.05)
    attack = np.full((4, 4), 0.1)
    for child, parent, p_attack in ((1, 0, .1), (2, 0, .9), (3, 2, .9)):
        link[child, parent], attack[child, parent] = 0.9, p_attack
    gold = _doc(4, GOLD_LINKS)
    pred = build_document(gold, decode(q, link, attack))
    assert all(v == 1.0 for v in structure_scores([gold], [pred]).values())


def test_evaluation_structure_empty_input_is_nan():
    scores = structure_scores([], [])
    assert all(math.isnan(v) for v in scores.values())


def test_evaluation_structure_rejects_mismatches():
    with pytest.raises(InputError) as err:
        structure_scores([_doc(2, [(1, 0, S)])], [])
    assert err.value.code == "E301"
    with pytest.raises(InputError) as err:
        structure_scores([_doc(2, [(1, 0, S)])], [_doc(3, [(1, 0, S)])])
    assert err.value.code == "E301"
    two_parents = _doc(3).replace(relations=(Relation(2, 0, S), Relation(2, 1, S)))
    with pytest.raises(InputError) as err:
        structure_scores([_doc(3)], [two_parents])
    assert err.value.code == "E301"


def test_evaluation_structure_baselines_on_a_hand_made_doc():
    doc = _doc(4)
    flat = baseline_first_claim_all_support(doc)
    chain = baseline_first_claim_chain(doc)
    assert [(r.source, r.target, r.kind) for r in flat.relations] == [(1, 0, S), (2, 0, S),
                                                                       (3, 0, S)]
    assert [(r.source, r.target) for r in chain.relations] == [(1, 0), (2, 1), (3, 2)]
    for out in (flat, chain):
        assert [u.label for u in out.units] == [Label.CLAIM] + [Label.PREMISE] * 3
        assert all(u.role is Role.PROPONENT for u in out.units)
        assert len(out.trees) == 1 and out.trees[0].root.index == 0
        assert [u.index for u in out.trees[0].nodes] == [0, 1, 2, 3]
        assert out.text == doc.text
        out.validate()


def test_evaluation_structure_baselines_on_tiny_docs():
    one = baseline_first_claim_chain(_doc(1))
    assert one.units[0].label is Label.CLAIM and len(one.trees) == 1 and one.relations == ()
    empty = baseline_first_claim_all_support(_doc(0))
    assert empty.units == () and empty.trees == ()
