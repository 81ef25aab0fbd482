"""How inference groups work, shared by every runtime (torch, ONNX, the torch-free one).

Kept free of torch so that the torch-free runtime groups, chunks and cuts documents exactly
as :class:`~argmine.scoring.model.ArgumentModel` does: the same groups give the same padding,
and the same padding the same vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

from argmine.document import Document

ENCODE_CHUNK = 32
"""Units per encoder call at inference, after sorting by length (little padding, fair GEMMs)."""

SEGMENT_CHUNK = 8
"""Segments (several units each, see :mod:`argmine.scoring.segments`) per encoder call."""

PREDICT_GROUP_UNITS = 512
"""Units :meth:`ArgumentModel.predict_proba` encodes together by default. The more units
are sorted together, the closer in length the units of each chunk, the less padding: on
the AAE2 test essays 512 pad 7% over the real tokens, 128 pad 23%."""

FULL_KIND_PAIRS = 128
"""Documents up to this many units get a kind score for every ordered pair of units."""

KIND_TOP_K = 16
"""In longer documents, the number of candidate parents per unit that get a kind score."""


def batches(docs: Sequence[Document], batch_units: int) -> list[list[Document]]:
    """Group whole documents into batches of about ``batch_units`` units.

    Examples:
        >>> from argmine.document import Document, Unit
        >>> docs = [Document(str(i), "A.", (Unit(0, "A.", 0, 2),)) for i in range(3)]
        >>> [len(b) for b in batches(docs, 2)]
        [2, 1]
    """
    out: list[list[Document]] = []
    current: list[Document] = []
    size = 0
    for doc in docs:
        current.append(doc)
        size += len(doc.units)
        if size >= batch_units:
            out.append(current)
            current, size = [], 0
    if current:
        out.append(current)
    return out
