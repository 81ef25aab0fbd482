"""Reading documents lazily from files, globs, folders, JSONL, CSV, datasets or standard input.

:func:`iter_sources` yields ``(doc_id, text_or_units_or_error)`` one document at a time, with
ids that stay the same from run to run (see :mod:`argmine.batch` for resumable runs);
:func:`count_documents` estimates how many it will yield, for a progress bar.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import sys
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import BinaryIO

from argmine.errors import ArgmineError, InputError

DEFAULT_MAX_CHARS = 1_000_000
INPUT_FORMATS = ("auto", "text", "jsonl", "csv")
Content = str | list[str] | InputError


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



def count_documents(inputs: Iterable[str | Path] = (), *, input_format: str = "auto",
                    pattern: str = "*.txt", dataset: str | None = None,
                    split: str = "train") -> int | None:
    """Estimate how many documents :func:`iter_sources` will yield (for a progress ETA).

    Counts files and lines without parsing them (blank lines count too); returns ``None``
    when it cannot know (standard input, a streamed hub dataset).

    Examples:
        >>> count_documents(["-"]) is None
        True
    """
    total = 0
    for item in inputs:
        name = str(item)
        if name == "-":
            return None
        path = Path(name)
        if path.is_dir():
            files = []
            for folder, subs, names in os.walk(path):
                subs[:] = [d for d in subs if not d.startswith(".")]  # as iter_sources does
                files += [Path(folder, f) for f in names
                          if fnmatch(f, pattern) and not f.startswith(".")]
        else:
            files = [Path(m) for m in sorted(glob.glob(name, recursive=True))] or [path]
        for file in files:
            suffix = file.suffix.lower()
            fmt = input_format if input_format != "auto" else (
                "jsonl" if suffix in (".jsonl", ".ndjson") else
                "csv" if suffix in (".csv", ".tsv") else "text")
            if fmt == "text":
                total += 1
                continue
            try:
                with open(file, "rb") as stream:
                    lines = sum(block.count(b"\n") for block in iter(
                        lambda s=stream: s.read(1 << 20), b""))
            except OSError:
                lines = 1
            total += max(lines - (fmt == "csv"), 1)
    if dataset is not None:
        if not Path(dataset).is_dir():
            return None
        import datasets

        data = datasets.load_from_disk(dataset)
        total += len(data[split] if isinstance(data, datasets.DatasetDict) else data)
    return total
