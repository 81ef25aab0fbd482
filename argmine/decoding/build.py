"""A decoding → a Document: labels, roles, relations and one ArgumentTree per root."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from argmine.decoding.algorithms import invalid
from argmine.decoding.objective import Decoding
from argmine.document import ArgumentTree, Document, Relation, Unit
from argmine.schema import RelationKind


def _roots_of(decoding: Decoding, n: int) -> list[int]:
    """Validate a decoding against ``n`` units; return each unit's tree root (-1: none)."""
    for name in ("parents", "kinds", "labels", "roles", "scores"):
        if len(getattr(decoding, name)) != n:
            raise invalid("build_document", f"decoding.{name}", f"{n} entries, one per unit",
                       len(getattr(decoding, name)))
    root_of = [-1] * n
    for i in range(n):
        path, v = [], i
        while root_of[v] < 0 and decoding.parents[v] is not None:
            path.append(v)
            v = decoding.parents[v]
            if not (isinstance(v, (int, np.integer)) and 0 <= v < n) or len(path) > n:
                raise invalid("build_document", "decoding.parents", "a forest of unit indices",
                           decoding.parents)
        for u in [*path, v]:
            root_of[u] = v if root_of[v] < 0 else root_of[v]
    return [r if decoding.roles[r] is not None else -1 for r in root_of]


def build_document(doc: Document, decoding: Decoding, *,
                   link_scores: np.ndarray | None = None) -> Document:
    """Write a decoding into a copy of the document: labels, roles, relations and trees.

    Args:
        doc: The document whose units were decoded.
        decoding: The output of :func:`decode`.
        link_scores: Optional ``(n, n)`` matrix; ``link_scores[i, j]`` becomes the score of
            a decoded relation ``i → j`` (default: the decoding's own link scores).

    Returns:
        A new document with one :class:`ArgumentTree` per root, nodes in text order.

    Raises:
        InputError: E301 if the decoding or ``link_scores`` does not match the document.

    Examples:
        >>> from argmine.decoding.objective import decode
        >>> doc = Document("d", "A. B.", (Unit(0, "A.", 0, 2), Unit(1, "B.", 3, 5)))
        >>> d = decode(np.eye(5)[[0, 2]], np.array([[0, .1], [.9, 0]]), np.full((2, 2), .8))
        >>> out = build_document(doc, d)
        >>> out.trees[0].summary()
        'A. — 1 counterargument'
    """
    n = len(doc.units)
    root_of = _roots_of(decoding, n)
    if link_scores is not None:
        link_scores = np.asarray(link_scores, dtype=np.float64)
        if link_scores.shape != (n, n):
            raise invalid("build_document", "link_scores", f"shape {(n, n)}",
                       f"shape {link_scores.shape}")
    units = []
    for unit, label, role, score in zip(doc.units, decoding.labels, decoding.roles,
                                        decoding.scores):
        if unit.scores is not None and label.value in unit.scores:  # the model's own number
            score = float(unit.scores[label.value])
        units.append(replace(unit, label=label, role=role, score=score))
    own = (*decoding.link_scores, *[None] * n)  # link_scores may be left empty
    relations = []
    for i, (p, kind) in enumerate(zip(decoding.parents, decoding.kinds)):
        if p is not None and kind is None:
            raise invalid("build_document", "decoding.kinds", "a kind for every link", (i, p, kind))
        if p is not None:
            score = own[i] if link_scores is None else float(link_scores[i, p])
            relations.append(Relation(i, p, RelationKind(kind), score))
    # Grouped in one pass: a filter per tree would cost units × trees, quadratic in a long
    # document.
    members: dict[int, list[Unit]] = {r: [] for r in sorted(set(root_of) - {-1})}
    links: dict[int, list[Relation]] = {r: [] for r in members}
    for u in units:
        if root_of[u.index] in members:
            members[root_of[u.index]].append(u)
    for e in relations:
        if root_of[e.source] in links:
            links[root_of[e.source]].append(e)
    trees = [ArgumentTree(units[r], tuple(members[r]), tuple(links[r])) for r in members]
    return doc.replace(units=tuple(units), relations=tuple(relations), trees=tuple(trees))
