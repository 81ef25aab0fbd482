"""Checks of a person's (corrected) annotation against argmine's scheme, with coded errors.

The readers of argmine's own formats (``jsonl`` and ``brat``) read what ``argmine tree``
wrote and a person then corrected. A correction can break the scheme in a few ways; each
gets its own code, naming the document and the unit, so the annotator knows what to fix:

========  ================================================================================
E120      two units overlap
E121      a link points at a unit the document does not have
E122      a unit is linked to two units (two parents)
E123      the links form a cycle (a unit linked to itself included)
E124      a unit labelled rebuttal attacks nothing
E125      a label contradicts the links by the scheme's one rule (:func:`label_for`)
========  ================================================================================

An explicit label that disagrees with the links is an error, not silently re-derived: an
annotator who changed a link but not the label (or the reverse) most likely made a mistake,
and only they know which of the two is right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from argmine.errors import CorpusFormatError
from argmine.schema import Label, RelationKind, Role, derive_roles, label_for


@dataclass(frozen=True)
class AnnotatedUnit:
    """One unit as a reader found it, before it becomes a :class:`~argmine.document.Unit`.

    Attributes:
        start: Start offset into the document text.
        end: End offset (exclusive).
        text: The unit's text (quoted, shortened, in errors).
        label: The annotated label, or ``None`` when the unit is unlabelled.
        name: How errors name the unit: ``"#3"`` (its index) or ``"T4"`` (its brat id).
        line: Where the unit is written (a line number), named in errors.
    """

    start: int
    end: int
    text: str
    label: Label | None
    name: str
    line: int | str | None = None


@dataclass(frozen=True)
class AnnotatedLink:
    """One child → parent link between unit positions, and where it is written."""

    source: int
    target: int
    kind: RelationKind
    line: int | str | None = None


def describe(unit: AnnotatedUnit) -> str:
    """Name a unit in an error: its name and the start of its text.

    Examples:
        >>> describe(AnnotatedUnit(0, 5, "We  should act now, everyone.", None, "#0"))
        "#0 ('We should act now, ever…')"
    """
    text = " ".join(unit.text.split())
    return f"{unit.name} ({(text if len(text) <= 24 else text[:23] + '…')!r})"


def missing_unit(doc_id: str, unit: str, ref: object, *, path: str | Path,
                 line: int | str | None) -> CorpusFormatError:
    """The E121 error of a link from ``unit`` to ``ref``, which is not a unit."""
    return CorpusFormatError("E121", path=path, line=line, doc=doc_id, unit=unit, ref=ref)


def check_annotation(
    doc_id: str,
    units: Sequence[AnnotatedUnit],
    links: Sequence[AnnotatedLink],
    *,
    path: str | Path,
    check_labels: bool = True,
) -> list[Role | None]:
    """Check units and links against the scheme; return each unit's role.

    Args:
        doc_id: The document id, named in errors.
        units: The units, in text order.
        links: Child → parent links between positions in ``units``.
        path: The file, named in errors.
        check_labels: Check every labelled unit's label against its links (off for a
            corpus that annotates labels only, with no links at all).

    Returns:
        Each unit's role: derived from the links; ``proponent`` for a claim in no link;
        ``None`` for any other unit in no link.

    Raises:
        CorpusFormatError: E120 overlapping units, E122 a unit with two parents, E123 a
            cycle, E124 a rebuttal that attacks nothing, E125 a label that contradicts the
            links (see the module docstring).
    """
    _check_overlaps(doc_id, units, path)
    parent: dict[int, AnnotatedLink] = {}
    for link in links:
        first = parent.get(link.source)
        if first is not None and (first.target, first.kind) != (link.target, link.kind):
            raise CorpusFormatError(
                "E122", path=path, line=link.line, doc=doc_id,
                unit=describe(units[link.source]), first=describe(units[first.target]),
                second=describe(units[link.target]))
        parent.setdefault(link.source, link)
    _check_cycles(doc_id, units, parent, path)
    derived = derive_roles(len(units), [(s, p.target, p.kind) for s, p in parent.items()])
    roles: list[Role | None] = []
    for i, (unit, (role, kind, is_root)) in enumerate(zip(units, derived)):
        if role is None and unit.label is Label.CLAIM:
            role = Role.PROPONENT  # a one-unit argument
        roles.append(role)
        if check_labels and unit.label is not None:
            _check_label(doc_id, unit, role, kind, is_root, parent.get(i), path)
    return roles


def _check_overlaps(doc_id: str, units: Sequence[AnnotatedUnit], path: str | Path) -> None:
    widest: AnnotatedUnit | None = None
    for unit in sorted(units, key=lambda u: (u.start, u.end)):
        if widest is not None and unit.start < widest.end and unit.start < unit.end:
            raise CorpusFormatError(
                "E120", path=path, line=unit.line, doc=doc_id,
                unit=f"{describe(unit)} at {unit.start}-{unit.end}",
                other=f"{describe(widest)} at {widest.start}-{widest.end}")
        if widest is None or unit.end > widest.end:
            widest = unit


def _check_cycles(doc_id: str, units: Sequence[AnnotatedUnit],
                  parent: dict[int, AnnotatedLink], path: str | Path) -> None:
    done: set[int] = set()
    for start in parent:
        trail: list[int] = []
        node: int | None = start
        while node is not None and node not in done:
            if node in trail:
                loop = trail[trail.index(node):]
                cycle = " → ".join(describe(units[i]) for i in [*loop, node])
                raise CorpusFormatError("E123", path=path, line=parent[node].line,
                                        doc=doc_id, cycle=cycle)
            trail.append(node)
            link = parent.get(node)
            node = None if link is None else link.target
        done.update(trail)


def _check_label(doc_id: str, unit: AnnotatedUnit, role: Role | None,
                 kind: RelationKind | None, is_root: bool, link: AnnotatedLink | None,
                 path: str | Path) -> None:
    if unit.label is Label.REBUTTAL and kind is not RelationKind.ATTACK:
        raise CorpusFormatError("E124", path=path, line=unit.line, doc=doc_id,
                                unit=describe(unit))
    if role is None or (link is None and not is_root):  # in no link at all
        if unit.label in (Label.CLAIM, Label.NONE):
            return
        expected, reason = "'none' or 'claim'", "it is in no link"
    else:
        label = label_for(role, kind, is_root=is_root)
        if unit.label is label:
            return
        expected = repr(label.value)
        if is_root:
            reason = "units link to it and it links to none, so it is a root"
        else:
            verb = "supports" if kind is RelationKind.SUPPORT else "attacks"
            reason = f"its role is {role.value} and it {verb} its parent"
    raise CorpusFormatError("E125", path=path, line=unit.line, doc=doc_id,
                            unit=describe(unit), label=unit.label.value, expected=expected,
                            reason=reason)


__all__ = ["AnnotatedLink", "AnnotatedUnit", "check_annotation", "describe", "missing_unit"]
