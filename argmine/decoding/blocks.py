"""Long documents: which units may be each unit's parent, so cost grows linearly."""

from __future__ import annotations

from collections.abc import Sequence

FULL_LINK_UNITS = 256
"""Documents up to this many units score and decode every ordered pair of units (n × n).

Longer ones are cut into blocks of at most this many units (:func:`candidate_blocks`), and a
unit's candidate parents are the units of its block: link scores take n × block floats and
decoding is block by block, so memory and time grow linearly with the document instead of
quadratically (n × n float64 is 3.2 GB at 20,000 sentences). No document of the corpora
comes near: their longest have 74 sentences (web-discourse), 34 (AAE2, CDCP), 32 (AbstRCT)
and 6 (microtexts), so they decode exactly as without blocks."""


def candidate_blocks(paragraphs: Sequence[int], limit: int = FULL_LINK_UNITS
                     ) -> list[tuple[int, int]]:
    """Cut a document into runs of whole paragraphs of at most ``limit`` units.

    Every unit's candidate parents are the units of its block. Blocks follow paragraph
    breaks because an argument rarely reaches across one it could not also reach across
    the next; a paragraph longer than ``limit`` is cut into pieces of ``limit`` units.

    Args:
        paragraphs: The paragraph number of every unit, in text order.
        limit: The most units in one block; a document of at most ``limit`` units is one
            block.

    Returns:
        ``(start, stop)`` unit ranges covering the document in order.

    Examples:
        >>> candidate_blocks([0, 0, 1, 1, 1, 2], limit=4)
        [(0, 2), (2, 6)]
        >>> candidate_blocks([0] * 5, limit=2)
        [(0, 2), (2, 4), (4, 5)]
    """
    n = len(paragraphs)
    if n <= limit:
        return [(0, n)] if n else []
    runs, start = [], 0  # paragraphs as (start, stop), the long ones already cut
    for i in range(1, n + 1):
        if i == n or paragraphs[i] != paragraphs[i - 1]:
            runs += [(s, min(s + limit, i)) for s in range(start, i, limit)]
            start = i
    blocks = [runs[0]]
    for s, e in runs[1:]:
        if e - blocks[-1][0] <= limit:
            blocks[-1] = (blocks[-1][0], e)
        else:
            blocks.append((s, e))
    return blocks
