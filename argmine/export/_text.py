"""Plain-text export: the argument trees as an indented outline for a terminal."""

from __future__ import annotations

import textwrap

from argmine.document import Document, Relation, Unit
from argmine.export._common import VERBS, label_name, score_text, shorten, units_in_trees

_INDENT = "  "


def to_text(
    doc: Document,
    *,
    show_none: bool = False,
    width: int = 100,
    max_chars: int | None = 300,
    header: bool = False,
) -> str:
    """Render the argument trees as an indented outline a person reads in a terminal.

    Each tree starts with a header holding :meth:`ArgumentTree.summary`; then every unit
    follows on its own line, indented two spaces per level under the unit it links to, as
    ``#index label, verb #parent (score): sentence``.

    Args:
        doc: The mined document.
        show_none: Also list, after the trees, the units that lie in no tree under a
            ``Not in any argument`` heading.
        width: Wrap lines at this many characters; continuation lines are indented two
            spaces deeper than the line they continue.
        max_chars: Cut each sentence to this many characters (``None`` keeps it whole).
        header: Start with a ``== ID ==`` line naming the document, so that documents
            printed one after another (as ``argmine tree --format text`` does) are told apart.

    Returns:
        The outline, ending in a newline.

    Examples:
        >>> from argmine import ArgumentTree, Document, Label, Relation, RelationKind, Unit
        >>> claim = Unit(0, "Talk.", 0, 5, label=Label.CLAIM, score=0.9)
        >>> why = Unit(1, "It helps.", 6, 15, label=Label.PREMISE, score=0.8)
        >>> link = Relation(1, 0, RelationKind.SUPPORT)
        >>> tree = ArgumentTree(claim, (claim, why), (link,))
        >>> print(to_text(Document("d", "Talk. It helps.", (claim, why), (link,), (tree,))))
        Argument 1 of 1: Talk. — 1 premise
          #0 claim (0.90): Talk.
            #1 premise, supports #0 (0.80): It helps.
        <BLANKLINE>
        >>> print(to_text(Document("essay 1", ""), header=True))
        == essay 1 ==
        No arguments found in document 'essay 1'.
        <BLANKLINE>
    """
    lines: list[str] = [f"== {' '.join(doc.id.split()) or '(no id)'} =="] if header else []
    total = len(doc.trees)
    if not total:
        lines.append(f"No arguments found in document {doc.id!r}.")
    for number, tree in enumerate(doc.trees, start=1):
        header = f"Argument {number} of {total}: {tree.summary()}"
        lines.extend(textwrap.wrap(header, width=width, subsequent_indent="    "))
        for unit, depth, rel in tree.walk():
            lines.extend(_node_lines(unit, depth + 1, rel, width, max_chars))
        lines.append("")
    if show_none:
        inside = units_in_trees(doc)
        outside = [u for u in doc.units if u.index not in inside]
        if outside:
            lines.append("Not in any argument:")
            for unit in outside:
                lines.extend(_node_lines(unit, 1, None, width, max_chars))
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _node_lines(
    unit: Unit, depth: int, rel: Relation | None, width: int, max_chars: int | None
) -> list[str]:
    indent = _INDENT * depth
    head = f"#{unit.index} {label_name(unit)}"
    if rel is not None:
        head += f", {VERBS[rel.kind]} #{rel.target}"
    head += f" ({score_text(unit.score)}): "
    # Continuation lines start two columns right of the node's own indent, not under the
    # sentence: under a long head the text column would leave too little room to wrap into.
    return textwrap.wrap(
        shorten(unit.text, max_chars) or "(empty)",
        width=max(width, len(indent) + len(head) + 20),
        initial_indent=indent + head,
        subsequent_indent=indent + _INDENT,
        break_on_hyphens=False,
    )
