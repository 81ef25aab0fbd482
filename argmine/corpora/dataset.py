"""Gold documents → a Hugging Face ``datasets.Dataset``, one row per unit or per document."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from argmine.document import Document
from argmine.errors import InputError
from argmine.schema import LABELS, Label

if TYPE_CHECKING:  # imported lazily at run time: `datasets` is slow to import
    import datasets

LEVELS: tuple[str, ...] = ("unit", "document")
"""The row granularities :func:`to_dataset` offers."""

NO_LABEL = -1
"""Class id of an unlabelled unit (the convention of ``datasets`` for a missing label)."""


def _label_id(label: Label | None) -> int:
    return NO_LABEL if label is None else LABELS.index(label)


def _links(doc: Document) -> tuple[list[int], list[str]]:
    """Parent index (``-1`` for none) and relation kind (``""``) of every unit of ``doc``."""
    parents = [-1] * len(doc.units)
    kinds = [""] * len(doc.units)
    for rel in doc.relations:
        if 0 <= rel.source < len(doc.units):
            parents[rel.source] = rel.target
            kinds[rel.source] = rel.kind.value
    return parents, kinds


def _unit_rows(documents: Iterable[Document]) -> dict[str, list[Any]]:
    columns = (
        "doc index text start end label role paragraph parent relation position "
        "prev_text next_text"
    ).split()
    rows: dict[str, list[Any]] = {name: [] for name in columns}
    for doc in documents:
        parents, kinds = _links(doc)
        n = len(doc.units)
        for i, unit in enumerate(doc.units):
            rows["doc"].append(doc.id)
            rows["index"].append(unit.index)
            rows["text"].append(unit.text)
            rows["start"].append(unit.start)
            rows["end"].append(unit.end)
            rows["label"].append(_label_id(unit.label))
            rows["role"].append("" if unit.role is None else unit.role.value)
            rows["paragraph"].append(unit.paragraph)
            rows["parent"].append(parents[i])
            rows["relation"].append(kinds[i])
            rows["position"].append(i / n)
            rows["prev_text"].append(doc.units[i - 1].text if i > 0 else "")
            rows["next_text"].append(doc.units[i + 1].text if i + 1 < n else "")
    return rows


def _document_rows(documents: Iterable[Document]) -> dict[str, list[Any]]:
    columns = "id text units labels starts ends parents relations".split()
    rows: dict[str, list[Any]] = {name: [] for name in columns}
    for doc in documents:
        parents, kinds = _links(doc)
        rows["id"].append(doc.id)
        rows["text"].append(doc.text)
        rows["units"].append([u.text for u in doc.units])
        rows["labels"].append([_label_id(u.label) for u in doc.units])
        rows["starts"].append([u.start for u in doc.units])
        rows["ends"].append([u.end for u in doc.units])
        rows["parents"].append(parents)
        rows["relations"].append(kinds)
    return rows


def to_dataset(documents: Iterable[Document], *, level: str = "unit") -> datasets.Dataset:
    """Turn documents into a ``datasets.Dataset``.

    Args:
        documents: The documents (gold or predicted).
        level: ``"unit"`` for one row per unit, with columns ``doc``, ``index``, ``text``,
            ``start``, ``end``, ``label`` (a ``ClassLabel`` over the five labels in
            :data:`argmine.schema.LABELS` order; ``-1`` if unlabelled), ``role`` (``""`` if
            unknown), ``paragraph``, ``parent`` (unit index, ``-1`` for none), ``relation``
            (``"support"``, ``"attack"`` or ``""``), ``position`` (index / number of units),
            ``prev_text`` and ``next_text`` (``""`` at the ends); ``"document"`` for one row per
            document, with ``id``, ``text`` and the per-unit lists ``units``, ``labels``,
            ``starts``, ``ends``, ``parents`` and ``relations``.

    Returns:
        The dataset, with explicit features (so an empty input still has its columns).

    Raises:
        InputError: E008 for an unknown ``level``.

    Examples:
        >>> from argmine.document import Unit
        >>> doc = Document("d", "A. B.", (Unit(0, "A.", 0, 2, label=Label.CLAIM),
        ...                              Unit(1, "B.", 3, 5)))
        >>> ds = to_dataset([doc])
        >>> ds.features["label"].int2str(ds[0]["label"]), ds[1]["label"], ds[1]["prev_text"]
        ('claim', -1, 'A.')
        >>> to_dataset([doc], level="document")[0]["units"]
        ['A.', 'B.']
    """
    if level not in LEVELS:
        raise InputError("E008", what="level", value=level, options=", ".join(LEVELS))
    import datasets

    names = [label.value for label in LABELS]
    string, int64 = datasets.Value("string"), datasets.Value("int64")
    if level == "unit":
        features = datasets.Features(
            {
                "doc": string,
                "index": int64,
                "text": string,
                "start": int64,
                "end": int64,
                "label": datasets.ClassLabel(names=names),
                "role": string,
                "paragraph": int64,
                "parent": int64,
                "relation": string,
                "position": datasets.Value("float64"),
                "prev_text": string,
                "next_text": string,
            }
        )
        rows = _unit_rows(documents)
    else:
        features = datasets.Features(
            {
                "id": string,
                "text": string,
                "units": datasets.Sequence(string),
                "labels": datasets.Sequence(datasets.ClassLabel(names=names)),
                "starts": datasets.Sequence(int64),
                "ends": datasets.Sequence(int64),
                "parents": datasets.Sequence(int64),
                "relations": datasets.Sequence(string),
            }
        )
        rows = _document_rows(documents)
    return datasets.Dataset.from_dict(rows, features=features)
