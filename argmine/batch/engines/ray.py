"""The ``ray`` engine of :func:`argmine.batch.run_batch`: the model work on Ray Data.

``run_batch(..., engine="ray")`` (``argmine label|tree --engine ray``) runs the same job as
the local engine and writes the same output; only the step that turns chunks of documents
into rendered records moves, to a fixed pool of Ray actors that each load the miner once.
Ray is an optional extra (``pip install argmine[ray]``), imported only here and only when
this engine runs.

Design:

- **The writer stays on the driver.** Reading the sources, skipping the ids an earlier run
  finished, recording bad documents, and writing, fsyncing and committing each chunk in input
  order all stay in :func:`~argmine.batch.run_batch`, as with the local engine. The output's
  guarantees rest on that one writer and its commit log: a resumed run trusts everything up
  to the last commit and redoes everything after it. Workers that wrote their own files
  would need a merge step, and a kill between their writes and the merge would either lose
  records or write them twice. With the writer here, a dead actor, node or driver loses
  only chunks that were never committed, and ``--resume`` redoes exactly those.
- **Chunks reach Ray Data through a queue.** The sources are a lazy, possibly unbounded
  generator on the driver (files, standard input, a streamed dataset) that Ray cannot read
  itself, and materialising it would break the flat-memory promise. So the driver puts each
  chunk's documents into a Ray queue; a Ray Data source with a single read task takes them
  out, one block per chunk, and ``map_batches`` hands each block to an actor of a fixed
  :class:`ray.data.ActorPoolStrategy` pool. One dataset serves the whole job, so each
  actor loads the model once, not once per window of chunks.
- **Results come back in input order.** ``preserve_order`` makes Ray Data emit blocks in
  the order they were read, and every block carries its chunk's number, which the driver
  checks before writing anything: the records, and their order, are the local engine's.
- **Memory stays flat.** The driver keeps at most two chunks per actor in flight (in the
  queue or on an actor) and waits for the oldest before reading further.

Ray runs on ``ray_address`` when given (or ``$RAY_ADDRESS``), else on a one-node instance
started for the run with as many CPUs as its actors ask for; a Ray session the caller
already opened is used as it is. Only an instance or connection made here is shut down.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import logging
import os
import pickle
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from argmine.batch.work import Chunk, cpus, load_spec, process, set_threads
from argmine.errors import InputError

if TYPE_CHECKING:
    import pyarrow


__all__ = ["ray_results"]

_END = None
"""Put in the queue after the last chunk: the read task ends, and with it the dataset."""


# --------------------------------------------------------------------------- on the workers
class _MinerActor:
    """A Ray Data actor: loads the miner once, then mines one chunk per call."""

    def __init__(self, spec, task: str, fmt: str, threads: int, decoded: bool = True) -> None:
        self._task, self._fmt, self._decoded = task, fmt, decoded
        self._miner = self._error = None
        try:
            self._miner = load_spec(spec)
        except Exception as exc:  # sent back by each call instead, see _mine
            self._error = exc
        set_threads(threads, getattr(self, "_miner", None))

    def __call__(self, table: pyarrow.Table) -> pyarrow.Table:
        import pyarrow as pa

        results = [self._mine(pickle.loads(b)) for b in table.column("items").to_pylist()]
        return pa.table({"number": table.column("number"),
                         "results": pa.array(results, pa.binary())})

    def _mine(self, items: list[tuple[str, Any]]) -> bytes:
        # An exception goes back as data, for the driver to raise as it is: raised here,
        # Ray Data would hand the driver a wrapper that has lost the original error.
        try:
            if self._error is not None:
                raise self._error
            outcome: tuple = ("ok", process(self._miner, self._task, self._fmt, items,
                                            self._decoded))
        except Exception as exc:
            outcome = ("raise", exc)
        try:
            return pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that cannot be pickled: keep what it said
            error = RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}")
            return pickle.dumps(("raise", error), pickle.HIGHEST_PROTOCOL)


def _read_queue(queue) -> Iterator[pyarrow.Table]:
    """The read task: one single-row block per chunk until the end marker."""
    import pyarrow as pa

    while (item := queue.get()) is not _END:
        number, items = item
        yield pa.table({"number": pa.array([number], pa.int64()),
                        "items": pa.array([items], pa.binary())})


def _queue_source(queue):
    """A Ray Data source reading :func:`_read_queue` (built here: Ray is imported lazily)."""
    from ray.data import Datasource, ReadTask
    from ray.data.block import BlockMetadata

    # Nothing is known ahead; older Ray versions also want an explicit schema field.
    unknown = {"num_rows": None, "size_bytes": None, "input_files": None, "exec_stats": None}
    if "schema" in inspect.signature(BlockMetadata).parameters:
        unknown["schema"] = None

    class QueueSource(Datasource):
        def estimate_inmemory_data_size(self) -> None:
            return None

        def get_read_tasks(self, parallelism: int, **_: Any) -> list:
            # One task whatever the parallelism: a queue has one reader, and order matters.
            return [ReadTask(functools.partial(_read_queue, queue), BlockMetadata(**unknown))]

    return QueueSource()


# --------------------------------------------------------------------------- on the driver
def _cpus_per_actor(threads: int | None, workers: int, local: bool) -> int:
    if threads is not None:
        return threads
    if local and "OMP_NUM_THREADS" not in os.environ:
        return max(1, cpus() // workers)  # share this machine's CPUs, as the local engine
    return 1


@contextmanager
def _session(address: str | None, num_cpus: int) -> Iterator[None]:
    """Connect to ``address`` or start a one-node instance; shut down only what was started."""
    import ray

    if ray.is_initialized():  # the caller's session (a notebook, a test): leave it running
        yield
        return
    quiet: dict[str, Any] = {"ignore_reinit_error": True, "logging_level": logging.ERROR,
                             "log_to_driver": False}
    if address:
        try:
            ray.init(address=address, **quiet)
        except ConnectionError as exc:  # a user's typo, not a bug: say which option to fix
            raise InputError("E301", param="ray_address", owner="run_batch", value=address,
                             expected="the address of a running Ray cluster (started with "
                             "'ray start --head'; 'auto' finds one on this machine)") from exc
    else:
        # "local": always a fresh instance of our own, never a stale one left by `ray start`.
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, **quiet)
    try:
        yield
    finally:
        ray.shutdown()


@contextmanager
def _data_settings() -> Iterator[None]:
    """Ray Data settings this engine relies on, restored afterwards (they are process-wide)."""
    from ray.data import DataContext

    context = DataContext.get_current()
    options = context.execution_options
    logger = logging.getLogger("ray.data")
    saved = (options.preserve_order, context.target_max_block_size,
             context.enable_progress_bars, logger.level)
    options.preserve_order = True  # results in input order: the writer needs them so
    # A read task's blocks are held back until they add up to this size; the smallest
    # value sends each chunk on at once, which a queue that waits for the driver needs.
    context.target_max_block_size = 1
    context.enable_progress_bars = False  # run_batch has its own progress bar
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        (options.preserve_order, context.target_max_block_size,
         context.enable_progress_bars) = saved[:3]
        logger.setLevel(saved[3])


def _zerocpus() -> dict[str, Any]:
    import ray.data

    # The read task only waits on the queue: it must not hold a CPU that an actor needs.
    if "num_cpus" in inspect.signature(ray.data.read_datasource).parameters:
        return {"num_cpus": 0}
    return {"ray_remote_args": {"num_cpus": 0}}  # older Ray


def _outputs(batches: Iterable[pyarrow.Table]) -> Iterator[tuple[int, bytes]]:
    for table in batches:
        yield from zip(table.column("number").to_pylist(), table.column("results").to_pylist())


def _result(outputs: Iterator[tuple[int, bytes]], number: int) -> list[tuple]:
    got, outcome = next(outputs, (None, b""))
    if got is None:
        raise RuntimeError(f"Ray Data ended before returning chunk {number}")
    if got != number:  # never write out of order: the output and resume depend on it
        raise RuntimeError(f"Ray Data returned chunk {got} where chunk {number} was due")
    kind, value = pickle.loads(outcome)
    if kind == "raise":  # as the local engine's pool re-raises a worker's exception
        raise value
    return value


def _exchange(queue, outputs: Iterator[tuple[int, bytes]], chunks: Iterator[Chunk],
              limit: int) -> Iterator[tuple[Chunk, list[tuple]]]:
    """Send chunks to the queue and yield each with its results, in input order."""
    pending: deque[tuple[int, Chunk]] = deque()
    sent = 0  # chunks in the queue or on an actor

    def ready(all_: bool) -> Iterator[tuple[Chunk, list[tuple]]]:
        nonlocal sent
        # A chunk without documents to mine (all skipped or failed) needs no round trip,
        # but still waits for the chunks before it.
        while pending and (all_ or not pending[0][1].todo or sent > limit):
            number, chunk = pending.popleft()
            if chunk.todo:
                sent -= 1
                yield chunk, _result(outputs, number)
            else:
                yield chunk, []

    for number, chunk in enumerate(chunks):
        if chunk.todo:
            queue.put((number, pickle.dumps(chunk.todo, pickle.HIGHEST_PROTOCOL)))
            sent += 1
        pending.append((number, chunk))
        yield from ready(False)
    queue.put(_END)
    yield from ready(True)
    if next(outputs, None) is not None:
        raise RuntimeError("Ray Data returned more chunks than were sent")


def ray_results(spec, task: str, fmt: str, chunks: Iterator[Chunk], workers: int,
                threads: int | None, address: str | None, *, decoded: bool = True
                ) -> Iterator[tuple[Chunk, list[tuple]]]:
    """Process chunks on ``workers`` Ray actors; yields them with their results, in order.

    The counterpart of the local engine's process pool in :func:`argmine.batch.run_batch`,
    with the same model ``spec``: a miner object (copied to each actor) or
    ``(name_or_folder, decoding)``, loaded once by each actor.
    """
    chunks = iter(chunks)
    for chunk in chunks:  # a resumed job may have nothing left to mine: then Ray never starts
        if chunk.todo:
            break
        yield chunk, []
    else:
        return
    import ray.data
    from ray.util.queue import Queue

    local = not address and not os.environ.get("RAY_ADDRESS") and not ray.is_initialized()
    cpus = _cpus_per_actor(threads, workers, local)
    with _session(address, workers * cpus), _data_settings():
        queue = Queue(actor_options={"num_cpus": 0})
        dataset = ray.data.read_datasource(_queue_source(queue), **_zerocpus()).map_batches(
            _MinerActor, batch_size=1, batch_format="pyarrow", num_cpus=cpus,
            compute=ray.data.ActorPoolStrategy(size=workers),
            fn_constructor_args=(spec, task, fmt, cpus, decoded))
        batches = iter(dataset.iter_batches(batch_size=None, batch_format="pyarrow",
                                            prefetch_batches=0))
        try:
            yield from _exchange(queue, _outputs(batches), itertools.chain([chunk], chunks),
                                 2 * workers)
        finally:
            close = getattr(batches, "close", None)
            if close is not None:  # stops the dataset's executor and its actors now
                close()
            queue.shutdown(force=True)
