"""A user's own annotated corpus in argmine's JSON / JSONL schema.

One document per JSONL line (or one document in a ``.json`` file, like the seed's gold
annotation in ``seeds/``)::

    {"id": "doc1",
     "text": "We should act. It pays.",                 # optional when units carry text
     "units": [{"start": 0, "end": 14, "label": "claim"},
               {"start": 15, "end": 23, "label": "premise", "parent": 0, "relation": "support"}]}

A unit is an object with ``start``/``end`` offsets into ``text`` (or with its own ``text``,
or a plain string; then the document text is the units joined by spaces). ``label`` is one
of the five labels (optional: unlabelled units are not scored); ``parent`` (a unit index)
and ``relation`` (``support``/``attack``) are optional and enable structure scores.
Instead of ``text``, ``"text_file": "name.txt"`` names a UTF-8 file holding the text; it is
looked up next to the corpus file and must stay inside that folder (see ``allow_outside``).

What argmine writes reads back as it is, so a person can correct it and train on it
(docs/adapt.md):

- ``argmine tree --format json``/``jsonl`` (:func:`argmine.export.to_json`): the id is
  ``doc``; units carry ``index``, ``text``, ``start``, ``end``, ``label``, ``parent`` and
  ``relation``. Without a ``text`` field the units are placed at their offsets and the
  gaps filled with spaces (paragraph breaks are not in that output).
- :meth:`Document.to_dict`: ``text``, ``units`` and a ``relations`` list of
  ``{"source", "target", "kind"}`` (unit indices; ``support``/``attack``); its ``meta``
  becomes the document's metadata.

``role``, ``score``, ``scores``, ``trees`` and ``paragraphs`` are ignored: roles follow from
the links, trees from the relations, paragraphs from the text. A ``relations`` list and
``parent`` fields may both be given; together they must give each unit one parent at most.
A unit's ``index``, if given, must be its position in the list. A document that annotates
structure (a ``relations`` list or a ``parent`` field on a unit) is checked against the
scheme (:mod:`argmine.corpora.corrections`, E120–E125); one with labels only is checked for
overlapping units.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from argmine.corpora._common import read_text
from argmine.corpora.corrections import (
    AnnotatedLink,
    AnnotatedUnit,
    check_annotation,
    describe,
    missing_unit,
)
from argmine.document import Document, Relation, Unit
from argmine.errors import CorpusFormatError
from argmine.schema import RelationKind, to_label
from argmine.text.paragraphs import paragraph_index, paragraph_spans


def read_jsonl(
    path: str | Path, *, split: str | None = None, allow_outside: bool = False
) -> list[Document]:
    r"""Read a ``.jsonl`` corpus (one document per line), a ``.json`` document, or a folder.

    Args:
        path: A ``.jsonl``/``.json`` file or a folder of them.
        split: Keep only documents whose ``split`` field equals this.
        allow_outside: Let a document's ``text_file`` name a file outside the folder of
            its corpus file (an absolute path, ``../``, a link out). Off by default: a
            corpus from elsewhere could otherwise make argmine read any file the user can.

    Raises:
        CorpusFormatError: E107 naming the file and line of a malformed document; E110 for
            a ``text_file`` outside the corpus folder; E106 if ``path`` holds no corpus
            files; E009 if it cannot be examined; E120–E125 for an annotation that breaks
            the scheme (overlapping units, a link to a missing unit, two parents, a cycle,
            a rebuttal that attacks nothing, a label that contradicts the links).

    Examples:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     p = pathlib.Path(tmp) / "c.jsonl"
        ...     _ = p.write_text('{"id": "a", "units": [{"text": "Act.", "label": "claim"}]}\n')
        ...     [u.label.value for u in read_jsonl(p)[0].units]
        ['claim']
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise CorpusFormatError("E106", path=path, what=".jsonl/.json") from None
    except OSError as exc:  # permission, a name too long: say so rather than raise OSError
        raise CorpusFormatError("E009", path=path, detail=exc.strerror or str(exc)) from None
    if stat.S_ISDIR(mode):
        # is_file(): a FIFO named *.jsonl would block the read for ever
        files = sorted(f for f in [*path.glob("*.jsonl"), *path.glob("*.json")]
                       if f.is_file())
        if not files:
            raise CorpusFormatError("E106", path=path, what=".jsonl/.json")
    elif stat.S_ISREG(mode):
        files = [path]
    else:
        raise CorpusFormatError("E106", path=path, what=".jsonl/.json")
    docs: list[Document] = []
    for file in files:
        content = read_text(file)
        if file.suffix == ".json":
            records = [(1, content)]
        else:
            records = [(i, line) for i, line in enumerate(content.splitlines(), 1)
                       if line.strip()]
        for lineno, raw in records:
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise CorpusFormatError("E107", path=file, line=lineno,
                                        detail=f"not JSON ({exc.msg})") from None
            doc = _document(obj, file, lineno, allow_outside=allow_outside)
            if split is None or doc.meta.get("split") == split:
                docs.append(doc)
    return docs


# Keys of the document schema; every other top-level key goes into ``meta``.
_SCHEMA_KEYS = frozenset({"id", "doc", "text", "units", "relations", "trees", "paragraphs",
                          "meta", "format_version", "argmine_version"})
_KINDS = {"support": RelationKind.SUPPORT, "supports": RelationKind.SUPPORT,
          "attack": RelationKind.ATTACK, "attacks": RelationKind.ATTACK}


def _document(obj, file: Path, lineno: int, *, allow_outside: bool = False) -> Document:
    def bad(detail: str) -> CorpusFormatError:
        return CorpusFormatError("E107", path=file, line=lineno, detail=detail)

    if not isinstance(obj, dict) or not isinstance(obj.get("units"), list):
        raise bad("a document is an object with a 'units' list")
    raw_units = obj["units"]
    doc_id = obj.get("id", obj.get("doc"))
    doc_id = str(doc_id) if doc_id is not None else (
        file.stem if lineno == 1 else f"{file.stem}:{lineno}")
    text = obj.get("text")
    if text is None and obj.get("text_file"):
        text = read_text(_text_file(obj["text_file"], file, lineno, allow_outside),
                         newline=None)
    if text is None:
        text, spans = _text_from_units(raw_units, bad)
    else:
        spans = _spans(raw_units, text, file, lineno, bad)
    found = []
    for i, ((start, end), u) in enumerate(zip(spans, raw_units)):
        info = u if isinstance(u, dict) else {}
        if info.get("index") is not None and info["index"] != i:
            raise bad(f"unit {i} has 'index' {info['index']!r}; units are numbered 0, 1, … "
                      "in list order")
        try:
            label = to_label(info["label"]) if info.get("label") is not None else None
        except ValueError as exc:
            raise bad(f"unit {i}: {exc}") from None
        found.append(AnnotatedUnit(start, end, text[start:end], label, f"#{i}", lineno))
    links = _links(obj, doc_id, found, file, lineno, bad)
    # Labels are checked against links where the document annotates structure: a
    # 'relations' list (Document.to_dict) or a 'parent' on its units (argmine tree's JSON).
    structured = "relations" in obj or any(isinstance(u, dict) and "parent" in u
                                           for u in raw_units)
    roles = check_annotation(doc_id, found, links, path=file, check_labels=structured)
    paragraphs = paragraph_spans(text)
    ids = [u.get("id") if isinstance(u, dict) else None for u in raw_units]
    units = tuple(
        Unit(i, u.text, u.start, u.end, label=u.label, role=role if structured else None,
             paragraph=paragraph_index(paragraphs, u.start), id=ids[i])
        for i, (u, role) in enumerate(zip(found, roles)))
    meta = dict(obj["meta"]) if isinstance(obj.get("meta"), dict) else {}
    meta.update((k, v) for k, v in obj.items() if k not in _SCHEMA_KEYS)
    meta.setdefault("corpus", "jsonl")
    relations = tuple(Relation(k.source, k.target, k.kind) for k in links)
    return Document(doc_id, text, units, relations, paragraphs=paragraphs, meta=meta)


def _text_from_units(raw_units: list, bad) -> tuple[str, list[tuple[int, int]]]:
    """The text of a document given by its units only, and each unit's span in it.

    Units with ``start``/``end`` offsets (``argmine tree``'s JSON) are placed at their
    offsets, gaps filled with spaces; otherwise the units are joined by single spaces.
    """
    if raw_units and all(isinstance(u, dict) and _offset(u.get("start"))
                         and _offset(u.get("end")) for u in raw_units):
        chars: list[str] = []
        for i, u in enumerate(raw_units):
            t, start, end = u.get("text"), u["start"], u["end"]
            if not isinstance(t, str) or len(t) != end - start or start > end:
                raise bad(f"unit {i}: its 'text' must hold the end - start characters of "
                          "its offsets when the document has no 'text'")
            chars.extend(" " * (end - len(chars)))
            chars[start:end] = t
        return "".join(chars), [(u["start"], u["end"]) for u in raw_units]
    spans, pieces, pos = [], [], 0
    for i, u in enumerate(raw_units):
        t = u if isinstance(u, str) else (u.get("text") if isinstance(u, dict) else None)
        if not isinstance(t, str) or not t:
            raise bad(f"unit {i} has no text and the document has none")
        spans.append((pos, pos + len(t)))
        pieces.append(t)
        pos += len(t) + 1
    return " ".join(pieces), spans


def _offset(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _spans(raw_units: list, text: str, file: Path, lineno: int, bad) -> list[tuple[int, int]]:
    spans = []
    for i, u in enumerate(raw_units):
        if not isinstance(u, dict) or not isinstance(u.get("start"), int) \
                or not isinstance(u.get("end"), int):
            raise bad(f"unit {i} needs integer 'start' and 'end' offsets into 'text'")
        if not 0 <= u["start"] <= u["end"] <= len(text):
            raise CorpusFormatError("E103", path=file, line=lineno, start=u["start"],
                                    end=u["end"], length=len(text))
        spans.append((u["start"], u["end"]))
    return spans


def _links(obj: dict, doc_id: str, units: list[AnnotatedUnit], file: Path, lineno: int,
           bad) -> list[AnnotatedLink]:
    """The links of a document: its ``relations`` list, then its units' ``parent`` fields."""
    n = len(units)

    def unit_at(ref: object, source: str) -> int:
        if not _offset(ref) or ref >= n:
            raise missing_unit(doc_id, source, ref, path=file, line=lineno)
        return ref

    def kind_of(value: object, where: str) -> RelationKind:
        kind = _KINDS.get(value.strip().lower()) if isinstance(value, str) else None
        if kind is None:
            raise bad(f"{where}: the relation kind must be 'support' or 'attack', "
                      f"got {value!r}")
        return kind

    relations = obj.get("relations")
    if relations is not None and not isinstance(relations, list):
        raise bad("'relations' must be a list of {'source', 'target', 'kind'} objects")
    links = []
    for j, rel in enumerate(relations or ()):
        if not isinstance(rel, dict):
            raise bad(f"relation {j} is not a {{'source', 'target', 'kind'}} object")
        source = unit_at(rel.get("source"), f"named by relation {j}")
        target = unit_at(rel.get("target"), describe(units[source]))
        links.append(AnnotatedLink(source, target, kind_of(rel.get("kind"), f"relation {j}"),
                                   lineno))
    for i, u in enumerate(obj["units"]):
        parent = u.get("parent") if isinstance(u, dict) else None
        if parent is not None:
            target = unit_at(parent, describe(units[i]))
            links.append(AnnotatedLink(i, target, kind_of(u.get("relation") or "support",
                                                          f"unit {i}"), lineno))
    return links


def _text_file(name: object, file: Path, lineno: int, allow_outside: bool) -> Path:
    """Resolve a document's ``text_file`` against its corpus file, refusing what is unsafe.

    Raises:
        CorpusFormatError: E107 if it is not a string or not a regular file; E110 if it
            lies outside the corpus file's folder and ``allow_outside`` is off.
    """
    if not isinstance(name, str):
        raise CorpusFormatError("E107", path=file, line=lineno,
                                detail=f"'text_file' must be a file name, got {name!r}")
    folder = file.parent.resolve()
    # resolve() follows links and "..", so a link inside the folder that points out of it
    # is caught as well as "../x" and "/etc/x".
    target = (folder / name).resolve()
    if not allow_outside and not target.is_relative_to(folder):
        raise CorpusFormatError("E110", path=file, line=lineno, text_file=name,
                                folder=str(folder))
    try:
        mode = target.stat().st_mode
    except OSError:
        return target  # read_text reports it (E009)
    if not stat.S_ISREG(mode):  # a FIFO or device would block the read
        raise CorpusFormatError("E107", path=file, line=lineno,
                                detail=f"'text_file' {name!r} is not a regular file")
    return target
