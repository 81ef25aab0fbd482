"""Reader for the argumentative microtext corpus (Peldszus & Stede 2015), parts 1 and 2.

Each ``micro_*.xml`` file is an argument graph (``corpus/arggraph.dtd``): EDUs (text
segments), optional joints that glue adjacent EDUs together, ADUs with a dialectical role
(``pro``/``opp``), segmentation edges EDU/joint → ADU and argumentative edges between ADUs.
One unit is made per ADU; it spans the text of its EDUs.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

from argmine.corpora._common import build_document, read_text
from argmine.document import Document
from argmine.errors import CorpusFormatError, InputError
from argmine.schema import Label, RelationKind, Role, label_for, labels_from_links

_KINDS = {
    "sup": RelationKind.SUPPORT,
    "exa": RelationKind.SUPPORT,
    "reb": RelationKind.ATTACK,
    "und": RelationKind.ATTACK,
}
_EDGE_TYPES = {"seg", "add", *_KINDS}
_ROLES = {"pro": Role.PROPONENT, "opp": Role.OPPONENT}
_FOLDS_FILE = Path("folds") / "folds_m112_10x5.tsv"


@dataclass(frozen=True)
class FoldSplit:
    """One train/test split of the fixed 10×5 cross-validation of the microtext corpus.

    Attributes:
        index: The split's index (0–49).
        iteration: The repetition (0–9).
        fold: The fold within the repetition (0–4).
        train_ids: Text ids to train on (every text not in ``test_ids``), sorted.
        test_ids: Text ids of the test fold, in file order.

    Examples:
        >>> FoldSplit(0, 0, 0, ("micro_b002",), ("micro_b001",)).test_ids
        ('micro_b001',)
    """

    index: int
    iteration: int
    fold: int
    train_ids: tuple[str, ...]
    test_ids: tuple[str, ...]


@dataclass(frozen=True)
class _Edge:
    id: str
    src: str
    trg: str
    type: str


@dataclass
class _Graph:
    path: Path
    doc_id: str
    meta: dict[str, str | None]
    edus: list[tuple[str, str]]  # (id, text) in document order
    joints: set[str]
    adus: dict[str, Role | None]  # id -> role from the XML, None if it has no type
    edges: dict[str, _Edge]


def read_microtexts(
    path: str | Path, *, split: Collection[str] | None = None
) -> list[Document]:
    """Read microtext argument graphs into gold documents.

    ``path`` may be the corpus folder (``microtexts-part1/`` holding ``corpus/en/*.xml``),
    its ``corpus`` folder, a folder holding the XML files directly (the layout of part 2),
    or one XML file. The text is the ``.txt`` file beside each XML file, or, without one,
    the EDU texts joined by single spaces.

    Labels follow the scheme: the ADU with no outgoing edge is the claim; ``sup``/``exa``
    are supports, ``reb``/``und`` attacks; an ``und`` edge attacks the *source* of the edge
    it targets; an ``add`` edge makes its ADU a further source of the edge it points to
    (same function, same target). Roles propagate from the claim (support keeps the role,
    attack flips it) and are then checked against the XML's ``pro``/``opp``: where they
    differ the XML wins, and the ADU ids are listed in ``meta["role_conflicts"]``
    (in part 1 they never differ). Further details:

    * EDUs in no ADU become units labelled ``none``.
    * An ADU whose EDUs are not adjacent (a restated claim) becomes one unit per run of
      adjacent EDUs; the first run carries the ADU id and its relations, later runs get ids
      ``"<adu>#2"``… and the ADU's label and role, without relations.
    * An ADU with no EDU at all (an implicit unit) becomes an empty unit at offset 0, so
      that the units it links keep their target; its id is listed in
      ``meta["implicit_units"]`` for callers that need text.
    * A second outgoing edge of an ADU (not allowed by the scheme, which makes a tree) is
      not a relation; it is kept in ``meta["extra_links"]`` as ``[source, target, kind]``.

    On part 1 this gives the README's figures exactly: 112 documents, 576 units, claim 112,
    premise 275, counterargument 125, rebuttal 64, no ``none``.

    Args:
        path: Corpus folder, ``corpus`` folder, folder of XML files, or one XML file.
        split: Text ids to keep (e.g. ``FoldSplit.test_ids``); ``None`` keeps all.

    Returns:
        One document per graph, sorted by id. ``meta`` holds ``topic_id``, ``stance``,
        ``corpus`` (``"microtexts"``), ``implicit_units``, ``role_conflicts`` and
        ``extra_links``.

    Raises:
        CorpusFormatError: E106 if no XML files are found, E101 for malformed XML, E104 for
            an edge to an undefined id, E105 for an EDU not found in the text, E107 for an
            edge or node that breaks the format, E109 for an add chain that loops.
        InputError: E301 if ``split`` is a plain string; E008 for an unknown text id.

    Examples:
        >>> import pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (folder / "micro_x1.xml").write_text(
        ...     '<arggraph id="micro_x1"><edu id="e1">We should act.</edu>'
        ...     '<edu id="e2">It pays.</edu><adu id="a1" type="pro"/><adu id="a2" type="pro"/>'
        ...     '<edge id="c1" src="e1" trg="a1" type="seg"/>'
        ...     '<edge id="c2" src="e2" trg="a2" type="seg"/>'
        ...     '<edge id="c3" src="a2" trg="a1" type="sup"/></arggraph>')
        >>> doc = read_microtexts(folder)[0]
        >>> doc.text
        'We should act. It pays.'
        >>> [(u.id, u.label.value) for u in doc.units]
        [('a1', 'claim'), ('a2', 'premise')]
    """
    if isinstance(split, str):
        raise InputError(
            "E301", param="split", owner="read_microtexts",
            expected="None or a collection of text ids (e.g. FoldSplit.test_ids)", value=split,
        )
    documents = [_read_graph(file) for file in _xml_files(Path(path))]
    documents.sort(key=lambda d: d.id)
    if split is None:
        return documents
    by_id = {doc.id: doc for doc in documents}
    unknown = [text_id for text_id in split if text_id not in by_id]
    if unknown:
        raise InputError(
            "E008", what="text id", value=unknown[0], options=", ".join(sorted(by_id)[:5]) + ", …"
        )
    wanted = set(split)
    return [doc for doc in documents if doc.id in wanted]


def read_microtext_folds(path: str | Path) -> list[FoldSplit]:
    r"""Read the fixed 10×5 cross-validation folds (``folds/folds_m112_10x5.tsv``).

    Each row of the TSV (``split_index, iteration, fold, text_id``) puts one text in the
    test fold of one split; the training set of a split is every other text of the file.

    Args:
        path: The corpus folder, or the TSV file itself.

    Returns:
        The splits, ordered by index.

    Raises:
        CorpusFormatError: E106 if the folder has no folds file, E009 if it cannot be read,
            E107 (with the line number) for a malformed row.

    Examples:
        >>> import pathlib, tempfile
        >>> tsv = pathlib.Path(tempfile.mkdtemp()) / "folds.tsv"
        >>> _ = tsv.write_text("split_index\titeration\tfold\ttext_id\n"
        ...                    "0\t0\t0\tmicro_a\n1\t0\t1\tmicro_b\n")
        >>> [(s.index, s.train_ids, s.test_ids) for s in read_microtext_folds(tsv)]
        [(0, ('micro_b',), ('micro_a',)), (1, ('micro_a',), ('micro_b',))]
    """
    file = Path(path)
    if file.is_dir():
        file = file / _FOLDS_FILE
        if not file.is_file():
            raise CorpusFormatError("E106", path=file, what="fold (folds_m112_10x5.tsv)")
    rows: dict[int, tuple[int, int, list[str]]] = {}
    all_ids: set[str] = set()
    for number, line in enumerate(read_text(file, newline=None).splitlines(), start=1):
        cells = line.strip().split("\t")
        if (number == 1 and cells[0] == "split_index") or not line.strip():
            continue
        try:
            index, iteration, fold = (int(c) for c in cells[:3])
            text_id = cells[3].strip()
        except (ValueError, IndexError):
            raise CorpusFormatError(
                "E107", path=file, line=number,
                detail=f"expected 'split_index<TAB>iteration<TAB>fold<TAB>text_id', got {line!r}",
            ) from None
        entry = rows.setdefault(index, (iteration, fold, []))
        if (entry[0], entry[1]) != (iteration, fold):
            raise CorpusFormatError(
                "E107", path=file, line=number,
                detail=f"split {index} is given two iteration/fold pairs",
            )
        entry[2].append(text_id)
        all_ids.add(text_id)
    return [
        FoldSplit(
            index, iteration, fold,
            train_ids=tuple(sorted(all_ids - set(test))), test_ids=tuple(test),
        )
        for index, (iteration, fold, test) in sorted(rows.items())
    ]


def _xml_files(path: Path) -> list[Path]:
    if path.is_file() and path.suffix == ".xml":
        return [path]
    # Part 1 keeps its graphs in corpus/en/, part 2 directly in corpus/.
    for folder in (path, path / "en", path / "corpus" / "en", path / "corpus"):
        files = sorted(folder.glob("*.xml")) if folder.is_dir() else []
        if files:
            return files
    raise CorpusFormatError("E106", path=path, what="microtext XML (*.xml)")


def _parse(path: Path) -> _Graph:
    try:
        root = ET.fromstring(read_text(path))
    except ET.ParseError as exc:
        raise CorpusFormatError("E101", path=path, line=exc.position[0], detail=str(exc)) from None
    if root.tag != "arggraph":
        raise CorpusFormatError(
            "E107", path=path, detail=f"the root element is <{root.tag}>, expected <arggraph>"
        )
    graph = _Graph(
        path=path,
        doc_id=root.get("id") or path.stem,
        meta={"topic_id": root.get("topic_id"), "stance": root.get("stance")},
        edus=[], joints=set(), adus={}, edges={},
    )
    seen: set[str] = set()
    for number, element in enumerate(root, start=1):
        node_id = element.get("id")
        if not node_id:
            raise CorpusFormatError(
                "E107", path=path, line=f"<{element.tag}> #{number}", detail="the id is missing"
            )
        if node_id in seen:
            raise CorpusFormatError("E107", path=path, line=node_id, detail="duplicate id")
        seen.add(node_id)
        if element.tag == "edu":
            graph.edus.append((node_id, element.text or ""))
        elif element.tag == "joint":
            graph.joints.add(node_id)
        elif element.tag == "adu":
            kind = element.get("type")
            if kind is not None and kind not in _ROLES:
                raise CorpusFormatError(
                    "E107", path=path, line=node_id,
                    detail=f"ADU type {kind!r} is neither 'pro' nor 'opp'",
                )
            graph.adus[node_id] = _ROLES.get(kind or "")
        elif element.tag == "edge":
            src, trg, kind = element.get("src"), element.get("trg"), element.get("type")
            if not src or not trg or kind not in _EDGE_TYPES:
                raise CorpusFormatError(
                    "E107", path=path, line=node_id,
                    detail=f"an edge needs src, trg and a type in {sorted(_EDGE_TYPES)}",
                )
            graph.edges[node_id] = _Edge(node_id, src, trg, kind)
    for edge in graph.edges.values():
        for ref in (edge.src, edge.trg):
            if ref not in seen:
                raise CorpusFormatError("E104", path=path, line=edge.id, ref=ref)
    return graph


def _locate(text: str, edus: list[tuple[str, str]], path: Path) -> dict[str, tuple[int, int]]:
    """Find each EDU in the text, in order, tolerating differences in whitespace."""
    spans: dict[str, tuple[int, int]] = {}
    cursor = 0
    for edu_id, edu_text in edus:
        needle = edu_text.strip()
        if not needle:
            raise CorpusFormatError("E107", path=path, line=edu_id, detail="the EDU is empty")
        start = text.find(needle, cursor)
        end = start + len(needle)
        if start < 0:
            # Translations and re-typed texts differ from their EDUs in spacing only.
            pattern = r"\s*".join(re.escape(token) for token in needle.split())
            match = re.compile(pattern).search(text, cursor)
            if match is None:
                raise CorpusFormatError(
                    "E105", path=path, line=edu_id, found=needle,
                    expected=text[cursor : cursor + len(needle)],
                )
            start, end = match.span()
        spans[edu_id] = (start, end)
        cursor = end
    return spans


def _segments(graph: _Graph) -> dict[str, list[str]]:
    """Map every ADU to its EDU ids (through joints), in document order."""
    order = {edu_id: i for i, (edu_id, _) in enumerate(graph.edus)}
    parts: dict[str, set[str]] = {}
    for edge in graph.edges.values():
        if edge.type != "seg":
            continue
        src_ok = edge.src in graph.joints or edge.src in order
        if not src_ok or not (edge.trg in graph.joints or edge.trg in graph.adus):
            raise CorpusFormatError(
                "E107", path=graph.path, line=edge.id,
                detail="a seg edge must lead from an EDU or joint to a joint or ADU",
            )
        parts.setdefault(edge.trg, set()).add(edge.src)

    def expand(node: str, trail: tuple[str, ...]) -> set[str]:
        if node in order:
            return {node}
        if node in trail:
            raise CorpusFormatError(
                "E109", path=graph.path, line=node, detail="seg edges form a cycle"
            )
        found: set[str] = set()
        for part in parts.get(node, ()):
            found |= expand(part, (*trail, node))
        return found

    return {adu: sorted(expand(adu, ()), key=order.__getitem__) for adu in graph.adus}


def _resolve(graph: _Graph, adu: str, edge: _Edge) -> tuple[str, RelationKind]:
    """Follow ``add`` chains and edge targets to the ADU that ``edge`` really points at."""
    seen = {edge.id}
    while edge.type == "add":
        joined = graph.edges.get(edge.trg)
        if joined is None and edge.trg in graph.adus:
            # An add edge aimed at an ADU (the DTD's wording) joins that ADU's own edge.
            joined = next(
                (e for e in graph.edges.values() if e.src == edge.trg and e.type != "seg"), None
            )
        if joined is None or joined.id in seen:
            raise CorpusFormatError(
                "E109", path=graph.path, line=edge.id,
                detail="the add edge joins no argumentative edge, or add edges form a loop",
            )
        seen.add(joined.id)
        edge = joined
    if edge.type == "seg":
        raise CorpusFormatError(
            "E107", path=graph.path, line=edge.id, detail="an add edge joins a seg edge"
        )
    target = edge.trg
    while target in graph.edges:  # an attack on an edge attacks that edge's source
        if target in seen:
            raise CorpusFormatError(
                "E109", path=graph.path, line=edge.id, detail="edges target each other in a loop"
            )
        seen.add(target)
        target = graph.edges[target].src
    if target not in graph.adus or target == adu:
        raise CorpusFormatError(
            "E107", path=graph.path, line=edge.id,
            detail=f"the edge resolves to {target!r}, which is not another ADU",
        )
    return target, _KINDS[edge.type]


def _read_graph(path: Path) -> Document:
    graph = _parse(path)
    txt = path.with_suffix(".txt")
    if txt.is_file():
        text = read_text(txt)
    else:
        text = " ".join(t.strip() for _, t in graph.edus)
    edu_spans = _locate(text, graph.edus, path)
    edu_index = {edu_id: i for i, (edu_id, _) in enumerate(graph.edus)}

    spans: list[tuple[int, int, str]] = []
    implicit: list[str] = []
    restated: dict[str, str] = {}  # extra unit id -> its ADU
    covered: set[str] = set()
    for adu, edu_ids in _segments(graph).items():
        covered.update(edu_ids)
        if not edu_ids:
            implicit.append(adu)
            continue
        runs: list[list[str]] = []
        for edu_id in edu_ids:
            if runs and edu_index[edu_id] == edu_index[runs[-1][-1]] + 1:
                runs[-1].append(edu_id)
            else:
                runs.append([edu_id])
        for k, run in enumerate(runs):
            unit_id = adu if k == 0 else f"{adu}#{k + 1}"
            if k:
                restated[unit_id] = adu
            spans.append((edu_spans[run[0]][0], edu_spans[run[-1]][1], unit_id))
    for edu_id, _ in graph.edus:
        if edu_id not in covered:
            spans.append((*edu_spans[edu_id], edu_id))

    links: list[tuple[str, str, RelationKind]] = []
    extra: list[tuple[str, str, RelationKind]] = []
    has_parent: set[str] = set()
    for edge in graph.edges.values():
        if edge.type == "seg":
            continue
        if edge.src not in graph.adus:
            raise CorpusFormatError(
                "E107", path=path, line=edge.id, detail="an argumentative edge must start at an ADU"
            )
        target, kind = _resolve(graph, edge.src, edge)
        (extra if edge.src in has_parent else links).append((edge.src, target, kind))
        has_parent.add(edge.src)

    # Derive by the scheme, then let the XML's pro/opp win where it disagrees.
    unit_ids = [uid for _, _, uid in spans] + implicit
    position = {uid: i for i, uid in enumerate(unit_ids)}
    try:
        derived = labels_from_links(
            len(unit_ids), [(position[s], position[t], k) for s, t, k in links]
        )
    except ValueError as exc:
        raise CorpusFormatError("E109", path=path, detail=str(exc)) from None
    kind_of = {s: k for s, _, k in links}
    labels: dict[str, Label] = {}
    roles: dict[str, Role] = {}
    conflicts: list[str] = []
    for uid in unit_ids:
        adu = restated.get(uid, uid)
        if adu not in graph.adus:
            continue
        _derived_label, derived_role = derived[position[adu]]
        role = graph.adus[adu] or derived_role or Role.PROPONENT
        if derived_role is not None and role is not derived_role and uid == adu:
            conflicts.append(adu)
        label = label_for(role, kind_of.get(adu), is_root=adu not in kind_of)
        if (label, role) != tuple(derived[position[uid]]):
            labels[uid], roles[uid] = label, role

    # build_document wants non-empty spans: give implicit units a placeholder span at 0
    # (sorted first), then empty it.
    if implicit and not text:
        raise CorpusFormatError("E107", path=path, detail="the text is empty")
    placeholders = [(0, 1, uid) for uid in implicit]
    doc = build_document(
        graph.doc_id, text, placeholders + spans, links, path=path, labels=labels, roles=roles,
        meta={**graph.meta, "corpus": "microtexts", "implicit_units": implicit,
              "role_conflicts": conflicts},
    )
    index = {u.id: u.index for u in doc.units}
    units = tuple(
        replace(u, end=u.start, text="") if u.id in implicit else u for u in doc.units
    )
    meta = dict(doc.meta)
    meta["extra_links"] = [[index[s], index[t], k.value] for s, t, k in extra]
    return doc.replace(units=units, meta=meta)
