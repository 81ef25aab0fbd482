"""A generic parser for brat standoff annotation (``.ann``) files.

Only what argument corpora use is modelled: text-bound spans (``T``), binary relations
(``R``) and attributes (``A``, or the legacy ``M`` modifiers). Lines of the other kinds
brat defines (events ``E``, normalisations ``N``, notes ``#``, equivalences ``*``) are
skipped, as are blank lines; any other line is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from argmine.corpora._common import read_text
from argmine.errors import CorpusFormatError

# Split on any line ending: brat writes "\n", but files that passed through Windows or old
# Mac tools carry "\r\n" or "\r", and a text field never holds a line break.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ID = re.compile(r"[A-Za-z#*]+[0-9]*\Z")
_ARG = re.compile(r"([^:\s]+):(\S+)\Z")
_SKIPPED_KINDS = ("E", "N", "#", "*")


@dataclass(frozen=True)
class BratSpan:
    """A text-bound annotation (``T`` line).

    Attributes:
        id: The annotation id, e.g. ``"T3"``.
        type: The entity type, e.g. ``"Premise"``.
        start: Start offset of the outer span (the first fragment's start).
        end: End offset of the outer span (the last fragment's end), exclusive.
        text: The text field of the line.
        fragments: ``(start, end)`` of each fragment; one for a continuous span.
        line: The 1-based line number in the ``.ann`` file.
    """

    id: str
    type: str
    start: int
    end: int
    text: str
    fragments: tuple[tuple[int, int], ...]
    line: int


@dataclass(frozen=True)
class BratRelation:
    """A binary relation (``R`` line), from ``source`` (``Arg1``) to ``target`` (``Arg2``).

    Attributes:
        id: The annotation id, e.g. ``"R1"``.
        type: The relation type, e.g. ``"supports"``.
        source: The id of the ``Arg1`` span.
        target: The id of the ``Arg2`` span.
        line: The 1-based line number in the ``.ann`` file.
    """

    id: str
    type: str
    source: str
    target: str
    line: int


@dataclass(frozen=True)
class BratAttribute:
    """An attribute (``A`` or ``M`` line) of a span or relation.

    Attributes:
        id: The annotation id, e.g. ``"A1"``.
        type: The attribute name, e.g. ``"Stance"``.
        target: The id of the annotation it qualifies.
        value: Its value, or ``None`` for a binary (flag) attribute.
        line: The 1-based line number in the ``.ann`` file.
    """

    id: str
    type: str
    target: str
    value: str | None
    line: int


@dataclass(frozen=True)
class BratAnnotation:
    """The parsed content of one ``.ann`` file, each kind in file order.

    Attributes:
        path: The ``.ann`` file (named in errors).
        spans: The text-bound annotations.
        relations: The relations.
        attributes: The attributes.
    """

    path: str
    spans: tuple[BratSpan, ...] = ()
    relations: tuple[BratRelation, ...] = ()
    attributes: tuple[BratAttribute, ...] = ()

    def span(self, span_id: str) -> BratSpan:
        """Return the span with id ``span_id``.

        Raises:
            KeyError: If there is none.
        """
        for span in self.spans:
            if span.id == span_id:
                return span
        raise KeyError(span_id)

    def attribute_values(self, name: str) -> dict[str, str | None]:
        r"""Map each annotation id to the value of its attribute ``name``.

        Examples:
            >>> ann = parse_ann_text("T1\tClaim 0 2\tOK\nA1\tStance T1 For\n", "OK")
            >>> ann.attribute_values("Stance")
            {'T1': 'For'}
        """
        return {a.target: a.value for a in self.attributes if a.type == name}


def parse_ann(path: str | Path, text: str) -> BratAnnotation:
    """Read and check a brat ``.ann`` file against the text of its document.

    Args:
        path: The ``.ann`` file, read as UTF-8 with its line endings kept.
        text: The document text (the ``.txt`` file as is); offsets count its characters.

    Returns:
        The parsed annotation.

    Raises:
        CorpusFormatError: E009/E003 if the file cannot be read; otherwise as
            :func:`parse_ann_text`.
    """
    return parse_ann_text(read_text(Path(path)), text, path=path)


def read_typed(
    ann_path: Path, types, kinds
) -> tuple[str, BratAnnotation]:
    """Read ``<name>.txt`` and ``<name>.ann``, checking component and relation types.

    Args:
        ann_path: The ``.ann`` file; the text is the ``.txt`` beside it.
        types: The component types the corpus defines.
        kinds: The relation types the corpus defines.

    Returns:
        ``(text, annotation)``.

    Raises:
        CorpusFormatError: E107 naming the line of an unknown component or relation type.
    """
    text = read_text(ann_path.with_suffix(".txt"))
    ann = parse_ann(ann_path, text)
    for span in ann.spans:
        if span.type not in types:
            raise CorpusFormatError(
                "E107", path=ann_path, line=span.line,
                detail=f"unknown component type {span.type!r}; expected one of {tuple(types)}",
            )
    for rel in ann.relations:
        if rel.type not in kinds:
            raise CorpusFormatError(
                "E107", path=ann_path, line=rel.line,
                detail=f"unknown relation type {rel.type!r}; expected one of {tuple(kinds)}",
            )
    return text, ann


def parse_ann_text(content: str, text: str, *, path: str | Path = "<string>") -> BratAnnotation:
    r"""Parse brat standoff ``content`` and check it against the document ``text``.

    A discontinuous span (``start end;start end``) keeps its fragments and takes the
    outer span as ``start``/``end``. References are resolved after the whole file is read,
    since brat allows a line to refer to an annotation defined further down.

    Args:
        content: The ``.ann`` file content.
        text: The document text.
        path: The file named in errors.

    Returns:
        The parsed annotation.

    Raises:
        CorpusFormatError: E102 for a line that does not parse or has an unknown kind,
            E103 for offsets outside the text, E104 for a relation or attribute that refers
            to an undefined id, E105 when a span's text field differs from the text at its
            offsets, E107 for an id defined twice. Each names the 1-based line.

    Examples:
        >>> ann = parse_ann_text(
        ...     "T1\tClaim 0 6\tWe act\nT2\tPremise 8 12\tWhy?\n"
        ...     "R1\tsupports Arg1:T2 Arg2:T1\t\n", "We act. Why?")
        >>> [(s.id, s.type, s.start, s.end) for s in ann.spans]
        [('T1', 'Claim', 0, 6), ('T2', 'Premise', 8, 12)]
        >>> ann.relations[0].source, ann.relations[0].target
        ('T2', 'T1')
    """
    spans: list[BratSpan] = []
    relations: list[BratRelation] = []
    attributes: list[BratAttribute] = []
    defined: dict[str, int] = {}
    for number, line in enumerate(_LINE_BREAK.split(content), start=1):
        if not line.strip():
            continue
        ann_id = line.split("\t", 1)[0]
        if not _ID.match(ann_id):
            raise _bad(path, number, f"{ann_id!r} is not a brat annotation id")
        kind = ann_id[0]
        if kind in _SKIPPED_KINDS:
            # Not modelled; brat allows them, so they are not errors.
            continue
        if kind == "T":
            spans.append(_parse_span(line, number, text, path))
        elif kind == "R":
            relations.append(_parse_relation(line, number, path))
        elif kind in ("A", "M"):
            attributes.append(_parse_attribute(line, number, path))
        else:
            raise _bad(path, number, f"unknown annotation kind {kind!r}")
        if ann_id in defined:
            raise CorpusFormatError(
                "E107", path=path, line=number,
                detail=f"id {ann_id} is already defined on line {defined[ann_id]}",
            )
        defined[ann_id] = number
    span_ids = {s.id for s in spans}
    for rel in relations:
        for ref in (rel.source, rel.target):
            if ref not in span_ids:
                raise CorpusFormatError("E104", path=path, line=rel.line, ref=ref)
    targets = span_ids | {r.id for r in relations}
    for attr in attributes:
        if attr.target not in targets:
            raise CorpusFormatError("E104", path=path, line=attr.line, ref=attr.target)
    return BratAnnotation(str(path), tuple(spans), tuple(relations), tuple(attributes))


def _bad(path: str | Path, number: int, detail: str) -> CorpusFormatError:
    return CorpusFormatError("E102", path=path, line=number, detail=detail)


def _parse_span(line: str, number: int, text: str, path: str | Path) -> BratSpan:
    fields = line.split("\t", 2)
    if len(fields) != 3:
        raise _bad(path, number, "a T line needs three tab-separated fields")
    ann_id, middle, found = fields
    type_name, _, offsets = middle.strip().partition(" ")
    if not type_name or not offsets:
        raise _bad(path, number, f"no type and offsets in {middle!r}")
    fragments = []
    for part in offsets.split(";"):
        pieces = part.split()
        if len(pieces) != 2 or not all(p.isdigit() for p in pieces):
            raise _bad(path, number, f"bad offsets {part!r}")
        start, end = int(pieces[0]), int(pieces[1])
        if not start < end <= len(text):
            raise CorpusFormatError(
                "E103", path=path, line=number, start=start, end=end, length=len(text)
            )
        fragments.append((start, end))
    # brat writes the fragments' texts joined by one space, and a line break as a space;
    # some tools end T lines with a tab, as brat does R lines (AAE2 essay163, for one).
    expected = " ".join(text[s:e] for s, e in fragments)
    if not {found, found.rstrip("\t")} & {expected, _LINE_BREAK.sub(" ", expected)}:
        raise CorpusFormatError("E105", path=path, line=number, found=found, expected=expected)
    return BratSpan(
        id=ann_id,
        type=type_name,
        start=min(s for s, _ in fragments),
        end=max(e for _, e in fragments),
        text=found if found == expected else found.rstrip("\t"),
        fragments=tuple(fragments),
        line=number,
    )


def _parse_relation(line: str, number: int, path: str | Path) -> BratRelation:
    # brat ends R lines with a tab and an empty (ignored) field, so only field 2 counts.
    fields = line.split("\t")
    if len(fields) < 2:
        raise _bad(path, number, "an R line needs a tab after its id")
    pieces = fields[1].split()
    if len(pieces) != 3:
        raise _bad(path, number, f"expected '<type> Arg1:<id> Arg2:<id>', got {fields[1]!r}")
    args = [_ARG.match(p) for p in pieces[1:]]
    if args[0] is None or args[1] is None:
        raise _bad(path, number, f"bad relation arguments in {fields[1]!r}")
    roles = {m.group(1): m.group(2) for m in args if m is not None}
    if set(roles) == {"Arg1", "Arg2"}:
        source, target = roles["Arg1"], roles["Arg2"]
    else:
        # Custom role names: brat keeps them in order, first the source.
        source, target = args[0].group(2), args[1].group(2)
    return BratRelation(fields[0], pieces[0], source, target, number)


def _parse_attribute(line: str, number: int, path: str | Path) -> BratAttribute:
    fields = line.split("\t")
    pieces = fields[1].split() if len(fields) >= 2 else []
    if len(pieces) not in (2, 3):
        raise _bad(path, number, "expected an attribute line '<name> <id> [<value>]'")
    value = pieces[2] if len(pieces) == 3 else None
    return BratAttribute(fields[0], pieces[0], pieces[1], value, number)


__all__ = [
    "BratAnnotation",
    "BratAttribute",
    "BratRelation",
    "BratSpan",
    "parse_ann",
    "parse_ann_text",
]
