"""Reader for AbstRCT (Mayer, Cabrio & Villata 2020): argument-annotated RCT abstracts."""

from __future__ import annotations

from pathlib import Path

from argmine.corpora._brat import BratAnnotation, BratRelation, read_typed
from argmine.corpora._common import build_document
from argmine.document import Document
from argmine.errors import CorpusFormatError, InputError
from argmine.schema import Label, RelationKind, Role

_SPLITS = ("train", "dev", "test")
_TYPES = ("MajorClaim", "Claim", "Premise")
_KINDS = {
    "Support": RelationKind.SUPPORT,
    "Attack": RelationKind.ATTACK,
    "Partial-Attack": RelationKind.ATTACK,
}


def read_abstrct(path: str | Path, *, split: str | None = None) -> list[Document]:
    r"""Read the AbstRCT abstracts as gold documents.

    Units are the brat components (exact character spans). Labels follow the corpus
    README's mapping directly, since AbstRCT has no proponent/opponent roles and its
    Claim → Claim supports would otherwise derive as premises:

    * a component with an outgoing ``Attack`` or ``Partial-Attack`` (whatever its other
      relations) is a ``counterargument`` (role opponent);
    * otherwise a MajorClaim or Claim is a ``claim`` and a Premise a ``premise``, linked
      or not (role proponent).

    ``Support`` gives a support relation; ``Attack`` and ``Partial-Attack`` give attacks.
    A unit keeps one parent for the tree: among its outgoing relations the first in file
    order whose kind agrees with its label (an attack for a counterargument, a support
    otherwise), else its first. The 63 other relations (of 56 premises and 4 claims with
    several outgoing relations) are kept in ``meta["extra_relations"]`` as
    ``[source id, target id, brat type]``.

    Over the whole corpus this gives the README's figures: 4,473 units; claim 1,371
    (130 + 1,081 + 160), premise 2,757 (2,189 + 568), counterargument 345 (117 + 228).
    Deviation: the README says 500 documents, but its own subsets (350 + 50 + 100 + 100 +
    100) hold 700 files, over which its unit counts are computed; the reader returns all
    700. The 500 are the neoplasm abstracts (train 350, dev 50, neoplasm_test 100). Only
    669 PMIDs are distinct: mixed_test repeats, with identical annotation, 20 abstracts of
    neoplasm_test and 11 of glaucoma_test, so pool test subsets with care.

    Args:
        path: The ``abstrct`` folder or any folder below it (``AbstRCT_corpus``, ``data``,
            a split folder such as ``data/test`` or a subset folder). Every ``<PMID>.ann``
            under it is read with the ``<PMID>.txt`` beside it.
        split: ``"train"``, ``"dev"``, ``"test"`` or ``None`` for all.

    Returns:
        One document per file, sorted by path, with id ``"<subset>/<PMID>"`` (a PMID may
        occur in several subsets) and ``meta`` keys ``corpus`` (``"abstrct"``), ``split``,
        ``subset`` (the file's folder, e.g. ``"neoplasm_train"``, ``"mixed_test"``),
        ``pmid`` and ``extra_relations``.

    Raises:
        InputError: E301 for an unknown ``split``.
        CorpusFormatError: E106 if no ``.ann`` file is found; E107 for an unknown
            component or relation type; the codes of
            :func:`argmine.corpora._brat.parse_ann` for broken ``.ann`` files; E109 if
            the kept relations form a cycle.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     folder = Path(tmp) / "train" / "neoplasm_train"
        ...     folder.mkdir(parents=True)
        ...     _ = (folder / "42.txt").write_text("Drug X works. Pain fell.")
        ...     _ = (folder / "42.ann").write_text(
        ...         "T1\tClaim 0 13\tDrug X works.\nT2\tPremise 14 24\tPain fell.\n"
        ...         "R1\tSupport Arg1:T2 Arg2:T1\t\n")
        ...     doc = read_abstrct(tmp)[0]
        >>> doc.id, doc.meta["split"], [u.label.value for u in doc.units]
        ('neoplasm_train/42', 'train', ['claim', 'premise'])
    """
    if split is not None and split not in _SPLITS:
        raise InputError(
            "E301", param="split", owner="read_abstrct",
            expected="None, 'train', 'dev' or 'test'", value=split,
        )
    folder = Path(path)
    anns = sorted(folder.rglob("*.ann")) if folder.is_dir() else []
    if not anns:
        raise CorpusFormatError("E106", path=folder, what="AbstRCT .ann")
    documents = []
    for ann_path in anns:
        file_split = _split_of(ann_path)
        if split is None or file_split == split:
            documents.append(_read_abstract(ann_path, file_split))
    return documents


def _split_of(ann_path: Path) -> str | None:
    """Return the split from the folder layout ``<split>/<subset>/<PMID>.ann``."""
    grandparent = ann_path.parent.parent.name
    if grandparent in _SPLITS:
        return grandparent
    # A flat copy of one subset folder still names its split: "glaucoma_test".
    suffix = ann_path.parent.name.rpartition("_")[2]
    return suffix if suffix in _SPLITS else None


def _read_abstract(ann_path: Path, split: str | None) -> Document:
    text, ann = read_typed(ann_path, _TYPES, _KINDS)
    outgoing: dict[str, list[BratRelation]] = {}
    for rel in ann.relations:
        outgoing.setdefault(rel.source, []).append(rel)
    labels = _labels(ann, outgoing)
    links: list[tuple[str, str, RelationKind]] = []
    extra: list[list[str]] = []
    for source, rels in outgoing.items():
        wants_attack = labels[source] is Label.COUNTERARGUMENT
        kept = next(
            (r for r in rels if (_KINDS[r.type] is RelationKind.ATTACK) == wants_attack), rels[0]
        )
        links.append((source, kept.target, _KINDS[kept.type]))
        extra.extend([r.source, r.target, r.type] for r in rels if r is not kept)
    roles = {
        uid: Role.OPPONENT if label is Label.COUNTERARGUMENT else Role.PROPONENT
        for uid, label in labels.items()
    }
    subset = ann_path.parent.name
    return build_document(
        f"{subset}/{ann_path.stem}",
        text,
        [(s.start, s.end, s.id) for s in ann.spans],
        links,
        path=ann_path,
        labels=labels,
        roles=roles,
        meta={
            "corpus": "abstrct",
            "split": split,
            "subset": subset,
            "pmid": ann_path.stem,
            "extra_relations": extra,
        },
    )


def _labels(ann: BratAnnotation, outgoing: dict[str, list[BratRelation]]) -> dict[str, Label]:
    """Apply the README's mapping, which looks at a unit's type and outgoing relations."""
    labels = {}
    for span in ann.spans:
        kinds = {_KINDS[r.type] for r in outgoing.get(span.id, ())}
        if RelationKind.ATTACK in kinds:
            labels[span.id] = Label.COUNTERARGUMENT
        elif span.type == "Premise":
            labels[span.id] = Label.PREMISE
        else:
            labels[span.id] = Label.CLAIM
    return labels


__all__ = ["read_abstrct"]
