"""The options of a batch run, checked once into a frozen :class:`BatchOptions`."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argmine.batch.sources import DEFAULT_MAX_CHARS
from argmine.batch.writing import sibling
from argmine.errors import InputError

FORMATS = {
    "label": ("jsonl", "csv", "parquet", "table"),
    "tree": ("jsonl", "json", "csv", "parquet", "text", "aif", "dot", "mermaid", "html"),
}
RESUMABLE = ("jsonl", "json", "csv", "parquet")
"""Formats whose records name their document, so that a run can read back what it wrote."""
ENGINES = ("local", "ray")
"""Where the model work runs: this machine's processes, or Ray
(:mod:`argmine.batch.engines.ray`)."""


@dataclass(frozen=True)
class BatchOptions:
    """Every setting of :func:`argmine.batch.run_batch`, checked by :func:`check_options`.

    Attributes:
        task: ``"label"`` (one record per unit) or ``"tree"`` (labels, links and trees).
        fmt: One of ``FORMATS[task]``: JSONL, CSV, Parquet, or a human-readable format.
        output: The file to write; ``None`` writes to standard output (no resume).
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
        decoding: Tree decoding settings, when the miner is a name or folder.
        load_options: More :func:`argmine.load` arguments when the miner is a name or
            folder, e.g. ``{"quantize": True}`` or ``{"backend": "onnx"}``; every worker or
            actor loads the model with them.
        on_error: Called with each error record (the CLI prints them).
        engine: ``"local"`` (this machine's processes) or ``"ray"``: the model work runs on
            a pool of ``workers`` Ray actors (:mod:`argmine.batch.engines.ray`, needs
            ``pip install argmine[ray]``) while reading, resume and writing stay here, so
            the output is the same. A model folder must then be readable at the same path
            wherever an actor runs; ``threads`` is the CPUs (and torch threads) per actor.
        ray_address: The Ray cluster to use with ``engine="ray"`` (e.g. ``"auto"`` or
            ``"head-node:6379"``; default ``$RAY_ADDRESS``, else a one-node instance
            started for this run and shut down after it). An already connected Ray session
            is used as it is.
        decoded: For ``task="label"``: ``True`` (default) writes the labels of the decoded
            trees (what ``task="tree"`` gives); ``False`` the classifier's own most probable
            label, without scoring any link. Each record says which (``label_source``).
    """

    task: str = "label"
    fmt: str = "jsonl"
    output: str | Path | None = None
    resume: bool = False
    force: bool = False
    errors_path: str | Path | None = None
    max_chars: int = DEFAULT_MAX_CHARS
    batch_docs: int = 64
    progress: bool | None = None
    total: int | None = None
    workers: int = 1
    threads: int | None = None
    decoding: Any = None
    load_options: dict | None = None
    on_error: Callable[[dict], Any] | None = None
    engine: str = "local"
    ray_address: str | None = None
    decoded: bool = True

    @property
    def paths(self) -> tuple[Path | None, Path | None]:
        """The output file and the errors file (``None``: standard output / none)."""
        return output_paths(self.output, self.errors_path)


class Described(str):
    """A value an error message shows in words (its repr is the text, without quotes)."""

    def __repr__(self) -> str:
        return str(self)


def option_name(name: str, owner: str) -> str:
    """How ``owner`` spells an option: ``--resume`` for a command, ``resume=True`` in Python."""
    if owner.startswith("argmine "):
        return "--" + name.replace("_", "-")
    return f"{name}=True"


def output_paths(output, errors_path) -> tuple[Path | None, Path | None]:
    """The output file and its errors file (default: ``<output>.errors.jsonl``)."""
    out = None if output is None else Path(output)
    if errors_path is None and out is not None:
        errors_path = sibling(out, ".errors.jsonl")
    return out, None if errors_path is None else Path(errors_path)


def check_options(*, owner: str = "run_batch", **settings) -> BatchOptions:
    """Check a combination of :func:`run_batch` options before any work starts.

    Args:
        owner: The function named in errors.
        **settings: Fields of :class:`BatchOptions`.

    Returns:
        The options, as a :class:`BatchOptions`.

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
    options = BatchOptions(**settings)
    recheck(options, owner)
    return options


def recheck(options: BatchOptions, owner: str = "run_batch") -> None:
    """Check options again (an output may have appeared since); see :func:`check_options`."""
    task, fmt, resume, force = options.task, options.fmt, options.resume, options.force
    workers, batch_docs, threads = options.workers, options.batch_docs, options.threads

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
    check_engine(options.engine, options.ray_address, bad)
    out, errors = options.paths
    cli = owner.startswith("argmine ")
    resume_opt, force_opt = option_name("resume", owner), option_name("force", owner)
    if out is None and fmt == "parquet":
        raise bad("--output" if cli else "output", "a file: Parquet cannot be written to "
                  "standard output", Described("no output file" if cli else "None (no file)"))
    if resume and (out is None or fmt not in RESUMABLE):
        raise bad(resume_opt.split("=")[0], "left out unless writing to a file in one of the "
                  f"formats {', '.join(RESUMABLE)} (resume reads back the ids written)",
                  Described(f"{resume_opt} with " + (
                      ("standard output" if cli else "output=None") if out is None
                      else f"--format {fmt}" if cli else f"fmt={fmt!r}")))
    if resume and force:
        raise bad(force_opt.split("=")[0], f"left out with {resume_opt}",
                  Described(f"both {resume_opt} and {force_opt}"))
    if not (resume or force):
        kept = [] if out is None else [out, sibling(out, ".partial"),
                                       sibling(out, ".checkpoint")]
        # An errors file alone (its run wrote no document, and removed its empty output) is
        # replaced; with standard output it is all there is, so it is kept.
        if out is None or any(path.exists() for path in kept):
            kept.append(errors)
        for path in kept:
            if path is not None and path.exists():
                raise InputError("E301", param="--output" if cli else "output",
                                 owner=owner, expected=(
                    f"a file that does not exist yet: rerun with {resume_opt} to continue "
                    f"the run that wrote it, or with {force_opt} to start over"),
                    value=Described(f"{str(path)!r} (it exists)"))


def check_engine(engine: str, ray_address: str | None, bad) -> None:
    """Refuse an unknown engine, Ray where it is not installed, and a stray address."""
    if engine not in ENGINES:
        raise bad("engine", " or ".join(repr(e) for e in ENGINES), engine)
    # find_spec, not import: the local engine must never pay for (or depend on) importing Ray.
    if engine == "ray" and importlib.util.find_spec("ray") is None:
        raise bad("engine", "'local' unless Ray is installed: pip install argmine[ray]", engine)
    if ray_address is not None and (engine != "ray" or not isinstance(ray_address, str)
                                    or not ray_address):
        raise bad("ray_address", "None, or a Ray cluster address (e.g. 'auto' or "
                  "'head-node:6379') with engine='ray'", ray_address)
