"""Argument-structure scores on gold units: the cc / ro / fu / at levels of the microtexts.

Peldszus & Stede (2015) score a predicted structure over the gold units at four levels, each
a macro-F1 over its classes:

* ``cc``: is the unit the central claim (a tree root)? Binary, every unit.
* ``ro``: is the unit a proponent or an opponent? Two classes.
* ``fu``: the unit's function: central claim, support or attack. Three classes.
* ``at``: is unit ``i`` attached to unit ``j``? Binary, every ordered pair ``i ≠ j``.

Besides these, ``laa`` (labelled attachment accuracy) is the fraction of gold non-root units
whose predicted parent *and* kind are right, and ``uaa`` the same for the parent alone.

Every decision is pooled over the documents given (one test split); the caller averages the
splits, as in the literature's 10×5 cross-validation protocol.

Units outside every gold tree. A unit is *in a tree* if it takes part in a relation or is
labelled ``claim`` (a one-unit argument). Units outside every gold tree have no gold role
or function, so they are left out of ``ro`` and ``fu``; they count as "not a central claim"
for ``cc`` and as attached to nothing for ``at``. Where a prediction leaves a gold tree unit
outside every tree, its role and function count as wrong (class ``none``, outside the
scored classes). The microtexts have no such units, so there the scores are exactly the
published ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.metrics import f1_score

from argmine.decoding.build import build_document
from argmine.decoding.objective import Decoding
from argmine.document import Document
from argmine.errors import InputError
from argmine.schema import Label, RelationKind, Role, derive_roles

__all__ = [
    "baseline_first_claim_all_support",
    "baseline_first_claim_chain",
    "structure_scores",
]

_OUTSIDE = "none"  # role / function of a unit in no tree: never one of the scored classes
_ROLES = (Role.PROPONENT.value, Role.OPPONENT.value)
_FUNCTIONS = ("cc", RelationKind.SUPPORT.value, RelationKind.ATTACK.value)


def _analyse(doc: Document, param: str) -> tuple[list[int | None], list, list[str], list[str]]:
    """Return per unit: parent, kind, role and function (``none`` outside every tree)."""
    n = len(doc.units)
    parent: list[int | None] = [None] * n
    kind: list[RelationKind | None] = [None] * n
    linked = [False] * n
    for rel in doc.relations:
        if not (0 <= rel.source < n and 0 <= rel.target < n) or parent[rel.source] is not None:
            raise InputError("E301", param=param, owner="structure_scores", expected="documents "
                             "whose relations join their units, one parent per unit",
                             value=f"{doc.id}: relation {rel.source}->{rel.target}")
        parent[rel.source], kind[rel.source] = rel.target, RelationKind(rel.kind)
        linked[rel.source] = linked[rel.target] = True
    links = [(i, p, k) for i, (p, k) in enumerate(zip(parent, kind)) if p is not None]
    try:
        derived = derive_roles(n, links)
    except ValueError as exc:
        raise InputError("E301", param=param, owner="structure_scores", expected="documents "
                         "whose relations form a forest", value=f"{doc.id}: {exc}") from None
    roles, functions = [], []
    for i, unit in enumerate(doc.units):
        in_tree = linked[i] or unit.label is Label.CLAIM
        role = unit.role or derived[i][0] or Role.PROPONENT  # a lone claim is a proponent
        roles.append(role.value if in_tree else _OUTSIDE)
        if not in_tree:
            functions.append(_OUTSIDE)
        else:
            functions.append("cc" if parent[i] is None else kind[i].value)
    return parent, kind, roles, functions


def _macro_f1(y_true: Sequence, y_pred: Sequence, classes: Sequence) -> float:
    # Macro-F1 over the classes that occur in gold or prediction: a class absent from both
    # carries no evidence, and scoring it 0 (or 1) would skew the average.
    present = [c for c in classes if c in set(y_true) or c in set(y_pred)]
    if not present:
        return float("nan")
    return float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0))


def structure_scores(
    gold_docs: Iterable[Document], pred_docs: Iterable[Document]
) -> dict[str, float]:
    """Score predicted argument structures against gold ones over the same units.

    Args:
        gold_docs: Gold documents (relations, and roles on the units if known).
        pred_docs: Predictions over the same units, in the same order (e.g. the output of
            :func:`argmine.trees.build_document`).

    Returns:
        ``cc``, ``ro``, ``fu`` and ``at`` macro-F1, and the attachment accuracies ``laa``
        (parent and kind) and ``uaa`` (parent), all pooled over the documents. A score
        with nothing to score is ``nan``.

    Raises:
        InputError: E301 if the lists differ in length, a pair differs in its number of
            units, or a document's relations are not a forest over its units.

    Examples:
        >>> from argmine.document import Unit
        >>> units = tuple(Unit(i, t, 3 * i, 3 * i + 2) for i, t in enumerate(["A.", "B.", "C."]))
        >>> doc = Document("d", "A. B. C.", units)
        >>> gold = baseline_first_claim_all_support(doc)
        >>> structure_scores([gold], [baseline_first_claim_chain(doc)])["at"]
        0.625
    """
    gold_list, pred_list = list(gold_docs), list(pred_docs)
    if len(gold_list) != len(pred_list):
        raise InputError("E301", param="pred_docs", owner="structure_scores",
                         expected=f"{len(gold_list)} documents, one per gold document",
                         value=len(pred_list))
    cc: tuple[list, list] = ([], [])
    ro: tuple[list, list] = ([], [])
    fu: tuple[list, list] = ([], [])
    at_true, at_pred = [], []
    labelled, unlabelled, attached = 0, 0, 0
    for gold, pred in zip(gold_list, pred_list):
        n = len(gold.units)
        if len(pred.units) != n:
            raise InputError("E301", param="pred_docs", owner="structure_scores",
                             expected=f"document {gold.id!r} with {n} units",
                             value=f"{len(pred.units)} units")
        g_parent, g_kind, g_role, g_fun = _analyse(gold, "gold_docs")
        p_parent, p_kind, p_role, p_fun = _analyse(pred, "pred_docs")
        for i in range(n):
            cc[0].append(g_fun[i] == "cc")
            cc[1].append(p_fun[i] == "cc")
            if g_role[i] != _OUTSIDE:
                ro[0].append(g_role[i])
                ro[1].append(p_role[i])
                fu[0].append(g_fun[i])
                fu[1].append(p_fun[i])
            if g_parent[i] is not None:
                attached += 1
                if p_parent[i] == g_parent[i]:
                    unlabelled += 1
                    labelled += p_kind[i] == g_kind[i]
        g_at, p_at = np.zeros((n, n), dtype=int), np.zeros((n, n), dtype=int)
        for matrix, parents in ((g_at, g_parent), (p_at, p_parent)):
            for i, p in enumerate(parents):
                if p is not None:
                    matrix[i, p] = 1
        off_diagonal = ~np.eye(n, dtype=bool)
        at_true.append(g_at[off_diagonal])
        at_pred.append(p_at[off_diagonal])
    at_t = np.concatenate(at_true) if at_true else np.zeros(0, dtype=int)
    at_p = np.concatenate(at_pred) if at_pred else np.zeros(0, dtype=int)
    return {
        "cc": _macro_f1(*cc, classes=(True, False)),
        "ro": _macro_f1(*ro, classes=_ROLES),
        "fu": _macro_f1(*fu, classes=_FUNCTIONS),
        "at": _macro_f1(at_t.tolist(), at_p.tolist(), classes=(1, 0)),
        "laa": labelled / attached if attached else float("nan"),
        "uaa": unlabelled / attached if attached else float("nan"),
    }


def _baseline(doc: Document, parents: list[int | None]) -> Document:
    # Every link supports, so every unit is a proponent: the root a claim, the rest premises.
    n = len(parents)
    decoding = Decoding(
        parents=tuple(parents),
        kinds=tuple(None if p is None else RelationKind.SUPPORT for p in parents),
        labels=tuple(Label.CLAIM if p is None else Label.PREMISE for p in parents),
        roles=(Role.PROPONENT,) * n,
        scores=(None,) * n,
    )
    return build_document(doc, decoding)


def baseline_first_claim_all_support(doc: Document) -> Document:
    """Predict the trivial structure "the first unit is the claim, every other unit supports it".

    Args:
        doc: The document whose units to structure.

    Returns:
        A copy with labels, roles, relations and one tree.

    Examples:
        >>> from argmine.document import Unit
        >>> doc = Document("d", "A. B. C.", tuple(Unit(i, t, 3 * i, 3 * i + 2)
        ...                                      for i, t in enumerate(["A.", "B.", "C."])))
        >>> [(r.source, r.target) for r in baseline_first_claim_all_support(doc).relations]
        [(1, 0), (2, 0)]
    """
    return _baseline(doc, [None if i == 0 else 0 for i in range(len(doc.units))])


def baseline_first_claim_chain(doc: Document) -> Document:
    """Predict the trivial structure "the first unit is the claim, each supports the one before".

    Args:
        doc: The document whose units to structure.

    Returns:
        A copy with labels, roles, relations and one tree.

    Examples:
        >>> from argmine.document import Unit
        >>> doc = Document("d", "A. B. C.", tuple(Unit(i, t, 3 * i, 3 * i + 2)
        ...                                      for i, t in enumerate(["A.", "B.", "C."])))
        >>> [(r.source, r.target) for r in baseline_first_claim_chain(doc).relations]
        [(1, 0), (2, 1)]
    """
    return _baseline(doc, [None if i == 0 else i - 1 for i in range(len(doc.units))])
