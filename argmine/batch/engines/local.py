"""The local engine: mine chunks in this process, or in a pool of spawned worker processes."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from typing import Any

from argmine.batch.work import Chunk, load_spec, process, set_threads

_WORKER: dict[str, Any] = {}
"""The miner of a worker process (loaded once by :func:`_init_worker`); empty in the parent."""


def _init_worker(spec, threads: int | None) -> None:
    try:
        _WORKER["miner"] = load_spec(spec)
    except Exception as exc:  # raised by _work instead: a pool respawns crashed initialisers
        _WORKER["error"] = exc
    set_threads(threads, _WORKER.get("miner"))


def _work(task: str, fmt: str, items: list[tuple[str, Any]], decoded: bool) -> list[tuple]:
    if "error" in _WORKER:
        raise _WORKER["error"]
    return process(_WORKER["miner"], task, fmt, items, decoded)


def local_results(miner, spec, task: str, fmt: str, chunks: Iterator[Chunk], workers: int,
                  threads: int | None, *, decoded: bool = True
                  ) -> Iterator[tuple[Chunk, list[tuple]]]:
    """Process chunks in this process or in ``workers`` processes; yields them in order."""
    if workers == 1:
        set_threads(threads, miner)
        for chunk in chunks:
            yield chunk, process(miner, task, fmt, chunk.todo, decoded)
        return
    # spawn: a forked copy of a process that already ran torch can deadlock in its threads.
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(workers, _init_worker, (spec, threads))
    try:
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_work, (task, fmt, chunk.todo, decoded))))
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
