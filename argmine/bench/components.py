"""AAE2 component classification: MajorClaim / Claim / Premise on the gold components.

The literature on the essays (Stab & Gurevych 2017) classifies each gold component into
MajorClaim, Claim or Premise and reports macro-F1 over those three types. argmine labels
units claim / premise / counterargument / rebuttal / none instead, so its labels are mapped
onto the three types. Gold types come from the brat ``.ann`` files themselves (the reader
keeps the brat id of every unit in ``unit.id``).

Mapping of the classifier's label (``classifier`` variant):

* ``claim`` → **MajorClaim** if the unit lies in the introduction or the conclusion (the
  first or last paragraph after the title, where the essays state their major claims),
  otherwise **Claim**;
* ``premise``, ``counterargument``, ``rebuttal`` and ``none`` → **Premise**. Gold
  components are never ``none``, and Premise is by far the most frequent type.

The classifier variant therefore calls every Against claim (argmine: counterargument) a
Premise, which costs Claim recall. The ``decoded trees`` variant uses the decoded structure,
as the essays' own structure does:

* a tree root → **MajorClaim** in the introduction or conclusion, **Claim** elsewhere;
* a unit in a body paragraph whose parent is a root in the introduction or conclusion (a
  direct supporter or attacker of a major claim) → **Claim**;
* every other unit → **Premise**.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from argmine.corpora._brat import parse_ann
from argmine.corpora._common import read_text
from argmine.document import Document
from argmine.evaluation.labels import class_report
from argmine.evaluation.plots import plot_confusion, plot_label_f1
from argmine.schema import Label

TYPES = ("MajorClaim", "Claim", "Premise")


def essays_folder(root: str | Path) -> Path:
    """The folder of the ``.ann`` files: ``root/brat-project-final`` or ``root`` itself."""
    root = Path(root)
    return root / "brat-project-final" if (root / "brat-project-final").is_dir() else root


def gold_types(doc: Document, folder: str | Path) -> list[str]:
    """Return the brat type (MajorClaim, Claim, Premise) of each unit of an AAE2 document.

    Args:
        doc: A document from ``read_aae2`` (gold components as units, brat ids in ``id``).
        folder: The folder holding ``<doc.id>.ann`` and ``.txt``.
    """
    folder = Path(folder)
    ann = parse_ann(folder / f"{doc.id}.ann", read_text(folder / f"{doc.id}.txt"))
    types = {span.id: span.type for span in ann.spans}
    return [types[unit.id] for unit in doc.units]


def edge_paragraphs(doc: Document) -> tuple[int, int]:
    """Indices of the introduction and the conclusion: first and last paragraph after the title.

    Examples:
        >>> doc = Document("e", "T  Intro. Body. End.", (),
        ...                paragraphs=((0, 1), (3, 9), (10, 15), (16, 20)), meta={"title": "T"})
        >>> edge_paragraphs(doc)
        (1, 3)
    """
    last = max(len(doc.paragraphs) - 1, 0)
    first = 1 if doc.meta.get("title") and last >= 1 else 0
    return first, last


def classifier_type(label: Label | None, paragraph: int, edges: tuple[int, int]) -> str:
    """Map an argmine label to a component type (the ``classifier`` variant).

    Examples:
        >>> classifier_type(Label.CLAIM, 1, (1, 5)), classifier_type(Label.CLAIM, 3, (1, 5))
        ('MajorClaim', 'Claim')
        >>> classifier_type(Label.COUNTERARGUMENT, 3, (1, 5))
        'Premise'
    """
    if label is Label.CLAIM:
        return "MajorClaim" if paragraph in edges else "Claim"
    return "Premise"


def decoded_types(doc: Document, edges: tuple[int, int]) -> list[str]:
    """Map a decoded document (relations between its units) to component types."""
    parent = {r.source: r.target for r in doc.relations}
    para = [u.paragraph for u in doc.units]
    out = []
    for i, unit in enumerate(doc.units):
        in_tree = i in parent or i in parent.values() or unit.label is Label.CLAIM
        p = parent.get(i)
        if in_tree and p is None:
            out.append("MajorClaim" if para[i] in edges else "Claim")
        elif p is not None and parent.get(p) is None and para[p] in edges \
                and para[i] not in edges:
            out.append("Claim")
        else:
            out.append("Premise")
    return out


def type_report(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Per-type precision/recall/F1, macro-F1, accuracy and confusion over :data:`TYPES`.

    The shape matches :func:`argmine.evaluation.labels.label_report`, so the same plots apply.

    Examples:
        >>> r = type_report(["Claim", "Premise"], ["Claim", "Claim"])
        >>> round(r["macro_f1"], 3), r["accuracy"]
        (0.222, 0.5)
    """
    return {"labels": list(TYPES), **class_report(gold, pred, TYPES)}


def score_components(miner, essays: Sequence[Document], root: str | Path) -> dict:
    """Classify the gold components of AAE2 essays into MajorClaim / Claim / Premise.

    Args:
        miner: An ``ArgumentMiner``.
        essays: Documents from ``read_aae2`` (gold components as units).
        root: The AAE2 folder (or the folder of the ``.ann`` files).

    Returns:
        ``{"classifier": report, "decoded": report, "documents", "units", "mapping"}``,
        each report from :func:`type_report`.
    """
    folder = essays_folder(root)
    essays = [d for d in essays if d.units]
    bare = [d.replace(relations=(), trees=()) for d in essays]
    labelled = miner.label_documents(bare, decoded=False)
    decoded = miner.mine_documents(bare)
    gold, by_label, by_tree = [], [], []
    for doc, lab, dec in zip(essays, labelled, decoded):
        edges = edge_paragraphs(doc)
        gold += gold_types(doc, folder)
        by_label += [classifier_type(u.label, u.paragraph, edges) for u in lab.units]
        by_tree += decoded_types(dec, edges)
    return {"classifier": type_report(gold, by_label), "decoded": type_report(gold, by_tree),
            "documents": len(essays), "units": len(gold),
            "mapping": (__doc__ or "").split("Mapping", 1)[-1].strip()}


def component_plots(result: dict, out: Path, stem: str, title: str) -> list[str]:
    """Confusion matrix (decoded variant) and per-type F1 bars of both variants."""
    plot_confusion(result["decoded"], out / f"{stem}-confusion.png", f"{title}: confusion")
    plot_label_f1({"classifier": result["classifier"], "decoded trees": result["decoded"]},
                  out / f"{stem}-f1.png", f"{title}: F1 per type")
    return [f"{stem}-confusion.png", f"{stem}-f1.png"]
