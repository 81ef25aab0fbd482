"""The training loop: it lives in :mod:`argmine.scoring.fit`.

``ArgumentModel.fit`` runs it and the scoring layer imports nothing of training, so its
public helpers are only re-exported here.
"""

from argmine.scoring.fit import (
    LabelLoss,
    batches,
    class_weights,
    corpus_labels,
    fit_model,
    gold_targets,
    macro_f1,
    sample_epoch,
    split_dev,
)

__all__ = ["LabelLoss", "batches", "class_weights", "corpus_labels", "fit_model",
           "gold_targets", "macro_f1", "sample_epoch", "split_dev"]
