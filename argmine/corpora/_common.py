"""Shared plumbing of the corpus readers: spans + links → a validated gold Document."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from argmine.document import Document, Relation, Unit
from argmine.errors import CorpusFormatError
from argmine.schema import Label, RelationKind, Role, labels_from_links
from argmine.text.paragraphs import paragraph_index, paragraph_spans


def read_text(path: Path, *, newline: str | None = "") -> str:
    """Read a UTF-8 corpus file, keeping its line endings (offsets count them).

    Raises:
        CorpusFormatError: E009 if the file cannot be read, E003 if it is not UTF-8.
    """
    try:
        with open(path, encoding="utf-8", newline=newline) as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise CorpusFormatError("E003", path=path, detail=str(exc)) from None
    except OSError as exc:
        raise CorpusFormatError("E009", path=path, detail=exc.strerror or str(exc)) from None


def build_document(
    doc_id: str,
    text: str,
    spans: Sequence[tuple[int, int, str]],
    links: Sequence[tuple[str, str, RelationKind | str]],
    *,
    path: str | Path,
    labels: Mapping[str, Label] | None = None,
    roles: Mapping[str, Role] | None = None,
    isolated: Label = Label.NONE,
    meta: Mapping[str, Any] | None = None,
) -> Document:
    """Turn gold spans and links into a Document with labels from the scheme's rule.

    Args:
        doc_id: The document id.
        text: The document text; spans are offsets into it.
        spans: ``(start, end, unit_id)`` per gold unit, in any order.
        links: ``(source_id, target_id, kind)`` child → parent links between unit ids.
        path: The annotation file, named in errors.
        labels: Labels that override the rule for some unit ids (for corpora whose README
            maps unit types directly, e.g. an isolated MajorClaim is still a claim).
        roles: Roles that override the derived ones for some unit ids.
        isolated: Label of a unit in no link.
        meta: Metadata stored on the document.

    Returns:
        The document, units sorted by start offset, relations between unit indices.

    Raises:
        CorpusFormatError: E103 for a span outside the text, E104 for a link to an
            undefined unit, E109 for a unit with two parents or a cycle.
    """
    for start, end, uid in spans:
        if not (0 <= start < end <= len(text)):
            raise CorpusFormatError(
                "E103", path=path, line=uid, start=start, end=end, length=len(text)
            )
    ordered = sorted(spans, key=lambda s: (s[0], s[1]))
    index = {uid: i for i, (_s, _e, uid) in enumerate(ordered)}
    int_links: list[tuple[int, int, RelationKind]] = []
    for source, target, kind in links:
        for ref in (source, target):
            if ref not in index:
                raise CorpusFormatError("E104", path=path, line=source, ref=ref)
        int_links.append((index[source], index[target], RelationKind(kind)))
    try:
        derived = labels_from_links(len(ordered), int_links, isolated=isolated)
    except ValueError as exc:
        raise CorpusFormatError("E109", path=path, detail=str(exc)) from None
    paragraphs = paragraph_spans(text)
    units = []
    for i, (start, end, uid) in enumerate(ordered):
        label, role = derived[i]
        if labels and uid in labels:
            label = labels[uid]
        if roles and uid in roles:
            role = roles[uid]
        units.append(
            Unit(
                index=i,
                text=text[start:end],
                start=start,
                end=end,
                label=label,
                role=role,
                paragraph=paragraph_index(paragraphs, start),
                id=uid,
            )
        )
    relations = tuple(Relation(s, t, k) for s, t, k in int_links)
    return Document(
        id=doc_id,
        text=text,
        units=tuple(units),
        relations=relations,
        paragraphs=paragraphs,
        meta=dict(meta or {}),
    )
