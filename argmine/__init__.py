"""argmine: argument mining for ordinary prose, offline on a laptop CPU.

Nothing heavy runs at import: models and corpora load only when asked for.
"""

import logging

from argmine._version import __version__
from argmine.document import ArgumentTree, Document, Relation, Unit
from argmine.pipeline import ArgumentMiner, load
from argmine.schema import Label, RelationKind, Role, explain

__all__ = [
    "ArgumentMiner",
    "ArgumentTree",
    "Document",
    "Label",
    "Relation",
    "RelationKind",
    "Role",
    "Unit",
    "__version__",
    "explain",
    "load",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
