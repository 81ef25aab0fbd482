"""The output files of a batch run and their commit discipline (see :mod:`argmine.batch`)."""

from __future__ import annotations

import csv
import errno
import hashlib
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from argmine.errors import ArgmineError, InputError, OutputError
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


# --------------------------------------------------------------------------- one writer
def _lock_method() -> str:
    """The best lock this platform has: one its OS drops when the holding process dies."""
    try:
        import fcntl  # noqa: F401
    except ImportError:
        try:
            import msvcrt  # noqa: F401
        except ImportError:
            return "pidfile"
        return "msvcrt"
    return "flock"


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: assume it runs
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists, under another user
        return True
    return True


class _OutputLock:
    """One writer per output: an exclusive lock on ``OUTPUT.lock`` for the whole run.

    Two jobs appending to one output would each skip only what was done when it started and
    write the rest, so documents end up twice, and each job cuts back or deletes the other's
    checkpoint. The lock is the OS's (``fcntl.flock``, or ``msvcrt.locking`` on Windows), so
    the OS drops it when its process dies, however it dies: a killed job never leaves it
    stuck, and the file left behind is taken over. Where neither exists the file is created
    exclusively and holds its owner's pid; a file whose pid no longer runs is taken over.

    Args:
        output: The output file to guard.
        method: ``"flock"``, ``"msvcrt"`` or ``"pidfile"`` (default: the platform's best).
    """

    def __init__(self, output: Path, method: str | None = None) -> None:
        self.output = output
        self.path = _sibling(output, ".lock")
        self.method = method or _lock_method()
        self._fd: int | None = None

    def acquire(self) -> _OutputLock:
        """Take the lock, or raise :class:`OutputError` E401 at once if a job holds it."""
        with _writing(self.path):
            if self.method == "pidfile":
                self._acquire_pidfile()
            else:
                self._acquire_os_lock()
            os.ftruncate(self._fd, 0)
            os.write(self._fd, f"{os.getpid()}\n".encode())  # named to the job locked out
        return self

    def _busy(self) -> OutputError:
        pid = self._holder()
        return OutputError("E401", output=self.output, lock=self.path,
                           holder="" if pid is None else f", pid {pid}")

    def _holder(self) -> int | None:
        try:
            return int(self.path.read_text("ascii").strip())
        except (OSError, ValueError):
            return None

    def _os_lock(self, fd: int, take: bool) -> None:
        if self.method == "flock":
            import fcntl

            fcntl.flock(fd, (fcntl.LOCK_EX | fcntl.LOCK_NB) if take else fcntl.LOCK_UN)
        else:
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)  # msvcrt locks bytes from the current position
            msvcrt.locking(fd, msvcrt.LK_NBLCK if take else msvcrt.LK_UNLCK, 1)

    def _acquire_os_lock(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                self._os_lock(fd, take=True)
            except OSError as exc:
                os.close(fd)
                if self.method == "msvcrt" or exc.errno in (
                        errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise self._busy() from None
                raise
            # The job before may have removed the file between our open and our lock: we
            # would then hold a lock on a file that nobody else opens. Retry on the new one.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return
            self._os_lock(fd, take=False)
            os.close(fd)

    def _acquire_pidfile(self) -> None:
        for _ in range(2):
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                return
            except FileExistsError:
                pid = self._holder()
                try:  # a file without a pid: its job died before writing it, or is writing
                    fresh = time.time() - self.path.stat().st_mtime < 10
                except FileNotFoundError:
                    continue
                if pid == os.getpid() or (pid is None and fresh) or (
                        pid is not None and _pid_alive(pid)):
                    raise self._busy() from None
                self.path.unlink(missing_ok=True)  # stale: its job is gone
        raise self._busy()

    def release(self) -> None:
        """Drop the lock and remove its file."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            if self.method == "flock":
                # Removed while still held: a job that opened the old file retries (above).
                self.path.unlink(missing_ok=True)
                os.close(fd)
            else:
                if self.method == "msvcrt":
                    self._os_lock(fd, take=False)
                os.close(fd)
                self.path.unlink(missing_ok=True)
        except OSError:  # e.g. Windows refuses to remove a file another job has open
            pass

    def __enter__(self) -> _OutputLock:
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


# --------------------------------------------------------------------------- writing
def _write_error(exc: OSError, path: Path | str) -> OutputError:
    """The coded error of a failed write: what happened, to which file, and what to do."""
    full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
    error = OutputError("E402" if full else "E403", path=path, file=path,
                        detail=exc.strerror or str(exc) or type(exc).__name__)
    error.errno = exc.errno
    return error


@contextmanager
def _writing(path: Path | str | None) -> Iterator[None]:
    """Turn an OSError of the operations inside into :class:`OutputError` naming ``path``."""
    try:
        yield
    except (ArgmineError, BrokenPipeError):  # coded already / a closed pipe: the CLI's business
        raise
    except OSError as exc:
        raise _write_error(exc, path) from exc


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path``'s folder durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


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


def _rewrite_without(path: Path, drop: list[tuple[int, int]]) -> int:
    """Atomically rewrite ``path`` without the byte ranges ``drop``; returns the new size."""
    tmp = _sibling(path, ".dedup")
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
    _fsync_dir(path)
    return size


# --------------------------------------------------------------------------- reading back
def _records(path: Path, fmt: str) -> Iterator[tuple[int, int, str, int | None]]:
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


def _blocks(records: Iterator[tuple[int, int, str, int | None]]
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


class _Output:
    """The files of one run and their commit discipline (see the module docstring).

    Attributes:
        done: Ids already written or recorded as failed (resume skips them).
        previously_failed: Documents the errors file records as failed.
        duplicates: Copies of documents beyond the first that resume found and removed.
        duplicate_ids: The first :attr:`SHOWN` of their ids.
    """

    SHOWN = 20

    def __init__(self, output: Path | None, fmt: str, task: str, errors_path: Path | None,
                 resume: bool) -> None:
        self.fmt, self.task, self.path, self.errors_path = fmt, task, output, errors_path
        self.done, self.previously_failed = _IdSet(), 0
        self.duplicates, self.duplicate_ids = 0, []
        # The last document of a run that lost its checkpoint: (id, its bytes), cut off the
        # file until this run writes it again (see _recover).
        self.pending: tuple[str, bytes] | None = None
        self.data = self.checkpoint = self.errors = None
        self.data_path = self.checkpoint_path = None
        try:
            if output is not None:
                self.data_path = _sibling(output, ".partial") if fmt == "parquet" else output
                self.checkpoint_path = _sibling(output, ".checkpoint")
                if resume:
                    with _writing(output):
                        self._recover()
                with _writing(self.data_path):
                    self.data = open(self.data_path, "ab")
                with _writing(self.checkpoint_path):
                    self.checkpoint = open(self.checkpoint_path, "ab")
            if fmt == "csv" and (self.data is None or self.data.tell() == 0):
                self.write(",".join(_columns(task)) + "\n")
            with _writing(errors_path):
                self.errors = None if errors_path is None else open(errors_path, "ab")
            self.commit()
        except BaseException:
            self._close_quietly()
            raise

    # -- resume ------------------------------------------------------------------------
    def _recover(self) -> None:
        committed = self._cut_to_last_commit()
        if not committed:  # a finished run (or a lost checkpoint): a torn last line at most
            _cut_partial_line(self.data_path)
            if self.errors_path is not None:
                _cut_partial_line(self.errors_path)
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
        for block in _blocks(_records(self.data_path, "jsonl" if self.fmt == "parquet"
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
            size = _rewrite_without(self.data_path, drop)
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
        tmp = _sibling(self.path, ".dedup")
        with pq.ParquetWriter(tmp, source.schema_arrow) as writer:
            for batch, mask in zip(source.iter_batches(), masks):
                writer.write_table(pa.Table.from_batches([batch]).filter(pa.array(mask)))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path)

    def _dedupe_errors(self) -> None:
        """Learn the ids that failed; drop later records of the same document."""
        failed, drop, pos = _IdSet(), [], 0
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
            _rewrite_without(self.errors_path, drop)

    # -- writing -----------------------------------------------------------------------
    def write(self, block: str) -> None:
        if self.data is None:
            sys.stdout.write(block)
        else:
            with _writing(self.data_path):
                self.data.write(block.encode("utf-8"))

    def written(self, doc_id: str, block: str) -> bool:
        """Write a document's records; True when they put back, unchanged, :attr:`pending`."""
        self.write(block)
        if self.pending is None or self.pending[0] != doc_id:
            return False
        same, self.pending = self.pending[1] == block.encode("utf-8"), None
        return same

    def error(self, record: dict[str, Any]) -> None:
        if self.pending is not None and self.pending[0] == record["id"]:
            self.pending = None  # it failed this time: its old records stay out
        if self.errors is not None:
            with _writing(self.errors_path):
                self.errors.write((json.dumps(record, ensure_ascii=False) + "\n").encode())

    def commit(self) -> None:
        """Make everything written so far durable, then log the sizes that are."""
        for f, path in ((self.data, self.data_path),
                        (self.errors, self.errors_path)):
            if f is not None:
                with _writing(path):
                    f.flush()
                    os.fsync(f.fileno())
        if self.data is None:
            sys.stdout.flush()
            return
        sizes = {"output": self.data.tell(), "errors": self.errors.tell() if self.errors else 0}
        self._log(sizes)

    def _log(self, entry: dict[str, Any]) -> None:
        with _writing(self.checkpoint_path):
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

    def close(self, complete: bool) -> None:
        """Close the files; a complete run also finalises Parquet and drops the checkpoint."""
        try:
            if complete:
                if self.pending is not None:  # not in this run's input: put it back as it was
                    with _writing(self.data_path):
                        self.data.write(self.pending[1])
                    self.pending = None
                self.commit()
                for f, path in ((self.data, self.data_path),
                                (self.errors, self.errors_path)):
                    if f is not None:
                        with _writing(path):
                            f.close()
                if self.path is not None:
                    if self.fmt == "parquet":
                        with _writing(self.path):
                            self._finish_parquet()
                    self.checkpoint.close()
                    self.checkpoint_path.unlink()
                if self.errors_path is not None and self.errors_path.stat().st_size == 0:
                    self.errors_path.unlink()
        finally:
            self._close_quietly()

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
