"""The label scheme: labels, roles, relation kinds, and the one rule that maps roles to labels.

Every corpus reader and the tree decoder derive labels through :func:`label_for` and
:func:`derive_roles`, so a label means the same thing whatever corpus or model produced it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum

from argmine.errors import InputError


class Label(str, Enum):
    """The five unit labels of argmine's scheme."""

    CLAIM = "claim"
    PREMISE = "premise"
    COUNTERARGUMENT = "counterargument"
    REBUTTAL = "rebuttal"
    NONE = "none"

    def __str__(self) -> str:
        return self.value


class Role(str, Enum):
    """Dialectical role of a unit relative to the root claim of its tree."""

    PROPONENT = "proponent"
    OPPONENT = "opponent"

    def __str__(self) -> str:
        return self.value

    def flipped(self) -> Role:
        """Return the other role.

        Examples:
            >>> Role.PROPONENT.flipped()
            <Role.OPPONENT: 'opponent'>
        """
        return Role.OPPONENT if self is Role.PROPONENT else Role.PROPONENT


class RelationKind(str, Enum):
    """Kind of a link between two units."""

    SUPPORT = "support"
    ATTACK = "attack"

    def __str__(self) -> str:
        return self.value


LABELS: tuple[Label, ...] = tuple(Label)
"""All labels in their canonical order (the order of probability vectors)."""

ARGUMENTATIVE_LABELS: tuple[Label, ...] = (
    Label.CLAIM,
    Label.PREMISE,
    Label.COUNTERARGUMENT,
    Label.REBUTTAL,
)

_EXPLANATIONS = {
    Label.CLAIM: "The root of an argument: the position the text argues for.",
    Label.PREMISE: "A proponent unit that supports the claim or another proponent unit.",
    Label.COUNTERARGUMENT: (
        "An opponent unit: it attacks the proponent's position, or supports another opponent unit."
    ),
    Label.REBUTTAL: "A proponent unit that attacks an opponent unit (answers a counterargument).",
    Label.NONE: "Text that takes no part in any argument.",
}


def explain(label: str | Label) -> str:
    """Say in one sentence what a label means.

    Args:
        label: A label name such as ``"rebuttal"``.

    Returns:
        A one-sentence description.

    Raises:
        InputError: If ``label`` is not one of the five labels.

    Examples:
        >>> explain("rebuttal")
        'A proponent unit that attacks an opponent unit (answers a counterargument).'
    """
    return _EXPLANATIONS[to_label(label)]


def to_label(value: str | Label) -> Label:
    """Parse a label name, with a clear error for anything else.

    Examples:
        >>> to_label("Premise")
        <Label.PREMISE: 'premise'>
    """
    if isinstance(value, Label):
        return value
    try:
        return Label(str(value).strip().lower())
    except ValueError:
        raise InputError("E001", value=value, options=", ".join(x.value for x in Label)) from None


def label_for(role: Role | None, kind: RelationKind | None, *, is_root: bool) -> Label:
    """Apply the scheme's role → label rule to one unit.

    Args:
        role: The unit's role relative to its tree's root (``None`` for text in no argument).
        kind: The kind of the unit's outgoing link (``None`` for a root).
        is_root: Whether the unit is the root of its tree.

    Returns:
        ``claim`` for a root; ``premise`` for a supporting proponent unit;
        ``counterargument`` for any opponent unit; ``rebuttal`` for an attacking proponent
        unit; ``none`` for a unit outside every argument.

    Examples:
        >>> label_for(Role.OPPONENT, RelationKind.SUPPORT, is_root=False)
        <Label.COUNTERARGUMENT: 'counterargument'>
        >>> label_for(Role.PROPONENT, RelationKind.ATTACK, is_root=False)
        <Label.REBUTTAL: 'rebuttal'>
    """
    if is_root:
        return Label.CLAIM
    if role is None:
        return Label.NONE
    if role is Role.OPPONENT:
        return Label.COUNTERARGUMENT
    if kind is RelationKind.ATTACK:
        return Label.REBUTTAL
    return Label.PREMISE


def derive_roles(
    n_units: int, links: Iterable[tuple[int, int, RelationKind]]
) -> list[tuple[Role | None, RelationKind | None, bool]]:
    """Propagate roles down a forest given as (source, target, kind) links.

    A root (a unit with children but no parent) is a proponent; support keeps the role of
    its target and attack flips it. A unit in no link at all gets role ``None``.

    Args:
        n_units: Number of units, indexed ``0 … n_units-1``.
        links: Child → parent links; each unit has at most one parent.

    Returns:
        For each unit, ``(role, kind of its outgoing link, is_root)``.

    Raises:
        ValueError: If a unit has two parents or the links contain a cycle.

    Examples:
        >>> derive_roles(3, [(1, 0, RelationKind.ATTACK), (2, 1, RelationKind.ATTACK)])[2]
        (<Role.PROPONENT: 'proponent'>, <RelationKind.ATTACK: 'attack'>, False)
    """
    parent: dict[int, tuple[int, RelationKind]] = {}
    has_child = [False] * n_units
    for source, target, kind in links:
        if source in parent:
            raise ValueError(f"unit {source} has more than one parent")
        parent[source] = (target, RelationKind(kind))
        has_child[target] = True
    roles: list[Role | None] = [None] * n_units

    def resolve(i: int) -> Role:
        path = []
        seen = set()
        while roles[i] is None and i in parent:
            if i in seen:
                raise ValueError(f"the links contain a cycle through unit {i}")
            seen.add(i)
            path.append(i)
            i = parent[i][0]
        role = roles[i] or Role.PROPONENT
        roles[i] = role
        for j in reversed(path):
            kind = parent[j][1]
            role = role if kind is RelationKind.SUPPORT else role.flipped()
            roles[j] = role
        return roles[path[0]] if path else role

    out: list[tuple[Role | None, RelationKind | None, bool]] = []
    for i in range(n_units):
        if i in parent or has_child[i]:
            resolve(i)
    for i in range(n_units):
        kind = parent[i][1] if i in parent else None
        out.append((roles[i], kind, i not in parent and has_child[i]))
    return out


def labels_from_links(
    n_units: int, links: Sequence[tuple[int, int, RelationKind]], *, isolated: Label = Label.NONE
) -> list[tuple[Label, Role | None]]:
    """Derive every unit's label and role from its links by the scheme's rule.

    Args:
        n_units: Number of units.
        links: Child → parent links.
        isolated: Label for a unit in no link at all (``none`` by default; a corpus may
            decide that an isolated unit is a one-unit argument, i.e. a ``claim``).

    Returns:
        ``(label, role)`` per unit.

    Examples:
        >>> [lab.value for lab, _ in labels_from_links(3, [(1, 0, "support"), (2, 1, "attack")])]
        ['claim', 'premise', 'counterargument']
    """
    result = []
    for role, kind, is_root in derive_roles(n_units, links):
        if role is None:
            result.append((isolated, Role.PROPONENT if isolated is Label.CLAIM else None))
        else:
            result.append((label_for(role, kind, is_root=is_root), role))
    return result
