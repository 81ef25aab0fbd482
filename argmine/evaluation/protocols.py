"""Evaluation protocols: a trained model on a test set, and the microtexts' fixed folds.

Every protocol returns plain JSON-ready dicts, which the CLI prints and ``argmine bench``
stores with the machine, date and command that produced them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from argmine.document import Document, Relation
from argmine.errors import InputError
from argmine.evaluation.estimators import estimator_factory, start_model
from argmine.evaluation.labels import average_reports, label_report
from argmine.evaluation.structure import structure_scores
from argmine.evaluation.tuning import tune_decoding
from argmine.pipeline import ArgumentMiner


def _real_units(doc: Document) -> Document:
    """Drop empty (implicit) gold units: they have no text to label."""
    if all(u.end > u.start for u in doc.units):
        return doc
    keep = [u for u in doc.units if u.end > u.start]
    index = {u.index: i for i, u in enumerate(keep)}
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
    labelled = miner.label_documents(bare, decoded=False)
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
        result["decoded_labels"] = label_report(g, [u.label for d in predicted for u in d.units])
        result["structure"] = structure_scores(gold, predicted)
    return result


def _mean(dicts: Sequence[dict]) -> dict:
    keys = dicts[0].keys() if dicts else ()
    return {k: sum(d[k] for d in dicts) / len(dicts) for k in keys}


def label_agreement(first, second, documents: Sequence[Document]) -> float:
    """Share of the units to which two models give the same most probable label.

    Used to see how many labels int8 quantization changes, beyond what F1 shows (flips
    in both directions can leave F1 unchanged).

    Examples:
        >>> from types import SimpleNamespace
        >>> a = SimpleNamespace(predict=lambda docs: [["claim", "premise"]])
        >>> b = SimpleNamespace(predict=lambda docs: [["claim", "claim"]])
        >>> label_agreement(a, b, ["doc"])
        0.5
    """
    pairs = [(x, y) for p, q in zip(first.predict(documents), second.predict(documents))
             for x, y in zip(p, q)]
    return sum(x == y for x, y in pairs) / len(pairs) if pairs else float("nan")


def _score_quantized(estimator, test: Sequence[Document], decoding, structure: bool) -> dict:
    """``evaluate_documents`` of the int8 copy of ``estimator``, plus its agreement with it."""
    from argmine.scoring.runtimes.int8 import quantize_dynamic  # torch: deferred

    quantized = quantize_dynamic(estimator)
    result = evaluate_documents(ArgumentMiner(quantized, decoding=decoding), test,
                                structure=structure)
    gold = [_real_units(d).replace(relations=(), trees=()) for d in test if d.units]
    result["label_agreement"] = label_agreement(estimator, quantized, gold)
    result["quantized_modules"] = list(quantized.quantized_modules_)
    return result


def _average(results: Sequence[dict], structure: bool) -> dict:
    out = {"labels": average_reports([r["labels"] for r in results])}
    if structure and results:
        out["decoded_labels"] = average_reports([r["decoded_labels"] for r in results])
        out["structure"] = _mean([r["structure"] for r in results])
    return out


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
    models_dir: str | Path | None = None,
    quantize: bool = False,
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
        models_dir: Save each split's fitted model to ``models_dir/split-N``; a split whose
            folder already holds a saved model is loaded instead of trained again, so an
            interrupted run resumes, and the saved models can be re-scored later (other
            decoder settings, quantization) without retraining.
        quantize: Also score the int8 dynamically quantized copy of every split's model
            on the same test fold with the same decoding (``argmine.scoring.runtimes.int8``); each
            split's result gets it under ``"quantized"`` (with ``label_agreement``, the
            share of units whose classifier label int8 leaves unchanged).

    Returns:
        ``{"protocol", "splits": [...], "labels": averaged label report,
        "decoded_labels", "structure": averaged structure scores}``; with ``quantize``,
        also ``"quantized"``: the same averages for the int8 copies, and their mean
        ``label_agreement``.

    Raises:
        InputError: E301 with ``quantize`` if the estimator is not an ``ArgumentModel``
            (checked before any training).
    """
    by_id = {d.id: d for d in documents}
    chosen = [f for f in folds if f.iteration < iterations]
    results = []
    for split in chosen:
        train = [by_id[i] for i in split.train_ids if i in by_id] + list(extra_train)
        test = [by_id[i] for i in split.test_ids if i in by_id]
        estimator = make_estimator(split.index)
        if quantize:
            from argmine.scoring.runtimes.int8 import check_quantizable  # torch: deferred

            check_quantizable(estimator)  # before hours of training, not after
        saved = Path(models_dir) / f"split-{split.index}" if models_dir is not None else None
        start = time.perf_counter()
        estimator = _fit_or_load(estimator, train, saved, init_from, progress)
        fit_seconds = time.perf_counter() - start
        split_decoding = decoding
        if tune and structure and getattr(estimator, "dev_documents_", None):
            split_decoding, _ = tune_decoding(estimator, estimator.dev_documents_, decoding)
        miner = ArgumentMiner(estimator, decoding=split_decoding)
        result = evaluate_documents(miner, test, structure=structure)
        if split_decoding is not None:
            result["decoding"] = {k: getattr(split_decoding, k) for k in
                                  ("label_weight", "kind_weight", "link_weight", "single_root")}
            if split_decoding.labels is not None:
                result["decoding"]["labels"] = [x.value for x in split_decoding.labels]
        if quantize:
            result["quantized"] = _score_quantized(estimator, test, split_decoding, structure)
        result.update({"split": split.index, "iteration": split.iteration, "fold": split.fold,
                       "fit_seconds": fit_seconds})
        results.append(result)
        if on_split is not None:
            on_split(result)
    out = {
        "protocol": f"microtexts fixed 10x5 folds, iterations 0-{iterations - 1}, gold units",
        "splits": results,
        **_average(results, structure),
    }
    if quantize and results:
        quantized = [r["quantized"] for r in results]
        out["quantized"] = {
            **_average(quantized, structure),
            "label_agreement": sum(q["label_agreement"] for q in quantized) / len(quantized),
            "quantized_modules": quantized[0]["quantized_modules"],
        }
    return out


def cross_validate(
    documents: Sequence[Document],
    folds,
    model: str | None,
    settings: Mapping[str, object],
    *,
    seed: int = 0,
    device: str = "cpu",
    **options,
) -> dict:
    """The microtexts' fixed folds with estimators named by a model argument.

    The one driver behind ``argmine evaluate --protocol mtc-folds`` and ``argmine bench
    mtc``: the estimators come from :func:`argmine.evaluation.estimators.estimator_factory`,
    every network starts from ``model`` where it is a saved model folder, and the rest is
    :func:`microtext_cv`.

    Args:
        documents: The microtext documents.
        folds: ``FoldSplit``s from ``read_microtext_folds``.
        model: ``"baseline"``, a saved model folder to start from, or ``None`` (the network
            from its base encoder).
        settings: ``TrainingConfig`` fields of the network (``None``: the default).
        seed: Random seed of training.
        device: The torch device of the network.
        **options: The keyword arguments of :func:`microtext_cv`.

    Returns:
        :func:`microtext_cv`'s report.
    """
    make = estimator_factory(model, settings, seed=seed, device=device)
    return microtext_cv(documents, folds, make, init_from=start_model(model), **options)


def _check_same_training(estimator, loaded, saved: Path) -> None:
    """Refuse a saved split model trained with other settings than the ones asked for.

    Without this a rerun with, say, ``mask_absent_labels`` over an earlier run's folder would
    score the earlier models and report the new setting.
    """
    wanted, found = getattr(estimator, "config", None), getattr(loaded, "config", None)
    if wanted is None or found is None:
        return
    wanted, found = wanted.to_dict(), found.to_dict()
    if not wanted.get("segment_tokens"):
        # fit keeps a base's in-context reading when none is asked for, and saves it.
        found["segment_tokens"] = wanted.get("segment_tokens")
    differ = sorted(k for k in wanted if wanted[k] != found.get(k))
    if differ:
        raise InputError("E301", param="models_dir (--save-models)", owner="cross_validate",
                         value=str(saved), expected="split models trained with the settings "
                         f"asked for (these differ: {', '.join(differ)}); use another folder "
                         "or delete it")


def _fit_or_load(estimator, train: Sequence[Document], saved: Path | None,
                 init_from: str | None, progress: bool):
    """Fit a split's estimator, or load the model an earlier run saved for that split."""
    if saved is not None and (saved / "config.json").is_file():
        device = getattr(estimator, "device", None)
        loaded = type(estimator).from_pretrained(saved)
        _check_same_training(estimator, loaded, saved)
        if device is not None:
            loaded.to(device)
        return loaded
    kwargs = {"progress": progress}
    if init_from is not None:
        kwargs["init_from"] = init_from
    estimator.fit(train, **kwargs)
    if saved is not None:
        estimator.save_pretrained(saved)
    return estimator
