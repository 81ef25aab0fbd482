"""Reader for the Cornell eRulemaking Corpus CDCP (Park & Cardie 2018).

Each comment is ``NNNNN.txt`` plus ``NNNNN.ann.json`` holding proposition offsets, their
types and support links (``reasons`` and ``evidences``). The corpus annotates no attacks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from argmine.corpora._common import build_document, read_text
from argmine.document import Document
from argmine.errors import CorpusFormatError, InputError
from argmine.schema import Label, RelationKind, Role

_SPLITS = ("train", "test")
_LINK_KEYS = ("reasons", "evidences")
# The proposition types of the CDCP annotation guidelines (Park & Cardie 2018).
PROPOSITION_TYPES = ("policy", "value", "fact", "testimony", "reference")


def read_cdcp(path: str | Path, *, split: str | None = None) -> list[Document]:
    """Read CDCP comments into gold documents, one unit per proposition.

    A link ``[[i, j], k]`` in ``reasons`` or ``evidences`` makes each of propositions
    ``i…j`` support proposition ``k``. Labels follow the README's mapping, which is also
    what the scheme's rule gives on these support-only trees: a proposition that is the
    source of a link is a ``premise`` (also when it is the target of another: chains), a
    target that is no source is a ``claim``, and a proposition in no link is ``none``.

    A document relation gives a unit at most one parent, but 124 CDCP propositions support
    more than one other. The first link of each proposition (``reasons`` before
    ``evidences``, in file order) becomes its relation; the others are kept in
    ``meta["extra_links"]`` as ``[source, target, "support"]`` unit indices (a pair given
    twice is kept once). A link that would close a cycle is also kept there (none does in
    the corpus). Where setting links aside would change a label, a label override keeps
    the README's mapping: a target reached only by set-aside links (49 in the corpus)
    would be isolated in the tree, yet it is a ``claim``; a source whose links were all set
    aside stays a ``premise``.

    Counts on the whole corpus agree with the README: 731 documents (581 train / 150 test),
    4,932 units: claim 878, premise 1,292, none 2,762.

    Args:
        path: The corpus folder (holding ``train/`` and ``test/``), or one split folder.
        split: ``"train"``, ``"test"`` or ``None`` for both.

    Returns:
        The documents, train before test, each sorted by id. ``meta`` holds ``corpus``
        (``"cdcp"``), ``split``, ``prop_types`` (the proposition type of each unit),
        ``urls`` (unit index → URL replaced in the text) and ``extra_links``.

    Raises:
        CorpusFormatError: E106 if no annotation files are found; E009/E003 if a file cannot
            be read; E107 for invalid JSON or a malformed entry; E103 for offsets outside the
            text; E104 for a link to a proposition that does not exist; E111 for a proposition
            type not in :data:`PROPOSITION_TYPES`. ``line`` names the JSON key, e.g.
            ``"reasons[2]"``.
        InputError: E301 for an unknown ``split``.

    Examples:
        >>> import json, pathlib, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "train"
        >>> folder.mkdir()
        >>> _ = (folder / "00001.txt").write_text("Ban it. It harms. Hello.")
        >>> _ = (folder / "00001.ann.json").write_text(json.dumps({
        ...     "prop_labels": ["policy", "value", "fact"],
        ...     "prop_offsets": [[0, 8], [8, 18], [18, 24]],
        ...     "reasons": [[[1, 1], 0]], "evidences": [], "url": {}}))
        >>> doc = read_cdcp(folder.parent)[0]
        >>> [(u.text, u.label.value) for u in doc.units]
        [('Ban it. ', 'claim'), ('It harms. ', 'premise'), ('Hello.', 'none')]
    """
    if split is not None and split not in _SPLITS:
        raise InputError(
            "E301", param="split", owner="read_cdcp", expected="'train', 'test' or None",
            value=split,
        )
    root = Path(path)
    if any((root / name).is_dir() for name in _SPLITS):
        folders = [(root / name, name) for name in _SPLITS if split in (None, name)]
    else:
        folders = [(root, root.name if root.name in _SPLITS else None)]
        if split is not None and folders[0][1] not in (None, split):
            folders = []
    documents: list[Document] = []
    found = False
    for folder, name in folders:
        files = sorted(folder.glob("*.ann.json")) if folder.is_dir() else []
        found = found or bool(files)
        documents.extend(_read_comment(file, name) for file in files)
    if not found:
        raise CorpusFormatError("E106", path=root, what="CDCP annotation (*.ann.json)")
    return documents


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise CorpusFormatError(
            "E107", path=path, line=exc.lineno, detail=f"invalid JSON: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise CorpusFormatError("E107", path=path, detail="the annotation is not a JSON object")
    return data


def _offsets(data: dict[str, Any], path: Path) -> list[tuple[int, int]]:
    offsets = data.get("prop_offsets")
    if not isinstance(offsets, list):
        raise CorpusFormatError(
            "E107", path=path, line="prop_offsets", detail="expected a list of [start, end]"
        )
    spans = []
    for i, pair in enumerate(offsets):
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)
        ):
            raise CorpusFormatError(
                "E107", path=path, line=f"prop_offsets[{i}]",
                detail=f"expected [start, end] integers, got {pair!r}",
            )
        spans.append((pair[0], pair[1]))
    return spans


def _links(data: dict[str, Any], n: int, path: Path) -> list[tuple[int, int, str]]:
    """Return ``(source, target, key)`` per proposition link, in file order."""
    out = []
    for key in _LINK_KEYS:
        entries = data.get(key, [])
        if not isinstance(entries, list):
            raise CorpusFormatError("E107", path=path, line=key, detail="expected a list")
        for m, entry in enumerate(entries):
            where = f"{key}[{m}]"
            try:
                (first, last), target = entry
                numbers = [first, last, target]
                if not all(isinstance(x, int) and not isinstance(x, bool) for x in numbers):
                    raise TypeError
            except (TypeError, ValueError):
                raise CorpusFormatError(
                    "E107", path=path, line=where,
                    detail=f"expected [[first, last], target] integers, got {entry!r}",
                ) from None
            for ref in numbers:
                if not 0 <= ref < n:
                    raise CorpusFormatError("E104", path=path, line=where, ref=ref)
            if first > last:
                raise CorpusFormatError(
                    "E107", path=path, line=where, detail=f"empty source range {first}..{last}"
                )
            for source in range(first, last + 1):
                if source == target:
                    raise CorpusFormatError(
                        "E107", path=path, line=where, detail=f"proposition {source} links itself"
                    )
                out.append((source, target, key))
    return out


def _creates_cycle(parent: dict[int, int], source: int, target: int) -> bool:
    node: int | None = target
    while node is not None:
        if node == source:
            return True
        node = parent.get(node)
    return False


def _read_comment(path: Path, split: str | None) -> Document:
    data = _load(path)
    text = read_text(path.with_name(path.name[: -len(".ann.json")] + ".txt"))
    spans = _offsets(data, path)
    for i, (start, end) in enumerate(spans):
        if not 0 <= start < end <= len(text):
            raise CorpusFormatError(
                "E103", path=path, line=f"prop_offsets[{i}]", start=start, end=end,
                length=len(text),
            )
    types = data.get("prop_labels", [])
    if not isinstance(types, list) or len(types) != len(spans):
        raise CorpusFormatError(
            "E107", path=path, line="prop_labels",
            detail=f"expected {len(spans)} proposition types, one per offset pair",
        )
    for i, kind in enumerate(types):
        # An unknown type (a typo, another corpus's scheme) would flow silently into
        # meta["prop_types"] and any statistics made from it.
        if kind not in PROPOSITION_TYPES:
            raise CorpusFormatError(
                "E111", path=path, line=f"prop_labels[{i}]", index=i, value=kind,
                options=", ".join(PROPOSITION_TYPES),
            )
    parent: dict[int, int] = {}
    extra: list[tuple[int, int]] = []
    sources: set[int] = set()
    targets: set[int] = set()
    for source, target, _key in _links(data, len(spans), path):
        if (source, target) in extra or parent.get(source) == target:
            continue  # the same pair given twice (as a reason and as evidence, say)
        sources.add(source)
        targets.add(target)
        if source in parent or _creates_cycle(parent, source, target):
            extra.append((source, target))
        else:
            parent[source] = target
    # Where the one-parent tree drops a link, the scheme alone would mislabel its ends: a
    # source left without a parent (cycle) would become a root (claim), and a target left
    # without children would become isolated (none). Override them to the README's mapping.
    has_child = set(parent.values())
    labels = {str(i): Label.PREMISE for i in sources if i not in parent}
    labels.update(
        {str(i): Label.CLAIM for i in targets - sources if i not in has_child}
    )
    roles = {uid: Role.PROPONENT for uid in labels}
    urls = data.get("url") or {}
    doc = build_document(
        path.name[: -len(".ann.json")],
        text,
        [(start, end, str(i)) for i, (start, end) in enumerate(spans)],
        [(str(s), str(t), RelationKind.SUPPORT) for s, t in parent.items()],
        path=path,
        labels=labels,
        roles=roles,
        meta={"corpus": "cdcp", "split": split},
    )
    index = {u.id: u.index for u in doc.units}
    meta = dict(doc.meta)
    meta["prop_types"] = [str(types[int(u.id)]) for u in doc.units if u.id is not None]
    meta["urls"] = {
        str(index[str(k)]): str(v) for k, v in urls.items() if str(k) in index
    }
    meta["extra_links"] = [[index[str(s)], index[str(t)], "support"] for s, t in extra]
    return doc.replace(meta=meta)
