"""Reading units in context: consecutive units packed into one encoder input.

A model with ``segment_tokens > 0`` does not encode each unit alone. The units of a
document are packed, whole paragraphs first, into segments of at most ``segment_tokens``
tokens (``[CLS] unit [SEP] unit [SEP] …``); the encoder reads a segment at once and each
unit's vector is the mean of its own tokens' states. "Not at all." and "First, …" are then
read together with what precedes them. Each token is still encoded once; attention within a
segment grows with the square of its length, which at 256 tokens costs little next to the
feed-forward layers.

NumPy only: the torch model and the torch-free runtime pack, pad and pool the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Segment:
    """One encoder input: token ids and where each of its units lies in them.

    Attributes:
        ids: ``[CLS] unit [SEP] unit [SEP] …`` token ids.
        spans: ``(start, end)`` token positions of each unit (its separator excluded).
        first: Index of the segment's first unit among all units encoded together.
    """

    ids: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]
    first: int


def pack(lengths: Sequence[int], paragraphs: Sequence[int], budget: int) -> list[tuple[int, int]]:
    """Split units ``0 … n-1`` into runs ``[start, end)`` that fit ``budget`` tokens.

    A unit costs its tokens plus one separator, a segment one ``[CLS]`` more. Whole paragraphs
    are packed greedily; a paragraph that does not fit a segment of its own is split
    greedily by units, and a single unit longer than the budget is a segment by itself
    (its tokens were truncated to ``max_length`` already).

    Examples:
        >>> pack([5, 5, 5, 5], [0, 0, 1, 1], budget=23)
        [(0, 2), (2, 4)]
        >>> pack([5, 5, 5, 5], [0, 0, 1, 1], budget=25)
        [(0, 4)]
        >>> pack([5, 5, 5, 5], [0, 0, 0, 0], budget=13)
        [(0, 2), (2, 4)]
    """
    runs: list[tuple[int, int]] = []
    start, used = 0, 1
    for para_start, para_end in _paragraphs(paragraphs):
        size = sum(lengths[i] + 1 for i in range(para_start, para_end))
        if used + size <= budget:
            used += size
            continue
        if para_start > start:
            runs.append((start, para_start))
        start, used = para_start, 1
        if 1 + size <= budget:
            used += size
            continue
        for i in range(para_start, para_end):
            cost = lengths[i] + 1
            if used + cost > budget and i > start:
                runs.append((start, i))
                start, used = i, 1
            used += cost
    if start < len(lengths):
        runs.append((start, len(lengths)))
    return runs


def _paragraphs(paragraphs: Sequence[int]) -> list[tuple[int, int]]:
    bounds, start = [], 0
    for i in range(1, len(paragraphs) + 1):
        if i == len(paragraphs) or paragraphs[i] != paragraphs[i - 1]:
            bounds.append((start, i))
            start = i
    return bounds


def segments(unit_ids: Sequence[Sequence[int]], paragraphs: Sequence[int], budget: int,
             cls: int, sep: int, first: int = 0) -> list[Segment]:
    """The segments of one document's units (token ids without special tokens).

    Examples:
        >>> [s.ids for s in segments([[7, 8], [9]], [0, 0], budget=16, cls=1, sep=2)]
        [(1, 7, 8, 2, 9, 2)]
        >>> segments([[7, 8], [9]], [0, 0], budget=16, cls=1, sep=2)[0].spans
        ((1, 3), (4, 5))
    """
    out = []
    for start, end in pack([len(x) for x in unit_ids], paragraphs, budget):
        ids, spans = [cls], []
        for tokens in unit_ids[start:end]:
            spans.append((len(ids), len(ids) + len(tokens)))
            ids += [*tokens, sep]
        out.append(Segment(tuple(ids), tuple(spans), first + start))
    return out


def document_segments(unit_ids: Sequence[Sequence[int]],
                      paragraphs: Sequence[Sequence[int]], budget: int,
                      specials: Sequence[int]) -> list[Segment]:
    """The segments of several documents, never crossing from one document into the next.

    Args:
        unit_ids: Every unit's token ids (no special tokens), the documents one after another.
        paragraphs: Per document, the paragraph number of each of its units.
        budget: The most tokens of one segment.
        specials: The ids the tokenizer gives the empty text with its special tokens
            (:func:`special_ids` reads ``[CLS]``/``[SEP]`` from them).

    Examples:
        >>> segs = document_segments([[7], [8], [9]], [[0, 0], [0]], 16, [1, 2])
        >>> [(s.ids, s.first) for s in segs]
        [((1, 7, 2, 8, 2), 0), ((1, 9, 2), 2)]
    """
    cls, sep = special_ids(specials)
    out, offset = [], 0
    for paras in paragraphs:
        n = len(paras)
        out += segments(unit_ids[offset : offset + n], paras, budget, cls, sep, first=offset)
        offset += n
    return out


def chunks(segs: Sequence[Segment], size: int) -> list[list[Segment]]:
    """Segments shortest first, ``size`` per encoder call.

    Little padding, and the same chunks (so the same padding and the same vectors) in every
    runtime.
    """
    order = sorted(range(len(segs)), key=lambda i: len(segs[i].ids))
    return [[segs[i] for i in order[s : s + size]] for s in range(0, len(order), size)]


def padded(chunk: Sequence[Segment]) -> tuple[np.ndarray, np.ndarray]:
    """``input_ids`` and ``attention_mask`` of a chunk, padded to its longest segment."""
    width = max(len(s.ids) for s in chunk)
    ids = np.zeros((len(chunk), width), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, seg in enumerate(chunk):
        ids[row, : len(seg.ids)] = seg.ids
        mask[row, : len(seg.ids)] = 1
    return ids, mask


def units_of(chunk: Sequence[Segment]) -> tuple[list[int], list[tuple[int, int]], list[int]]:
    """For every unit of a chunk: its row, its token span, and its index among all units."""
    rows, spans, targets = [], [], []
    for row, seg in enumerate(chunk):
        for j, span in enumerate(seg.spans):
            rows.append(row)
            spans.append(span)
            targets.append(seg.first + j)
    return rows, spans, targets


def pool(hidden: np.ndarray, rows: Sequence[int], spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """The mean of each unit's own token states (zeros for a unit without tokens)."""
    return np.stack([hidden[r, s:e].mean(0) if e > s else np.zeros(hidden.shape[-1], hidden.dtype)
                     for r, (s, e) in zip(rows, spans)])


def special_ids(with_specials: Sequence[int]) -> tuple[int, int]:
    """``(cls, sep)`` from the ids the tokenizer gives the empty text with its special tokens.

    Read this way by the torch model and the torch-free runtime alike ([CLS]/[SEP] for BERT
    vocabularies, <s>/</s> for RoBERTa-like ones).
    """
    if len(with_specials) < 2:
        raise ValueError(f"the tokenizer adds no [CLS]/[SEP] pair ({list(with_specials)})")
    return int(with_specials[0]), int(with_specials[-1])
