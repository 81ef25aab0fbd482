"""The output files of a batch run and their commit discipline (see :mod:`argmine.batch`)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from argmine.errors import InputError
from argmine.schema import LABELS


def _columns(task: str) -> list[str]:
    if task == "label":
        return ["doc", "index", "start", "end", "text", "label", "score",
                *(f"p_{label.value}" for label in LABELS)]
    return ["doc", "index", "start", "end", "text", "label", "role", "parent", "relation",
            "score", "tree"]



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

