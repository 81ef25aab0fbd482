"""Exporters: turn a mined Document into text, JSON, AIF, DOT, Mermaid or HTML.

Every exporter is a function ``to_<format>(doc, **options) -> str``; :data:`EXPORTERS` maps
format names to them for callers (such as the CLI) that pick a format by name.

Examples:
    >>> from argmine import ArgumentTree, Document, Label, Relation, RelationKind, Unit
    >>> claim = Unit(0, "Talk.", 0, 5, label=Label.CLAIM, score=0.9)
    >>> why = Unit(1, "It helps.", 6, 15, label=Label.PREMISE, score=0.8)
    >>> link = Relation(1, 0, RelationKind.SUPPORT)
    >>> doc = Document("d", "Talk. It helps.", (claim, why), (link,),
    ...                (ArgumentTree(claim, (claim, why), (link,)),))
    >>> sorted(EXPORTERS)
    ['aif', 'dot', 'html', 'json', 'mermaid', 'text']
    >>> print(export(doc, "mermaid").splitlines()[-1])
      class u1 premiseUnit
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from argmine.document import Document
from argmine.errors import InputError
from argmine.export._aif import to_aif
from argmine.export._brat import ANNOTATION_CONF, brat_file_stem, to_brat, write_brat
from argmine.export._dot import to_dot
from argmine.export._html import (
    HTML_END_MARK,
    document_anchor,
    html_document_section,
    html_page_end,
    html_page_start,
    to_html,
    to_html_many,
)
from argmine.export._json import from_json, to_json
from argmine.export._mermaid import mermaid_document_block, to_mermaid, to_mermaid_many
from argmine.export._text import to_text

EXPORTERS: dict[str, Callable[[Document], str]] = {
    "text": to_text,
    "json": to_json,
    "aif": to_aif,
    "dot": to_dot,
    "mermaid": to_mermaid,
    "html": to_html,
}
"""Format name → exporter; each takes a Document and returns the exported text.

brat standoff is two files per document (``.txt`` + ``.ann``) and a shared
``annotation.conf``, so it is written by :func:`write_brat` (``argmine corpus brat``), not
streamed like these."""


def export(doc: Document, fmt: str, **options: Any) -> str:
    r"""Export ``doc`` in the format named ``fmt``, passing ``options`` to its exporter.

    Raises:
        InputError: E008 if ``fmt`` is not a key of :data:`EXPORTERS`.

    Examples:
        >>> export(Document("d", ""), "text")
        "No arguments found in document 'd'.\n"
    """
    try:
        exporter: Callable[..., str] = EXPORTERS[fmt]
    except KeyError:
        raise InputError(
            "E008", what="export format", value=fmt, options=", ".join(EXPORTERS)
        ) from None
    return exporter(doc, **options)


__all__ = [
    "ANNOTATION_CONF",
    "EXPORTERS",
    "HTML_END_MARK",
    "document_anchor",
    "export",
    "brat_file_stem",
    "from_json",
    "html_document_section",
    "html_page_end",
    "html_page_start",
    "mermaid_document_block",
    "to_aif",
    "to_brat",
    "to_dot",
    "to_html",
    "to_html_many",
    "to_json",
    "to_mermaid",
    "to_mermaid_many",
    "to_text",
    "write_brat",
]
