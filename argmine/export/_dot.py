"""Graphviz DOT export: one box per unit, coloured by label, one cluster per argument tree."""

from __future__ import annotations

import textwrap

from argmine.document import Document, Unit
from argmine.export._common import (
    ATTACK_COLOUR,
    SUPPORT_COLOUR,
    argument_units,
    colours,
    label_name,
    links,
    score_text,
    shorten,
)
from argmine.schema import RelationKind


def quote(text: str) -> str:
    r"""Return ``text`` as a DOT double-quoted string that Graphviz shows verbatim.

    Backslashes are doubled (a lone one would start an escape such as ``\l``), quotes are
    escaped and newlines become ``\n`` line breaks.

    Examples:
        >>> print(quote('say "hi" \\ [now]\nplease'))
        "say \"hi\" \\ [now]\nplease"
    """
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{body}"'


def to_dot(
    doc: Document,
    *,
    include_none: bool = False,
    wrap: int = 40,
    max_chars: int | None = 200,
) -> str:
    r"""Write the argument graph in Graphviz DOT.

    Nodes are rounded boxes filled with their label's colour, holding the label, score and
    sentence. Edges run child → parent, labelled ``support`` (solid green) or ``attack``
    (dashed red); the graph is laid out bottom-up so each root claim sits on top of its tree.

    Args:
        doc: The mined document.
        include_none: Also draw units in no argument, outside every cluster.
        wrap: Break node text into lines of about this many characters.
        max_chars: Cut each sentence to this many characters (``None`` keeps it whole).

    Returns:
        The DOT source; render it with e.g. ``dot -Tsvg graph.dot -o graph.svg``.

    Examples:
        >>> from argmine import Document, Label, Relation, RelationKind, Unit
        >>> units = (Unit(0, "Talk.", 0, 5, label=Label.CLAIM),
        ...          Unit(1, 'A "deal".', 6, 15, label=Label.COUNTERARGUMENT))
        >>> doc = Document("d", 'Talk. A "deal".', units, (Relation(1, 0, RelationKind.ATTACK),))
        >>> dot = to_dot(doc)
        >>> [line.strip() for line in dot.splitlines() if "->" in line]
        ['u1 -> u0 [label="attack", color="#c62828", fontcolor="#c62828", style=dashed];']
        >>> 'A \\"deal\\".' in dot
        True
    """
    units = argument_units(doc, include_none=include_none)
    by_index = {u.index: u for u in units}
    lines = [
        f"digraph {quote(doc.id)} {{",
        "  graph [rankdir=BT, nodesep=0.3, ranksep=0.5, fontname=\"Helvetica\"];",
        "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];",
        "  edge [fontname=\"Helvetica\", fontsize=9];",
    ]
    placed: set[int] = set()
    for number, tree in enumerate(doc.trees):
        lines.append(f"  subgraph cluster_{number} {{")
        lines.append(f"    label={quote(shorten(tree.summary(), 80))};")
        # With rankdir=BT Graphviz flips label locations: "b" puts the title on top.
        lines.append("    style=dashed; color=\"#bdbdbd\"; fontsize=10; labelloc=b;")
        for unit in tree.nodes:
            if unit.index in by_index and unit.index not in placed:
                lines.append("    " + _node(by_index[unit.index], wrap, max_chars))
                placed.add(unit.index)
        lines.append("  }")
    for unit in units:
        if unit.index not in placed:
            lines.append("  " + _node(unit, wrap, max_chars))
    for source, rel in sorted(links(doc).items()):
        if source not in by_index or rel.target not in by_index:
            continue
        if rel.kind is RelationKind.ATTACK:
            style = f'color="{ATTACK_COLOUR}", fontcolor="{ATTACK_COLOUR}", style=dashed'
        else:
            style = f'color="{SUPPORT_COLOUR}", fontcolor="{SUPPORT_COLOUR}"'
        lines.append(f'  u{source} -> u{rel.target} [label="{rel.kind.value}", {style}];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(unit: Unit, wrap: int, max_chars: int | None) -> str:
    paint = colours(unit.label)
    head = f"#{unit.index} {label_name(unit)} ({score_text(unit.score)})"
    body = textwrap.fill(shorten(unit.text, max_chars), width=wrap, break_on_hyphens=False)
    return (
        f"u{unit.index} [label={quote(head + chr(10) + body)}, "
        f'fillcolor="{paint.fill}", color="{paint.stroke}"];'
    )
