"""Reader for the web-discourse Toulmin gold data (Habernal & Gurevych 2017).

Each document is a UIMA CAS in XMI (``gold.data.toulmin/<id>.xmi``): the text is the
``sofaString`` of ``cas:Sofa``; argument components are ``types:Claim``, ``types:Premise``,
``types:Backing``, ``types:Rebuttal`` and ``types:Refutation`` with ``begin``/``end``
offsets, linked by ``types:ArgumentRelation source=<xmi:id> target=<xmi:id>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace
from pathlib import Path

from argmine.corpora._common import build_document
from argmine.document import Document
from argmine.errors import CorpusFormatError
from argmine.schema import Label, RelationKind, Role, labels_from_links

_TYPES_NS = "{http:///de/tudarmstadt/ukp/dkpro/argumentation/types.ecore}"
_CAS_NS = "{http:///uima/cas.ecore}"
_SEGMENTATION_NS = "{http:///de/tudarmstadt/ukp/dkpro/core/api/segmentation/type.ecore}"
_XMI_ID = "{http://www.omg.org/XMI}id"
_FOLDER = "gold.data.toulmin"

# The README's mapping of the modified Toulmin model onto the scheme. Note the clash of
# names: a Toulmin *rebuttal* is the opponent's view (our counterargument) and a
# *refutation* is the author's answer to it (our rebuttal).
_LABELS = {
    "Claim": Label.CLAIM,
    "Premise": Label.PREMISE,
    "Backing": Label.PREMISE,
    "Rebuttal": Label.COUNTERARGUMENT,
    "Refutation": Label.REBUTTAL,
}


@dataclass
class _Component:
    id: str
    kind: str
    start: int
    end: int


@dataclass
class _Parsed:
    text: str
    components: dict[str, _Component]
    relations: list[tuple[str, str, str]]  # (relation xmi:id, source, target)
    sentences: list[tuple[int, int]]
    meta: dict[str, str | None]


def read_web_discourse(path: str | Path, *, implicit: bool = True) -> list[Document]:
    """Read the Toulmin-annotated web-discourse documents into gold documents.

    Units are the argument components. Relations point at claims (every relation in the
    corpus does), so labels come from the scheme's rule as far as it reaches, with label
    overrides wherever it would contradict the README's type mapping (claim → claim,
    premise and backing → premise, rebuttal → counterargument, refutation → rebuttal):

    * Premise, backing and claim → claim links are supports; rebuttal → claim links are
      attacks, so rebuttals derive as counterarguments.
    * The corpus links a refutation to the *claim*, though it answers a rebuttal. The
      reader re-targets it, as an attack, to the nearest rebuttal before it (else after
      it) that attacks the same claim, so that it derives as a rebuttal; the original
      ``[unit, claim]`` pair is kept in ``meta["original_targets"]``. All 26 refutations
      of the corpus have such a rebuttal. One without stays a support of its target,
      with a label override.
    * A claim that supports another claim (13) or is in no relation (19) keeps the label
      claim through an override.
    * An implicit claim is annotated with the empty span ``0-0`` (170 of the 365 claims;
      the README counts them). It becomes an empty unit at offset 0 so that the components
      that support it keep their target; ``meta["implicit_units"]`` lists their ids. With
      ``implicit=False`` they are dropped, with their relations.
    * A second relation from the same component (none in the corpus) is not a document
      relation; it is kept in ``meta["extra_links"]`` as ``[source, target, kind]``.

    Counts agree with the README: 340 documents, 1,221 units: claim 365, premise 762
    (538 premises + 224 backings), counterargument 68, rebuttal 26; 869 relations.

    Args:
        path: The corpus folder (holding ``gold.data.toulmin/``), that folder, or one
            ``.xmi`` file.
        implicit: Keep implicit claims as empty units.

    Returns:
        The documents sorted by id. ``meta`` holds ``corpus`` (``"web-discourse"``),
        ``topic``, ``doc_type``, ``sentences`` (the gold sentence spans), ``implicit_units``,
        ``original_targets`` and ``extra_links``.

    Raises:
        CorpusFormatError: E106 if no XMI files are found; E009 if a file cannot be read;
            E101 for malformed XML; E103 for offsets outside the text; E104 for a relation
            to an undefined id; E107 for a missing or malformed attribute; E109 for
            relations that form a cycle. ``line`` names the element's ``xmi:id``.

    Examples:
        >>> import pathlib, tempfile
        >>> xmi = pathlib.Path(tempfile.mkdtemp()) / "1.xmi"
        >>> _ = xmi.write_text(
        ...     '<xmi:XMI xmlns:xmi="http://www.omg.org/XMI" xmlns:cas="http:///uima/cas.ecore" '
        ...     'xmlns:types="http:///de/tudarmstadt/ukp/dkpro/argumentation/types.ecore">'
        ...     '<cas:Sofa xmi:id="1" sofaString="Ban it. It harms."/>'
        ...     '<types:Claim xmi:id="2" begin="0" end="7"/>'
        ...     '<types:Premise xmi:id="3" begin="8" end="17"/>'
        ...     '<types:ArgumentRelation xmi:id="4" source="3" target="2"/></xmi:XMI>')
        >>> [(u.text, u.label.value) for u in read_web_discourse(xmi)[0].units]
        [('Ban it.', 'claim'), ('It harms.', 'premise')]
    """
    root = Path(path)
    if root.is_file():
        files = [root]
    else:
        folder = root / _FOLDER if (root / _FOLDER).is_dir() else root
        files = sorted(folder.glob("*.xmi")) if folder.is_dir() else []
    if not files:
        raise CorpusFormatError("E106", path=root, what="web-discourse XMI (*.xmi)")
    documents = [_read_document(file, implicit=implicit) for file in files]
    documents.sort(key=lambda d: (len(d.id), d.id))
    return documents


def _int(element: ET.Element, name: str, path: Path) -> int:
    value = element.get(name)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CorpusFormatError(
            "E107", path=path, line=element.get(_XMI_ID),
            detail=f"attribute {name!r} must be an integer, got {value!r}",
        ) from None


def _parse(path: Path) -> _Parsed:
    parsed = _Parsed(text="", components={}, relations=[], sentences=[], meta={})
    sofa_found = False
    try:
        with open(path, "rb") as handle:
            # iterparse and clear: some documents carry tens of thousands of token elements.
            for _event, element in ET.iterparse(handle, events=("end",)):
                tag = element.tag
                if tag == f"{_CAS_NS}Sofa" and not sofa_found:
                    parsed.text = element.get("sofaString") or ""
                    sofa_found = True
                elif tag.startswith(_TYPES_NS):
                    kind = tag[len(_TYPES_NS) :]
                    xmi_id = element.get(_XMI_ID) or ""
                    if kind in _LABELS:
                        if not xmi_id:
                            raise CorpusFormatError(
                                "E107", path=path, detail=f"a {kind} has no xmi:id"
                            )
                        start, end = _int(element, "begin", path), _int(element, "end", path)
                        parsed.components[xmi_id] = _Component(xmi_id, kind, start, end)
                    elif kind == "ArgumentRelation":
                        source, target = element.get("source"), element.get("target")
                        if not source or not target:
                            raise CorpusFormatError(
                                "E107", path=path, line=xmi_id,
                                detail="an ArgumentRelation needs a source and a target",
                            )
                        parsed.relations.append((xmi_id, source, target))
                    elif kind == "WebArgumentMetadata":
                        parsed.meta = {
                            "topic": element.get("topic"), "doc_type": element.get("docType")
                        }
                elif tag == f"{_SEGMENTATION_NS}Sentence":
                    parsed.sentences.append(
                        (_int(element, "begin", path), _int(element, "end", path))
                    )
                element.clear()
    except ET.ParseError as exc:
        raise CorpusFormatError("E101", path=path, line=exc.position[0], detail=str(exc)) from None
    except OSError as exc:
        raise CorpusFormatError("E009", path=path, detail=exc.strerror or str(exc)) from None
    if not sofa_found:
        raise CorpusFormatError("E107", path=path, detail="no cas:Sofa holds the document text")
    return parsed


def _utf16_table(text: str) -> list[int] | None:
    """Map UTF-16 offsets (UIMA's, from Java) to string indices, if the two differ."""
    if all(ord(c) <= 0xFFFF for c in text):
        return None
    table = []
    for i, char in enumerate(text):
        table.append(i)
        if ord(char) > 0xFFFF:  # a surrogate pair: two UTF-16 units for one character
            table.append(i)
    table.append(len(text))
    return table


def _retarget(
    components: dict[str, _Component], parents: dict[str, tuple[str, RelationKind]]
) -> dict[str, str]:
    """Point each refutation at the rebuttal it answers; return refutation → old target."""
    moved: dict[str, str] = {}
    for comp in components.values():
        if comp.kind != "Refutation" or comp.id not in parents:
            continue
        target, _ = parents[comp.id]
        if components[target].kind == "Rebuttal":
            parents[comp.id] = (target, RelationKind.ATTACK)
            continue
        rivals = [
            c for c in components.values()
            if c.kind == "Rebuttal" and parents.get(c.id, ("",))[0] == target
        ]
        before = [c for c in rivals if c.start < comp.start]
        after = [c for c in rivals if c.start > comp.start]
        if before or after:
            chosen = (
                max(before, key=lambda c: c.start) if before else min(after, key=lambda c: c.start)
            )
            parents[comp.id] = (chosen.id, RelationKind.ATTACK)
            moved[comp.id] = target
    return moved


def _read_document(path: Path, *, implicit: bool) -> Document:
    parsed = _parse(path)
    text = parsed.text
    table = _utf16_table(text)
    length = len(table) - 1 if table else len(text)
    components = parsed.components
    for comp in components.values():
        if not 0 <= comp.start <= comp.end <= length:
            raise CorpusFormatError(
                "E103", path=path, line=comp.id, start=comp.start, end=comp.end, length=length
            )
        if table:
            comp.start, comp.end = table[comp.start], table[comp.end]
    empty = [c.id for c in components.values() if c.start == c.end]
    if not implicit:
        components = {k: c for k, c in components.items() if c.id not in empty}
        empty = []

    parents: dict[str, tuple[str, RelationKind]] = {}
    extra: list[tuple[str, str, RelationKind]] = []
    for rel_id, source, target in parsed.relations:
        for ref in (source, target):
            if ref not in parsed.components:
                raise CorpusFormatError("E104", path=path, line=rel_id, ref=ref)
        if source == target:
            raise CorpusFormatError("E107", path=path, line=rel_id, detail="a self-link")
        if source not in components or target not in components:
            continue  # dropped with an implicit claim
        attack = components[source].kind == "Rebuttal"
        kind = RelationKind.ATTACK if attack else RelationKind.SUPPORT
        if source in parents:
            extra.append((source, target, kind))
        else:
            parents[source] = (target, kind)
    moved = _retarget(components, parents)

    ids = list(components)
    position = {cid: i for i, cid in enumerate(ids)}
    links = [(s, t, k) for s, (t, k) in parents.items()]
    try:
        derived = labels_from_links(len(ids), [(position[s], position[t], k) for s, t, k in links])
    except ValueError as exc:
        raise CorpusFormatError("E109", path=path, detail=str(exc)) from None
    labels: dict[str, Label] = {}
    roles: dict[str, Role] = {}
    for cid in ids:
        label, role = derived[position[cid]]
        wanted = _LABELS[components[cid].kind]
        if label is not wanted:
            labels[cid] = wanted
            if role is None:
                roles[cid] = (
                    Role.OPPONENT if wanted is Label.COUNTERARGUMENT else Role.PROPONENT
                )

    if empty and not text:
        raise CorpusFormatError("E107", path=path, detail="the document text is empty")
    # build_document wants non-empty spans: give implicit claims a placeholder span at 0
    # (listed first, so they sort first), then empty it.
    spans = [(0, 1, cid) for cid in empty] + [
        (c.start, c.end, c.id) for c in components.values() if c.id not in empty
    ]
    doc = build_document(
        path.stem, text, spans, links, path=path, labels=labels, roles=roles,
        meta={"corpus": "web-discourse", **parsed.meta},
    )
    index = {u.id: u.index for u in doc.units}
    units = tuple(replace(u, end=u.start, text="") if u.id in empty else u for u in doc.units)
    meta = dict(doc.meta)
    meta.setdefault("topic", None)
    meta.setdefault("doc_type", None)
    sentences = sorted(parsed.sentences)
    if table:
        sentences = [(table[min(a, length)], table[min(b, length)]) for a, b in sentences]
    meta["sentences"] = [list(span) for span in sentences]
    meta["implicit_units"] = empty
    meta["original_targets"] = [[index[s], index[t]] for s, t in moved.items()]
    meta["extra_links"] = [[index[s], index[t], k.value] for s, t, k in extra]
    return doc.replace(units=units, meta=meta)
