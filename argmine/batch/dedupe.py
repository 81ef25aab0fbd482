"""Reading a batch output back: the ids it holds, its records, and cutting or deduping them."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from argmine.batch.writing import fsync_dir, sibling
from argmine.errors import InputError


class IdSet:
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
        """Remember ``doc_id``."""
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


def cut_partial_line(path: Path) -> None:
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


def cut_at_mark(path: Path, mark: str) -> None:
    """Truncate ``path`` at the start of the last line equal to ``mark`` (if it has one).

    A finished HTML page ends with a footer whose first line is the mark; a resumed job
    cuts the page back to it, appends its documents and writes the footer again.
    """
    data = path.read_bytes()
    at = data.rfind(mark.encode("utf-8"))
    if at >= 0 and (at == 0 or data[at - 1 : at] == b"\n"):
        os.truncate(path, at)


def rewrite_without(path: Path, drop: list[tuple[int, int]]) -> int:
    """Atomically rewrite ``path`` without the byte ranges ``drop``; returns the new size."""
    tmp = sibling(path, ".dedup")
    with open(path, "rb") as src, open(tmp, "wb") as dst:
        pos = 0
        for start, end in [*drop, (None, None)]:
            src.seek(pos)
            left = None if start is None else start - pos
            while left is None or left > 0:
                data = src.read(1 << 20 if left is None else min(1 << 20, left))
                if not data:
                    break
                dst.write(data)
                left = None if left is None else left - len(data)
            pos = end
        dst.flush()
        os.fsync(dst.fileno())
        size = dst.tell()
    # A kill before this rename leaves the file as it was: the next resume dedupes again.
    os.replace(tmp, path)
    fsync_dir(path)
    return size


# --------------------------------------------------------------------------- reading back
def records(path: Path, fmt: str) -> Iterator[tuple[int, int, str, int | None]]:
    """Each record of a text output: ``(start byte, end byte, doc id, unit index)``.

    The unit index is ``None`` for one-line-a-document formats (the tree task's JSONL). A CSV
    record torn by a kill (a quoted text cut after one of its newlines) is cut off the file.
    """
    size = path.stat().st_size
    with open(path, "rb") as f:
        if fmt != "csv":
            pos = 0
            for number, raw in enumerate(f, 1):
                try:
                    record = json.loads(raw)
                    doc, index = str(record["doc"]), record.get("index")
                except (ValueError, KeyError, TypeError, AttributeError):
                    raise InputError("E011", path=path, line=number,
                                     what=f"{fmt} record written by argmine",
                                     detail="resume needs the file this run wrote") from None
                yield pos, pos + len(raw), doc, index if isinstance(index, int) else None
                pos += len(raw)
            return
        pos = 0

        def lines() -> Iterator[str]:  # csv pulls a record's lines one by one: count bytes
            nonlocal pos
            for raw in f:
                pos += len(raw)
                yield raw.decode("utf-8")

        rows = csv.reader(lines())
        header = next(rows, None)
        if header is None:
            return
        columns = [header.index("doc") if "doc" in header else len(header),
                   header.index("index") if "index" in header else len(header)]
        start, number = pos, 1
        while True:
            try:
                row = next(rows, None)
                if row is None:
                    return
                doc, index = row[columns[0]], int(row[columns[1]])
                if len(row) != len(header):
                    raise ValueError("wrong number of fields")
            except (csv.Error, ValueError, IndexError, UnicodeDecodeError):
                if pos >= size:  # the last record, cut short: cut it off the file
                    os.truncate(path, start)
                    return
                raise InputError("E011", path=path, line=number + 1,
                                 what="csv record written by argmine",
                                 detail="resume needs the file this run wrote") from None
            yield start, pos, doc, index
            start, number = pos, number + 1


def blocks(records: Iterator[tuple[int, int, str, int | None]]
            ) -> Iterator[tuple[int, int, str, bool]]:
    """Group records into documents: ``(start, end, doc id, one record per unit)``.

    A document's records are consecutive with rising unit indices, so a record that repeats
    the id with an index that does not rise starts another copy of the document.
    """
    block = None  # [start, end, doc, last index]
    for start, end, doc, index in records:
        if (block is not None and doc == block[2] and index is not None
                and block[3] is not None and index > block[3]):
            block[1], block[3] = end, index
            continue
        if block is not None:
            yield block[0], block[1], block[2], block[3] is not None
        block = [start, end, doc, index]
    if block is not None:
        yield block[0], block[1], block[2], block[3] is not None
