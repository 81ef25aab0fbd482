"""Memory and time linear in a document's units (issue 16, point 2).

Labelling scores no link at all; past ``argmine.trees.FULL_LINK_UNITS`` units, links are
scored and decoded within paragraph-aligned blocks, stored n × block instead of n × n.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from argmine.decoding.objective import FULL_LINK_UNITS, DecodingConfig, candidate_blocks, decode
from argmine.pipeline import ArgumentMiner, load
from argmine.scoring.network import ArgumentNetwork

SENTENCES = [
    "Cities should ban cars from their centres.", "Exhaust fumes make the air unhealthy.",
    "Some say shops would lose customers.", "But pedestrians spend more money in town.",
    "The weather was mild last spring.", "Museums should be free of charge.",
    "Culture belongs to all citizens.",
]


def _long_text(n: int) -> str:
    """``n`` sentences, five to a paragraph (one paragraph per line)."""
    return "".join(SENTENCES[i % len(SENTENCES)] + ("\n" if (i + 1) % 5 == 0 else " ")
                   for i in range(n))


@pytest.fixture(scope="module")
def miner(tiny_model_dir: Path) -> ArgumentMiner:
    return load(tiny_model_dir)


@pytest.fixture(scope="module")
def long_doc(miner: ArgumentMiner):
    doc = miner.to_document(_long_text(FULL_LINK_UNITS + 44))
    assert len(doc.units) == FULL_LINK_UNITS + 44
    return doc


def test_label_scores_no_links(miner, long_doc, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("labelling must not score links")

    monkeypatch.setattr(ArgumentNetwork, "link_heads", refuse)
    labelled = miner.label_documents([long_doc], decoded=False)[0]
    assert len(labelled.units) == len(long_doc.units)
    assert all(u.label is not None for u in labelled.units)
    (pred,) = miner.model.predict_proba([long_doc], links=False)
    assert pred.link_probs is None and pred.attack_probs is None
    assert pred.label_probs.shape == (len(long_doc.units), 5)


def test_label_probabilities_unchanged_without_links(miner, tiny_documents):
    docs = list(tiny_documents)
    full = miner.model.predict_proba(docs)
    labels_only = miner.model.predict_proba(docs, links=False)
    for a, b in zip(full, labels_only):
        np.testing.assert_array_equal(a.label_probs, b.label_probs)


def test_long_document_links_stored_by_block(miner, long_doc):
    n = len(long_doc.units)
    (pred,) = miner.model.predict_proba([long_doc], link_block=16)
    k = pred.candidates.shape[1]
    assert k <= 16
    assert pred.link_probs.shape == (n, k + 1) and pred.attack_probs.shape == (n, k)
    assert pred.link_probs.nbytes <= n * 17 * 4  # float32, n × (block + 1), not n × n
    np.testing.assert_allclose(pred.link_probs.sum(axis=1), 1.0, atol=1e-5)
    for s, e in candidate_blocks([u.paragraph for u in long_doc.units], 16):
        block = pred.candidates[s:e]
        assert ((block == -1) | ((block >= s) & (block < e))).all()
        assert (pred.link_probs[s:e, : k][block == -1] == 0).all()  # padding
    # the default threshold: a document just past it is already stored by block
    (default,) = miner.model.predict_proba([long_doc])
    assert default.candidates is not None
    assert default.candidates.shape[1] <= FULL_LINK_UNITS


def test_short_documents_keep_every_pair(miner, tiny_documents):
    for doc, pred in zip(tiny_documents, miner.model.predict_proba(list(tiny_documents))):
        n = len(doc.units)
        assert pred.candidates is None
        assert pred.link_probs.shape == (n, n + 1)


@pytest.mark.parametrize("single_root", [False, True])
def test_long_document_gives_valid_trees_within_blocks(miner, long_doc, single_root):
    blocked = ArgumentMiner(miner.model, decoding=DecodingConfig(single_root=single_root))
    out = blocked.mine_documents([long_doc])[0]
    assert len(out.units) == len(long_doc.units)
    blocks = candidate_blocks([u.paragraph for u in long_doc.units])
    block_of = {i: b for b, (s, e) in enumerate(blocks) for i in range(s, e)}
    assert out.relations, "the tiny model links some units"
    for r in out.relations:
        assert block_of[r.source] == block_of[r.target]
    in_trees = [u.index for t in out.trees for u in t.nodes]
    assert len(in_trees) == len(set(in_trees))
    assert all(t.root.label.value == "claim" for t in out.trees)
    if single_root:  # one tree per block at most: no link crosses a block's ends
        assert len(out.trees) <= len(blocks)


def _random_problem(n: int, blocks, seed: int = 0):
    """Dense scores whose links all lie inside ``blocks``, and the same by candidates."""
    rng = np.random.default_rng(seed)
    labels = 0.1 + 0.5 * rng.dirichlet(np.ones(5), size=n)
    labels /= labels.sum(axis=1, keepdims=True)
    link = np.zeros((n, n))
    attack = rng.uniform(0.05, 0.95, size=(n, n))
    k = max(e - s for s, e in blocks)
    candidates = np.full((n, k), -1)
    for s, e in blocks:
        link[s:e, s:e] = rng.dirichlet(np.ones(e - s + 1) * 0.3, size=e - s)[:, : e - s]
        candidates[s:e, : e - s] = np.arange(s, e)
    np.fill_diagonal(link, 0.0)
    rows = np.arange(n)[:, None]
    safe = np.maximum(candidates, 0)
    sparse_link = np.where(candidates >= 0, link[rows, safe], 0.0)
    sparse_attack = np.where(candidates >= 0, attack[rows, safe], 0.5)
    return labels, link, attack, sparse_link, sparse_attack, candidates


# Refinement's second start seeds one proponent per document (the likeliest claim), so with
# it a document decoded whole and decoded block by block may start, and end, in different
# local optima; the arborescence and role steps themselves are exact, hence
# refine_iterations=0 where the decodings must be equal.
@pytest.mark.parametrize("config", [
    DecodingConfig(refine_iterations=0),
    DecodingConfig(projective=False, refine_iterations=0),
    DecodingConfig(window=3, refine_iterations=0),
    DecodingConfig(single_root=True),
])
def test_decode_by_candidates_equals_full_decode_when_they_cover_the_links(config):
    paragraphs = [i // 6 for i in range(70)]
    blocks = candidate_blocks(paragraphs, 20)
    assert len(blocks) > 1
    labels, link, attack, sparse_link, sparse_attack, candidates = _random_problem(70, blocks)
    full = decode(labels, link, attack, config)
    by_block = decode(labels, sparse_link, sparse_attack, config, candidates=candidates)
    if config.single_root:  # the full decoder must join blocks by an impossible link
        for s, e in blocks:
            assert sum(by_block.parents[i] is None and by_block.roles[i] is not None
                       for i in range(s, e)) <= 1
        return
    assert by_block.parents == full.parents
    assert by_block.kinds == full.kinds and by_block.labels == full.labels
    assert by_block.roles == full.roles and by_block.scores == full.scores
    assert by_block.link_scores == full.link_scores
    assert by_block.objective == pytest.approx(full.objective)


def test_decode_by_candidates_with_coordinate_lists():
    paragraphs = [i // 4 for i in range(40)]
    blocks = candidate_blocks(paragraphs, 12)
    labels, link, attack, sparse_link, sparse_attack, candidates = _random_problem(40, blocks, 1)
    lists = [(0, 4), (12, 16, 20)]  # paragraph-per-item lists, each inside one block
    config = DecodingConfig(refine_iterations=0)
    full = decode(labels, link, attack, config, coordinate=lists, paragraphs=paragraphs)
    by_block = decode(labels, sparse_link, sparse_attack, config, coordinate=lists,
                      paragraphs=paragraphs, candidates=candidates)
    assert by_block.parents == full.parents and by_block.labels == full.labels


def test_decode_rejects_bad_candidates():
    from argmine.errors import InputError

    labels = np.full((3, 5), 0.2)
    with pytest.raises(InputError):
        decode(labels, np.zeros((3, 2)), np.zeros((3, 2)), candidates=np.full((3, 2), 7))
    with pytest.raises(InputError):
        decode(labels, np.zeros((3, 3)), np.zeros((3, 2)), candidates=np.zeros((3, 2), int))


def test_candidate_blocks_follow_paragraphs():
    assert candidate_blocks([0] * 10, limit=10) == [(0, 10)]
    assert candidate_blocks([], limit=4) == []
    paragraphs = [p for p, size in enumerate([3, 3, 7, 1, 2]) for _ in range(size)]
    blocks = candidate_blocks(paragraphs, limit=6)
    assert blocks[0][0] == 0 and blocks[-1][1] == len(paragraphs)
    assert all(a[1] == b[0] for a, b in zip(blocks, blocks[1:]))
    assert all(e - s <= 6 for s, e in blocks)
    # cuts fall on paragraph breaks, except inside the 7-unit paragraph, whose last unit
    # joins the next paragraphs
    assert blocks == [(0, 6), (6, 12), (12, 16)]


def test_baseline_long_document(tiny_baseline_dir):
    baseline = load(tiny_baseline_dir)
    doc = baseline.to_document(_long_text(FULL_LINK_UNITS + 10))
    (pred,) = baseline.model.predict_proba([doc])
    assert pred.candidates is not None
    assert pred.link_probs.shape == (len(doc.units), pred.candidates.shape[1] + 1)
    (labels_only,) = baseline.model.predict_proba([doc], links=False)
    assert labels_only.link_probs is None
    out = baseline.mine_documents([doc])[0]
    assert len(out.units) == len(doc.units)
    # the prior links each unit to the one before it, except at a block's start
    starts = {s for s, _ in candidate_blocks([u.paragraph for u in doc.units])}
    assert all(r.target == r.source - 1 and r.source not in starts for r in out.relations)
