"""argmine's data model: Document, Unit, Relation and ArgumentTree.

Plain frozen dataclasses. Every stage takes and returns these types, and each one
round-trips losslessly through ``to_dict``/``from_dict`` (and therefore JSON).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from argmine._version import __version__
from argmine.errors import InputError
from argmine.schema import Label, RelationKind, Role

FORMAT_VERSION = 1


def _opt(enum, value):
    return None if value is None else enum(value)


@dataclass(frozen=True)
class Unit:
    """A unit of text (usually a sentence) with its position and, once labelled, its label.

    Attributes:
        index: Position of the unit in its document (0-based).
        text: The unit's text; always equal to ``document.text[start:end]``.
        start: Start character offset into the document text.
        end: End character offset (exclusive).
        label: The unit's label, or ``None`` if not labelled yet.
        score: Confidence of ``label`` (its probability), if predicted.
        role: ``proponent`` or ``opponent`` relative to the root of its tree, if known.
        scores: Probability of each of the five labels, if predicted.
        paragraph: Index of the paragraph the unit lies in.
        id: The unit's id in its source (e.g. ``"a3"`` in a microtext), if any.

    Examples:
        >>> u = Unit(0, "Not at all.", 10, 21, label=Label.REBUTTAL)
        >>> Unit.from_dict(u.to_dict()) == u
        True
    """

    index: int
    text: str
    start: int
    end: int
    label: Label | None = None
    score: float | None = None
    role: Role | None = None
    scores: Mapping[str, float] | None = None
    paragraph: int = 0
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "index": self.index,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "label": None if self.label is None else self.label.value,
            "score": self.score,
            "role": None if self.role is None else self.role.value,
            "scores": None if self.scores is None else dict(self.scores),
            "paragraph": self.paragraph,
            "id": self.id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Unit:
        """Build a unit from :meth:`to_dict` output."""
        try:
            return cls(
                index=int(data["index"]),
                text=str(data["text"]),
                start=int(data["start"]),
                end=int(data["end"]),
                label=_opt(Label, data.get("label")),
                score=data.get("score"),
                role=_opt(Role, data.get("role")),
                scores=None if data.get("scores") is None else dict(data["scores"]),
                paragraph=int(data.get("paragraph", 0)),
                id=data.get("id"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError("E011", what="unit", detail=repr(exc)) from None


@dataclass(frozen=True)
class Relation:
    """A directed link from ``source`` to ``target`` (unit indices), supporting or attacking.

    Examples:
        >>> r = Relation(4, 3, RelationKind.ATTACK, score=0.9)
        >>> Relation.from_dict(r.to_dict()) == r
        True
    """

    source: int
    target: int
    kind: RelationKind
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "source": self.source,
            "target": self.target,
            "kind": self.kind.value,
            "score": self.score,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Relation:
        """Build a relation from :meth:`to_dict` output."""
        try:
            return cls(
                int(data["source"]),
                int(data["target"]),
                RelationKind(data["kind"]),
                data.get("score"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError("E011", what="relation", detail=repr(exc)) from None


_VERBS = {RelationKind.SUPPORT: "supports", RelationKind.ATTACK: "attacks"}
_PLURALS = {
    Label.PREMISE: ("premise", "premises"),
    Label.COUNTERARGUMENT: ("counterargument", "counterarguments"),
    Label.REBUTTAL: ("rebuttal", "rebuttals"),
    Label.CLAIM: ("claim", "claims"),
}


@dataclass(frozen=True)
class ArgumentTree:
    """One argument: a root claim and the units that hang under it.

    Attributes:
        root: The root unit (a claim).
        nodes: Every unit of the tree, root included, in text order.
        edges: Child → parent relations between the nodes.

    Examples:
        >>> claim = Unit(0, "We should act.", 0, 14, label=Label.CLAIM)
        >>> why = Unit(1, "It pays.", 15, 23, label=Label.PREMISE)
        >>> tree = ArgumentTree(claim, (claim, why), (Relation(1, 0, RelationKind.SUPPORT),))
        >>> tree.summary()
        'We should act. — 1 premise'
        >>> [u.index for u in tree.children(claim)]
        [1]
    """

    root: Unit
    nodes: tuple[Unit, ...]
    edges: tuple[Relation, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(self.nodes))
        object.__setattr__(self, "edges", tuple(self.edges))

    def _node(self, index: int) -> Unit:
        for unit in self.nodes:
            if unit.index == index:
                return unit
        raise KeyError(index)

    def parent(self, unit: Unit | int) -> tuple[Unit, Relation] | None:
        """Return ``(parent unit, relation)`` of a node, or ``None`` for the root."""
        index = unit if isinstance(unit, int) else unit.index
        for edge in self.edges:
            if edge.source == index:
                return self._node(edge.target), edge
        return None

    def children(self, unit: Unit | int) -> list[Unit]:
        """Return the units that link directly to ``unit``, in text order."""
        index = unit if isinstance(unit, int) else unit.index
        kids = [self._node(e.source) for e in self.edges if e.target == index]
        return sorted(kids, key=lambda u: u.index)

    def walk(self) -> Iterator[tuple[Unit, int, Relation | None]]:
        """Yield ``(unit, depth, relation to its parent)`` depth-first from the root."""
        stack: list[tuple[Unit, int, Relation | None]] = [(self.root, 0, None)]
        while stack:
            unit, depth, rel = stack.pop()
            yield unit, depth, rel
            kids = [(self._node(e.source), e) for e in self.edges if e.target == unit.index]
            for kid, edge in sorted(kids, key=lambda p: p[0].index, reverse=True):
                stack.append((kid, depth + 1, edge))

    def counts(self) -> dict[Label, int]:
        """Count the non-root nodes of each label."""
        out: dict[Label, int] = {}
        for unit in self.nodes:
            if unit.index != self.root.index and unit.label is not None:
                out[unit.label] = out.get(unit.label, 0) + 1
        return out

    def summary(self, width: int = 80) -> str:
        """Say in one line what the argument is: its claim and what hangs under it."""
        claim = " ".join(self.root.text.split())
        if len(claim) > width:
            claim = claim[: width - 1].rstrip() + "…"
        counts = self.counts()
        parts = []
        for label in (Label.PREMISE, Label.COUNTERARGUMENT, Label.REBUTTAL, Label.CLAIM):
            n = counts.get(label, 0)
            if n:
                parts.append(f"{n} {_PLURALS[label][n != 1]}")
        return claim + (" — " + ", ".join(parts) if parts else " — no support or attack")

    def outline(self) -> list[str]:
        """The tree as lines, two spaces deeper per level: ``#i label, verb #j (p): text``.

        Examples:
            >>> claim = Unit(0, "Talk.", 0, 5, label=Label.CLAIM, score=0.9)
            >>> why = Unit(1, "It helps.", 6, 15, label=Label.PREMISE, score=0.8)
            >>> tree = ArgumentTree(claim, (claim, why), (Relation(1, 0, RelationKind.SUPPORT),))
            >>> print(tree)
            Talk. — 1 premise
            #0 claim (0.90): Talk.
              #1 premise, supports #0 (0.80): It helps.
        """
        lines = []
        for unit, depth, rel in self.walk():
            head = f"#{unit.index} {unit.label.value if unit.label else 'unlabelled'}"
            if rel is not None:
                head += f", {_VERBS[rel.kind]} #{rel.target}"
            score = "–" if unit.score is None else f"{unit.score:.2f}"
            lines.append(f"{'  ' * depth}{head} ({score}): {' '.join(unit.text.split())}")
        return lines

    def __str__(self) -> str:
        return "\n".join([self.summary(), *self.outline()])

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "root": self.root.index,
            "summary": self.summary(),
            "nodes": [u.to_dict() for u in self.nodes],
            "edges": [e.to_dict() for e in self.edges],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArgumentTree:
        """Build a tree from :meth:`to_dict` output."""
        try:
            nodes = tuple(Unit.from_dict(u) for u in data["nodes"])
            root = next(u for u in nodes if u.index == int(data["root"]))
            edges = tuple(Relation.from_dict(e) for e in data.get("edges", ()))
        except (KeyError, TypeError, ValueError, StopIteration) as exc:
            raise InputError("E011", what="argument tree", detail=repr(exc)) from None
        return cls(root, nodes, edges)


@dataclass(frozen=True)
class Document:
    """A text with its units and, once mined, its relations and argument trees.

    Attributes:
        id: Document identifier.
        text: The full text; unit offsets point into it.
        units: The units, in text order.
        relations: Child → parent links between units.
        trees: The argument trees (a forest) built over the units.
        paragraphs: ``(start, end)`` character spans of the paragraphs, if known.
        meta: Free-form metadata from the source (split, topic, …); JSON-serialisable.

    Examples:
        >>> doc = Document("d1", "A. B.", (Unit(0, "A.", 0, 2), Unit(1, "B.", 3, 5)))
        >>> Document.from_dict(doc.to_dict()) == doc
        True
    """

    id: str
    text: str
    units: tuple[Unit, ...] = ()
    relations: tuple[Relation, ...] = ()
    trees: tuple[ArgumentTree, ...] = ()
    paragraphs: tuple[tuple[int, int], ...] | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", tuple(self.units))
        object.__setattr__(self, "relations", tuple(self.relations))
        object.__setattr__(self, "trees", tuple(self.trees))
        if self.paragraphs is not None:
            object.__setattr__(
                self, "paragraphs", tuple((int(a), int(b)) for a, b in self.paragraphs)
            )

    @property
    def labels(self) -> list[Label | None]:
        """The label of every unit, in order."""
        return [u.label for u in self.units]

    def replace(self, **changes: Any) -> Document:
        """Return a copy with some fields replaced (documents are immutable)."""
        return replace(self, **changes)

    def validate(self) -> Document:
        """Check that units slice back to the text and relations point at units.

        Returns:
            The document itself, so that calls can be chained.

        Raises:
            InputError: With code E011 naming the first problem found.
        """
        n = len(self.units)
        for i, unit in enumerate(self.units):
            if unit.index != i:
                raise InputError("E011", what="document", detail=f"unit {i} has index {unit.index}")
            if not (0 <= unit.start <= unit.end <= len(self.text)):
                raise InputError(
                    "E011", what="document", detail=f"unit {i} span {unit.start}-{unit.end} "
                    f"lies outside the text (length {len(self.text)})"
                )
            if self.text[unit.start : unit.end] != unit.text:
                raise InputError(
                    "E011", what="document", detail=f"unit {i} text does not match its span"
                )
        for rel in self.relations:
            if not (0 <= rel.source < n and 0 <= rel.target < n) or rel.source == rel.target:
                raise InputError(
                    "E011", what="document", detail=f"relation {rel.source}->{rel.target} "
                    f"does not join two distinct units of {n}"
                )
        return self

    def __str__(self) -> str:
        """The document's argument trees as an outline (what ``print(doc)`` shows).

        Examples:
            >>> claim = Unit(0, "Talk.", 0, 5, label=Label.CLAIM, score=0.9)
            >>> print(Document("op-ed", "Talk.", (claim,), (), (ArgumentTree(claim, (claim,)),)))
            Document 'op-ed': 1 argument
            <BLANKLINE>
            Argument 1: Talk. — no support or attack
            #0 claim (0.90): Talk.
        """
        n = len(self.trees)
        lines = [f"Document {self.id!r}: {n} argument{'s' * (n != 1)}"
                 if n else f"Document {self.id!r}: no arguments found"]
        for number, tree in enumerate(self.trees, start=1):
            lines += ["", f"Argument {number}: {tree.summary()}", *tree.outline()]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict carrying ``format_version`` and ``argmine_version``."""
        return {
            "format_version": FORMAT_VERSION,
            "argmine_version": __version__,
            "id": self.id,
            "text": self.text,
            "units": [u.to_dict() for u in self.units],
            "relations": [r.to_dict() for r in self.relations],
            "trees": [t.to_dict() for t in self.trees],
            "paragraphs": None if self.paragraphs is None else [list(p) for p in self.paragraphs],
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Document:
        """Build a document from :meth:`to_dict` output.

        Raises:
            InputError: If the dict is not a document or was written by a newer format.
        """
        version = data.get("format_version", FORMAT_VERSION)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise InputError(
                "E011", what="document", detail=f"format_version {version!r} is newer than "
                f"{FORMAT_VERSION}; upgrade argmine"
            )
        try:
            paragraphs = data.get("paragraphs")
            return cls(
                id=str(data["id"]),
                text=str(data["text"]),
                units=tuple(Unit.from_dict(u) for u in data.get("units", ())),
                relations=tuple(Relation.from_dict(r) for r in data.get("relations", ())),
                trees=tuple(ArgumentTree.from_dict(t) for t in data.get("trees", ())),
                paragraphs=None if paragraphs is None else tuple(tuple(p) for p in paragraphs),
                meta=dict(data.get("meta") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InputError):
                raise
            raise InputError("E011", what="document", detail=repr(exc)) from None
