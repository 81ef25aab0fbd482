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
"""

from __future__ import annotations

import json
from pathlib import Path

from argmine.corpora._common import read_text
from argmine.document import Document, Relation, Unit
from argmine.errors import CorpusFormatError
from argmine.schema import RelationKind, to_label
from argmine.units import paragraph_index, paragraph_spans


def read_jsonl(path: str | Path, *, split: str | None = None) -> list[Document]:
    r"""Read a ``.jsonl`` corpus (one document per line), a ``.json`` document, or a folder.

    Args:
        path: A ``.jsonl``/``.json`` file or a folder of them.
        split: Keep only documents whose ``split`` field equals this.

    Raises:
        CorpusFormatError: E107 naming the file and line of a malformed document.

    Examples:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     p = pathlib.Path(tmp) / "c.jsonl"
        ...     _ = p.write_text('{"id": "a", "units": [{"text": "Act.", "label": "claim"}]}\n')
        ...     [u.label.value for u in read_jsonl(p)[0].units]
        ['claim']
    """
    path = Path(path)
    if path.is_dir():
        files = sorted([*path.glob("*.jsonl"), *path.glob("*.json")])
        if not files:
            raise CorpusFormatError("E106", path=path, what=".jsonl/.json")
    elif path.is_file():
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
            doc = _document(obj, file, lineno)
            if split is None or doc.meta.get("split") == split:
                docs.append(doc)
    return docs


def _document(obj, file: Path, lineno: int) -> Document:
    def bad(detail: str) -> CorpusFormatError:
        return CorpusFormatError("E107", path=file, line=lineno, detail=detail)

    if not isinstance(obj, dict) or not isinstance(obj.get("units"), list):
        raise bad("a document is an object with a 'units' list")
    raw_units = obj["units"]
    text = obj.get("text")
    if text is None and obj.get("text_file"):
        text = read_text(file.parent / obj["text_file"], newline=None)
    spans = []
    if text is None:
        pieces, pos = [], 0
        for i, u in enumerate(raw_units):
            t = u if isinstance(u, str) else (u.get("text") if isinstance(u, dict) else None)
            if not isinstance(t, str) or not t:
                raise bad(f"unit {i} has no text and the document has none")
            spans.append((pos, pos + len(t)))
            pieces.append(t)
            pos += len(t) + 1
        text = " ".join(pieces)
    else:
        for i, u in enumerate(raw_units):
            if not isinstance(u, dict) or not isinstance(u.get("start"), int) \
                    or not isinstance(u.get("end"), int):
                raise bad(f"unit {i} needs integer 'start' and 'end' offsets into 'text'")
            if not 0 <= u["start"] <= u["end"] <= len(text):
                raise CorpusFormatError("E103", path=file, line=lineno, start=u["start"],
                                        end=u["end"], length=len(text))
            spans.append((u["start"], u["end"]))
    paragraphs = paragraph_spans(text)
    units, relations = [], []
    for i, ((start, end), u) in enumerate(zip(spans, raw_units)):
        info = u if isinstance(u, dict) else {}
        try:
            label = to_label(info["label"]) if info.get("label") is not None else None
        except ValueError as exc:
            raise bad(f"unit {i}: {exc}") from None
        units.append(Unit(i, text[start:end], start, end, label=label,
                          paragraph=paragraph_index(paragraphs, start), id=info.get("id")))
        parent = info.get("parent")
        if parent is not None:
            if not isinstance(parent, int) or not 0 <= parent < len(raw_units) or parent == i:
                raise CorpusFormatError("E104", path=file, line=lineno, ref=parent)
            try:
                kind = RelationKind(info.get("relation") or "support")
            except ValueError:
                raise bad(f"unit {i}: relation must be 'support' or 'attack'") from None
            relations.append(Relation(i, parent, kind))
    meta = {k: v for k, v in obj.items() if k not in ("units", "text", "id")}
    meta.setdefault("corpus", "jsonl")
    return Document(str(obj.get("id", file.stem if lineno == 1 else f"{file.stem}:{lineno}")),
                    text, tuple(units), tuple(relations), paragraphs=paragraphs, meta=meta)
