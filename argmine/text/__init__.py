"""Text → units: paragraphs, sentence segmentation and input validation."""

from argmine.text.paragraphs import paragraph_index, paragraph_spans
from argmine.text.segmentation import segment, to_units, units_from_strings
from argmine.text.validation import check_text, wide_encoding

__all__ = [
    "check_text",
    "paragraph_index",
    "paragraph_spans",
    "segment",
    "to_units",
    "units_from_strings",
    "wide_encoding",
]
