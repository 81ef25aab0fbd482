"""Resumable batch runs: stream documents through an ArgumentMiner into JSONL, CSV or Parquet.

:func:`iter_sources` (from :mod:`argmine.batch.sources`) reads documents lazily from files, globs,
folders, JSONL, CSV, a ``datasets`` dataset or standard input; :func:`run_batch` labels (or
mines) them in chunks and writes the records so that a run killed at any instant can be
resumed. Beside ``OUTPUT`` it keeps:

- ``OUTPUT.errors.jsonl``: one ``{"id", "source", "code", "error"}`` line per failed document
  (removed at the end when nothing failed);
- ``OUTPUT.checkpoint``: the commit log, one line per chunk with the byte sizes of the output
  and error files once both were fsynced; removed when the run ends;
- ``OUTPUT.partial`` (Parquet only): the records as JSONL, turned into row groups of
  ``OUTPUT`` at the end, because a Parquet file is unreadable until its footer is written;
- ``OUTPUT.lock``: held (``fcntl.flock``) while a job writes ``OUTPUT``, so that a second job
  on the same output fails at once with :class:`~argmine.errors.OutputError` E401 instead of
  writing every document again. The OS drops the lock when its process dies, so a killed
  job never blocks the next one; the file is removed when the run ends.

Resume: the output and error files are cut back to the last commit, and every document id
found in them is skipped, so no document is written twice. Without a checkpoint (a finished
run, or one whose checkpoint was deleted) a torn last line is cut, and the last document is
cut too and mined again, since nothing tells whether all its records were written: if its new
records equal the old ones it counts as skipped. Documents that failed are skipped too; delete
the errors file to retry them. An output that holds a document more than once (written by two
jobs at once before the lock existed) is rewritten atomically with the first copy of each
document only; :attr:`BatchSummary.duplicates` counts the copies removed, and a warning (E404)
names them. A write that fails (a full disk: E402; any other OSError: E403) raises
:class:`~argmine.errors.OutputError` naming the file; what was committed stays valid, and
``resume`` continues from it.

Examples:
    >>> from argmine.pipeline import load
    >>> summary = run_batch(load(path), iter_sources(["corpus/"]),     # doctest: +SKIP
    ...                     output="labels.jsonl", resume=True)
    >>> summary.exit_status                                            # doctest: +SKIP
    0
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tqdm import tqdm

from argmine.batch.dedupe import IdSet
from argmine.batch.engines.local import local_results
from argmine.batch.engines.ray import ray_results
from argmine.batch.files import Output
from argmine.batch.locks import OutputLock
from argmine.batch.options import BatchOptions, check_options, recheck
from argmine.batch.sources import DEFAULT_MAX_CHARS
from argmine.batch.work import Chunk, cpus, error_record, failure, footer, header, load_spec
from argmine.batch.writing import sibling
from argmine.errors import MESSAGES, InputError, ModelFormatError
from argmine.pipeline import DEFAULT_MODEL, ArgumentMiner, default_model_path
from argmine.scoring.backends import check_backend
from argmine.text.validation import check_text


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
        duplicates: Extra copies of documents that a resumed output held (e.g. written by two
            jobs at once) and that were removed from it, keeping the first copy of each.
        duplicate_ids: The ids of the first 20 of them.
    """

    ok: int = 0
    failed: int = 0
    skipped: int = 0
    previously_failed: int = 0
    units: int = 0
    seconds: float = 0.0
    output: str | None = None
    errors: str | None = None
    duplicates: int = 0
    duplicate_ids: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        """1 when a document failed in this run, else 0 (earlier runs' failures aside)."""
        return 1 if self.failed else 0


def _chunks(sources: Iterable, size: int, done: IdSet, max_chars: int) -> Iterator[Chunk]:
    seen = IdSet()
    chunk = Chunk([], [])
    for position, (doc_id, content) in enumerate(sources, start=1):
        doc_id = str(doc_id)
        if doc_id in done:
            chunk.skipped += 1
        elif doc_id in seen:
            chunk.failed.append(error_record(doc_id, *failure(InputError(
                "E012", id=doc_id, position=position))))
        else:
            seen.add(doc_id)
            try:  # sources other than iter_sources get the same checks
                if isinstance(content, str):
                    content = check_text(content, source=doc_id, max_chars=max_chars)
                elif isinstance(content, BaseException):
                    raise content
            except Exception as exc:
                chunk.failed.append(error_record(doc_id, *failure(exc)))
            else:
                chunk.todo.append((doc_id, content))
        if len(chunk.todo) + len(chunk.failed) >= size or chunk.skipped >= 4096:
            yield chunk
            chunk = Chunk([], [])
    if chunk.todo or chunk.failed or chunk.skipped:
        yield chunk


def _write_chunk(out: Output, chunk: Chunk, results: list[tuple], summary: BatchSummary,
                 on_error) -> None:
    """Write a processed chunk in input order, failures to the errors file, then commit."""
    for (doc_id, _), result in zip(chunk.todo, results):
        if result[0] == "ok" and out.written(doc_id, result[1]):
            summary.skipped += 1  # the last document of a run without checkpoint, found whole
        elif result[0] == "ok":
            summary.ok += 1
            summary.units += result[2]
        else:
            chunk.failed.append(error_record(doc_id, *result[1:]))
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
    load_options: dict | None = None,
    on_error=None,
    engine: str = "local",
    ray_address: str | None = None,
    decoded: bool = True,
) -> BatchSummary:
    """Label (or mine) a stream of documents into a file that survives being killed.

    Documents are read, processed and written a chunk at a time, so memory stays flat. Each
    chunk's records are written in input order, fsynced, then logged in the checkpoint; a
    bad document is recorded in the errors file and the run goes on. The settings are
    checked once into a :class:`~argmine.batch.options.BatchOptions`, which describes each.

    Args:
        miner: An :class:`~argmine.pipeline.ArgumentMiner`, or a model name or folder (with
            ``workers > 1`` each worker loads it once; a miner object is copied to them).
        sources: ``(doc_id, text_or_units_or_error)`` pairs, e.g. from :func:`iter_sources`.
        task: See :class:`~argmine.batch.options.BatchOptions`.
        output: See :class:`~argmine.batch.options.BatchOptions`.
        fmt: See :class:`~argmine.batch.options.BatchOptions`.
        resume: See :class:`~argmine.batch.options.BatchOptions`.
        force: See :class:`~argmine.batch.options.BatchOptions`.
        errors_path: See :class:`~argmine.batch.options.BatchOptions`.
        max_chars: See :class:`~argmine.batch.options.BatchOptions`.
        batch_docs: See :class:`~argmine.batch.options.BatchOptions`.
        progress: See :class:`~argmine.batch.options.BatchOptions`.
        total: See :class:`~argmine.batch.options.BatchOptions`.
        workers: See :class:`~argmine.batch.options.BatchOptions`.
        threads: See :class:`~argmine.batch.options.BatchOptions`.
        decoding: See :class:`~argmine.batch.options.BatchOptions`.
        load_options: See :class:`~argmine.batch.options.BatchOptions`.
        on_error: See :class:`~argmine.batch.options.BatchOptions`.
        engine: See :class:`~argmine.batch.options.BatchOptions`.
        ray_address: See :class:`~argmine.batch.options.BatchOptions`.
        decoded: See :class:`~argmine.batch.options.BatchOptions`.

    Returns:
        A :class:`BatchSummary`; its ``exit_status`` is 1 if a document failed in this run.

    Raises:
        InputError: As :func:`check_options`, before anything is written.
        OutputError: E401 (before anything is written) when another job is writing
            ``output``; E402 when the disk is full and E403 when another write fails: what
            was committed stays, and ``resume=True`` continues from it.
    """
    options = check_options(
        task=task, fmt=fmt, output=output, resume=resume, force=force,
        errors_path=errors_path, max_chars=max_chars, batch_docs=batch_docs,
        progress=progress, total=total, workers=workers, threads=threads, decoding=decoding,
        load_options=load_options, on_error=on_error, engine=engine, ray_address=ray_address,
        decoded=decoded)
    return run_checked(miner, sources, options)


def run_checked(miner, sources: Iterable[tuple[str, Any]], options: BatchOptions
                ) -> BatchSummary:
    """:func:`run_batch` with options already checked into a :class:`BatchOptions`."""
    out_path, _ = options.paths
    # Taken before the model loads, so that a second job on this output fails at once.
    with nullcontext() if out_path is None else OutputLock(out_path):
        if not (options.resume or options.force):  # a job that held the lock may have
            recheck(options)                          # written it since
        miner, spec = _miner_and_spec(miner, options)
        if options.engine == "local" and options.threads is None and options.workers > 1 and (
                "OMP_NUM_THREADS" not in os.environ):
            # Share the CPUs: torch would give every worker a thread per core.
            options = replace(options, threads=max(1, cpus() // options.workers))
        out = _open_output(options)
        return _run(miner, spec, sources, options, out)


def _miner_and_spec(miner, options: BatchOptions):
    """The miner (loaded here when this process does the work) and what workers load."""
    spec = miner if isinstance(miner, ArgumentMiner) else (
        None if miner is None else str(miner), options.decoding,
        dict(options.load_options or {}))
    if options.engine == "local" and options.workers == 1 and isinstance(spec, tuple):
        miner = load_spec(spec)
    elif isinstance(spec, tuple):  # fail here, not in workers that the pool would respawn
        if spec[2].get("backend"):
            check_backend(spec[2]["backend"], owner="run_batch")
        if spec[0] in (None, DEFAULT_MODEL):
            default_model_path()
        elif not Path(spec[0]).is_dir():
            raise ModelFormatError("E204", name=spec[0])
    return miner, spec


def _open_output(options: BatchOptions) -> Output:
    """Clear what ``force`` starts over, then open the output (recovering it on resume)."""
    out_path, err_path = options.paths
    if options.force and out_path is not None:
        for path in (out_path, sibling(out_path, ".partial"), sibling(out_path, ".checkpoint"),
                     sibling(out_path, ".tmp"), err_path):
            path.unlink(missing_ok=True)
    elif options.force and err_path is not None:
        err_path.unlink(missing_ok=True)
    elif not options.resume and err_path is not None and out_path is not None:
        err_path.unlink(missing_ok=True)  # left by a run that wrote no document (recheck)
    return Output(out_path, options.fmt, options.task, err_path, options.resume,
                  header(options.task, options.fmt, options.decoded), footer(options.fmt))


def _run(miner, spec, sources, options: BatchOptions, out: Output) -> BatchSummary:
    """Read, mine and write every chunk; the summary of the run."""
    out_path, err_path = options.paths
    summary = BatchSummary(previously_failed=out.previously_failed,
                           output=None if out_path is None else str(out_path),
                           errors=None if err_path is None else str(err_path),
                           duplicates=out.duplicates, duplicate_ids=list(out.duplicate_ids))
    if out.duplicates:
        ids = ", ".join(out.duplicate_ids) + (", ..." if out.duplicates > len(
            out.duplicate_ids) else "")
        warnings.warn(f"[E404] {out_path}: " + MESSAGES["E404"].format(
            count=out.duplicates, ids=ids), UserWarning, stacklevel=4)
    show = sys.stderr.isatty() if options.progress is None else options.progress
    bar = tqdm(total=options.total, unit="doc", disable=not show, file=sys.stderr,
               dynamic_ncols=True)
    start = time.perf_counter()
    complete = interrupted = False
    try:
        chunks = _chunks(sources, options.batch_docs, out.done, options.max_chars)
        work = (options.task, options.fmt, chunks, options.workers, options.threads)
        if options.engine == "ray":  # only the model work moves: reading and writing stay here
            processing = ray_results(spec, *work, options.ray_address, decoded=options.decoded)
        else:
            processing = local_results(miner, spec, *work, decoded=options.decoded)
        # closing(): an error here must stop the worker pool at once, not at garbage collection.
        with closing(processing) as processed:
            for chunk, results in processed:
                _write_chunk(out, chunk, results, summary, options.on_error)
                summary.seconds = elapsed = max(time.perf_counter() - start, 1e-9)
                bar.update(len(chunk.todo) + len(chunk.failed) + chunk.skipped)
                bar.set_postfix_str(f"{(summary.ok + summary.failed) / elapsed:.1f} docs/s, "
                                    f"{summary.units / elapsed:.0f} units/s", refresh=False)
        complete = True
    except KeyboardInterrupt:
        interrupted = True  # what it made stays, as after a kill, for --resume
        raise
    finally:
        bar.close()
        out.close(complete, keep=interrupted)
    if summary.errors is not None and not Path(summary.errors).exists():
        summary.errors = None
    summary.seconds = time.perf_counter() - start
    return summary
