"""The output files of a batch run and their commit discipline (see :mod:`argmine.batch`)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from argmine.batch.dedupe import (
    IdSet,
    blocks,
    cut_at_mark,
    cut_partial_line,
    records,
    rewrite_without,
)
from argmine.batch.writing import columns, fsync_dir, sibling, writing
from argmine.errors import InputError


class Output:
    """The files of one run and their commit discipline (see the module docstring).

    Attributes:
        done: Ids already written or recorded as failed (resume skips them).
        previously_failed: Documents the errors file records as failed.
        duplicates: Copies of documents beyond the first that resume found and removed.
        duplicate_ids: The first :attr:`SHOWN` of their ids.
    """

    SHOWN = 20

    def __init__(self, output: Path | None, fmt: str, task: str, errors_path: Path | None,
                 resume: bool, header: str = "", footer: str = "") -> None:
        self.fmt, self.task, self.path, self.errors_path = fmt, task, output, errors_path
        self.footer = footer  # after the last document (the header: before the first)
        self.documents = 0  # written by this run: a run that wrote none removes its files
        self.created = [p for p in (
            None if output is None else sibling(output, ".partial") if fmt == "parquet"
            else output, None if output is None else sibling(output, ".checkpoint"),
            errors_path) if p is not None and not p.exists()]
        self.done, self.previously_failed = IdSet(), 0
        self.duplicates, self.duplicate_ids = 0, []
        # The last document of a run that lost its checkpoint: (id, its bytes), cut off the
        # file until this run writes it again (see _recover).
        self.pending: tuple[str, bytes] | None = None
        self.data = self.checkpoint = self.errors = None
        self.data_path = self.checkpoint_path = None
        try:
            if output is not None:
                self.data_path = sibling(output, ".partial") if fmt == "parquet" else output
                self.checkpoint_path = sibling(output, ".checkpoint")
                if resume:
                    with writing(output):
                        self._recover()
                with writing(self.data_path):
                    self.data = open(self.data_path, "ab")
                with writing(self.checkpoint_path):
                    self.checkpoint = open(self.checkpoint_path, "ab")
            if header and (self.data is None or self.data.tell() == 0):
                self.write(header)  # not a document: a run that writes none removes it
                self.documents = 0
            with writing(errors_path):
                self.errors = None if errors_path is None else open(errors_path, "ab")
            self.commit()
        except BaseException:
            self._close_quietly()
            raise

    # -- resume ------------------------------------------------------------------------
    def _recover(self) -> None:
        committed = self._cut_to_last_commit()
        if self.footer and self.data_path.exists():  # a finished page: reopen it
            cut_at_mark(self.data_path, self.footer.split("\n", 1)[0] + "\n")
        if not committed:  # a finished run (or a lost checkpoint): a torn last line at most
            cut_partial_line(self.data_path)
            if self.errors_path is not None:
                cut_partial_line(self.errors_path)
        if self.fmt == "parquet" and self.path.exists():
            self._dedupe_parquet()
        if self.data_path.exists():
            self._dedupe_data(trust_last=committed)
        if self.errors_path is not None and self.errors_path.exists():
            self._dedupe_errors()

    def _cut_to_last_commit(self) -> bool:
        """Cut the files back to the last commit of the checkpoint; False without one."""
        if not self.checkpoint_path.exists():
            return False
        commits = []
        for line in self.checkpoint_path.read_bytes().splitlines():
            try:
                commits.append(json.loads(line))
            except ValueError:  # the last line, cut short by a kill
                pass
        if commits and commits[-1].get("finalised"):  # killed while finishing Parquet
            tmp = sibling(self.path, ".tmp")
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
        return True

    def _duplicate(self, doc_id: str) -> None:
        self.duplicates += 1
        if len(self.duplicate_ids) < self.SHOWN:
            self.duplicate_ids.append(doc_id)

    def _dedupe_data(self, trust_last: bool) -> None:
        """Learn the ids written; drop later copies of a document; check the last one.

        Without a checkpoint nothing says whether the last document was written whole: a kill
        between two of its records leaves a clean end of line. So its records are cut off the
        file (kept in :attr:`pending`) and its id is not marked done; the run mines it again
        and :meth:`written` tells whether the new records equal the old ones.
        """
        drop: list[tuple[int, int]] = []
        last = None  # marked done one block late: it may be the one to check
        for block in blocks(records(self.data_path, "jsonl" if self.fmt == "parquet"
                                      else self.fmt)):
            doc = block[2]
            if doc in self.done or (last is not None and doc == last[2]):
                drop.append(block[:2])
                self._duplicate(doc)
                continue
            if last is not None:
                self.done.add(last[2])
            last = block
        if last is None:
            return
        start, end, doc, per_unit = last
        if drop:  # the last block kept ends the rewritten file
            size = rewrite_without(self.data_path, drop)
            start, end = size - (end - start), size
        if trust_last or not per_unit:  # a whole line is a whole document
            self.done.add(doc)
            return
        with open(self.data_path, "rb") as f:
            f.seek(start)
            self.pending = (doc, f.read())
        os.truncate(self.data_path, start)

    def _dedupe_parquet(self) -> None:
        """Learn the ids of a finished Parquet file; rewrite it without later copies."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq

        masks, doc, index, keep, found = [], None, None, True, self.duplicates
        source = pq.ParquetFile(self.path)
        for batch in source.iter_batches(columns=["doc", "index"]):
            mask = np.ones(batch.num_rows, dtype=bool)
            for row, (d, i) in enumerate(zip(batch.column(0).to_pylist(),
                                             batch.column(1).to_pylist())):
                if not (d == doc and i is not None and index is not None and i > index):
                    keep = d not in self.done
                    if keep:
                        self.done.add(d)
                    else:
                        self._duplicate(d)
                mask[row], doc, index = keep, d, i
            masks.append(mask)
        if self.duplicates == found:
            return
        tmp = sibling(self.path, ".dedup")
        with pq.ParquetWriter(tmp, source.schema_arrow) as writer:
            for batch, mask in zip(source.iter_batches(), masks):
                writer.write_table(pa.Table.from_batches([batch]).filter(pa.array(mask)))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        fsync_dir(self.path)

    def _dedupe_errors(self) -> None:
        """Learn the ids that failed; drop later records of the same document."""
        failed, drop, pos = IdSet(), [], 0
        with open(self.errors_path, "rb") as f:
            for number, line in enumerate(f, 1):
                try:
                    doc = str(json.loads(line)["id"])
                except (ValueError, KeyError, TypeError):
                    raise InputError("E011", path=self.errors_path, line=number,
                                     what="errors record written by argmine",
                                     detail="resume needs the file this run wrote") from None
                if doc in failed:
                    drop.append((pos, pos + len(line)))
                else:
                    failed.add(doc)
                    self.done.add(doc)
                    self.previously_failed += 1
                pos += len(line)
        if drop:
            rewrite_without(self.errors_path, drop)

    # -- writing -----------------------------------------------------------------------
    def write(self, block: str) -> None:
        """Append one document's records (uncommitted until :meth:`commit`)."""
        self.documents += 1
        if self.data is None:
            sys.stdout.write(block)
        else:
            with writing(self.data_path):
                self.data.write(block.encode("utf-8"))

    def written(self, doc_id: str, block: str) -> bool:
        """Write a document's records; True when they put back, unchanged, :attr:`pending`."""
        self.write(block)
        if self.pending is None or self.pending[0] != doc_id:
            return False
        same, self.pending = self.pending[1] == block.encode("utf-8"), None
        return same

    def error(self, record: dict[str, Any]) -> None:
        """Append one failure to the errors file."""
        if self.pending is not None and self.pending[0] == record["id"]:
            self.pending = None  # it failed this time: its old records stay out
        if self.errors is not None:
            with writing(self.errors_path):
                self.errors.write((json.dumps(record, ensure_ascii=False) + "\n").encode())

    def commit(self) -> None:
        """Make everything written so far durable, then log the sizes that are."""
        for f, path in ((self.data, self.data_path),
                        (self.errors, self.errors_path)):
            if f is not None:
                with writing(path):
                    f.flush()
                    os.fsync(f.fileno())
        if self.data is None:
            sys.stdout.flush()
            return
        sizes = {"output": self.data.tell(), "errors": self.errors.tell() if self.errors else 0}
        self._log(sizes)

    def _log(self, entry: dict[str, Any]) -> None:
        with writing(self.checkpoint_path):
            self.checkpoint.write((json.dumps(entry) + "\n").encode())
            self.checkpoint.flush()
            os.fsync(self.checkpoint.fileno())

    def _close_quietly(self) -> None:
        # After a failed write a buffer may still hold bytes the disk refused; they lie past
        # the last commit, which resume cuts back to, so losing them is right.
        for f in (self.data, self.errors, self.checkpoint):
            if f is not None:
                try:
                    f.close()
                except OSError:
                    pass

    def close(self, complete: bool, keep: bool = False) -> None:
        """Close the files; a complete run also finalises Parquet and drops the checkpoint.

        Unless ``keep``, a run that wrote no document removes the files it created.
        """
        try:
            if complete:
                if self.pending is not None:  # not in this run's input: put it back as it was
                    with writing(self.data_path):
                        self.data.write(self.pending[1])
                    self.pending = None
                if self.footer:
                    self.commit()  # the documents first: resume cuts back to the footer
                    if self.data is None:
                        sys.stdout.write(self.footer)
                    else:
                        with writing(self.data_path):
                            self.data.write(self.footer.encode("utf-8"))
                self.commit()
                for f, path in ((self.data, self.data_path),
                                (self.errors, self.errors_path)):
                    if f is not None:
                        with writing(path):
                            f.close()
                if self.path is not None:
                    if self.fmt == "parquet" and (self.documents or self.path.exists()):
                        with writing(self.path):
                            self._finish_parquet()
                    self.checkpoint.close()
                    self.checkpoint_path.unlink()
                if self.errors_path is not None and self.errors_path.stat().st_size == 0:
                    self.errors_path.unlink()
        finally:
            self._close_quietly()
            if not (self.documents or keep):
                self._remove_created()

    def _remove_created(self) -> None:
        """Remove the files of a run that wrote no document, so they block no later run.

        An errors file that holds failures stays: it says why nothing was written, and a
        later run (no output file beside it) replaces it.
        """
        for path in self.created:
            if path == self.errors_path and path.exists() and path.stat().st_size:
                continue
            path.unlink(missing_ok=True)

    def _finish_parquet(self, rows_per_group: int = 16384) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self.path.exists() and self.data_path.stat().st_size == 0:
            self.data_path.unlink()  # nothing new: the finished file stays as it is
            return
        types = {"doc": pa.string(), "text": pa.string(), "label": pa.string(),
                 "label_source": pa.string(),
                 "role": pa.string(), "relation": pa.string()}
        schema = pa.schema([(c, types.get(c, pa.int64() if c in (
            "index", "start", "end", "parent", "tree") else pa.float64()))
            for c in columns(self.task)])
        tmp = sibling(self.path, ".tmp")
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
