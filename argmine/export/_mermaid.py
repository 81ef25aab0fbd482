"""Mermaid export: a ``flowchart TD`` that GitHub, GitLab and most Markdown viewers draw.

:func:`to_mermaid` writes the bare chart of one document. Charts of several documents cannot
share one file bare (Mermaid draws one diagram per source); :func:`to_mermaid_many` writes
Markdown instead, each document under its own heading in its own ```` ```mermaid ```` fence,
and :func:`mermaid_document_block` writes one such block, for a job that writes documents
one by one.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from typing import Any

from argmine.document import Document, Unit
from argmine.export._common import (
    ATTACK_COLOUR,
    PALETTE,
    SUPPORT_COLOUR,
    argument_units,
    label_name,
    links,
    one_line,
    score_text,
    shorten,
)
from argmine.schema import RelationKind

# Mermaid reads "#name;" / "#123;" as entity codes inside quoted labels. A quote would end
# the label, "<" ">" "&" would be read as HTML (labels are HTML by default), a backtick as
# the start of a Markdown string and "#" as the start of an entity; "|" would end an edge
# label. Numeric codes work in every Mermaid version, named ones only in some.
_ENTITIES = {
    "#": "#35;",
    '"': "#34;",
    "&": "#38;",
    "<": "#60;",
    ">": "#62;",
    "`": "#96;",
    "|": "#124;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
}


def escape(text: str) -> str:
    r"""Make ``text`` safe inside a quoted Mermaid label; whitespace runs become one space.

    Examples:
        >>> escape('A "b" <c> #1\n[d]')
        'A #34;b#34; #60;c#62; #35;1 #91;d#93;'
    """
    return "".join(_ENTITIES.get(ch, ch) for ch in " ".join(text.split()))


def _comment(text: str) -> str:
    # Mermaid reads "%%{...}%%" as a config directive anywhere in the source, before it
    # drops comments; a text put in a comment must not hold "%%".
    return re.sub(r"%(?=%)", "% ", one_line(text))


def _class_name(label_value: str) -> str:
    # Suffixed so no class can collide with a Mermaid keyword ("default", "end", …).
    return f"{label_value}Unit"


def to_mermaid(
    doc: Document,
    *,
    include_none: bool = False,
    wrap: int = 40,
    max_chars: int | None = 200,
) -> str:
    """Write the argument graph as a Mermaid ``flowchart TD``.

    Each tree's nodes follow a ``%%`` comment holding its summary; nodes carry label, score
    and sentence and are styled per label through ``classDef``. Edges run child → parent
    (so a root claim sits below what supports it): ``-->|support|`` solid green,
    ``-.->|attack|`` dashed red.

    Args:
        doc: The mined document.
        include_none: Also draw units in no argument (unconnected).
        wrap: Break node text into lines of about this many characters.
        max_chars: Cut each sentence to this many characters (``None`` keeps it whole).

    Returns:
        The Mermaid source (without the surrounding Markdown code fence).

    Examples:
        >>> from argmine import Document, Label, Relation, RelationKind, Unit
        >>> units = (Unit(0, "Talk.", 0, 5, label=Label.CLAIM),
        ...          Unit(1, "No.", 6, 9, label=Label.COUNTERARGUMENT))
        >>> chart = to_mermaid(Document("d", "Talk. No.", units,
        ...                             (Relation(1, 0, RelationKind.ATTACK),)))
        >>> chart.splitlines()[0]
        'flowchart TD'
        >>> [line.strip() for line in chart.splitlines() if "->" in line]
        ['u1 -.->|attack| u0']
    """
    units = argument_units(doc, include_none=include_none)
    by_index = {u.index: u for u in units}
    lines = ["flowchart TD"]
    # No subgraph per tree: Mermaid (11.x) lays a subgraph's content out left to right
    # whatever its "direction" says, which turns the tree sideways. Separate trees are
    # disconnected components anyway; their summaries go into comments.
    placed: set[int] = set()
    for number, tree in enumerate(doc.trees, start=1):
        lines.append(f"  %% Argument {number}: {_comment(tree.summary())}")
        for unit in tree.nodes:
            if unit.index in by_index and unit.index not in placed:
                lines.append("  " + _node(by_index[unit.index], wrap, max_chars))
                placed.add(unit.index)
    rest = [u for u in units if u.index not in placed]
    if rest:
        lines.append("  %% Not in any argument")
    for unit in rest:
        lines.append("  " + _node(unit, wrap, max_chars))
    supports: list[int] = []
    attacks: list[int] = []
    for source, rel in sorted(links(doc).items()):
        if source not in by_index or rel.target not in by_index:
            continue
        if rel.kind is RelationKind.ATTACK:
            attacks.append(len(supports) + len(attacks))
            lines.append(f"  u{source} -.->|attack| u{rel.target}")
        else:
            supports.append(len(supports) + len(attacks))
            lines.append(f"  u{source} -->|support| u{rel.target}")
    # linkStyle counts edges in declaration order, which is the order written just above.
    if supports:
        numbers = ",".join(map(str, supports))
        lines.append(f"  linkStyle {numbers} stroke:{SUPPORT_COLOUR},stroke-width:2px")
    if attacks:
        numbers = ",".join(map(str, attacks))
        lines.append(
            f"  linkStyle {numbers} stroke:{ATTACK_COLOUR},stroke-width:2px,"
            "stroke-dasharray:5 5"
        )
    for label, paint in PALETTE.items():
        lines.append(
            f"  classDef {_class_name(label.value)} "
            f"fill:{paint.fill},stroke:{paint.stroke},color:#000000"
        )
    members: dict[str, list[str]] = {}
    for unit in units:
        if unit.label is not None:
            members.setdefault(_class_name(unit.label.value), []).append(f"u{unit.index}")
    for name, ids in members.items():
        lines.append(f"  class {','.join(ids)} {name}")
    return "\n".join(lines) + "\n"


def _node(unit: Unit, wrap: int, max_chars: int | None) -> str:
    head = escape(f"#{unit.index} {label_name(unit)} ({score_text(unit.score)})")
    body = textwrap.wrap(shorten(unit.text, max_chars), width=wrap, break_on_hyphens=False)
    # "<br>" is Mermaid's line break; it is added after escaping so it stays markup.
    text = "<br>".join([head, *(escape(line) for line in body)])
    return f'u{unit.index}["{text}"]'


# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it keeps an id
# from turning into emphasis, a link, HTML, an entity or the end of the heading.
_MARKDOWN_PUNCTUATION = re.compile(r"""([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])""")


def _markdown_text(text: str) -> str:
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", one_line(text))


def mermaid_document_block(doc: Document, **options: Any) -> str:
    r"""Write one document as Markdown: a heading naming it, then its chart in a fence.

    The chart is :func:`to_mermaid`'s with a ``%% document: ID`` comment after its first
    line, so the source still says which document it draws. Blocks stand alone: a file of
    them, in any number, is what :func:`to_mermaid_many` writes.

    Args:
        doc: The mined document.
        **options: Passed to :func:`to_mermaid` (``include_none``, ``wrap``, ``max_chars``).

    Returns:
        ``## ID``, a blank line, the ```` ```mermaid ```` fence and a blank line.

    Examples:
        >>> block = mermaid_document_block(Document("essay_1*", ""))
        >>> print("\n".join(block.splitlines()[:5]))
        ## essay\_1\*
        <BLANKLINE>
        ```mermaid
        flowchart TD
          %% document: essay_1*
        >>> block.endswith("```\n\n")
        True
    """
    first, _, rest = to_mermaid(doc, **options).partition("\n")
    heading = _markdown_text(doc.id) or "(no id)"
    # No chart line starts with backticks, so nothing inside can close the fence early.
    return (
        f"## {heading}\n\n```mermaid\n{first}\n  %% document: {_comment(doc.id)}\n"
        f"{rest}```\n\n"
    )


def to_mermaid_many(docs: Iterable[Document], **options: Any) -> str:
    """Write several documents as Markdown, one heading and ```` ```mermaid ```` fence each.

    GitHub, GitLab and most Markdown viewers draw each fence as its own diagram, under a
    heading naming its document.

    Args:
        docs: The mined documents, in the order to show them.
        **options: Passed to :func:`to_mermaid`.

    Returns:
        The concatenated :func:`mermaid_document_block` of every document.

    Examples:
        >>> md = to_mermaid_many([Document("a", ""), Document("b", "")])
        >>> [line for line in md.splitlines() if line.startswith("## ")]
        ['## a', '## b']
    """
    return "".join(mermaid_document_block(doc, **options) for doc in docs)
