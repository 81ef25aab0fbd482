"""Evaluation protocols: a trained model on a test set, and the microtexts' fixed folds.

Every protocol returns plain JSON-ready dicts, which the CLI prints and ``argmine bench``
stores with the machine, commit and command that produced them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from argmine.document import Document
from argmine.evaluation.labels import average_reports, label_report
from argmine.pipeline import ArgumentMiner


def _real_units(doc: Document) -> Document:
    """Drop empty (implicit) gold units: they have no text to label."""
    if all(u.end > u.start for u in doc.units):
        return doc
    keep = [u for u in doc.units if u.end > u.start]
    index = {u.index: i for i, u in enumerate(keep)}
    from dataclasses import replace

    from argmine.document import Relation

    units = tuple(replace(u, index=i) for i, u in enumerate(keep))
    rels = tuple(Relation(index[r.source], index[r.target], r.kind, r.score)
                 for r in doc.relations if r.source in index and r.target in index)
    return doc.replace(units=units, relations=rels, trees=())


def evaluate_documents(
    miner: ArgumentMiner, gold: Sequence[Document], *, structure: bool = True
) -> dict:
    """Score a miner on gold documents, using their gold units as input.

    Returns:
        ``{"labels": report of the classifier's own labels (most probable label per unit),
        "decoded_labels": report of the labels after tree decoding and "structure":
        cc/ro/fu/at scores (both only if ``structure``), "documents", "units", "seconds"}``.
    """
    gold = [_real_units(d) for d in gold if d.units]
    start = time.perf_counter()
    bare = [d.replace(relations=(), trees=()) for d in gold]
    labelled = miner.label_documents(bare)
    predicted = miner.mine_documents(bare) if structure else None
    seconds = time.perf_counter() - start
    g = [u.label for d in gold for u in d.units]
    result = {
        "documents": len(gold),
        "units": len(g),
        "seconds": seconds,
        "labels": label_report(g, [u.label for d in labelled for u in d.units]),
    }
    if structure:
        from argmine.evaluation.structure import structure_scores

        result["decoded_labels"] = label_report(g, [u.label for d in predicted for u in d.units])
        result["structure"] = structure_scores(gold, predicted)
    return result


def _mean(dicts: Sequence[dict]) -> dict:
    keys = dicts[0].keys() if dicts else ()
    return {k: sum(d[k] for d in dicts) / len(dicts) for k in keys}


def microtext_cv(
    documents: Sequence[Document],
    folds,
    make_estimator: Callable[[int], object],
    *,
    iterations: int = 1,
    extra_train: Sequence[Document] = (),
    init_from: str | None = None,
    structure: bool = True,
    decoding=None,
    tune: bool = False,
    progress: bool = False,
    on_split: Callable[[dict], None] | None = None,
) -> dict:
    """The microtexts' fixed cross-validation: train on four folds, test on the fifth.

    Args:
        documents: The microtext documents (gold units, labels, relations).
        folds: ``FoldSplit``s from ``read_microtext_folds``.
        make_estimator: Called with the split index, returns an unfitted estimator
            (``ArgumentModel`` or ``BaselineModel``).
        iterations: How many of the 10 iterations (5 splits each) to run.
        extra_train: Documents of other corpora added to every training set.
        init_from: A saved model to start every split from (pre-trained elsewhere; it must
            never have seen microtexts).
        structure: Also decode trees and score cc/ro/fu/at.
        decoding: A ``DecodingConfig`` for the tree decoder.
        tune: Choose the decoder's weights per split on the documents the estimator held
            out from its training set for early stopping (never on the test fold).
        progress: Show progress bars while training.
        on_split: Called with each split's result as soon as it is done.

    Returns:
        ``{"protocol", "splits": [...], "labels": averaged label report,
        "structure": averaged structure scores}``.
    """
    by_id = {d.id: d for d in documents}
    chosen = [f for f in folds if f.iteration < iterations]
    results = []
    for split in chosen:
        train = [by_id[i] for i in split.train_ids if i in by_id] + list(extra_train)
        test = [by_id[i] for i in split.test_ids if i in by_id]
        estimator = make_estimator(split.index)
        start = time.perf_counter()
        kwargs = {"progress": progress}
        if init_from is not None:
            kwargs["init_from"] = init_from
        estimator.fit(train, **kwargs)
        fit_seconds = time.perf_counter() - start
        split_decoding = decoding
        if tune and structure and getattr(estimator, "dev_documents_", None):
            from argmine.evaluation.tuning import tune_decoding

            split_decoding, _ = tune_decoding(estimator, estimator.dev_documents_, decoding)
        miner = ArgumentMiner(estimator, decoding=split_decoding)
        result = evaluate_documents(miner, test, structure=structure)
        if split_decoding is not None:
            result["decoding"] = {k: getattr(split_decoding, k) for k in
                                  ("label_weight", "kind_weight", "link_weight", "single_root")}
        result.update({"split": split.index, "iteration": split.iteration, "fold": split.fold,
                       "fit_seconds": fit_seconds})
        results.append(result)
        if on_split is not None:
            on_split(result)
    out = {
        "protocol": f"microtexts fixed 10x5 folds, iterations 0-{iterations - 1}, gold units",
        "splits": results,
        "labels": average_reports([r["labels"] for r in results]),
    }
    if structure and results:
        out["decoded_labels"] = average_reports([r["decoded_labels"] for r in results])
        out["structure"] = _mean([r["structure"] for r in results])
    return out
