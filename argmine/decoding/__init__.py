"""Scored units and links → a consistent argument forest → a Document.

``algorithms`` (Chu-Liu/Edmonds, Eisner), ``objective`` (the decoding objective and its
settings), ``blocks`` (candidate parents of long documents) and ``build`` (writing a decoding
into a Document).

Examples:
    >>> from argmine.decoding import DecodingConfig
    >>> DecodingConfig(single_root=True).single_root
    True
"""

from argmine.decoding.build import build_document
from argmine.decoding.objective import Decoding, DecodingConfig, decode

__all__ = ["Decoding", "DecodingConfig", "build_document", "decode"]
