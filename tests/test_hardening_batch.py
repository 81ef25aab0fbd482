"""Hardening of the batch writer: one job per output, duplicates, full disks, lost checkpoints.

Tests import what the fixes added inside the test bodies, so that each test fails on its own
(not the whole module at collection) against code without them.
"""

from __future__ import annotations

import csv
import errno
import inspect
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argmine import batch
from argmine.batch import run as batch_run
from argmine.batch import run_batch
from argmine.batch import work as batch_work
from argmine.cli.app import main
from argmine.errors import ArgmineError
from argmine.pipeline import ArgumentMiner

REPO = Path(__file__).resolve().parents[1]
SENTENCES = ("Cities should ban cars.", "Exhaust fumes make the air unhealthy.",
             "Some say shops would lose customers.", "But pedestrians spend more money.",
             "Museums should be free.", "Culture belongs to all citizens.")
FORMATS = ("jsonl", "csv", "parquet")

class FakeModel:
    """Scores from a checksum of each unit's text: the same in every run and process."""

    def predict_proba(self, documents, **options):
        out = []
        for doc in documents:
            rows = []
            for unit in doc.units:
                seed = zlib.crc32(unit.text.encode("utf-8"))
                raw = np.array([(seed >> (6 * k)) % 61 + 1 for k in range(5)], dtype=float)
                rows.append(raw / raw.sum())
            n = len(rows)  # links too: label's default is the decoded trees' labels
            out.append(SimpleNamespace(label_probs=np.array(rows),
                                       link_probs=np.full((n, n + 1), 1.0 / (n + 1)),
                                       attack_probs=np.full((n, n), 0.25)))
        return out


JOB = '''
import sys, time, zlib
from pathlib import Path
from types import SimpleNamespace
import numpy as np
from argmine.batch import run_batch
from argmine.errors import ArgmineError
from argmine.pipeline import ArgumentMiner
''' + inspect.getsource(FakeModel) + '''
out, n, delay = Path(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
ready, others = Path(sys.argv[4]), [Path(p) for p in sys.argv[5:]]

def slow():
    for i in range(n):
        time.sleep(delay)
        yield f"d{i}", f"Doc {i} says cities should ban cars. Cars are loud."

ready.touch()  # a barrier: every job reaches run_batch at the same moment
while not all(p.exists() for p in others):
    time.sleep(0.005)
try:
    summary = run_batch(ArgumentMiner(FakeModel()), slow(), output=out, resume=True,
                        batch_docs=3)
except ArgmineError as exc:
    print(exc.code, exc, file=sys.stderr)
    sys.exit(3)
print("ok", summary.ok, summary.skipped)
'''


@pytest.fixture(scope="module")
def miner() -> ArgumentMiner:
    return ArgumentMiner(FakeModel())


def _job_items(n: int) -> list[tuple[str, str]]:
    return [(f"d{i}", f"Doc {i} says cities should ban cars. Cars are loud.") for i in range(n)]


def _items(n: int) -> list[tuple[str, str]]:
    return [(f"d{i}", " ".join(SENTENCES[(i + k) % 6] for k in range(1 + i % 3)))
            for i in range(n)]


def _interrupt_after(items, n: int):
    for i, item in enumerate(items):
        if i == n:
            raise KeyboardInterrupt
        yield item


def _rows(path: Path, fmt: str) -> list[dict]:
    """The records of an output, in file order."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    text = path.read_text("utf-8")
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text, newline="")))
    return [json.loads(line) for line in text.splitlines()]


def _doc_ids(rows: list[dict]) -> list[str]:
    """Document ids in file order, one per block of records."""
    ids: list[str] = []
    for row in rows:
        if not ids or ids[-1] != row["doc"] or int(row["index"]) == 0:
            ids.append(row["doc"])
    return ids


def _data_path(out: Path, fmt: str) -> Path:
    return Path(f"{out}.partial") if fmt == "parquet" else out


def _block(miner, fmt: str, item: tuple[str, str]) -> bytes:
    """The bytes a run writes for one document into its data file (the spool for Parquet)."""
    [result] = batch_work.process(miner, "label", fmt, [item])
    return result[1].encode("utf-8")


def _code(exc: BaseException) -> str | None:
    return exc.code if isinstance(exc, ArgmineError) else None


# --------------------------------------------------------------------------- one writer
def _start_job(tmp: Path, out: Path, n: int, delay: float, name: str, others: list[str]):
    script = tmp / "job.py"
    script.write_text(JOB, "utf-8")
    # The argmine under test (this checkout, or another one put first on PYTHONPATH).
    code = Path(batch.__file__).resolve().parents[2]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(code)}
    return subprocess.Popen(
        [sys.executable, str(script), str(out), str(n), str(delay), str(tmp / name),
         *[str(tmp / o) for o in others]],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_jobs_on_one_output_one_is_refused_with_e401(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    jobs = [_start_job(tmp_path, out, 30, 0.05, f"ready{i}", [f"ready{1 - i}"])
            for i in range(2)]
    results = [(job.wait(timeout=120), *job.communicate()) for job in jobs]
    codes = sorted(rc for rc, _, _ in results)
    assert codes == [0, 3], results  # one finished, the other was refused
    refused = next(err for rc, _, err in results if rc == 3)
    assert refused.startswith("E401") and str(out) in refused, refused
    ids = _doc_ids(_rows(out, "jsonl"))
    assert ids == [f"d{i}" for i in range(30)]  # each document exactly once
    assert not Path(f"{out}.lock").exists() and not Path(f"{out}.checkpoint").exists()


def test_the_lock_of_a_killed_job_does_not_block_the_next(tmp_path: Path, miner):
    out = tmp_path / "out.jsonl"
    (tmp_path / "go").touch()
    job = _start_job(tmp_path, out, 200, 0.05, "ready", ["go"])
    try:
        deadline = time.monotonic() + 120
        # Wait for a committed chunk (a second line in the checkpoint, after the one written
        # at open), not only for bytes in the output: a kill before any commit leaves nothing
        # for the resumed run to skip.
        checkpoint = Path(f"{out}.checkpoint")
        while not (Path(f"{out}.lock").exists() and checkpoint.exists()
                   and checkpoint.read_bytes().count(b"\n") >= 2):
            assert job.poll() is None and time.monotonic() < deadline, job.communicate()
            time.sleep(0.01)
        with pytest.raises(OSError) as info:  # while it runs, a second job is refused
            run_batch(miner, _job_items(200), output=out, resume=True)
        assert _code(info.value) == "E401" and str(out) in str(info.value)
    finally:
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=60)
    assert Path(f"{out}.lock").exists()  # left behind by the kill, but no longer held
    summary = run_batch(miner, _job_items(200), output=out, resume=True)
    assert summary.skipped > 0 and summary.ok + summary.skipped == 200
    assert _doc_ids(_rows(out, "jsonl")) == [f"d{i}" for i in range(200)]
    assert not Path(f"{out}.lock").exists()


def test_a_job_in_the_same_process_is_refused_and_writes_nothing(tmp_path: Path, miner):
    from argmine.batch.locks import OutputLock
    from argmine.errors import OutputError

    out = tmp_path / "out.csv"
    with OutputLock(out):
        with pytest.raises(OutputError) as info:
            run_batch(miner, _items(3), output=out, fmt="csv")
    assert info.value.code == "E401" and isinstance(info.value, OSError)
    assert not out.exists() and not Path(f"{out}.checkpoint").exists()
    run_batch(miner, _items(3), output=out, fmt="csv")  # released: the next job runs
    assert _doc_ids(_rows(out, "csv")) == ["d0", "d1", "d2"]


def test_a_plain_job_rechecks_the_output_once_it_holds_the_lock(tmp_path: Path, miner,
                                                               monkeypatch):
    from argmine.batch.locks import OutputLock

    out = tmp_path / "out.jsonl"

    class FinishedJustBefore(OutputLock):
        """The lock of a job whose options were checked before another job wrote ``out``."""

        def acquire(self):
            out.write_text('{"doc": "x", "index": 0}\n')
            return super().acquire()

    monkeypatch.setattr(batch_run, "OutputLock", FinishedJustBefore)
    with pytest.raises(ValueError) as info:
        run_batch(miner, _items(2), output=out)
    assert _code(info.value) == "E301"  # neither resume nor force: not appended to
    assert out.read_text() == '{"doc": "x", "index": 0}\n'


def test_the_pid_file_lock_takes_over_a_dead_jobs_file(tmp_path: Path):
    from argmine.batch.locks import OutputLock
    from argmine.errors import OutputError

    out = tmp_path / "out.jsonl"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    Path(f"{out}.lock").write_text(dead.stdout)
    with OutputLock(out, method="pidfile") as lock:  # the dead job's file is taken over
        assert Path(lock.path).read_text().strip() == str(os.getpid())
        with pytest.raises(OutputError) as info:
            OutputLock(out, method="pidfile").acquire()
        assert info.value.code == "E401" and str(os.getpid()) in str(info.value)
    assert not Path(f"{out}.lock").exists()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        Path(f"{out}.lock").write_text(f"{alive.pid}\n")
        with pytest.raises(OutputError):
            OutputLock(out, method="pidfile").acquire()
    finally:
        alive.kill()
        alive.wait()


# --------------------------------------------------------------------------- duplicates
@pytest.mark.parametrize("fmt", FORMATS)
def test_resume_removes_documents_written_twice(tmp_path: Path, miner, fmt: str):
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    items = _items(8)
    clean = tmp_path / f"clean.{fmt}"
    run_batch(miner, items, output=clean, fmt=fmt)
    out = tmp_path / f"out.{fmt}"
    # What two jobs resuming one output together left: the second wrote d2..d7 again.
    if fmt == "parquet":
        table = pq.read_table(clean)
        again = table.filter(pc.is_in(table["doc"], pa.array([i for i, _ in items[2:]])))
        pq.write_table(pa.concat_tables([table, again]), out)
    else:
        out.write_bytes(clean.read_bytes() + b"".join(_block(miner, fmt, it)
                                                      for it in items[2:]))
    errors = Path(f"{out}.errors.jsonl")
    record = json.dumps({"id": "bad", "source": "bad", "code": "E002", "error": "x"}) + "\n"
    errors.write_text(record * 2)  # the failure recorded by both jobs
    with pytest.warns(UserWarning, match=r"\[E404\]"):
        summary = run_batch(miner, [*items, ("bad", "")], output=out, fmt=fmt, resume=True)
    assert (summary.ok, summary.previously_failed) == (0, 1)
    assert summary.duplicates == 6 and summary.duplicate_ids == [f"d{i}" for i in range(2, 8)]
    assert _rows(out, fmt) == _rows(clean, fmt)
    assert errors.read_text() == record


def test_cli_reports_the_duplicates_it_removed(tmp_path: Path, miner, monkeypatch, capsys):
    monkeypatch.setattr(batch_run, "load_spec", lambda spec: miner)
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in _items(4)))
    out = tmp_path / "out.jsonl"
    assert main(["label", str(corpus), "-o", str(out)]) == 0
    out.write_bytes(out.read_bytes() * 2)
    capsys.readouterr()
    assert main(["label", str(corpus), "-o", str(out), "--resume"]) == 0
    err = capsys.readouterr().err
    assert "[E404]" in err and "4 extra copies" in err and "d0, d1, d2, d3" in err
    assert _doc_ids(_rows(out, "jsonl")) == ["d0", "d1", "d2", "d3"]


# --------------------------------------------------------------------------- full disk
class _FullDisk:
    """A data file on a disk with ``room`` bytes left: the write that overflows fails."""

    def __init__(self, f, room: int, error: int) -> None:
        self._f, self._room, self._error = f, room, error

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._f.write(data[: self._room])  # a short write, then the error
            self._room = 0
            raise OSError(self._error, os.strerror(self._error))
        self._room -= len(data)
        return self._f.write(data)

    def __getattr__(self, name: str):
        return getattr(self._f, name)


def _fill_disk(monkeypatch, data_path: Path, room: int, error: int = errno.ENOSPC) -> None:
    import builtins

    from argmine.batch import files as _batch_files

    def opener(path, mode="r", *args, **kwargs):
        f = builtins.open(path, mode, *args, **kwargs)
        return _FullDisk(f, room, error) if Path(path) == data_path and mode == "ab" else f

    monkeypatch.setattr(_batch_files, "open", opener, raising=False)


@pytest.mark.parametrize(("fmt", "error", "code"), [
    ("jsonl", errno.ENOSPC, "E402"), ("csv", errno.EDQUOT, "E402"),
    ("parquet", errno.ENOSPC, "E402"), ("jsonl", errno.EIO, "E403")])
def test_a_failed_write_is_coded_and_resume_recovers(tmp_path: Path, miner, monkeypatch,
                                                     fmt: str, error: int, code: str):
    items = _items(20)
    clean = tmp_path / f"clean.{fmt}"
    run_batch(miner, items, output=clean, fmt=fmt)
    out = tmp_path / f"out.{fmt}"
    _fill_disk(monkeypatch, _data_path(out, fmt), room=2500, error=error)
    with pytest.raises(OSError) as info:
        run_batch(miner, items, output=out, fmt=fmt, batch_docs=3)
    assert _code(info.value) == code and info.value.errno == error
    message = str(info.value)
    assert str(_data_path(out, fmt)) in message and "--resume" in message
    assert not Path(f"{out}.lock").exists()  # the lock went with the failed job
    monkeypatch.undo()
    summary = run_batch(miner, items, output=out, fmt=fmt, batch_docs=3, resume=True)
    assert summary.skipped > 0 and summary.ok + summary.skipped == len(items)
    assert _rows(out, fmt) == _rows(clean, fmt)


def test_cli_disk_full_says_what_to_do(tmp_path: Path, miner, monkeypatch, capsys):
    monkeypatch.setattr(batch_run, "load_spec", lambda spec: miner)
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in _items(9)))
    out = tmp_path / "out.jsonl"
    _fill_disk(monkeypatch, out, room=300)
    assert main(["label", str(corpus), "-o", str(out), "--batch-docs", "2"]) == 1
    err = capsys.readouterr().err
    assert "[E402]" in err and str(out) in err and "free space and rerun with --resume" in err


# --------------------------------------------------------------------------- interrupts
def test_cli_ctrl_c_names_what_was_kept(tmp_path: Path, miner, monkeypatch, capsys):
    from argmine.cli import _io

    monkeypatch.setattr(batch_run, "load_spec", lambda spec: miner)
    monkeypatch.setattr(_io, "sources_from_args",
                        lambda args, inputs: _interrupt_after(_items(10), 5))
    out = tmp_path / "out.jsonl"
    (tmp_path / "x.txt").write_text("Checked before the run starts.", "utf-8")
    assert main(["label", str(tmp_path / "x.txt"), "-o", str(out), "--batch-docs", "2"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and str(out) in err and "--resume" in err
    assert _doc_ids(_rows(out, "jsonl")) == ["d0", "d1", "d2", "d3"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_resume_without_checkpoint_cuts_a_half_written_last_document(tmp_path: Path, miner,
                                                                     fmt: str):
    items = [("a", "One. Two. Three."), ("b", "Four. Five. Six."), ("c", "Seven.")]
    clean = tmp_path / f"clean.{fmt}"
    run_batch(miner, items, output=clean, fmt=fmt)
    out = tmp_path / f"out.{fmt}"
    with pytest.raises(KeyboardInterrupt):
        run_batch(miner, _interrupt_after(items, 1), output=out, fmt=fmt, batch_docs=1)
    # A kill between two records of "b", then the checkpoint deleted by hand.
    first = _block(miner, fmt, items[1]).splitlines(keepends=True)[0]
    with open(_data_path(out, fmt), "ab") as f:
        f.write(first)
    Path(f"{out}.checkpoint").unlink()
    summary = run_batch(miner, items, output=out, fmt=fmt, resume=True)
    assert (summary.ok, summary.skipped) == (2, 1)  # b redone; a (the last whole one) kept
    assert _rows(out, fmt) == _rows(clean, fmt)
    again = run_batch(miner, items, output=out, fmt=fmt, resume=True)  # a finished file
    assert (again.ok, again.skipped) == (0, 3) and _rows(out, fmt) == _rows(clean, fmt)


# --------------------------------------------------------------------------- properties
_IDS = st.text(alphabet="ab,\"é \n-", min_size=1, max_size=6)
_DOCS = st.lists(st.tuples(_IDS, st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3)
                           .map(" ".join)),
                 min_size=1, max_size=9, unique_by=lambda item: item[0])
_SETTINGS = settings(max_examples=25, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(docs=_DOCS, fmt=st.sampled_from(FORMATS), kill=st.integers(0, 8),
       batch_docs=st.integers(1, 4), records=st.integers(0, 3), torn=st.integers(0, 40),
       lose_checkpoint=st.booleans())
def test_property_a_killed_run_resumes_to_the_uninterrupted_output(
        miner, docs, fmt, kill, batch_docs, records, torn, lose_checkpoint):
    kill = kill % len(docs)
    with tempfile.TemporaryDirectory() as tmp:
        clean, out = Path(tmp, f"clean.{fmt}"), Path(tmp, f"out.{fmt}")
        run_batch(miner, docs, output=clean, fmt=fmt, batch_docs=batch_docs)
        with pytest.raises(KeyboardInterrupt):
            run_batch(miner, _interrupt_after(docs, kill), output=out, fmt=fmt,
                      batch_docs=batch_docs)
        # The kill lands while the next document is written: some of its records, then a
        # torn one; and the checkpoint may be lost too.
        nxt = _block(miner, fmt, docs[kill // batch_docs * batch_docs])
        lines = nxt.splitlines(keepends=True)
        part = b"".join(lines[:records]) + (lines[records][:torn] if records < len(lines)
                                            else b"")
        with open(_data_path(out, fmt), "ab") as f:
            f.write(part)
        if lose_checkpoint:
            Path(f"{out}.checkpoint").unlink()
        summary = run_batch(miner, docs, output=out, fmt=fmt, batch_docs=batch_docs,
                            resume=True)
        assert summary.ok + summary.skipped == len(docs) and summary.failed == 0
        assert _rows(out, fmt) == _rows(clean, fmt)  # each document once, in order


@pytest.mark.filterwarnings(r"ignore:\[E404\]")
@_SETTINGS
@given(docs=_DOCS, fmt=st.sampled_from(("jsonl", "csv")), copies=st.lists(
    st.integers(0, 8), max_size=6))
def test_property_resume_keeps_one_copy_of_each_document(miner, docs, fmt, copies):
    with tempfile.TemporaryDirectory() as tmp:
        clean, out = Path(tmp, f"clean.{fmt}"), Path(tmp, f"out.{fmt}")
        run_batch(miner, docs, output=clean, fmt=fmt)
        again = [docs[c % len(docs)] for c in copies]
        out.write_bytes(clean.read_bytes() + b"".join(_block(miner, fmt, d) for d in again))
        summary = run_batch(miner, docs, output=out, fmt=fmt, resume=True)
        assert summary.ok == 0 and summary.skipped == len(docs)
        assert summary.duplicates == len(again)
        assert _rows(out, fmt) == _rows(clean, fmt)
