"""Resumable batch runs: stream documents through an ArgumentMiner into JSONL, CSV or Parquet.

:func:`iter_sources` (from :mod:`argmine.sources`) reads documents lazily from files, globs,
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

import csv
import io
import json
import os
import sys
import time
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argmine._batch_files import _columns, _IdSet, _Output, _OutputLock, _sibling
from argmine.errors import MESSAGES, ArgmineError, InputError
from argmine.sources import DEFAULT_MAX_CHARS, INPUT_FORMATS, Content, iter_sources

__all__ = ["DEFAULT_MAX_CHARS", "ENGINES", "FORMATS", "INPUT_FORMATS", "RESUMABLE",
           "BatchSummary", "Content", "check_options", "iter_sources", "run_batch"]

FORMATS = {
    "label": ("jsonl", "csv", "parquet", "table"),
    "tree": ("jsonl", "json", "csv", "parquet", "text", "aif", "dot", "mermaid", "html"),
}
RESUMABLE = ("jsonl", "json", "csv", "parquet")
"""Formats whose records name their document, so that a run can read back what it wrote."""
ENGINES = ("local", "ray")
"""Where the model work runs: this machine's processes, or Ray (:mod:`argmine.ray_engine`)."""


# --------------------------------------------------------------------------- records
def _label_rows(doc, flat: bool) -> list[dict[str, Any]]:
    rows = []
    for unit in doc.units:
        row = {"doc": doc.id, "index": unit.index, "start": unit.start, "end": unit.end,
               "text": unit.text, "label": unit.label.value, "score": round(unit.score, 4)}
        scores = {k: round(v, 4) for k, v in unit.scores.items()}
        row.update({f"p_{k}": v for k, v in scores.items()} if flat else {"scores": scores})
        rows.append(row)
    return rows


def _tree_rows(doc) -> list[dict[str, Any]]:
    from argmine.export import to_json

    data = json.loads(to_json(doc, indent=None))
    tree_of = {i: t for t, tree in enumerate(data["trees"]) for i in tree["units"]}
    return [{"doc": doc.id, **unit, "score": None if unit["score"] is None else round(
        unit["score"], 4), "tree": tree_of.get(unit["index"])} for unit in data["units"]]


def _render(doc, task: str, fmt: str) -> str:
    """Serialise one processed document: every record of it, each ending in a newline."""
    from argmine.export import export, to_json

    if fmt in ("csv", "parquet"):
        rows = _label_rows(doc, flat=True) if task == "label" else _tree_rows(doc)
        if fmt == "parquet":  # the JSONL spool that becomes Parquet at the end
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=_columns(task), lineterminator="\n")
        writer.writerows(rows)
        return buffer.getvalue()
    if task == "label" and fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _label_rows(doc, False))
    if task == "label":  # table
        lines = []
        for unit in doc.units:
            text = " ".join(unit.text.split())
            text = text if len(text) <= 90 else text[:89] + "…"
            shown = doc.id if len(doc.id) <= 16 else "…" + doc.id[-15:]
            lines.append(f"{shown:<16} {unit.index:>3}  {unit.label.value:<15} "
                         f"{unit.score:.2f}  {text}\n")
        return "".join(lines)
    if fmt in ("jsonl", "json"):
        return to_json(doc, indent=None) + "\n"
    out = export(doc, fmt)
    if fmt == "aif":  # one line per document, like JSONL
        out = json.dumps(json.loads(out), ensure_ascii=False)
    return out if out.endswith("\n") else out + "\n"


# --------------------------------------------------------------------------- processing
def _failure(exc: BaseException) -> tuple[str, str, str | None]:
    if isinstance(exc, ArgmineError):
        where = exc.path if exc.line is None or exc.path is None else f"{exc.path}:{exc.line}"
        return exc.code, exc.message, where
    return type(exc).__name__, str(exc), None


def _inference():
    from contextlib import nullcontext

    torch = sys.modules.get("torch")  # imported by the model if it needs torch at all
    return torch.inference_mode() if torch is not None else nullcontext()


def _process(miner, task: str, fmt: str, items: list[tuple[str, Any]]) -> list[tuple]:
    """Mine ``(id, text_or_units)`` items: ``("ok", block, n_units)`` or ``("error", ...)``."""
    results: list[tuple] = [()] * len(items)
    docs, where = [], []
    for i, (doc_id, content) in enumerate(items):
        try:
            docs.append(miner.to_document(content, doc_id))
            where.append(i)
        except Exception as exc:
            results[i] = ("error", *_failure(exc))
    # Documents of similar unit length side by side: the model pads each batch of units to
    # its longest one, so mixing one long document into short ones wastes most of a batch.
    order = sorted(range(len(docs)), key=lambda k: len(docs[k].text) / len(docs[k].units))
    run = miner.label_documents if task == "label" else miner.mine_documents
    with _inference():
        try:
            done = list(zip(order, run([docs[k] for k in order])))
        except Exception:
            done = []
            for k in order:  # one bad document must not sink its chunk: find it alone
                try:
                    done.append((k, run([docs[k]])[0]))
                except Exception as exc:
                    results[where[k]] = ("error", *_failure(exc))
    for k, doc in done:
        try:
            results[where[k]] = ("ok", _render(doc, task, fmt), len(doc.units))
        except Exception as exc:
            results[where[k]] = ("error", *_failure(exc))
    return results


_WORKER: dict[str, Any] = {}
"""The miner of a worker process (loaded once by :func:`_init_worker`); empty in the parent."""


def _load_spec(spec):
    """The miner of a model spec: ``(name_or_folder, decoding, load options)``, or a miner."""
    from argmine.pipeline import load

    return load(spec[0], decoding=spec[1], **spec[2]) if isinstance(spec, tuple) else spec


def _init_worker(spec, threads: int | None) -> None:
    try:
        _WORKER["miner"] = _load_spec(spec)
    except Exception as exc:  # raised by _work instead: a pool respawns crashed initialisers
        _WORKER["error"] = exc
    _set_threads(threads)


def _work(task: str, fmt: str, items: list[tuple[str, Any]]) -> list[tuple]:
    if "error" in _WORKER:
        raise _WORKER["error"]
    return _process(_WORKER["miner"], task, fmt, items)


def _set_threads(threads: int | None) -> None:
    if threads and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)


def _results(miner, spec, task: str, fmt: str, chunks: Iterator[_Chunk], workers: int,
             threads: int | None) -> Iterator[tuple[_Chunk, list[tuple]]]:
    """Process chunks in this process or in ``workers`` processes; yields them in order."""
    if workers == 1:
        _set_threads(threads)
        for chunk in chunks:
            yield chunk, _process(miner, task, fmt, chunk.todo)
        return
    import multiprocessing

    # spawn: a forked copy of a process that already ran torch can deadlock in its threads.
    context = multiprocessing.get_context("spawn")
    pool = context.Pool(workers, _init_worker, (spec, threads))
    try:
        pending: deque = deque()
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_work, (task, fmt, chunk.todo))))
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


# --------------------------------------------------------------------------- bookkeeping
@dataclass
class _Chunk:
    todo: list[tuple[str, Any]]
    failed: list[dict[str, Any]]
    skipped: int = 0


def _error_record(doc_id: str, code: str, message: str, source: str | None) -> dict[str, Any]:
    return {"id": doc_id, "source": source or doc_id, "code": code, "error": message}


def _chunks(sources: Iterable, size: int, done: _IdSet, max_chars: int) -> Iterator[_Chunk]:
    from argmine.units import check_text

    seen = _IdSet()
    chunk = _Chunk([], [])
    for position, (doc_id, content) in enumerate(sources, start=1):
        doc_id = str(doc_id)
        if doc_id in done:
            chunk.skipped += 1
        elif doc_id in seen:
            chunk.failed.append(_error_record(doc_id, *_failure(InputError(
                "E012", id=doc_id, position=position))))
        else:
            seen.add(doc_id)
            try:  # sources other than iter_sources get the same checks
                if isinstance(content, str):
                    content = check_text(content, source=doc_id, max_chars=max_chars)
                elif isinstance(content, BaseException):
                    raise content
            except Exception as exc:
                chunk.failed.append(_error_record(doc_id, *_failure(exc)))
            else:
                chunk.todo.append((doc_id, content))
        if len(chunk.todo) + len(chunk.failed) >= size or chunk.skipped >= 4096:
            yield chunk
            chunk = _Chunk([], [])
    if chunk.todo or chunk.failed or chunk.skipped:
        yield chunk


# --------------------------------------------------------------------------- the run
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
        """0 when every document of the job succeeded, 1 when any failed."""
        return 1 if self.failed or self.previously_failed else 0


def _paths(output, fmt: str, errors_path) -> tuple[Path | None, Path | None]:
    out = None if output is None else Path(output)
    if errors_path is None and out is not None:
        errors_path = _sibling(out, ".errors.jsonl")
    return out, None if errors_path is None else Path(errors_path)


def check_options(*, task: str = "label", fmt: str = "jsonl", output=None, resume: bool = False,
                  force: bool = False, errors_path=None, workers: int = 1, batch_docs: int = 64,
                  threads: int | None = None, engine: str = "local",
                  ray_address: str | None = None, owner: str = "run_batch") -> None:
    """Refuse a combination of :func:`run_batch` options before any work starts.

    Raises:
        InputError: E008 for an unknown task or format; E301 for a bad value, for resuming
            what cannot be resumed, for an existing output without ``resume``/``force``, for
            an unknown engine, and for ``engine="ray"`` without Ray installed.

    Examples:
        >>> check_options(fmt="parquet")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        argmine.errors.InputError: [E301] The 'output' parameter of run_batch must be a ...
    """
    def bad(param: str, expected: str, value: object) -> InputError:
        return InputError("E301", param=param, owner=owner, expected=expected, value=value)

    if task not in FORMATS:
        raise InputError("E008", what="task", value=task, options=", ".join(FORMATS))
    if fmt not in FORMATS[task]:
        raise InputError("E008", what="output format", value=fmt,
                         options=", ".join(FORMATS[task]))
    for name, value in (("workers", workers), ("batch_docs", batch_docs),
                        ("threads", 1 if threads is None else threads)):
        if not isinstance(value, int) or value < 1:
            raise bad(name, "a positive integer", value)
    _check_engine(engine, ray_address, bad)
    out, errors = _paths(output, fmt, errors_path)
    if out is None and fmt == "parquet":
        raise bad("output", "a file path: Parquet cannot stream to standard output", None)
    if resume and (out is None or fmt not in RESUMABLE):
        raise bad("resume", "False unless writing to a file in one of the formats "
                  f"{', '.join(RESUMABLE)} (resume reads back the ids written)", resume)
    if resume and force:
        raise bad("force", "False when resuming", force)
    if not (resume or force):
        kept = [] if out is None else [out, _sibling(out, ".partial"),
                                       _sibling(out, ".checkpoint")]
        for path in [*kept, errors]:
            if path is not None and path.exists():
                raise bad("output", "a path that does not exist yet: resume to continue the "
                          "run that wrote it, or force to start over", str(path))


def _check_engine(engine: str, ray_address: str | None, bad) -> None:
    import importlib.util

    if engine not in ENGINES:
        raise bad("engine", " or ".join(repr(e) for e in ENGINES), engine)
    # find_spec, not import: the local engine must never pay for (or depend on) importing Ray.
    if engine == "ray" and importlib.util.find_spec("ray") is None:
        raise bad("engine", "'local' unless Ray is installed: pip install argmine[ray]", engine)
    if ray_address is not None and (engine != "ray" or not isinstance(ray_address, str)
                                    or not ray_address):
        raise bad("ray_address", "None, or a Ray cluster address (e.g. 'auto' or "
                  "'head-node:6379') with engine='ray'", ray_address)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _write_chunk(out: _Output, chunk: _Chunk, results: list[tuple], summary: BatchSummary,
                 on_error) -> None:
    """Write a processed chunk in input order, failures to the errors file, then commit."""
    for (doc_id, _), result in zip(chunk.todo, results):
        if result[0] == "ok" and out.written(doc_id, result[1]):
            summary.skipped += 1  # the last document of a run without checkpoint, found whole
        elif result[0] == "ok":
            summary.ok += 1
            summary.units += result[2]
        else:
            chunk.failed.append(_error_record(doc_id, *result[1:]))
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
) -> BatchSummary:
    """Label (or mine) a stream of documents into a file that survives being killed.

    Documents are read, processed and written a chunk at a time, so memory stays flat. Each
    chunk's records are written in input order, fsynced, then logged in the checkpoint; a
    bad document is recorded in the errors file and the run goes on.

    Args:
        miner: An :class:`~argmine.pipeline.ArgumentMiner`, or a model name or folder (with
            ``workers > 1`` each worker loads it once; a miner object is copied to them).
        sources: ``(doc_id, text_or_units_or_error)`` pairs, e.g. from :func:`iter_sources`.
        task: ``"label"`` (one record per unit) or ``"tree"`` (labels, links and trees).
        output: The file to write; ``None`` writes to standard output (no resume).
        fmt: One of ``FORMATS[task]``: JSONL, CSV, Parquet, or a human-readable format.
        resume: Continue the run that wrote ``output``: skip every document it finished or
            recorded as failed.
        force: Start over even if ``output`` exists.
        errors_path: Where failures go (default ``<output>.errors.jsonl``; none for
            standard output unless given).
        max_chars: Longer documents fail with E005.
        batch_docs: Documents per chunk: per commit, and per call of the model.
        progress: Show a progress bar on standard error (default: when it is a terminal).
        total: Number of documents expected, for the progress bar's ETA.
        workers: Processes (Ray actors with ``engine="ray"``) that run the model; the
            writer stays in this one. Local workers are spawned, so they import the
            caller's main module: guard a script's top level with
            ``if __name__ == "__main__":``.
        threads: Torch threads per process (default: torch's own choice for one process;
            the CPUs shared among several workers unless ``OMP_NUM_THREADS`` is set).
        decoding: Tree decoding settings, when ``miner`` is a name or folder.
        load_options: More :func:`argmine.load` arguments when ``miner`` is a name or
            folder, e.g. ``{"quantize": True}`` or ``{"backend": "onnx"}``; every worker or
            actor loads the model with them.
        on_error: Called with each error record (the CLI prints them).
        engine: ``"local"`` (this machine's processes) or ``"ray"``: the model work runs on
            a pool of ``workers`` Ray actors (:mod:`argmine.ray_engine`, needs
            ``pip install argmine[ray]``) while reading, resume and writing stay here, so
            the output is the same. A model folder must then be readable at the same path
            wherever an actor runs; ``threads`` is the CPUs (and torch threads) per actor.
        ray_address: The Ray cluster to use with ``engine="ray"`` (e.g. ``"auto"`` or
            ``"head-node:6379"``; default ``$RAY_ADDRESS``, else a one-node instance
            started for this run and shut down after it). An already connected Ray session
            is used as it is.

    Returns:
        A :class:`BatchSummary`; its ``exit_status`` is 1 if any document failed.

    Raises:
        InputError: As :func:`check_options`, before anything is written.
        OutputError: E401 (before anything is written) when another job is writing
            ``output``; E402 when the disk is full and E403 when another write fails: what
            was committed stays, and ``resume=True`` continues from it.
    """
    options = dict(task=task, fmt=fmt, output=output, resume=resume, force=force,
                   errors_path=errors_path, workers=workers, batch_docs=batch_docs,
                   threads=threads, engine=engine, ray_address=ray_address)
    check_options(**options)
    out_path, err_path = _paths(output, fmt, errors_path)
    # Taken before the model loads, so that a second job on this output fails at once.
    with nullcontext() if out_path is None else _OutputLock(out_path):
        if not (resume or force):  # a job that held the lock may have written it since
            check_options(**options)
        return _run_batch(miner, sources, task=task, fmt=fmt, resume=resume, force=force,
                          out_path=out_path, err_path=err_path, max_chars=max_chars,
                          batch_docs=batch_docs, progress=progress, total=total,
                          workers=workers, threads=threads, decoding=decoding,
                          load_options=load_options, on_error=on_error, engine=engine,
                          ray_address=ray_address)


def _run_batch(miner, sources, *, task, fmt, resume, force, out_path, err_path, max_chars,
               batch_docs, progress, total, workers, threads, decoding, load_options,
               on_error, engine, ray_address) -> BatchSummary:
    """:func:`run_batch` once its options are checked and the output is locked."""
    from tqdm import tqdm

    from argmine.pipeline import ArgumentMiner

    spec = miner if isinstance(miner, ArgumentMiner) else (
        None if miner is None else str(miner), decoding, dict(load_options or {}))
    if engine == "local" and workers == 1 and isinstance(spec, tuple):
        miner = _load_spec(spec)
    elif isinstance(spec, tuple):  # fail here, not in workers that the pool would respawn
        if spec[2].get("backend"):
            from argmine.onnx_backend import check_backend

            check_backend(spec[2]["backend"], owner="run_batch")
        from argmine.errors import ModelFormatError
        from argmine.pipeline import DEFAULT_MODEL, default_model_path

        if spec[0] in (None, DEFAULT_MODEL):
            default_model_path()
        elif not Path(spec[0]).is_dir():
            raise ModelFormatError("E204", name=spec[0])
    if engine == "local" and threads is None and workers > 1 and (
            "OMP_NUM_THREADS" not in os.environ):
        # Share the CPUs: torch would give every worker a thread per core.
        threads = max(1, _cpus() // workers)
    if force and out_path is not None:
        for path in (out_path, _sibling(out_path, ".partial"), _sibling(out_path, ".checkpoint"),
                     _sibling(out_path, ".tmp"), err_path):
            path.unlink(missing_ok=True)
    elif force and err_path is not None:
        err_path.unlink(missing_ok=True)
    out = _Output(out_path, fmt, task, err_path, resume)
    summary = BatchSummary(previously_failed=out.previously_failed,
                           output=None if out_path is None else str(out_path),
                           errors=None if err_path is None else str(err_path),
                           duplicates=out.duplicates, duplicate_ids=list(out.duplicate_ids))
    if out.duplicates:
        ids = ", ".join(out.duplicate_ids) + (", ..." if out.duplicates > len(
            out.duplicate_ids) else "")
        warnings.warn(f"[E404] {out_path}: " + MESSAGES["E404"].format(
            count=out.duplicates, ids=ids), UserWarning, stacklevel=3)
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=total, unit="doc", disable=not show, file=sys.stderr, dynamic_ncols=True)
    start = time.perf_counter()
    complete = False
    try:
        chunks = _chunks(sources, batch_docs, out.done, max_chars)
        if engine == "ray":  # only the model work moves: reading and writing stay here
            from argmine.ray_engine import ray_results

            processing = ray_results(spec, task, fmt, chunks, workers, threads, ray_address)
        else:
            processing = _results(miner, spec, task, fmt, chunks, workers, threads)
        # closing(): an error here must stop the worker pool at once, not at garbage collection.
        with closing(processing) as processed:
            for chunk, results in processed:
                _write_chunk(out, chunk, results, summary, on_error)
                summary.seconds = elapsed = max(time.perf_counter() - start, 1e-9)
                bar.update(len(chunk.todo) + len(chunk.failed) + chunk.skipped)
                bar.set_postfix_str(f"{(summary.ok + summary.failed) / elapsed:.1f} docs/s, "
                                    f"{summary.units / elapsed:.0f} units/s", refresh=False)
        complete = True
    finally:
        bar.close()
        out.close(complete)
    if summary.errors is not None and not Path(summary.errors).exists():
        summary.errors = None
    summary.seconds = time.perf_counter() - start
    return summary
