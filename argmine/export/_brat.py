r"""brat standoff export: a ``.txt`` and an ``.ann`` per document, and an ``annotation.conf``.

What ``argmine tree`` found can be corrected in brat (or INCEpTION, which imports brat) and
read back as a training corpus (``--corpus brat:FOLDER``, :mod:`argmine.corpora.brat_argmine`).
Each unit is a text-bound annotation whose type is its label, capitalised; each relation
is ``supports`` or ``attacks`` from the child (``Arg1``) to its parent (``Arg2``)::

    T1\tClaim 0 14\tWe should act.
    T2\tPremise 15 23\tIt pays.
    R1\tsupports Arg1:T2 Arg2:T1\t

Units are numbered ``T1``, ``T2``, … in text order. The ``.txt`` holds the document text
exactly (offsets count its characters); a line break inside a unit is written as a space
in the ``.ann``, as brat does. Scores, roles and trees are not written: roles and trees
follow from the links, and scores are the model's, not the annotator's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from argmine.document import Document
from argmine.errors import InputError
from argmine.schema import LABELS, Label, RelationKind

BRAT_TYPES: dict[Label, str] = {label: label.value.capitalize() for label in LABELS}
"""Label → brat entity type: ``Claim``, ``Premise``, ``Counterargument``, ``Rebuttal``,
``None``. The reader also takes them in any case."""

BRAT_RELATIONS: dict[RelationKind, str] = {
    RelationKind.SUPPORT: "supports",
    RelationKind.ATTACK: "attacks",
}
"""Relation kind → brat relation type (the reader also takes ``support``/``attack``)."""

_ALL = "|".join(BRAT_TYPES.values())
ANNOTATION_CONF = (
    "# brat configuration of argmine's scheme (docs/adapt.md).\n"
    "# The label of a unit follows from its links: a root is a Claim; a unit that supports\n"
    "# a proponent unit is a Premise; an opponent unit is a Counterargument; a proponent\n"
    "# unit that attacks an opponent unit is a Rebuttal; a unit in no link is None or Claim.\n"
    "[entities]\n" + "".join(f"{name}\n" for name in BRAT_TYPES.values()) +
    "\n[relations]\n" +
    "".join(f"{name}\tArg1:{_ALL}, Arg2:{_ALL}\n" for name in BRAT_RELATIONS.values()) +
    "\n[events]\n\n[attributes]\n"
)
"""The ``annotation.conf`` that lets brat edit the export with argmine's labels and links."""

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_WHAT = "document for the brat export"


def brat_file_stem(doc_id: str) -> str:
    """The file name (without extension) of a document: its id, percent-encoded where unsafe.

    Letters, digits, ``-``, ``_`` and ``.`` (not first) stay; every other character is
    written as ``%XX`` per UTF-8 byte, so the reader gets the id back with ``unquote``.

    Examples:
        >>> brat_file_stem("essays/op-ed 1.txt")
        'essays%2Fop-ed%201.txt'
    """
    if not doc_id:
        raise InputError("E011", what=_WHAT, detail="its id is empty; brat needs a file name")
    return "".join(
        ch if ch in _SAFE and not (i == 0 and ch == ".")
        else "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        for i, ch in enumerate(doc_id)
    )


def to_brat(doc: Document) -> str:
    r"""Write the ``.ann`` file of a document (its ``.txt`` is ``doc.text`` as it is).

    Raises:
        InputError: E011 for a unit without a label or with an empty span, which brat
            cannot hold.

    Examples:
        >>> from argmine import Document, Label, Relation, RelationKind, Unit
        >>> doc = Document("d", "Act. It pays.", (Unit(0, "Act.", 0, 4, label=Label.CLAIM),
        ...     Unit(1, "It pays.", 5, 13, label=Label.PREMISE)),
        ...     (Relation(1, 0, RelationKind.SUPPORT),))
        >>> to_brat(doc).splitlines()
        ['T1\tClaim 0 4\tAct.', 'T2\tPremise 5 13\tIt pays.', 'R1\tsupports Arg1:T2 Arg2:T1\t']
    """
    lines = []
    for unit in doc.units:
        if unit.label is None or unit.start >= unit.end:
            problem = "no label" if unit.label is None else "an empty span"
            raise InputError("E011", what=_WHAT,
                             detail=f"{doc.id!r}: unit {unit.index} has {problem}")
        text = _LINE_BREAK.sub(" ", doc.text[unit.start:unit.end])
        lines.append(f"T{unit.index + 1}\t{BRAT_TYPES[unit.label]} {unit.start} {unit.end}"
                     f"\t{text}\n")
    for number, rel in enumerate(doc.relations, start=1):
        lines.append(f"R{number}\t{BRAT_RELATIONS[RelationKind(rel.kind)]} "
                     f"Arg1:T{rel.source + 1} Arg2:T{rel.target + 1}\t\n")
    return "".join(lines)


def write_brat(docs: Iterable[Document], folder: str | Path) -> list[Path]:
    """Write each document's ``.txt`` and ``.ann`` into ``folder``, with an ``annotation.conf``.

    Args:
        docs: The documents (e.g. what ``argmine tree`` found, read back with
            ``read_corpus("jsonl", ...)``).
        folder: The folder; created if missing. Existing files of the same names are
            replaced.

    Returns:
        The ``.ann`` files written, in document order.

    Raises:
        InputError: E011 if two documents would share a file name (the same id), or as
            :func:`to_brat`.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    seen: set[str] = set()
    for position, doc in enumerate(docs, start=1):
        stem = brat_file_stem(doc.id)
        if stem in seen:
            raise InputError("E011", what=_WHAT, detail=f"document {position} has the id "
                             f"{doc.id!r}, which an earlier document has; ids must be unique")
        seen.add(stem)
        ann = to_brat(doc)
        # newline="": the .txt must hold the text exactly, since offsets count its characters.
        with open(folder / f"{stem}.txt", "w", encoding="utf-8", newline="") as handle:
            handle.write(doc.text)
        with open(folder / f"{stem}.ann", "w", encoding="utf-8", newline="") as handle:
            handle.write(ann)
        written.append(folder / f"{stem}.ann")
    (folder / "annotation.conf").write_text(ANNOTATION_CONF, encoding="utf-8")
    return written


__all__ = [
    "ANNOTATION_CONF",
    "BRAT_RELATIONS",
    "BRAT_TYPES",
    "brat_file_stem",
    "to_brat",
    "write_brat",
]
