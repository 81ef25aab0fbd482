"""Moved: the code lives in :mod:`argmine.text` (segmentation, paragraphs, validation).

This module only re-exports it so that ``from argmine.units import segment`` keeps working.
"""

from argmine.text.paragraphs import paragraph_index, paragraph_spans
from argmine.text.segmentation import segment, split_text, to_units, units_from_strings
from argmine.text.validation import check_text, wide_encoding

__all__ = [
    "check_text",
    "paragraph_index",
    "paragraph_spans",
    "segment",
    "split_text",
    "to_units",
    "units_from_strings",
    "wide_encoding",
]
