"""Tests for argmine/decoding/label_set.py: the labels a unit may take."""

from __future__ import annotations

import numpy as np
import pytest

from argmine.decoding.label_set import label_set, restrict_labels
from argmine.decoding.objective import DecodingConfig, decode
from argmine.errors import InputError
from argmine.schema import LABELS, Label

ARGUMENTATIVE = ("claim", "premise", "counterargument", "rebuttal")


def test_label_set_orders_and_checks_labels():
    assert label_set(["rebuttal", Label.CLAIM, "counterargument"]) == (
        Label.CLAIM, Label.COUNTERARGUMENT, Label.REBUTTAL)
    # No root label, an unknown one, nothing, a rebuttal with nothing to answer, not a name.
    for bad in (["premise"], ["claim", "thesis"], [], ["claim", "rebuttal"], [["claim"]], [""]):
        with pytest.raises(InputError, match="labels"):
            DecodingConfig(labels=bad)
    # One tree over several units needs a label for a linked unit.
    with pytest.raises(InputError, match="single_root"):
        DecodingConfig(labels=["claim", "none"], single_root=True)
    assert DecodingConfig(labels=["claim", "none"]).labels == (Label.CLAIM, Label.NONE)
    # All five is no limit.
    assert DecodingConfig(labels=[x.value for x in LABELS]) == DecodingConfig()


def test_restrict_labels_zeroes_the_others_and_renormalises():
    probs = np.array([[.1, .2, .1, .1, .5], [0, 0, 0, 0, 1.0]])
    out = restrict_labels(probs, label_set(ARGUMENTATIVE))
    assert np.allclose(out.sum(axis=1), 1)
    assert np.all(out[:, LABELS.index(Label.NONE)] == 0)
    assert np.allclose(out[0, :4], np.array([.1, .2, .1, .1]) / .5)
    assert np.allclose(out[1, :4], .25)  # no mass on the allowed labels: spread evenly
    assert restrict_labels(probs, None) is probs


def test_decode_never_chooses_a_label_left_out():
    # The second unit is most likely `none`; with the four argumentative labels only it
    # must join the tree.
    q = np.array([[.7, .1, .05, .05, .1], [.05, .2, .02, .03, .7]])
    links = np.array([[0, .5], [.9, 0]])
    attacks = np.full((2, 2), .1)
    free = decode(q, links, attacks)
    assert free.labels[1] is Label.NONE
    kept = decode(q, links, attacks, DecodingConfig(labels=ARGUMENTATIVE))
    assert kept.labels == (Label.CLAIM, Label.PREMISE) and kept.parents == (None, 0)


def test_miner_labels_within_the_allowed_set(tiny_model_dir, tiny_documents,
                                             torch_single_thread):
    from argmine.pipeline import load

    docs = [d.replace(relations=(), trees=()) for d in tiny_documents]
    free = load(tiny_model_dir)
    limited = load(tiny_model_dir, decoding=DecodingConfig(labels=("claim", "premise")))
    for decoded in (False, True):
        units = [u for d in limited.label_documents(docs, decoded=decoded) for u in d.units]
        assert {u.label for u in units} <= {Label.CLAIM, Label.PREMISE}
        assert all(u.scores["counterargument"] == u.scores["rebuttal"] == u.scores["none"] == 0
                   for u in units)
    # Not vacuous: the same model labels some units otherwise.
    freely = {u.label for d in free.label_documents(docs, decoded=False) for u in d.units}
    assert freely - {Label.CLAIM, Label.PREMISE}
