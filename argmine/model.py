"""Moved: the transformer scorer lives in :mod:`argmine.scoring.model`.

:class:`Prediction` lives in :mod:`argmine.scoring.protocol`. This module only re-exports
them so that ``from argmine.model import ArgumentModel`` keeps working.
"""

from argmine.scoring.model import ENCODE_CHUNK, MODEL_TYPE, PREDICT_GROUP_UNITS, ArgumentModel
from argmine.scoring.protocol import Prediction

__all__ = ["ENCODE_CHUNK", "MODEL_TYPE", "PREDICT_GROUP_UNITS", "ArgumentModel", "Prediction"]
