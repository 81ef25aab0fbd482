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
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from argmine.corpora._common import read_text
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
            files; E009 if it cannot be examined.

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


def _document(obj, file: Path, lineno: int, *, allow_outside: bool = False) -> Document:
    def bad(detail: str) -> CorpusFormatError:
        return CorpusFormatError("E107", path=file, line=lineno, detail=detail)

    if not isinstance(obj, dict) or not isinstance(obj.get("units"), list):
        raise bad("a document is an object with a 'units' list")
    raw_units = obj["units"]
    text = obj.get("text")
    if text is None and obj.get("text_file"):
        text = read_text(_text_file(obj["text_file"], file, lineno, allow_outside),
                         newline=None)
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
