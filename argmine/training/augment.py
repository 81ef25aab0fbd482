"""Training rewrites (hypophora, late objection, enumeration, announcement, forest).

They live in :mod:`argmine.scoring.augment`, since ``ArgumentModel.fit`` applies them every
epoch and the scoring layer imports nothing of training; they are re-exported here.
"""

from argmine.scoring.augment import (
    AUGMENTATIONS,
    EPOCH_AUGMENTATIONS,
    REWRITES,
    augment,
    augment_epoch,
    check_rates,
)

__all__ = ["AUGMENTATIONS", "EPOCH_AUGMENTATIONS", "REWRITES", "augment", "augment_epoch",
           "check_rates"]
