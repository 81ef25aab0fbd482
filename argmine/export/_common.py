"""Helpers every exporter shares: the label palette, links per unit, text shortening.

Keeping the colours here means the DOT graph, the Mermaid chart and the HTML page paint a
label the same way, so a reader who learned one view can read the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from argmine.document import Document, Relation, Unit
from argmine.schema import Label, RelationKind


@dataclass(frozen=True)
class Colours:
    """How one label is painted: a light fill (text stays readable on it) and a stroke."""

    fill: str
    stroke: str


PALETTE: dict[Label, Colours] = {
    Label.CLAIM: Colours("#ffd54f", "#b28704"),
    Label.PREMISE: Colours("#a5d6a7", "#2e7d32"),
    Label.COUNTERARGUMENT: Colours("#ef9a9a", "#c62828"),
    Label.REBUTTAL: Colours("#90caf9", "#1565c0"),
    Label.NONE: Colours("#eeeeee", "#9e9e9e"),
}
"""Colours per label, shared by the graph and HTML exporters."""

UNLABELLED = Colours("#ffffff", "#616161")
"""Colours of a unit that has no label yet."""

SUPPORT_COLOUR = "#2e7d32"
ATTACK_COLOUR = "#c62828"

VERBS: dict[RelationKind, str] = {
    RelationKind.SUPPORT: "supports",
    RelationKind.ATTACK: "attacks",
}


def colours(label: Label | None) -> Colours:
    """Return the colours of a label (``None`` means not labelled yet).

    Examples:
        >>> colours(Label.CLAIM).fill
        '#ffd54f'
    """
    return UNLABELLED if label is None else PALETTE[label]


def label_name(unit: Unit) -> str:
    """Return the unit's label as text, ``"unlabelled"`` when it has none.

    Examples:
        >>> label_name(Unit(0, "A.", 0, 2))
        'unlabelled'
    """
    return "unlabelled" if unit.label is None else unit.label.value


def links(doc: Document) -> dict[int, Relation]:
    """Map each unit index to the relation leaving it (its link to its parent).

    Tree edges win over ``doc.relations``: the trees are the decoded structure, while a
    document built by hand may carry relations only, so those fill the gaps.

    Examples:
        >>> doc = Document("d", "A. B.", (Unit(0, "A.", 0, 2), Unit(1, "B.", 3, 5)),
        ...                (Relation(1, 0, RelationKind.ATTACK),))
        >>> links(doc)[1].kind.value
        'attack'
    """
    out: dict[int, Relation] = {}
    for tree in doc.trees:
        for edge in tree.edges:
            out.setdefault(edge.source, edge)
    for rel in doc.relations:
        out.setdefault(rel.source, rel)
    return out


def units_in_trees(doc: Document) -> set[int]:
    """Return the indices of the units that belong to some tree.

    Examples:
        >>> units_in_trees(Document("d", "A.", (Unit(0, "A.", 0, 2),)))
        set()
    """
    return {u.index for tree in doc.trees for u in tree.nodes}


def argument_units(doc: Document, *, include_none: bool = False) -> list[Unit]:
    """Return the units a graph should draw: those in a tree or a relation, in text order.

    Args:
        doc: The mined document.
        include_none: Also return every other unit (drawn unconnected).

    Examples:
        >>> doc = Document("d", "A. B.", (Unit(0, "A.", 0, 2), Unit(1, "B.", 3, 5)))
        >>> [u.index for u in argument_units(doc, include_none=True)]
        [0, 1]
    """
    wanted = units_in_trees(doc)
    for rel in links(doc).values():
        wanted.update((rel.source, rel.target))
    by_index = {u.index: u for u in doc.units}
    # A tree may hold a unit the document's unit list lacks (hand-built data): draw it too.
    for tree in doc.trees:
        for unit in tree.nodes:
            by_index.setdefault(unit.index, unit)
    if include_none:
        wanted.update(by_index)
    return [by_index[i] for i in sorted(wanted) if i in by_index]


def one_line(text: str) -> str:
    r"""Collapse every run of whitespace (newlines included) into one space.

    Examples:
        >>> one_line(" a\n\tb  ")
        'a b'
    """
    return " ".join(text.split())


def shorten(text: str, limit: int | None) -> str:
    """Put ``text`` on one line and cut it to at most ``limit`` characters with an ellipsis.

    Examples:
        >>> shorten("Talks are needed because they serve several purposes.", 20)
        'Talks are needed be…'
        >>> shorten("short", None)
        'short'
    """
    flat = one_line(text)
    if limit is None or len(flat) <= limit:
        return flat
    return flat[: max(limit - 1, 0)].rstrip() + "…"


def score_text(score: float | None) -> str:
    """Format a probability with two decimals, or ``"–"`` when there is none.

    Examples:
        >>> score_text(0.876), score_text(None)
        ('0.88', '–')
    """
    return "–" if score is None else f"{score:.2f}"
