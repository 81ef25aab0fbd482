"""Moved: the decoder lives in :mod:`argmine.decoding`.

``algorithms`` (Chu-Liu/Edmonds, Eisner), ``objective`` (:class:`DecodingConfig`,
:func:`decode`, :func:`candidate_blocks`) and ``build`` (:func:`build_document`). This module
only re-exports them so that ``from argmine.trees import decode`` keeps working.
"""

from argmine.decoding.algorithms import chu_liu_edmonds, eisner
from argmine.decoding.build import build_document
from argmine.decoding.objective import (
    FULL_LINK_UNITS,
    Decoding,
    DecodingConfig,
    candidate_blocks,
    decode,
)

__all__ = ["FULL_LINK_UNITS", "Decoding", "DecodingConfig", "build_document",
           "candidate_blocks", "chu_liu_edmonds", "decode", "eisner"]
