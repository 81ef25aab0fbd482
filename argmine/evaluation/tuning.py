"""Choose tree-decoding weights on development documents (never on a test split)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

from argmine.decoding.objective import DecodingConfig
from argmine.document import Document
from argmine.evaluation.labels import label_report
from argmine.evaluation.structure import structure_scores
from argmine.pipeline import ArgumentMiner

DEFAULT_GRID = {
    "label_weight": (1.0, 2.0, 4.0),
    "kind_weight": (0.5, 1.0, 2.0),
}


def tune_decoding(model, dev: Sequence[Document], base=None, grid: dict | None = None):
    """Grid-search ``DecodingConfig`` weights on gold dev documents.

    The objective is the mean of cc, ro, fu, at and the decoded labels' macro-F1: the
    decoder should serve both the trees and the labels. Scores are computed once; only the
    cheap decoding is repeated per grid point.

    Args:
        model: A fitted model with ``predict_proba``.
        dev: Gold documents held out from training.
        base: The ``DecodingConfig`` whose other settings are kept (e.g. ``single_root``).
        grid: Values to try per field (default :data:`DEFAULT_GRID`).

    Returns:
        ``(best DecodingConfig, its objective)``; ``base`` unchanged when ``dev`` is empty.
    """
    base = base or DecodingConfig()
    dev = [d for d in dev if d.units and d.relations]
    if not dev:
        return base, float("nan")
    grid = grid or DEFAULT_GRID
    cached = model.predict_proba(dev)

    class _Fixed:
        def predict_proba(self, documents, **_):
            return cached

    miner = ArgumentMiner(_Fixed())
    gold_labels = [u.label for d in dev for u in d.units]
    best, best_score = base, float("-inf")
    keys = sorted(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        config = replace(base, **dict(zip(keys, values)))
        miner.decoding = config
        bare = [d.replace(relations=(), trees=()) for d in dev]
        predicted = miner.mine_documents(bare)
        s = structure_scores(dev, predicted)
        f1 = label_report(gold_labels, [u.label for d in predicted for u in d.units])["macro_f1"]
        score = (s["cc"] + s["ro"] + s["fu"] + s["at"] + f1) / 5
        if score > best_score:
            best, best_score = config, score
    return best, best_score
