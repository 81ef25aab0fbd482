"""Paragraphs: the spans of a text's paragraphs and the paragraph an offset falls in."""

from __future__ import annotations

import re

_PARAGRAPH_BREAK = re.compile(r"\r\n|\r|\n")


def paragraph_spans(text: str) -> tuple[tuple[int, int], ...]:
    r"""Return the ``(start, end)`` spans of the paragraphs of ``text``.

    A paragraph is a maximal run of text between line breaks (``\n``, ``\r\n`` or the old
    Mac ``\r``), trimmed of surrounding whitespace; blank lines separate nothing more than
    a single break does, because op-eds and essays put one paragraph per line.

    Examples:
        >>> paragraph_spans("One.\r\n\r\nTwo. Three.\n")
        ((0, 4), (8, 19))
    """
    spans = []
    start = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        chunk = text[start:end]
        stripped = chunk.strip()
        if stripped:
            left = start + (len(chunk) - len(chunk.lstrip()))
            spans.append((left, left + len(stripped)))
        if match:
            start = match.end()
    return tuple(spans)


def paragraph_index(paragraphs: tuple[tuple[int, int], ...], offset: int) -> int:
    """Return the index of the paragraph containing ``offset`` (the nearest one before it).

    Examples:
        >>> paragraph_index(((0, 4), (8, 19)), 9)
        1
    """
    index = 0
    for i, (start, _end) in enumerate(paragraphs):
        if start <= offset:
            index = i
        else:
            break
    return index
