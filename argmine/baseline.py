"""Moved: the TF-IDF baseline lives in :mod:`argmine.scoring.baseline`.

This module only re-exports it so that ``from argmine.baseline import BaselineModel`` keeps
working.
"""

from argmine.scoring.baseline import BaselineModel

__all__ = ["BaselineModel"]
