r"""Reader of argmine's own brat scheme: what ``write_brat`` exported, as a person corrected it.

A folder of ``NAME.txt`` / ``NAME.ann`` pairs (an ``annotation.conf`` beside them is not
read). Each text-bound annotation is one unit; its type is one of the five labels, in any
case (``Claim``, ``Premise``, ``Counterargument``, ``Rebuttal``, ``None``). Each relation
goes from the child (``Arg1``) to its parent (``Arg2``) and is ``supports`` or ``attacks``
(``support``/``attack`` also do)::

    T1\tClaim 0 14\tWe should act.
    T2\tPremise 15 23\tIt pays.
    R1\tsupports Arg1:T2 Arg2:T1\t

The document id is ``NAME`` (``%XX`` escapes decoded, as the export writes ids that are not
safe file names). Units are ordered by offset; a unit's ``id`` is its brat id (``T2``), and
errors name it so. Paragraphs come from the text. Notes (``#``) and attributes are ignored.
The annotation is checked against the scheme (:mod:`argmine.corpora.corrections`): a label
that contradicts the links is an error naming both, never silently re-derived.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from urllib.parse import unquote

from argmine.corpora._brat import parse_ann_text
from argmine.corpora._common import read_text
from argmine.corpora.corrections import (
    AnnotatedLink,
    AnnotatedUnit,
    check_annotation,
    missing_unit,
)
from argmine.document import Document, Relation, Unit
from argmine.errors import CorpusFormatError
from argmine.schema import Label, RelationKind
from argmine.text.paragraphs import paragraph_index, paragraph_spans

_KINDS = {"supports": RelationKind.SUPPORT, "support": RelationKind.SUPPORT,
          "attacks": RelationKind.ATTACK, "attack": RelationKind.ATTACK}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def read_brat(path: str | Path, *, split: str | None = None) -> list[Document]:
    r"""Read a folder of ``.txt``/``.ann`` pairs in argmine's brat scheme into gold documents.

    Args:
        path: The folder (or one ``.ann`` file).
        split: Read the subfolder of this name (e.g. ``train``) instead.

    Returns:
        The documents, in file-name order, with labels, roles, relations and paragraphs.

    Raises:
        CorpusFormatError: E106 if the folder holds no ``.ann`` files; E009/E003 if a file
            cannot be read; E102–E105/E107 for a line that breaks the brat format or names an
            unknown type; E120–E125 for an annotation that breaks the scheme.

    Examples:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = pathlib.Path(tmp)
        ...     _ = (folder / "d.txt").write_text("Act. It pays.")
        ...     _ = (folder / "d.ann").write_text("T1\tClaim 0 4\tAct.\n"
        ...         "T2\tPremise 5 13\tIt pays.\nR1\tsupports Arg1:T2 Arg2:T1\t\n")
        ...     doc = read_brat(folder)[0]
        >>> [u.label.value for u in doc.units], doc.relations[0].target
        (['claim', 'premise'], 0)
    """
    path = Path(path) if split is None else Path(path) / split
    try:
        mode = path.stat().st_mode
    except OSError:
        raise CorpusFormatError("E106", path=path, what=".ann/.txt") from None
    if stat.S_ISDIR(mode):
        files = sorted(f for f in path.glob("*.ann") if f.is_file())
    else:
        files = [path] if path.suffix == ".ann" and stat.S_ISREG(mode) else []
    if not files:
        raise CorpusFormatError("E106", path=path, what=".ann/.txt")
    return [read_brat_document(f) for f in files]


def read_brat_document(ann_path: str | Path) -> Document:
    """Read one ``NAME.ann`` and the ``NAME.txt`` beside it (see the module docstring)."""
    ann_path = Path(ann_path)
    doc_id = unquote(ann_path.stem)
    text = read_text(ann_path.with_suffix(".txt"))
    content = read_text(ann_path)
    _check_references(content, doc_id, ann_path)
    ann = parse_ann_text(content, text, path=ann_path)
    spans = sorted(ann.spans, key=lambda s: (s.start, s.end))
    units = []
    for span in spans:
        try:
            label = Label(span.type.strip().lower())
        except ValueError:
            raise CorpusFormatError(
                "E107", path=ann_path, line=span.line,
                detail=f"{span.id} has the type {span.type!r}; expected one of Claim, "
                "Premise, Counterargument, Rebuttal, None") from None
        if len(span.fragments) > 1:
            raise CorpusFormatError(
                "E107", path=ann_path, line=span.line,
                detail=f"{span.id} has {len(span.fragments)} fragments; a unit is one "
                "continuous span")
        units.append(AnnotatedUnit(span.start, span.end, text[span.start:span.end], label,
                                   span.id, span.line))
    position = {span.id: i for i, span in enumerate(spans)}
    links = []
    for rel in ann.relations:
        kind = _KINDS.get(rel.type.strip().lower())
        if kind is None:
            raise CorpusFormatError(
                "E107", path=ann_path, line=rel.line,
                detail=f"{rel.id} has the type {rel.type!r}; expected supports or attacks")
        links.append(AnnotatedLink(position[rel.source], position[rel.target], kind, rel.line))
    roles = check_annotation(doc_id, units, links, path=ann_path)
    paragraphs = paragraph_spans(text)
    return Document(
        doc_id, text,
        tuple(Unit(i, u.text, u.start, u.end, label=u.label, role=role,
                   paragraph=paragraph_index(paragraphs, u.start), id=u.name)
              for i, (u, role) in enumerate(zip(units, roles))),
        tuple(Relation(k.source, k.target, k.kind) for k in links),
        paragraphs=paragraphs, meta={"corpus": "brat"},
    )


def _check_references(content: str, doc_id: str, ann_path: Path) -> None:
    """E121 for a relation that names a span the file does not define (before parsing)."""
    spans = {line.split("\t", 1)[0] for line in _LINE_BREAK.split(content)
             if line.startswith("T")}
    for number, line in enumerate(_LINE_BREAK.split(content), start=1):
        fields = line.split("\t")
        if not line.startswith("R") or len(fields) < 2 or len(fields[1].split()) != 3:
            continue  # not a relation, or one the parser reports (E102)
        args = [a.partition(":")[2] for a in fields[1].split()[1:]]
        for ref in args:
            if ref and ref not in spans:
                source = args[0] if args[0] in spans else f"named by {fields[0]}"
                raise missing_unit(doc_id, source, ref, path=ann_path, line=number)


__all__ = ["read_brat", "read_brat_document"]
