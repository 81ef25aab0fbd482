"""Roots are claims: the decoder does not make a unit the classifier doubts is a claim a root."""

from __future__ import annotations

import numpy as np
import pytest

from argmine.decoding.objective import DecodingConfig, decode
from argmine.errors import InputError
from argmine.schema import Label


def _random_scores(rng: np.random.Generator, n: int):
    q = rng.dirichlet(np.full(5, 0.6), size=n)
    link = rng.dirichlet(np.full(n + 1, 0.5), size=n)
    link[np.arange(n), np.arange(n)] = 0.0
    link /= link.sum(axis=1, keepdims=True)
    attack = rng.uniform(0.05, 0.95, size=(n, n))
    return q, link[:, :n], attack


def _draws(cfg: DecodingConfig):
    """150 random documents decoded with ``cfg``: (q, decoding, likeliest claim kept)."""
    rng = np.random.default_rng(7)
    for _ in range(150):
        q, link, attack = _random_scores(rng, int(rng.integers(2, 9)))
        decoding = decode(q, link, attack, cfg)
        kept = [i for i, lab in enumerate(decoding.labels) if lab is not Label.NONE]
        yield q, decoding, (max(kept, key=lambda i: q[i, 0]) if kept else None)


@pytest.mark.parametrize("single_root", [False, True])
def test_decoding_roots_meet_the_claim_floor(single_root: bool):
    cfg = DecodingConfig(single_root=single_root)
    checked = 0
    for q, decoding, best in _draws(cfg):
        for root in decoding.roots:
            checked += 1
            assert q[root, 0] >= cfg.min_root_claim or root == best, (q[root], decoding)
    assert checked > 100


def test_decoding_without_the_floor_weak_roots_happen():
    # The same draws without the floor do make doubtful units roots: the floor is what
    # keeps them out, not the draws.
    weak = sum(q[r, 0] < 0.2 and r != best
               for q, decoding, best in _draws(DecodingConfig(min_root_claim=None))
               for r in decoding.roots)
    assert weak > 0


def test_decoding_floor_keeps_the_likeliest_claim_of_a_doubtful_text():
    # No unit reaches the floor: the likeliest claim may still be the root.
    q = np.array([[0.10, 0.6, 0.1, 0.1, 0.1], [0.05, 0.7, 0.1, 0.1, 0.05]])
    link = np.array([[0.0, 0.01], [0.95, 0.0]])
    decoding = decode(q, link, np.full((2, 2), 0.1), DecodingConfig(single_root=True))
    assert decoding.roots == (0,)


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.2", float("nan")])
def test_decoding_floor_is_validated(bad):
    with pytest.raises(InputError) as info:
        DecodingConfig(min_root_claim=bad)
    assert info.value.code == "E301"


def _two_arguments():
    # Two claims, each with a premise; nothing links the two arguments.
    labels = np.array([[.8, .1, .05, .0, .05], [.1, .8, .05, .0, .05],
                       [.8, .1, .05, .0, .05], [.1, .8, .05, .0, .05]])
    links = np.array([[0, .05, .05, .05], [.9, 0, .05, .05],
                      [.05, .05, 0, .05], [.05, .05, .9, 0]])
    return labels, links, np.full((4, 4), .1)


@pytest.mark.parametrize("paragraphs, trees", [([0, 0, 0, 0], 1), ([0, 0, 1, 1], 2),
                                               (None, 2)])
def test_decoding_one_paragraph_is_one_tree_when_asked(paragraphs, trees):
    labels, links, attacks = _two_arguments()
    decoded = decode(labels, links, attacks, DecodingConfig(single_root=None),
                     paragraphs=paragraphs)
    assert sum(p is None for p in decoded.parents) == trees
    # The fixed choices (a forest by default) ignore the paragraphs.
    assert sum(p is None for p in decode(labels, links, attacks,
                                         paragraphs=paragraphs).parents) == 2
    for single, expected in ((True, 1), (False, 2)):
        fixed = decode(labels, links, attacks, DecodingConfig(single_root=single),
                       paragraphs=paragraphs)
        assert sum(p is None for p in fixed.parents) == expected


def test_decoding_single_root_takes_only_true_false_or_none():
    with pytest.raises(InputError, match="single_root"):
        DecodingConfig(single_root="auto")
