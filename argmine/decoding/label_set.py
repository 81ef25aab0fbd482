"""The labels a unit may take: all five, or fewer where the units are known to be fewer.

Units handed over as argumentative discourse units (the microtexts' gold segments, a user's
own annotated claims and premises) cannot be ``none``; a scheme without rebuttals cannot
hold one. Probabilities of the labels left out are set to zero and the rest renormalised,
before the classifier's own choice and before the decoder's.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from argmine.decoding.algorithms import invalid
from argmine.schema import LABELS, Label


def label_set(labels: Iterable[str | Label] | None,
              single_root: bool | None = False) -> tuple[Label, ...] | None:
    """``labels`` as scheme labels in scheme order, checked (``None``: all five, given or not).

    ``single_root=True`` (one tree per document) also needs a label for a linked unit.

    Examples:
        >>> [x.value for x in label_set(["premise", "claim"])]
        ['claim', 'premise']
        >>> label_set(None) is None
        True
    """
    if labels is None:
        return None
    known = {x.value for x in LABELS}
    try:
        names = [x.value if isinstance(x, Label) else x for x in labels]
        fits = bool(names) and set(names) <= known
    except TypeError:  # unhashable or not iterable
        names, fits = labels, False
    # The scheme's rule derives a label from the links: a rebuttal answers a counterargument.
    if not fits or Label.CLAIM.value not in names or (
            Label.REBUTTAL.value in names and Label.COUNTERARGUMENT.value not in names):
        raise invalid("DecodingConfig", "labels", "None or labels of the scheme ("
                      f"{', '.join(sorted(known))}) including claim, a tree's root, and "
                      "counterargument wherever rebuttal is", names)
    chosen = tuple(x for x in LABELS if x.value in names)
    if single_root is True and not {Label.PREMISE, Label.COUNTERARGUMENT} & set(chosen):
        # One tree over several units needs links, and a link makes a premise or a
        # counterargument.
        raise invalid("DecodingConfig", "labels", "premise or counterargument among them with "
                      "single_root=True", names)
    return None if len(chosen) == len(LABELS) else chosen


def restrict_labels(label_probs: np.ndarray, labels: tuple[Label, ...] | None) -> np.ndarray:
    """``(n, 5)`` probabilities with the labels outside ``labels`` at 0, rows renormalised.

    A row that gave the allowed labels no mass at all spreads it evenly over them.

    Examples:
        >>> p = np.array([[.2, .2, .1, .1, .4]])
        >>> restrict_labels(p, label_set(["claim", "premise"])).round(2).tolist()
        [[0.5, 0.5, 0.0, 0.0, 0.0]]
    """
    if labels is None or len(labels) == len(LABELS):
        return label_probs
    keep = np.array([x in labels for x in LABELS])
    out = np.where(keep, np.asarray(label_probs, dtype=float), 0.0)
    total = out.sum(axis=1, keepdims=True)
    even = keep / keep.sum()
    return np.where(total > 0, out / np.where(total > 0, total, 1.0), even)
