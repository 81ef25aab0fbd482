"""Resumable batch runs: stream documents through an ArgumentMiner into JSONL, CSV or Parquet.

:func:`iter_sources` reads documents lazily from files, globs, folders, JSONL, CSV, a
``datasets`` dataset or standard input; :func:`run_batch` labels (or mines) them in chunks and
writes the records so that a run killed at any instant can be resumed. Beside ``OUTPUT`` it
keeps:

- ``OUTPUT.errors.jsonl``: one ``{"id", "source", "code", "error"}`` line per failed document
  (removed at the end when nothing failed);
- ``OUTPUT.checkpoint``: the commit log, one line per chunk with the byte sizes of the output
  and error files once both were fsynced; removed when the run ends;
- ``OUTPUT.partial`` (Parquet only): the records as JSONL, turned into row groups of
  ``OUTPUT`` at the end, because a Parquet file is unreadable until its footer is written.

Resume: the output and error files are cut back to the last commit (or, without a checkpoint,
to their last complete line), and every document id found in them is skipped, so no document
is written twice. Documents that failed are skipped too; delete the errors file to retry them.

Examples:
    >>> from argmine.pipeline import load
    >>> summary = run_batch(load(path), iter_sources(["corpus/"]),     # doctest: +SKIP
    ...                     output="labels.jsonl", resume=True)
    >>> summary.exit_status                                            # doctest: +SKIP
    0
"""

from __future__ import annotations

import csv
import glob
import hashlib
import io
import json
import os
import sys
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any, BinaryIO

from argmine.errors import ArgmineError, InputError
from argmine.schema import LABELS

DEFAULT_MAX_CHARS = 1_000_000
INPUT_FORMATS = ("auto", "text", "jsonl", "csv")
FORMATS = {
    "label": ("jsonl", "csv", "parquet", "table"),
    "tree": ("jsonl", "json", "csv", "parquet", "text", "aif", "dot", "mermaid", "html"),
}
RESUMABLE = ("jsonl", "json", "csv", "parquet")
"""Formats whose records name their document, so that a run can read back what it wrote."""
Content = str | list[str] | InputError


# --------------------------------------------------------------------------- sources
def iter_sources(
    inputs: Iterable[str | Path] = (),
    *,
    input_format: str = "auto",
    text_field: str = "text",
    units_field: str = "units",
    id_field: str = "id",
    pattern: str = "*.txt",
    dataset: str | None = None,
    split: str = "train",
    max_chars: int = DEFAULT_MAX_CHARS,
    stdin: BinaryIO | None = None,
) -> Iterator[tuple[str, Content]]:
    """Yield ``(doc_id, text_or_units_or_error)`` lazily, one document at a time.

    Ids are stable, so a resumed run finds the same ones: a named file or glob match is the
    path as given; a file found in a folder is its path relative to that folder; a JSONL line
    or CSV row takes its ``id_field`` or else ``<file>:<line>`` / ``<file>:<row>``; a dataset
    row takes ``id_field`` or else ``<split>:<index>``; text on standard input is ``stdin``.
    A document that cannot be read is yielded with the :class:`InputError` saying why.

    Args:
        inputs: Files, folders (searched recursively for ``pattern``, hidden names skipped),
            glob patterns (``**`` allowed) and ``"-"`` for standard input.
        input_format: ``"text"`` (a file is a document), ``"jsonl"``, ``"csv"``, or
            ``"auto"``: by extension (``.jsonl``/``.ndjson``, ``.csv``/``.tsv``, else text).
        text_field: The JSONL field, CSV column or dataset column holding the text.
        units_field: The field holding pre-segmented units (preferred when present; a JSON
            array of strings in CSV).
        id_field: The field holding the document id.
        pattern: File-name pattern for folders.
        dataset: A ``datasets`` dataset: a folder written by ``save_to_disk`` or a hub name.
        split: The dataset split.
        max_chars: Longer documents are refused (E005) without being read whole.
        stdin: Binary stream for ``"-"`` (default: ``sys.stdin.buffer``).

    Raises:
        InputError: E008 for an unknown ``input_format``; E009 if ``dataset`` cannot be loaded.

    Examples:
        >>> next(iter_sources(["-"], stdin=io.BytesIO(b"Cars pollute.")))
        ('stdin', 'Cars pollute.')
    """
    if input_format not in INPUT_FORMATS:
        raise InputError("E008", what="input format", value=input_format,
                         options=", ".join(INPUT_FORMATS))
    fields = (text_field, units_field, id_field, max_chars)
    for item in inputs:
        name = str(item)
        path = Path(name)
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            fmt = "text" if input_format == "auto" else input_format
            yield from _read_stream(stream, "stdin", "<stdin>", fmt, fields)
        elif path.is_dir():
            yield from _walk(path, "", input_format, pattern, fields)
        elif not path.exists() and any(c in name for c in "*?["):
            matches = sorted(glob.glob(name, recursive=True))
            if not matches:
                yield name, InputError("E009", path=name, detail="no file matches the pattern")
            for match in matches:
                if Path(match).is_dir():
                    yield from _walk(Path(match), "", input_format, pattern, fields)
                else:
                    yield from _read_file(Path(match), _as_id(match), input_format, fields)
        else:
            yield from _read_file(path, _as_id(name), input_format, fields)
    if dataset is not None:
        yield from _read_dataset(dataset, split, fields)


def _as_id(name: str) -> str:
    return Path(os.path.normpath(name)).as_posix()


def _walk(root: Path, prefix: str, input_format: str, pattern: str, fields) -> Iterator:
    # os.scandir per folder, sorted, so that ids come in a stable order without listing the
    # whole tree first.
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError as exc:
        yield prefix or _as_id(str(root)), InputError("E009", path=root, detail=str(exc))
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = f"{prefix}{entry.name}"
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), rel + "/", input_format, pattern, fields)
        elif fnmatch(entry.name, pattern):
            yield from _read_file(Path(entry.path), rel, input_format, fields)


def _read_file(path: Path, doc_id: str, input_format: str, fields) -> Iterator:
    fmt = input_format
    if fmt == "auto":
        suffix = path.suffix.lower()
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv"}.get(
            suffix, "text")
    max_chars = fields[3]
    try:
        # A UTF-8 character takes at most 4 bytes: a bigger file cannot fit, so it is
        # refused without being read into memory.
        size = path.stat().st_size
        if fmt == "text" and size > 4 * max_chars:
            yield doc_id, InputError("E005", path=path, size=f"at least {size // 4}",
                                     limit=max_chars)
            return
        with open(path, "rb") as stream:
            yield from _read_stream(stream, doc_id, str(path), fmt, fields)
    except OSError as exc:
        yield doc_id, InputError("E009", path=path, detail=exc.strerror or str(exc))


def _read_stream(stream: BinaryIO, doc_id: str, source: str, fmt: str, fields) -> Iterator:
    from argmine.units import check_text

    max_chars = fields[3]
    if fmt == "text":
        data = stream.read(4 * max_chars + 1)
        try:
            if len(data) > 4 * max_chars:  # more bytes than max_chars characters can take
                raise InputError("E005", path=source, size=f"at least {len(data) // 4}",
                                 limit=max_chars)
            yield doc_id, check_text(data, source=source, max_chars=max_chars)
        except InputError as exc:
            yield doc_id, exc
    elif fmt == "jsonl":
        yield from _read_jsonl(stream, doc_id, source, fields)
    else:
        delimiter = "\t" if source.lower().endswith(".tsv") else ","
        yield from _read_csv(stream, doc_id, source, delimiter, fields)


def _read_jsonl(stream: BinaryIO, file_id: str, source: str, fields) -> Iterator:
    max_chars = fields[3]
    limit = 4 * max_chars + 4096  # bytes; JSON escapes aside, a longer line is too long
    lineno = 0
    while line := stream.readline(limit):
        lineno += 1
        default_id = f"{file_id}:{lineno}"
        if len(line) >= limit and not line.endswith(b"\n"):
            while (rest := stream.readline(limit)) and not rest.endswith(b"\n"):
                pass  # skip the rest of the over-long line without holding it
            yield default_id, InputError("E005", path=source, line=lineno,
                                         size=f"at least {limit // 4}", limit=max_chars)
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line.decode("utf-8-sig" if lineno == 1 else "utf-8"))
        except UnicodeDecodeError as exc:
            yield default_id, InputError("E003", path=source, line=lineno, detail=str(exc))
            continue
        except ValueError as exc:
            yield default_id, InputError("E010", path=source, line=lineno, detail=str(exc))
            continue
        if not isinstance(obj, dict):
            yield default_id, InputError("E010", path=source, line=lineno,
                                         detail="expected a JSON object")
            continue
        yield _record(obj, default_id, f"{source}:{lineno}", fields, json_units=False)


def _read_csv(stream: BinaryIO, file_id: str, source: str, delimiter: str, fields) -> Iterator:
    text_field, units_field, _id_field, max_chars = fields
    csv.field_size_limit(max(csv.field_size_limit(), 4 * max_chars + 4096))
    # surrogateescape keeps one badly encoded row from stopping the file: that row alone
    # fails (E003) when its text is checked.
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape",
                            newline="")
    reader = csv.DictReader(text, delimiter=delimiter)
    columns = reader.fieldnames or []
    if text_field not in columns and units_field not in columns:
        yield file_id, InputError("E011", path=source, what="CSV file",
                                  detail=f"no column {text_field!r} or {units_field!r} "
                                  f"(columns: {', '.join(columns) or 'none'})")
        return
    row = 0
    while True:
        row += 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield f"{file_id}:{row}", InputError("E011", path=source, line=reader.line_num,
                                                 what="CSV row", detail=str(exc))
            continue
        yield _record(record, f"{file_id}:{row}", f"{source}:{reader.line_num}", fields,
                      json_units=True)


def _read_dataset(name: str, split: str, fields) -> Iterator:
    import datasets

    try:
        if Path(name).is_dir():
            data = datasets.load_from_disk(name)
            if isinstance(data, datasets.DatasetDict):
                if split not in data:
                    raise InputError("E008", what="split", value=split,
                                     options=", ".join(data))
                data = data[split]
        else:
            data = datasets.load_dataset(name, split=split, streaming=True)
    except ArgmineError:
        raise
    except Exception as exc:
        raise InputError("E009", path=name, detail=str(exc)) from None
    for index, row in enumerate(data):
        yield _record(row, f"{split}:{index}", f"{name}[{split}][{index}]", fields,
                      json_units=False)


def _record(obj: dict, default_id: str, where: str, fields, *, json_units: bool):
    from argmine.units import check_text, units_from_strings

    text_field, units_field, id_field, max_chars = fields
    value = obj.get(id_field)
    doc_id = default_id if value in (None, "") else str(value)
    try:
        units = obj.get(units_field)
        if units not in (None, ""):
            if json_units and isinstance(units, str):
                try:
                    units = json.loads(units)
                except ValueError as exc:
                    raise InputError("E007", index=0, value=str(exc)) from None
            if not isinstance(units, list):
                raise InputError("E007", index=0, value=units)
            text, _ = units_from_strings(units)  # validates every item (E007)
            check_text(text, max_chars=max_chars)
            return doc_id, units
        if text_field not in obj:
            return doc_id, InputError("E010", path=where, detail=f"no {text_field!r} or "
                                      f"{units_field!r} field")
        text = obj[text_field]
        if isinstance(text, str):
            text.encode("utf-8")  # a lone surrogate means the source was not UTF-8
        return doc_id, check_text(text, max_chars=max_chars)
    except UnicodeEncodeError as exc:
        return doc_id, InputError("E003", path=where, detail=str(exc))
    except InputError as exc:
        return doc_id, InputError(exc.code, path=where, **exc.details)


# --------------------------------------------------------------------------- records
def _label_rows(doc, flat: bool) -> list[dict[str, Any]]:
    rows = []
    for unit in doc.units:
        row = {"doc": doc.id, "index": unit.index, "start": unit.start, "end": unit.end,
               "text": unit.text, "label": unit.label.value, "score": round(unit.score, 4)}
        scores = {k: round(v, 4) for k, v in unit.scores.items()}
        row.update({f"p_{k}": v for k, v in scores.items()} if flat else {"scores": scores})
        rows.append(row)
    return rows


def _tree_rows(doc) -> list[dict[str, Any]]:
    from argmine.export import to_json

    data = json.loads(to_json(doc, indent=None))
    tree_of = {i: t for t, tree in enumerate(data["trees"]) for i in tree["units"]}
    return [{"doc": doc.id, **unit, "score": None if unit["score"] is None else round(
        unit["score"], 4), "tree": tree_of.get(unit["index"])} for unit in data["units"]]


def _columns(task: str) -> list[str]:
    if task == "label":
        return ["doc", "index", "start", "end", "text", "label", "score",
                *(f"p_{label.value}" for label in LABELS)]
    return ["doc", "index", "start", "end", "text", "label", "role", "parent", "relation",
            "score", "tree"]


def _render(doc, task: str, fmt: str) -> str:
    """Serialise one processed document: every record of it, each ending in a newline."""
    from argmine.export import export, to_json

    if fmt in ("csv", "parquet"):
        rows = _label_rows(doc, flat=True) if task == "label" else _tree_rows(doc)
        if fmt == "parquet":  # the JSONL spool that becomes Parquet at the end
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=_columns(task), lineterminator="\n")
        writer.writerows(rows)
        return buffer.getvalue()
    if task == "label" and fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _label_rows(doc, False))
    if task == "label":  # table
        lines = []
        for unit in doc.units:
            text = " ".join(unit.text.split())
            text = text if len(text) <= 90 else text[:89] + "…"
            shown = doc.id if len(doc.id) <= 16 else "…" + doc.id[-15:]
            lines.append(f"{shown:<16} {unit.index:>3}  {unit.label.value:<15} "
                         f"{unit.score:.2f}  {text}\n")
        return "".join(lines)
    if fmt in ("jsonl", "json"):
        return to_json(doc, indent=None) + "\n"
    out = export(doc, fmt)
    if fmt == "aif":  # one line per document, like JSONL
        out = json.dumps(json.loads(out), ensure_ascii=False)
    return out if out.endswith("\n") else out + "\n"


# --------------------------------------------------------------------------- processing
def _failure(exc: BaseException) -> tuple[str, str, str | None]:
    if isinstance(exc, ArgmineError):
        where = exc.path if exc.line is None or exc.path is None else f"{exc.path}:{exc.line}"
        return exc.code, exc.message, where
    return type(exc).__name__, str(exc), None


def _inference():
    from contextlib import nullcontext

    torch = sys.modules.get("torch")  # imported by the model if it needs torch at all
    return torch.inference_mode() if torch is not None else nullcontext()


def _process(miner, task: str, fmt: str, items: list[tuple[str, Any]]) -> list[tuple]:
    """Mine ``(id, text_or_units)`` items: ``("ok", block, n_units)`` or ``("error", ...)``."""
    results: list[tuple] = [()] * len(items)
    docs, where = [], []
    for i, (doc_id, content) in enumerate(items):
        try:
            docs.append(miner.to_document(content, doc_id))
            where.append(i)
        except Exception as exc:
            results[i] = ("error", *_failure(exc))
    # Documents of similar unit length side by side: the model pads each batch of units to
    # its longest one, so mixing one long document into short ones wastes most of a batch.
    order = sorted(range(len(docs)), key=lambda k: len(docs[k].text) / len(docs[k].units))
    run = miner.label_documents if task == "label" else miner.mine_documents
    with _inference():
        try:
            done = list(zip(order, run([docs[k] for k in order])))
        except Exception:
            done = []
            for k in order:  # one bad document must not sink its chunk: find it alone
                try:
                    done.append((k, run([docs[k]])[0]))
                except Exception as exc:
                    results[where[k]] = ("error", *_failure(exc))
    for k, doc in done:
        try:
            results[where[k]] = ("ok", _render(doc, task, fmt), len(doc.units))
        except Exception as exc:
            results[where[k]] = ("error", *_failure(exc))
    return results


_WORKER: dict[str, Any] = {}
"""The miner of a worker process (loaded once by :func:`_init_worker`); empty in the parent."""


def _init_worker(spec, threads: int | None) -> None:
    from argmine.pipeline import load

    try:
        _WORKER["miner"] = load(spec[0], decoding=spec[1]) if isinstance(spec, tuple) else spec
    except Exception as exc:  # raised by _work instead: a pool respawns crashed initialisers
        _WORKER["error"] = exc
    _set_threads(threads)


def _work(task: str, fmt: str, items: list[tuple[str, Any]]) -> list[tuple]:
    if "error" in _WORKER:
        raise _WORKER["error"]
    return _process(_WORKER["miner"], task, fmt, items)


def _set_threads(threads: int | None) -> None:
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def _results(miner, spec, task: str, fmt: str, chunks: Iterator[_Chunk], workers: int,
             threads: int | None) -> Iterator[tuple[_Chunk, list[tuple]]]:
    """Process chunks in this process or in ``workers`` processes; yields them in order."""
    if workers == 1:
        _set_threads(threads)
        for chunk in chunks:
            yield chunk, _process(miner, task, fmt, chunk.todo)
        return
    import multiprocessing

    # spawn: a forked copy of a process that already ran torch can deadlock in its threads.
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(workers, _init_worker, (spec, threads))
    try:
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_work, (task, fmt, chunk.todo))))
            # At most two chunks a worker in flight: Pool.imap would read the whole input
            # ahead of the workers, and memory must not grow with the number of documents.
            while len(pending) > 2 * workers or (pending and pending[0][1].ready()):
                done, result = pending.popleft()
                yield done, result.get()
        while pending:
            done, result = pending.popleft()
            yield done, result.get()
        pool.close()  # let the workers exit on their own: terminating them leaks semaphores
    finally:
        pool.terminate()
        pool.join()


# --------------------------------------------------------------------------- bookkeeping
class _IdSet:
    """A set of document ids at 16 bytes an id (a 128-bit hash in a sorted array).

    A resumed run over millions of documents must know which ones are done; Python strings
    in a set would cost about ten times as much.
    """

    _BUFFER = 32768

    def __init__(self) -> None:
        import numpy as np

        self._np = np
        self._sorted = np.empty(0, dtype="S16")
        self._recent: set[bytes] = set()

    @staticmethod
    def _key(doc_id: str) -> bytes:
        return hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=16).digest()

    def add(self, doc_id: str) -> None:
        self._recent.add(self._key(doc_id))
        if len(self._recent) >= self._BUFFER:
            merged = self._np.concatenate([self._sorted, self._np.array(list(self._recent),
                                                                        dtype="S16")])
            self._sorted = self._np.unique(merged)
            self._recent.clear()

    def __contains__(self, doc_id: str) -> bool:
        key = self._key(doc_id)
        if key in self._recent:
            return True
        probe = self._np.array([key], dtype="S16")  # compare as arrays: both null-padded
        i = int(self._np.searchsorted(self._sorted, probe[0]))
        return i < len(self._sorted) and bool(self._sorted[i : i + 1] == probe)


@dataclass
class _Chunk:
    todo: list[tuple[str, Any]]
    failed: list[dict[str, Any]]
    skipped: int = 0


def _error_record(doc_id: str, code: str, message: str, source: str | None) -> dict[str, Any]:
    return {"id": doc_id, "source": source or doc_id, "code": code, "error": message}


def _chunks(sources: Iterable, size: int, done: _IdSet, max_chars: int) -> Iterator[_Chunk]:
    from argmine.units import check_text

    seen = _IdSet()
    chunk = _Chunk([], [])
    for doc_id, content in sources:
        doc_id = str(doc_id)
        if doc_id in done:
            chunk.skipped += 1
        elif doc_id in seen:
            chunk.failed.append(_error_record(doc_id, *_failure(InputError(
                "E012", id=doc_id, detail=f"the document id {doc_id!r} is used by an earlier "
                "document too; ids must be unique (see --id-field)"))))
        else:
            seen.add(doc_id)
            try:  # sources other than iter_sources get the same checks
                if isinstance(content, str):
                    content = check_text(content, source=doc_id, max_chars=max_chars)
                elif isinstance(content, BaseException):
                    raise content
            except Exception as exc:
                chunk.failed.append(_error_record(doc_id, *_failure(exc)))
            else:
                chunk.todo.append((doc_id, content))
        if len(chunk.todo) + len(chunk.failed) >= size or chunk.skipped >= 4096:
            yield chunk
            chunk = _Chunk([], [])
    if chunk.todo or chunk.failed or chunk.skipped:
        yield chunk


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _cut_partial_line(path: Path) -> None:
    """Truncate ``path`` after its last newline (a write cut short by a kill)."""
    if not path.exists():
        return
    with open(path, "rb+") as f:
        end = pos = f.seek(0, os.SEEK_END)
        while pos > 0:
            step = min(1 << 16, pos)
            pos -= step
            f.seek(pos)
            cut = f.read(step).rfind(b"\n")
            if cut >= 0:
                if pos + cut + 1 < end:
                    f.truncate(pos + cut + 1)
                return
        f.truncate(0)


class _Output:
    """The files of one run and their commit discipline (see the module docstring)."""

    def __init__(self, output: Path | None, fmt: str, task: str, errors_path: Path | None,
                 resume: bool) -> None:
        self.fmt, self.task, self.path, self.errors_path = fmt, task, output, errors_path
        self.done, self.previously_failed = _IdSet(), 0
        self.data = self.checkpoint = None
        if output is not None:
            self.data_path = _sibling(output, ".partial") if fmt == "parquet" else output
            self.checkpoint_path = _sibling(output, ".checkpoint")
            if resume:
                self._recover()
            self.data = open(self.data_path, "ab")
            self.checkpoint = open(self.checkpoint_path, "ab")
        if fmt == "csv" and (self.data is None or self.data.tell() == 0):
            self.write(",".join(_columns(task)) + "\n")
        self.errors = None if errors_path is None else open(errors_path, "ab")
        self.commit()

    def _recover(self) -> None:
        commits = []
        if self.checkpoint_path.exists():
            for line in self.checkpoint_path.read_bytes().splitlines():
                try:
                    commits.append(json.loads(line))
                except ValueError:  # the last line, cut short by a kill
                    pass
            if commits and commits[-1].get("finalised"):  # killed while finishing Parquet
                tmp = _sibling(self.path, ".tmp")
                if tmp.exists():
                    os.replace(tmp, self.path)
                self.data_path.unlink(missing_ok=True)
                commits = []
            sizes = commits[-1] if commits else {"output": 0, "errors": 0}
            for path, size in ((self.data_path, sizes["output"]),
                               (self.errors_path, sizes["errors"])):
                if path is not None and path.exists() and path.stat().st_size > size:
                    os.truncate(path, size)
            # The files now end at a commit; a fresh log starts from them.
            self.checkpoint_path.unlink()
        else:  # a finished run: only a torn last line could be incomplete
            _cut_partial_line(self.data_path)
            if self.errors_path is not None:
                _cut_partial_line(self.errors_path)
        last = None
        for doc_id in self._written_ids():
            if doc_id != last:  # a document's records are consecutive
                self.done.add(doc_id)
                last = doc_id
        if self.errors_path is not None and self.errors_path.exists():
            with open(self.errors_path, "rb") as f:
                for line in f:
                    self.done.add(str(json.loads(line)["id"]))
                    self.previously_failed += 1

    def _written_ids(self) -> Iterator[str]:
        if self.fmt == "parquet" and self.path.exists():
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(self.path).iter_batches(columns=["doc"]):
                yield from batch.column(0).to_pylist()
        if not self.data_path.exists():
            return
        with open(self.data_path, "rb") as f:
            if self.fmt == "csv":
                for row in csv.DictReader(io.TextIOWrapper(f, encoding="utf-8", newline="")):
                    yield row["doc"]
                return
            for number, line in enumerate(f, 1):
                try:
                    yield str(json.loads(line)["doc"])
                except (ValueError, KeyError, TypeError):
                    raise InputError("E011", path=self.data_path, line=number,
                                     what=f"{self.fmt} record written by argmine",
                                     detail="resume needs the file this run wrote") from None

    def write(self, block: str) -> None:
        if self.data is None:
            sys.stdout.write(block)
        else:
            self.data.write(block.encode("utf-8"))

    def error(self, record: dict[str, Any]) -> None:
        if self.errors is not None:
            self.errors.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))

    def commit(self) -> None:
        """Make everything written so far durable, then log the sizes that are."""
        for f in (self.data, self.errors):
            if f is not None:
                f.flush()
                os.fsync(f.fileno())
        if self.data is None:
            sys.stdout.flush()
            return
        sizes = {"output": self.data.tell(), "errors": self.errors.tell() if self.errors else 0}
        self._log(sizes)

    def _log(self, entry: dict[str, Any]) -> None:
        self.checkpoint.write((json.dumps(entry) + "\n").encode())
        self.checkpoint.flush()
        os.fsync(self.checkpoint.fileno())

    def close(self, complete: bool) -> None:
        """Close the files; a complete run also finalises Parquet and drops the checkpoint."""
        if complete:
            self.commit()
        for f in (self.data, self.errors):
            if f is not None:
                f.close()
        if complete and self.path is not None:
            if self.fmt == "parquet":
                self._finish_parquet()
            self.checkpoint.close()
            self.checkpoint_path.unlink()
        elif self.checkpoint is not None:
            self.checkpoint.close()
        if complete and self.errors_path is not None and self.errors_path.stat().st_size == 0:
            self.errors_path.unlink()

    def _finish_parquet(self, rows_per_group: int = 16384) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.path.exists() and self.data_path.stat().st_size == 0:
            self.data_path.unlink()  # nothing new: the finished file stays as it is
            return
        types = {"doc": pa.string(), "text": pa.string(), "label": pa.string(),
                 "role": pa.string(), "relation": pa.string()}
        schema = pa.schema([(c, types.get(c, pa.int64() if c in (
            "index", "start", "end", "parent", "tree") else pa.float64()))
            for c in _columns(self.task)])
        tmp = _sibling(self.path, ".tmp")
        with pq.ParquetWriter(tmp, schema) as writer:
            if self.path.exists():  # resuming a finished file: copy its row groups first
                for batch in pq.ParquetFile(self.path).iter_batches(rows_per_group):
                    writer.write_table(pa.Table.from_batches([batch]).cast(schema))
            rows: list[dict[str, Any]] = []
            with open(self.data_path, "rb") as spool:
                for line in spool:
                    rows.append(json.loads(line))
                    if len(rows) == rows_per_group:
                        writer.write_table(pa.Table.from_pylist(rows, schema))
                        rows = []
            if rows:
                writer.write_table(pa.Table.from_pylist(rows, schema))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        # Logged before the rename: a run killed between the two finds a complete .tmp to
        # move into place on resume, and never copies the spool into the file twice.
        self._log({"finalised": True})
        os.replace(tmp, self.path)
        self.data_path.unlink()


# --------------------------------------------------------------------------- the run
@dataclass
class BatchSummary:
    """What a batch run did.

    Attributes:
        ok: Documents written in this run.
        failed: Documents that failed in this run (each recorded in the errors file).
        skipped: Documents skipped because an earlier run had finished them.
        previously_failed: Failures recorded by earlier runs of a resumed job.
        units: Units written in this run.
        seconds: Wall time of this run.
        output: The output file (``None`` for standard output).
        errors: The errors file, if one was kept.
    """

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    previously_failed: int = 0
    units: int = 0
    seconds: float = 0.0
    output: str | None = None
    errors: str | None = None

    @property
    def exit_status(self) -> int:
        """0 when every document of the job succeeded, 1 when any failed."""
        return 1 if self.failed or self.previously_failed else 0


def _paths(output, fmt: str, errors_path) -> tuple[Path | None, Path | None]:
    out = None if output is None else Path(output)
    if errors_path is None and out is not None:
        errors_path = _sibling(out, ".errors.jsonl")
    return out, None if errors_path is None else Path(errors_path)


def check_options(*, task: str = "label", fmt: str = "jsonl", output=None, resume: bool = False,
                  force: bool = False, errors_path=None, workers: int = 1, batch_docs: int = 64,
                  threads: int | None = None, owner: str = "run_batch") -> None:
    """Refuse a combination of :func:`run_batch` options before any work starts.

    Raises:
        InputError: E008 for an unknown task or format; E301 for a bad value, for resuming
            what cannot be resumed, and for an existing output without ``resume``/``force``.

    Examples:
        >>> check_options(fmt="parquet")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        argmine.errors.InputError: [E301] The 'output' parameter of run_batch must be a ...
    """
    def bad(param: str, expected: str, value: object) -> InputError:
        return InputError("E301", param=param, owner=owner, expected=expected, value=value)

    if task not in FORMATS:
        raise InputError("E008", what="task", value=task, options=", ".join(FORMATS))
    if fmt not in FORMATS[task]:
        raise InputError("E008", what="output format", value=fmt,
                         options=", ".join(FORMATS[task]))
    for name, value in (("workers", workers), ("batch_docs", batch_docs),
                        ("threads", 1 if threads is None else threads)):
        if not isinstance(value, int) or value < 1:
            raise bad(name, "a positive integer", value)
    out, errors = _paths(output, fmt, errors_path)
    if out is None and fmt == "parquet":
        raise bad("output", "a file path: Parquet cannot stream to standard output", None)
    if resume and (out is None or fmt not in RESUMABLE):
        raise bad("resume", "False unless writing to a file in one of the formats "
                  f"{', '.join(RESUMABLE)} (resume reads back the ids written)", resume)
    if resume and force:
        raise bad("force", "False when resuming", force)
    if not (resume or force):
        kept = [] if out is None else [out, _sibling(out, ".partial"),
                                       _sibling(out, ".checkpoint")]
        for path in [*kept, errors]:
            if path is not None and path.exists():
                raise bad("output", "a path that does not exist yet: resume to continue the "
                          "run that wrote it, or force to start over", str(path))


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _write_chunk(out: _Output, chunk: _Chunk, results: list[tuple], summary: BatchSummary,
                 on_error) -> None:
    """Write a processed chunk in input order, failures to the errors file, then commit."""
    for (doc_id, _), result in zip(chunk.todo, results):
        if result[0] == "ok":
            out.write(result[1])
            summary.ok += 1
            summary.units += result[2]
        else:
            chunk.failed.append(_error_record(doc_id, *result[1:]))
    for record in chunk.failed:
        out.error(record)
        if on_error is not None:
            on_error(record)
    if chunk.todo or chunk.failed:
        out.commit()
    summary.failed += len(chunk.failed)
    summary.skipped += chunk.skipped


def run_batch(
    miner,
    sources: Iterable[tuple[str, Any]],
    *,
    task: str = "label",
    output: str | Path | None = None,
    fmt: str = "jsonl",
    resume: bool = False,
    force: bool = False,
    errors_path: str | Path | None = None,
    max_chars: int = DEFAULT_MAX_CHARS,
    batch_docs: int = 64,
    progress: bool | None = None,
    total: int | None = None,
    workers: int = 1,
    threads: int | None = None,
    decoding=None,
    on_error=None,
) -> BatchSummary:
    """Label (or mine) a stream of documents into a file that survives being killed.

    Documents are read, processed and written a chunk at a time, so memory stays flat. Each
    chunk's records are written in input order, fsynced, then logged in the checkpoint; a
    bad document is recorded in the errors file and the run goes on.

    Args:
        miner: An :class:`~argmine.pipeline.ArgumentMiner`, or a model name or folder (with
            ``workers > 1`` each worker loads it once; a miner object is copied to them).
        sources: ``(doc_id, text_or_units_or_error)`` pairs, e.g. from :func:`iter_sources`.
        task: ``"label"`` (one record per unit) or ``"tree"`` (labels, links and trees).
        output: The file to write; ``None`` writes to standard output (no resume).
        fmt: One of ``FORMATS[task]``: JSONL, CSV, Parquet, or a human-readable format.
        resume: Continue the run that wrote ``output``: skip every document it finished or
            recorded as failed.
        force: Start over even if ``output`` exists.
        errors_path: Where failures go (default ``<output>.errors.jsonl``; none for
            standard output unless given).
        max_chars: Longer documents fail with E005.
        batch_docs: Documents per chunk: per commit, and per call of the model.
        progress: Show a progress bar on standard error (default: when it is a terminal).
        total: Number of documents expected, for the progress bar's ETA.
        workers: Processes that run the model; the writer stays in this one. Workers are
            spawned, so they import the caller's main module: guard a script's top level
            with ``if __name__ == "__main__":``.
        threads: Torch threads per process (default: torch's own choice for one process;
            the CPUs shared among several workers unless ``OMP_NUM_THREADS`` is set).
        decoding: Tree decoding settings, when ``miner`` is a name or folder.
        on_error: Called with each error record (the CLI prints them).

    Returns:
        A :class:`BatchSummary`; its ``exit_status`` is 1 if any document failed.

    Raises:
        InputError: As :func:`check_options`, before anything is written.
    """
    check_options(task=task, fmt=fmt, output=output, resume=resume, force=force,
                  errors_path=errors_path, workers=workers, batch_docs=batch_docs,
                  threads=threads)
    from tqdm import tqdm

    from argmine.pipeline import ArgumentMiner, load

    spec = miner if isinstance(miner, ArgumentMiner) else (
        None if miner is None else str(miner), decoding)
    if workers == 1 and isinstance(spec, tuple):
        miner = load(spec[0], decoding=decoding)
    elif isinstance(spec, tuple):  # fail here, not in workers that the pool would respawn
        from argmine.errors import ModelFormatError
        from argmine.pipeline import DEFAULT_MODEL, default_model_path

        if spec[0] in (None, DEFAULT_MODEL):
            default_model_path()
        elif not Path(spec[0]).is_dir():
            raise ModelFormatError("E204", name=spec[0])
    if threads is None and workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        # Share the CPUs: torch would give every worker a thread per core.
        threads = max(1, _cpus() // workers)
    out_path, err_path = _paths(output, fmt, errors_path)
    if force and out_path is not None:
        for path in (out_path, _sibling(out_path, ".partial"), _sibling(out_path, ".checkpoint"),
                     _sibling(out_path, ".tmp"), err_path):
            path.unlink(missing_ok=True)
    elif force and err_path is not None:
        err_path.unlink(missing_ok=True)
    out = _Output(out_path, fmt, task, err_path, resume)
    summary = BatchSummary(previously_failed=out.previously_failed,
                           output=None if out_path is None else str(out_path),
                           errors=None if err_path is None else str(err_path))
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=total, unit="doc", disable=not show, file=sys.stderr, dynamic_ncols=True)
    start = time.perf_counter()
    complete = False
    try:
        chunks = _chunks(sources, batch_docs, out.done, max_chars)
        # closing(): an error here must stop the worker pool at once, not at garbage collection.
        with closing(_results(miner, spec, task, fmt, chunks, workers, threads)) as processed:
            for chunk, results in processed:
                _write_chunk(out, chunk, results, summary, on_error)
                summary.seconds = elapsed = max(time.perf_counter() - start, 1e-9)
                bar.update(len(chunk.todo) + len(chunk.failed) + chunk.skipped)
                bar.set_postfix_str(f"{(summary.ok + summary.failed) / elapsed:.1f} docs/s, "
                                    f"{summary.units / elapsed:.0f} units/s", refresh=False)
        complete = True
    finally:
        bar.close()
        out.close(complete)
    if summary.errors is not None and not Path(summary.errors).exists():
        summary.errors = None
    summary.seconds = time.perf_counter() - start
    return summary
