"""Sentence-level views of gold documents whose units are sub-sentence spans.

Some corpora (AAE2, CDCP, AbstRCT, web discourse) annotate clauses or spans rather than
sentences, while argmine labels sentences. :func:`sentence_view` re-segments such a document
with :func:`argmine.units.segment` and projects the gold labels and relations onto the
sentences, by these rules:

1. **Home sentence.** A gold unit belongs to the sentence that holds most of its characters
   (the earlier sentence on a tie). A unit that overlaps no sentence (blank) has no home.
2. **Label.** A sentence takes the label and role of the gold unit that covers most of its
   characters (the earlier unit on a tie), its *source unit*; a sentence that no gold unit
   overlaps is ``none`` with no role.
3. **Parent.** A sentence's parent comes from its source unit alone, so that its label and its
   link agree (a ``claim`` sentence gets no parent; a ``premise`` sentence links where its
   premise points). Starting at the source unit, follow gold links upwards past every unit
   whose home is the sentence itself (or that has no home) to the first ancestor housed in
   another sentence; that ancestor's home is the parent. Self-links are never made, and each
   sentence has at most one parent because each unit does.
4. **Kind.** The link's kind composes the kinds along the followed path as roles do: an even
   number of attacks makes a support, an odd number an attack.
5. **Forest.** Projection can close a cycle (two sentences each holding a unit that points
   into the other). Links are added in sentence order and one that would close a cycle is
   dropped, so the result is always a forest.

Gold trees are unit-level and are not carried over; the indices of the source units are kept
in ``meta["label_source"]`` (``None`` for an uncovered sentence).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from argmine.document import Document, Relation, Unit
from argmine.schema import Label, RelationKind
from argmine.text.paragraphs import paragraph_spans
from argmine.text.segmentation import segment


def _overlap(a: Unit, b: Unit) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _argmax_overlap(unit: Unit, others: list[Unit]) -> int | None:
    """Index in ``others`` of the one sharing most characters with ``unit`` (earliest wins)."""
    best, best_size = None, 0
    for j, other in enumerate(others):
        size = _overlap(unit, other)
        if size > best_size:
            best, best_size = j, size
    return best


def _creates_cycle(parents: dict[int, int], child: int, parent: int) -> bool:
    node: int | None = parent
    while node is not None:
        if node == child:
            return True
        node = parents.get(node)
    return False


def sentence_view(doc: Document) -> Document:
    """Project a gold document onto its sentences (rules in the module docstring).

    Args:
        doc: A gold document; its units may be any spans of ``doc.text``.

    Returns:
        A new document over the same text whose units are the sentences of ``doc.text``,
        labelled, with sentence-level relations and no trees.

    Examples:
        >>> from argmine.schema import Role
        >>> text = "We must act because it pays. Nobody cares."
        >>> gold = Document("d", text, (
        ...     Unit(0, "We must act", 0, 11, label=Label.CLAIM, role=Role.PROPONENT),
        ...     Unit(1, "it pays", 20, 27, label=Label.PREMISE, role=Role.PROPONENT),
        ...     Unit(2, "Nobody cares", 29, 41, label=Label.COUNTERARGUMENT, role=Role.OPPONENT),
        ... ), (Relation(1, 0, RelationKind.SUPPORT), Relation(2, 0, RelationKind.ATTACK)))
        >>> view = sentence_view(gold)
        >>> [(u.text, u.label.value) for u in view.units]
        [('We must act because it pays.', 'claim'), ('Nobody cares.', 'counterargument')]
        >>> [(r.source, r.target, r.kind.value) for r in view.relations]
        [(1, 0, 'attack')]
    """
    sentences = segment(doc.text)
    gold = list(doc.units)
    home = [_argmax_overlap(unit, sentences) for unit in gold]
    gold_parent = {rel.source: rel for rel in doc.relations}

    units: list[Unit] = []
    label_source: list[int | None] = []
    for sentence in sentences:
        src = _argmax_overlap(sentence, gold)
        label_source.append(src)
        covering = None if src is None else gold[src]
        label = None if covering is None else covering.label
        units.append(
            replace(
                sentence,
                label=Label.NONE if label is None else label,
                role=None if covering is None else covering.role,
            )
        )

    parents: dict[int, int] = {}
    relations: list[Relation] = []
    for s, src in enumerate(label_source):
        if src is None:
            continue
        attacks = 0
        node, seen = src, {src}
        while node in gold_parent:
            rel = gold_parent[node]
            attacks += rel.kind is RelationKind.ATTACK
            node = rel.target
            if node in seen or not (0 <= node < len(gold)):  # malformed gold: stop safely
                break
            seen.add(node)
            target = home[node]
            if target is not None and target != s:
                if not _creates_cycle(parents, s, target):
                    parents[s] = target
                    kind = RelationKind.ATTACK if attacks % 2 else RelationKind.SUPPORT
                    relations.append(Relation(s, target, kind))
                break

    return Document(
        id=doc.id,
        text=doc.text,
        units=tuple(units),
        relations=tuple(relations),
        paragraphs=paragraph_spans(doc.text),
        meta={**dict(doc.meta), "label_source": label_source},
    )


def sentence_documents(docs: Iterable[Document]) -> list[Document]:
    """Apply :func:`sentence_view` to every document.

    Examples:
        >>> docs = sentence_documents([Document("d", "Hi. There.")])
        >>> [u.label.value for u in docs[0].units]
        ['none', 'none']
    """
    return [sentence_view(doc) for doc in docs]
