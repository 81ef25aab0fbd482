"""The estimators a cross-validation trains per split, built in one place.

``argmine evaluate --protocol mtc-folds`` and ``argmine bench mtc`` both name a model the
same way: ``"baseline"`` for the classical baseline, a saved model folder to start every
split's network from, or ``None`` to train the network from its base encoder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from argmine.scoring.config import TrainingConfig

BASELINE = "baseline"
"""The model name that trains the classical baseline (TF-IDF + logistic regression)."""


def start_model(model: str | None) -> str | None:
    """The saved model every split's network starts from (``init_from``), if any.

    Examples:
        >>> start_model("baseline") is None and start_model(None) is None
        True
        >>> start_model("runs/stage1")
        'runs/stage1'
    """
    return None if model in (None, BASELINE) else model


def training_config(settings: Mapping[str, object], seed: int = 0) -> TrainingConfig:
    """A ``TrainingConfig`` from settings; those left at ``None`` keep their defaults.

    Examples:
        >>> config = training_config({"epochs": 3, "batch_units": None}, seed=1)
        >>> config.epochs, config.seed, config.batch_units == TrainingConfig().batch_units
        (3, 1, True)
    """
    chosen = {k: v for k, v in settings.items() if v is not None}
    return TrainingConfig(**{**chosen, "seed": seed})


def estimator_factory(
    model: str | None, settings: Mapping[str, object], *, seed: int = 0, device: str = "cpu",
) -> Callable[[int], object]:
    """The factory a cross-validation calls per split: a fresh, unfitted estimator.

    Args:
        model: ``"baseline"`` for ``BaselineModel``; anything else trains an
            ``ArgumentModel`` (started from the saved model, see :func:`start_model`).
        settings: ``TrainingConfig`` fields of the network (``None``: the default).
        seed: Random seed of training.
        device: The torch device of the network.

    Returns:
        A callable taking the split index and returning the estimator.
    """
    if model == BASELINE:
        def make(index: int):
            from argmine.scoring.baseline import BaselineModel  # torch: deferred

            return BaselineModel(seed=seed)
    else:
        training_config(settings, seed)  # refuse bad settings now, not after loading corpora

        def make(index: int):
            from argmine.scoring.model import ArgumentModel  # torch: deferred

            # A config of its own per split: nothing one split's training does leaks on.
            return ArgumentModel(training_config(settings, seed), device=device)

    return make
