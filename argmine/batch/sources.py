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
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import BinaryIO

from argmine.errors import ArgmineError, InputError

DEFAULT_MAX_CHARS = 1_000_000
INPUT_FORMATS = ("auto", "text", "jsonl", "csv")
_SEPARATORS = "|".join(re.escape(s) for s in {"/", os.sep, os.altsep or "/"})
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
    A document that cannot be read is yielded with the :class:`InputError` saying why, and
    the run goes on: a name that cannot be examined (E009: permission, too long, a link
    loop), a FIFO, socket or device (E013, never opened), UTF-16/UTF-32 text (E014), a
    malformed CSV row (E015: surplus or missing fields, a quote never closed). Symbolic links
    to folders inside a folder or under ``**`` are not followed, so a link loop cannot trap
    the walk.

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
        if name == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            fmt = "text" if input_format == "auto" else input_format
            yield from _read_stream(stream, "stdin", "<stdin>", fmt, fields)
            continue
        # One os.stat decides what the name is. Path.is_dir() would raise on a name that
        # cannot be examined (EACCES, ENAMETOOLONG) and end the whole batch; here that name
        # is one error record like any other bad document.
        try:
            info = os.stat(name)
        except OSError as exc:
            if any(c in name for c in "*?["):
                matches = glob_matches(name)
                if not matches:
                    yield name, InputError("E009", path=name,
                                           detail="no file matches the pattern")
                for match in matches:
                    yield from _read_path(Path(match), _as_id(match), input_format, pattern,
                                          fields)
            else:
                yield _as_id(name), InputError("E009", path=name, detail=_why(exc))
            continue
        yield from _read_path(Path(name), _as_id(name), input_format, pattern, fields, info)
    if dataset is not None:
        yield from _read_dataset(dataset, split, fields)


def no_match(folder: str | Path, pattern: str) -> InputError:
    """The error of a folder holding no file that ``pattern`` matches."""
    return InputError("E009", path=folder, detail=f"the folder holds no file whose name "
                      f"matches {pattern!r} (in it or its subfolders; hidden names skipped): "
                      "choose the file names with --glob (pattern= in Python)")


def _as_id(name: str) -> str:
    return Path(os.path.normpath(name)).as_posix()


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _kind(mode: int) -> str:
    """Describe a file that is not a regular file, for E013."""
    kinds = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISDIR, "a folder"))
    return next((text for test, text in kinds if test(mode)), "a special file")


def _read_path(path: Path, doc_id: str, input_format: str, pattern: str, fields,
               info: os.stat_result | None = None) -> Iterator:
    """Read a named file or glob match: a folder is walked, a regular file read."""
    if info is None:
        try:
            info = os.stat(path)
        except OSError as exc:
            yield doc_id, InputError("E009", path=path, detail=_why(exc))
            return
    if stat.S_ISDIR(info.st_mode):
        matched: list[str] = []
        yield from _walk(path, input_format, pattern, fields, matched)
        if not matched:  # say so, rather than finish without a word
            yield doc_id, no_match(path, pattern)
    else:
        yield from _read_file(path, doc_id, input_format, fields, info)


def glob_matches(pattern: str) -> list[str]:
    """Return the sorted matches of a glob pattern, ``**`` included.

    ``glob.glob(recursive=True)`` descends into symbolic links to folders, so a link back to
    a parent makes it repeat matches (``a/l/l/l/...``) and two such links make it run
    for ever; here ``**`` walks real folders only (hidden ones skipped, as glob does).
    """
    parts = re.split(_SEPARATORS, pattern)
    if "**" not in parts:
        return sorted(glob.glob(pattern))
    cut = parts.index("**")
    head = "/".join(parts[:cut]) or ("/" if cut else "")
    rest = "/".join(parts[cut + 1:])
    bases = sorted(glob.glob(head)) if any(c in head for c in "*?[") else [head]
    found: list[str] = []
    for base in bases:
        for folder, _subs, names in walk_folders(base or os.curdir):
            here = folder if base else "" if folder == os.curdir else os.path.relpath(folder)
            if rest:
                found += glob_matches(os.path.join(glob.escape(here), rest) if here else rest)
            else:  # a trailing "**" matches the folders themselves and their files
                found += [os.path.join(here, "")] if here else []
                found += [os.path.join(here, n) for n in names if not n.startswith(".")]
    return sorted(dict.fromkeys(found))


def walk_folders(root: str | Path) -> Iterator[tuple[str, list[str], list[str]]]:
    """Yield ``(folder, subfolders, files)`` like ``os.walk``, hidden names left out.

    Unlike ``os.walk`` on Python 3.11 it keeps a stack instead of recursing, so a tree
    deeper than the recursion limit is walked too; like it, links to folders are listed
    among the files' neighbours but not entered.
    """
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        subs, names = [], []
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    if entry.name.startswith("."):
                        continue
                    try:
                        real_folder = entry.is_dir(follow_symlinks=False)
                    except OSError:
                        real_folder = False
                    (subs if real_folder else names).append(entry.name)
        except OSError:
            continue
        subs.sort()
        names.sort()
        yield folder, subs, names
        stack.extend(os.path.join(folder, d) for d in reversed(subs))


def _walk(root: Path, input_format: str, pattern: str, fields, matched: list[str]
          ) -> Iterator:
    # One os.scandir per folder, sorted, so that ids come in a stable order without listing
    # the whole tree first; a stack rather than recursion, so that a deep tree cannot
    # exhaust Python's recursion limit. Symbolic links to folders are not followed: a link
    # back to a parent would make the walk endless.
    stack: list[tuple[Path, str, Iterator[os.DirEntry] | None]] = [(root, "", None)]
    while stack:
        folder, prefix, entries = stack[-1]
        if entries is None:
            try:
                with os.scandir(folder) as scan:
                    listed = sorted(scan, key=lambda e: e.name)
            except OSError as exc:
                stack.pop()
                yield prefix or _as_id(str(folder)), InputError("E009", path=folder,
                                                                detail=_why(exc))
                continue
            entries = iter(listed)
            stack[-1] = (folder, prefix, entries)
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if entry.name.startswith("."):
            continue
        rel = f"{prefix}{entry.name}"
        try:
            is_folder = entry.is_dir(follow_symlinks=False)
        except OSError:
            is_folder = False  # let reading it say why
        if is_folder:
            stack.append((Path(entry.path), rel + "/", None))
        elif fnmatch(entry.name, pattern):
            if not matched:  # one name is enough to know: memory stays flat
                matched.append(rel)
            yield from _read_file(Path(entry.path), rel, input_format, fields)


def _read_file(path: Path, doc_id: str, input_format: str, fields,
               info: os.stat_result | None = None) -> Iterator:
    fmt = input_format
    if fmt == "auto":
        suffix = path.suffix.lower()
        fmt = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "csv"}.get(
            suffix, "text")
    max_chars = fields[3]
    try:
        info = info or os.stat(path)  # follows links; a link loop fails here (ELOOP)
        if stat.S_ISDIR(info.st_mode):
            yield doc_id, InputError("E009", path=path, detail="it is a symbolic link to a "
                                     "folder, which is not followed (it could loop)")
            return
        if not stat.S_ISREG(info.st_mode):
            # Opening a FIFO waits for a writer, reading a device may never end: never open.
            yield doc_id, InputError("E013", path=path, kind=_kind(info.st_mode))
            return
        # A UTF-8 character takes at most 4 bytes: a bigger file cannot fit, so it is
        # refused without being read into memory.
        size = info.st_size
        if fmt == "text" and size > 4 * max_chars:
            yield doc_id, InputError("E005", path=path, size=f"at least {size // 4}",
                                     limit=max_chars)
            return
        with open_regular(path) as stream:
            yield from _read_stream(stream, doc_id, str(path), fmt, fields)
    except NotRegularError as exc:
        yield doc_id, InputError("E013", path=path, kind=_kind(exc.mode))
    except OSError as exc:
        yield doc_id, InputError("E009", path=path, detail=_why(exc))


class NotRegularError(Exception):
    """A file that turned out not to be a regular file when opened (its mode attached)."""

    def __init__(self, mode: int) -> None:
        super().__init__(mode)
        self.mode = mode


def open_regular(path: Path) -> BinaryIO:
    """Open a file for reading only if it is (still) a regular file.

    O_NONBLOCK makes the open return at once should a FIFO have taken the file's place since
    it was checked; fstat then refuses it. On a regular file the flag changes nothing.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularError(mode)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_stream(stream: BinaryIO, doc_id: str, source: str, fmt: str, fields) -> Iterator:
    from argmine.text.validation import check_text

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
    else:
        from argmine.text.validation import wide_encoding

        # A UTF-16 file would fail line by line (or as a whole, for want of the column),
        # each time as "not UTF-8"; one record naming the encoding says what to do.
        encoding = wide_encoding(peek_head(stream))
        if encoding:
            yield doc_id, InputError("E014", path=source, encoding=encoding)
        elif fmt == "jsonl":
            yield from _read_jsonl(stream, doc_id, source, fields)
        else:
            delimiter = "\t" if source.lower().endswith(".tsv") else ","
            yield from _read_csv(stream, doc_id, source, delimiter, fields)


def peek_head(stream: BinaryIO, size: int = 4096) -> bytes:
    """Return the first bytes of a stream without consuming them (empty if it cannot)."""
    seekable = getattr(stream, "seekable", None)
    if seekable is not None and seekable():
        start = stream.tell()
        head = stream.read(size)
        stream.seek(start)
        return head
    peek = getattr(stream, "peek", None)  # pipes: a buffered reader can look ahead
    return peek(size)[:size] if peek else b""


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
    # strict: a quote left open would otherwise swallow the rest of the file into one field
    # without a word; strict mode raises at the end of the data instead (and on a stray
    # character after a closing quote, which is as ambiguous).
    reader = csv.DictReader(text, delimiter=delimiter, strict=True)
    try:
        columns = reader.fieldnames or []
    except csv.Error as exc:
        yield file_id, InputError("E015", path=source, line=1, detail=f"the header: {exc}")
        return
    if text_field not in columns and units_field not in columns:
        yield file_id, InputError("E011", path=source, what="CSV file",
                                  detail=f"no column {text_field!r} or {units_field!r} "
                                  f"(columns: {', '.join(columns) or 'none'})")
        return
    row = 0
    while True:
        row += 1
        first_line = reader.line_num + 1  # where this row starts (line_num: lines read)
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            detail = str(exc)
            if "end of data" in detail:
                detail = (f"a quote opened on line {first_line} is never closed, so the "
                          "rest of the file would be one field")
            yield f"{file_id}:{row}", InputError("E015", path=source, line=first_line,
                                                 detail=detail)
            continue
        if None in record:  # DictReader files surplus fields under the key None
            extra = record[None]
            yield f"{file_id}:{row}", InputError(
                "E015", path=source, line=first_line,
                detail=f"it has {len(columns) + len(extra)} fields but the header has "
                f"{len(columns)}, so {extra!r} would be lost")
            continue
        if all(record.get(key) is None for key in (text_field, units_field)):
            # DictReader fills the fields a short row lacks with None; say so, rather than
            # "expected a string, got NoneType".
            yield f"{file_id}:{row}", InputError(
                "E015", path=source, line=first_line,
                detail=f"it has {sum(v is not None for v in record.values())} fields but the "
                f"header has {len(columns)}, so it has no {text_field!r}")
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
    from argmine.text.segmentation import units_from_strings
    from argmine.text.validation import check_text

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
        try:
            is_folder = stat.S_ISDIR(os.stat(name).st_mode)
        except OSError:  # unreadable, too long, missing or a glob: iter_sources says which
            is_folder = False
        if is_folder:
            files = [Path(folder, f) for folder, _subs, names in walk_folders(path)
                     for f in names if fnmatch(f, pattern)]
        else:
            files = [Path(m) for m in glob_matches(name)] or [path]
        for file in files:
            suffix = file.suffix.lower()
            fmt = input_format if input_format != "auto" else (
                "jsonl" if suffix in (".jsonl", ".ndjson") else
                "csv" if suffix in (".csv", ".tsv") else "text")
            if fmt == "text":
                total += 1
                continue
            lines = 1  # a file that cannot be counted is one record, its error
            try:
                # Only a regular file is opened: a FIFO would block the count for ever.
                if stat.S_ISREG(os.stat(file).st_mode):
                    with open_regular(file) as stream:
                        lines = sum(block.count(b"\n") for block in iter(
                            lambda s=stream: s.read(1 << 20), b""))
            except (OSError, NotRegularError):
                pass
            total += max(lines - (fmt == "csv"), 1)
    if dataset is not None:
        if not Path(dataset).is_dir():
            return None
        import datasets

        data = datasets.load_from_disk(dataset)
        total += len(data[split] if isinstance(data, datasets.DatasetDict) else data)
    return total
