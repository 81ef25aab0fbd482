"""What the pipeline needs of a scorer: the :class:`Scorer` protocol and its :class:`Prediction`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from argmine.document import Document
from argmine.schema import LABELS, Label


@dataclass(frozen=True)
class Prediction:
    """Scores of one document.

    Attributes:
        label_probs: ``(n, 5)`` label probabilities in the order of ``schema.LABELS``.
        link_probs: ``(n, n + 1)``: column ``j < n`` is P(parent is unit j), column ``n``
            is P(no parent). With ``candidates``, ``(n, k + 1)``: column ``c < k`` is
            P(parent is unit ``candidates[i, c]``). ``None`` where links were not scored
            (``predict_proba(..., links=False)``).
        attack_probs: ``(n, n)``: P(the link i → j is an attack | it exists); with
            ``candidates``, ``(n, k)`` in their order; ``None`` without links.
        candidates: ``None`` (every unit a candidate parent of every other), or for a
            document longer than :data:`argmine.decoding.objective.FULL_LINK_UNITS` the ``(n, k)``
            candidate parents of each unit (the units of its block, ``-1`` padding), so
            that the scores take n × k floats instead of n × n.
    """

    label_probs: np.ndarray
    link_probs: np.ndarray | None
    attack_probs: np.ndarray | None
    candidates: np.ndarray | None = None

    @classmethod
    def empty(cls, *, links: bool = True) -> Prediction:
        """The prediction of a document with no units."""
        return cls(np.zeros((0, len(LABELS))), np.zeros((0, 1)) if links else None,
                   np.zeros((0, 0)) if links else None)

    @property
    def labels(self) -> list[Label]:
        """The most probable label of every unit."""
        return [LABELS[i] for i in self.label_probs.argmax(axis=1)] if len(self.label_probs) else []


class Scorer(Protocol):
    """A fitted model that scores the units (and links) of documents.

    :class:`~argmine.scoring.model.ArgumentModel` and
    :class:`~argmine.scoring.baseline.BaselineModel` both are one.
    """

    def predict_proba(self, documents: Sequence[Document], *,
                      links: bool = True) -> list[Prediction]:
        """Score the units of each document (their segmentation taken as given)."""
        ...

    def save_pretrained(self, directory: str | Path) -> Path:
        """Write the model folder."""
        ...
