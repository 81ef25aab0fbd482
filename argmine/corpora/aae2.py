"""Reader for Argument Annotated Essays, version 2 (Stab & Gurevych 2017), in brat format."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from argmine.corpora._brat import BratAnnotation, read_typed
from argmine.corpora._common import build_document, read_text
from argmine.document import Document
from argmine.errors import CorpusFormatError, InputError
from argmine.schema import Label, RelationKind, Role

_SPLITS = ("train", "test")
_SPLIT_FILE = "train-test-split.csv"
_BRAT_FOLDER = "brat-project-final"
_TYPES = ("MajorClaim", "Claim", "Premise")
_KINDS = {"supports": RelationKind.SUPPORT, "attacks": RelationKind.ATTACK}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def read_aae2(
    path: str | Path,
    *,
    split: str | None = None,
    split_file: str | Path | None = None,
    link_for_claims: bool = False,
) -> list[Document]:
    r"""Read the AAE2 essays as gold documents.

    Units are the brat components (exact character spans). Line 1 of each ``.txt`` is the
    essay's title; it stays in the text and is also stored as ``meta["title"]``.

    Labels follow the corpus README's mapping, obtained through the scheme's role rule
    (:func:`argmine.corpora._common.build_document`) on this tree structure:

    * brat ``supports``/``attacks`` relations give the premise → claim/premise links;
    * a Claim with ``Stance=Against`` attacks the first MajorClaim of the essay (in text
      order): the essay links claims to major claims only through the stance, and this
      makes the Against claim an opponent, i.e. ``counterargument``;
    * a Claim with ``Stance=For`` is the root of its own paragraph tree, and every
      MajorClaim is a root. Both are labelled ``claim``/proponent by override, since one
      without premises (or without attackers) is in no link. With ``link_for_claims=True``
      a For claim supports the first MajorClaim instead and is labelled by the rule, like
      any supporting proponent unit: ``premise`` (the README's tree view: "a premise of
      the MajorClaim");
    * a premise thus takes the side it reaches by following its relation chain up to a
      Claim or MajorClaim, flipping on each ``attacks``: supporting the For side gives
      ``premise``, supporting the Against side or attacking the For side gives
      ``counterargument``, attacking the Against side gives ``rebuttal``.

    Over all 402 essays this gives exactly the README's figures: claim 1,979 (751 major
    claims + 1,228 For claims), counterargument 703 (278 + 361 + 64), premise 3,252,
    rebuttal 155; 6,089 units; official split 322 train / 80 test.

    Args:
        path: The ``aae2`` folder (holding ``brat-project-final/`` and
            ``train-test-split.csv``), or a folder of ``essayNNN.txt``/``.ann`` files (the
            split file is then looked for in it and in its parent).
        split: ``"train"``, ``"test"`` or ``None`` for every essay.
        split_file: The split file to use instead of looking for ``train-test-split.csv``
            (in the folder, then in the essays folder's parent). It must exist.
        link_for_claims: Link each For claim to the first MajorClaim by a support, which
            makes it a ``premise`` (a For claim in an essay without a MajorClaim stays a
            root). Default ``False``: the corpus's own structure, in which claims reach the
            major claim only by stance, and the README's label figures.

    Returns:
        One document per essay, sorted by id (``"essay001"`` …), with ``meta`` keys
        ``corpus`` (``"aae2"``), ``split`` (``None`` if no split file names the essay) and
        ``title``.

    Raises:
        InputError: E301 for an unknown ``split``.
        CorpusFormatError: E106 if the folder holds no essays, if ``split_file`` is given
            but is not a file, or if ``split`` is given and there is no split file; E107
            for an unknown component or relation type, a Claim without a stance, or an
            Against claim in an essay without a MajorClaim; the codes of
            :func:`argmine.corpora._brat.parse_ann` for broken ``.ann`` files.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     _ = (Path(tmp) / "essay001.txt").write_text("Title\n\nAct now. It pays.")
        ...     _ = (Path(tmp) / "essay001.ann").write_text(
        ...         "T1\tClaim 7 15\tAct now.\nA1\tStance T1 For\n"
        ...         "T2\tPremise 16 24\tIt pays.\nR1\tsupports Arg1:T2 Arg2:T1\t\n")
        ...     [u.label.value for u in read_aae2(tmp)[0].units]
        ['claim', 'premise']
    """
    if split is not None and split not in _SPLITS:
        raise InputError(
            "E301", param="split", owner="read_aae2",
            expected="None, 'train' or 'test'", value=split,
        )
    folder = Path(path)
    essays = folder / _BRAT_FOLDER if (folder / _BRAT_FOLDER).is_dir() else folder
    anns = sorted(essays.glob("*.ann")) if essays.is_dir() else []
    if not anns:
        raise CorpusFormatError("E106", path=essays, what="AAE2 essay .ann")
    if split_file is not None:
        found: Path | None = Path(split_file)
        if not found.is_file():
            raise CorpusFormatError("E106", path=found, what="AAE2 split")
    else:
        found = next(
            (p for p in (folder / _SPLIT_FILE, essays.parent / _SPLIT_FILE) if p.is_file()), None
        )
    if found is None and split is not None:
        raise CorpusFormatError("E106", path=folder, what=_SPLIT_FILE)
    splits = read_split(found) if found is not None else {}
    documents = []
    for ann_path in anns:
        essay_split = splits.get(ann_path.stem)
        if split is not None and essay_split != split:
            continue
        documents.append(_read_essay(ann_path, essay_split, link_for_claims))
    return documents


def read_aae2_tree(path: str | Path, **options) -> list[Document]:
    """Read the AAE2 essays in the tree view: each For claim supports the first MajorClaim.

    The corpus kind ``aae2-tree`` (``--corpus aae2-tree@train``); the same as
    ``read_aae2(path, link_for_claims=True, **options)``. Essays then hold one tree per
    major claim, the shape of an op-ed whose thesis its paragraph claims argue for.
    """
    return read_aae2(path, link_for_claims=True, **options)


def read_split(path: str | Path) -> dict[str, str]:
    r"""Read the official ``train-test-split.csv``: essay id → ``"train"`` or ``"test"``.

    The file is ``;``-separated and quoted, with a ``"ID";"SET"`` header, and ships with old
    Mac (``\r``) line endings; any line ending is accepted.

    Raises:
        CorpusFormatError: E107 with the line number for a row that is not ``id;set`` with
            set TRAIN or TEST.

    Examples:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     f = Path(tmp) / "split.csv"
        ...     _ = f.write_bytes(b'"ID";"SET"\r"essay001";"TRAIN"\r"essay002";"TEST"\r')
        ...     read_split(f)
        {'essay001': 'train', 'essay002': 'test'}
    """
    lines = _LINE_BREAK.split(read_text(Path(path)))
    result: dict[str, str] = {}
    for number, row in enumerate(csv.reader(lines, delimiter=";", quotechar='"'), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if number == 1 and [c.upper() for c in cells] == ["ID", "SET"]:
            continue
        if len(cells) != 2 or cells[1].lower() not in _SPLITS:
            raise CorpusFormatError(
                "E107", path=path, line=number,
                detail=f"expected '\"<essay id>\";\"TRAIN|TEST\"', got {';'.join(row)!r}",
            )
        result[cells[0]] = cells[1].lower()
    return result


def _read_essay(ann_path: Path, split: str | None, link_for_claims: bool) -> Document:
    text, ann = read_typed(ann_path, _TYPES, _KINDS)
    links: list[tuple[str, str, RelationKind]] = [
        (rel.source, rel.target, _KINDS[rel.type]) for rel in ann.relations
    ]
    stance_links = _stance_links(ann, ann_path, link_for_claims)
    links.extend(stance_links)
    stances = ann.attribute_values("Stance")
    # A For claim linked to the major claim (tree view) takes its label from the rule,
    # like any supporting proponent unit: premise.
    linked = {source for source, _, kind in stance_links if kind is RelationKind.SUPPORT}
    overrides = [
        s.id for s in ann.spans
        if s.type == "MajorClaim"
        or (s.type == "Claim" and stances.get(s.id) == "For" and s.id not in linked)
    ]
    title = text.lstrip("\ufeff").split("\n", 1)[0].split("\r", 1)[0].strip()
    return build_document(
        ann_path.stem,
        text,
        [(s.start, s.end, s.id) for s in ann.spans],
        links,
        path=ann_path,
        labels=dict.fromkeys(overrides, Label.CLAIM),
        roles=dict.fromkeys(overrides, Role.PROPONENT),
        meta={"corpus": "aae2", "split": split, "title": title},
    )


def _stance_links(
    ann: BratAnnotation, path: Path, link_for_claims: bool
) -> list[tuple[str, str, RelationKind]]:
    """Link Against claims (and For claims, if asked) to the essay's first MajorClaim."""
    stances = ann.attribute_values("Stance")
    has_parent = {rel.source for rel in ann.relations}
    majors = sorted((s for s in ann.spans if s.type == "MajorClaim"), key=lambda s: s.start)
    links = []
    for span in ann.spans:
        if span.type != "Claim":
            continue
        stance = stances.get(span.id)
        if stance not in ("For", "Against"):
            raise CorpusFormatError(
                "E107", path=path, line=span.line,
                detail=f"Claim {span.id} has stance {stance!r}; expected For or Against",
            )
        # A claim that already has a brat relation keeps it as its one parent.
        if stance == "Against" and span.id not in has_parent:
            if not majors:
                raise CorpusFormatError(
                    "E107", path=path, line=span.line,
                    detail=f"Against claim {span.id} but the essay has no MajorClaim",
                )
            links.append((span.id, majors[0].id, RelationKind.ATTACK))
        elif stance == "For" and link_for_claims and majors and span.id not in has_parent:
            # Without this link every paragraph of an essay is a separate tree, and a model
            # trained on it learns that a paragraph's opening claim attaches to nothing.
            links.append((span.id, majors[0].id, RelationKind.SUPPORT))
    return links


__all__ = ["read_aae2", "read_split"]
