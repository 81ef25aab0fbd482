"""JSON export: a flat, stable record of units and trees, its reader, and JSON Lines records.

The export is meant for other programs, so its shape is small and fixed::

    {"doc": ID,
     "units": [{"index", "text", "start", "end", "label", "role", "parent", "relation",
                "score"}],
     "trees": [{"root": INDEX, "summary": "...", "units": [INDEX, ...]}]}

It is not the lossless format: :meth:`Document.to_dict` keeps everything (the full text,
per-label scores, relation scores, paragraphs, metadata).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from argmine.document import ArgumentTree, Document, Relation, Unit
from argmine.errors import InputError
from argmine.export._common import links
from argmine.schema import RelationKind, Role, to_label

_WHAT = "argmine JSON export"


def to_json(doc: Document, *, indent: int | None = 2) -> str:
    r"""Write the document's units and trees as JSON (see the module docstring for the shape).

    Args:
        doc: The mined document.
        indent: Indentation of the JSON text; ``None`` writes one line.

    Returns:
        The JSON text. Non-ASCII characters are written as they are, not as ``\u`` escapes.

    Examples:
        >>> from argmine import ArgumentTree, Document, Label, Relation, RelationKind, Unit
        >>> claim = Unit(0, "Talk.", 0, 5, label=Label.CLAIM, score=0.9)
        >>> why = Unit(1, "It helps.", 6, 15, label=Label.PREMISE, score=0.8)
        >>> link = Relation(1, 0, RelationKind.SUPPORT)
        >>> tree = ArgumentTree(claim, (claim, why), (link,))
        >>> doc = Document("d", "Talk. It helps.", (claim, why), (link,), (tree,))
        >>> data = json.loads(to_json(doc))
        >>> data["units"][1]["parent"], data["units"][1]["relation"], data["trees"][0]["units"]
        (0, 'support', [0, 1])
    """
    return json.dumps(_as_dict(doc), indent=indent, ensure_ascii=False)


def _as_dict(doc: Document) -> dict[str, Any]:
    parents = links(doc)
    units = []
    for unit in doc.units:
        rel = parents.get(unit.index)
        units.append(
            {
                "index": unit.index,
                "text": unit.text,
                "start": unit.start,
                "end": unit.end,
                "label": None if unit.label is None else unit.label.value,
                "role": None if unit.role is None else unit.role.value,
                "parent": None if rel is None else rel.target,
                "relation": None if rel is None else rel.kind.value,
                "score": _opt_float(unit.score),
            }
        )
    trees = [
        {"root": t.root.index, "summary": t.summary(), "units": [u.index for u in t.nodes]}
        for t in doc.trees
    ]
    return {"doc": doc.id, "units": units, "trees": trees}


def from_json(data: str | bytes | Mapping[str, Any]) -> Document:
    """Rebuild a :class:`Document` with units, relations and trees from :func:`to_json` output.

    The export does not hold the full text, so the rebuilt ``text`` places each unit at its
    offsets and fills the gaps with spaces; unit offsets and texts stay exact. Tree edges
    come back in the text order of their child unit. Per-label scores, relation scores,
    paragraphs and metadata are not part of the export and come back empty.

    Args:
        data: The JSON text, or the already parsed dict.

    Returns:
        A validated document.

    Raises:
        InputError: E011 when the data is not valid JSON or not in the export's shape.

    Examples:
        >>> text = '''{"doc": "d", "units": [
        ...   {"index": 0, "text": "Talk.", "start": 0, "end": 5, "label": "claim",
        ...    "role": "proponent", "parent": null, "relation": null, "score": 0.9},
        ...   {"index": 1, "text": "It helps.", "start": 6, "end": 15, "label": "premise",
        ...    "role": "proponent", "parent": 0, "relation": "support", "score": 0.8}],
        ...  "trees": [{"root": 0, "summary": "Talk. — 1 premise", "units": [0, 1]}]}'''
        >>> doc = from_json(text)
        >>> doc.text, doc.trees[0].summary()
        ('Talk. It helps.', 'Talk. — 1 premise')
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except json.JSONDecodeError as exc:
            raise InputError("E011", what=_WHAT, detail=f"not JSON: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("units"), list):
        raise InputError("E011", what=_WHAT, detail="expected an object with a 'units' list")
    try:
        records = sorted(data["units"], key=lambda r: int(r["index"]))
        units = tuple(_unit(r) for r in records)
        relations = tuple(
            Relation(int(r["index"]), int(r["parent"]), RelationKind(r["relation"]))
            for r in records
            if r.get("parent") is not None
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError("E011", what=_WHAT, detail=f"bad unit record: {exc!r}") from None
    for position, unit in enumerate(units):
        if unit.index != position:
            raise InputError(
                "E011", what=_WHAT, detail=f"unit indices must run 0…{len(units) - 1}; "
                f"found {unit.index} at position {position}"
            )
    trees = tuple(_tree(t, units, relations) for t in data.get("trees") or ())
    doc = Document(str(data.get("doc", "")), _rebuild_text(units), units, relations, trees)
    return doc.validate()


def _unit(record: Mapping[str, Any]) -> Unit:
    label = record.get("label")
    role = record.get("role")
    score = record.get("score")
    return Unit(
        index=int(record["index"]),
        text=str(record["text"]),
        start=int(record["start"]),
        end=int(record["end"]),
        label=None if label is None else to_label(label),
        score=None if score is None else float(score),
        role=None if role is None else Role(role),
    )


def _tree(
    record: Any, units: tuple[Unit, ...], relations: tuple[Relation, ...]
) -> ArgumentTree:
    try:
        members = [int(i) for i in record["units"]]
        root = units[int(record["root"])]
        nodes = tuple(units[i] for i in members)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputError("E011", what=_WHAT, detail=f"bad tree record: {exc!r}") from None
    if root.index not in members:
        raise InputError("E011", what=_WHAT, detail=f"tree root {root.index} is not among "
                         f"its units {members}")
    inside = set(members)
    # The export keeps one parent per unit, so a tree's edges are the links among its units.
    edges = tuple(r for r in relations if r.source in inside and r.target in inside)
    return ArgumentTree(root, nodes, edges)


def _rebuild_text(units: tuple[Unit, ...]) -> str:
    parts: list[str] = []
    length = 0
    for unit in sorted(units, key=lambda u: (u.start, u.end)):
        if unit.end - unit.start != len(unit.text) or unit.start < length:
            raise InputError(
                "E011", what=_WHAT, detail=f"unit {unit.index} span {unit.start}-{unit.end} "
                "overlaps another unit or does not match its text length"
            )
        parts.append(" " * (unit.start - length))
        parts.append(unit.text)
        length = unit.end
    return "".join(parts)


def _opt_float(value: Any) -> float | None:
    # numpy floats are not JSON-serialisable; a plain float is.
    return None if value is None else float(value)
