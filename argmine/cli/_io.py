"""Shared input and output handling of the commands that read documents.

``segment`` reads its few files with :func:`read_inputs`; ``label`` and ``tree`` are batch
jobs: :func:`add_batch_arguments` gives them every input, output and resume option, and
:func:`run_batch_command` runs :func:`argmine.batch.run_batch` with them.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
from collections.abc import Iterable, Iterator
from fnmatch import fnmatch
from pathlib import Path

from argmine.errors import ArgmineError, InputError

DEFAULT_MAX_CHARS = 1_000_000


def add_input_arguments(parser) -> None:
    """Add FILE... and --input-format / --max-chars to a sub-command."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="text files to read ('-' for standard input)")
    parser.add_argument("--input-format", choices=("text", "jsonl"), default="text",
                        help="'text': each file is one document; 'jsonl': each line is "
                        '{"id": ..., "text": ...} or {"id": ..., "units": [...]}')
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
                        help="refuse documents longer than this (default %(default)s)")


def read_inputs(files, input_format: str, max_chars: int) -> Iterator[tuple[str, object]]:
    """Yield ``(doc_id, text_or_units)`` from files or JSONL; errors name file and line."""
    from argmine.units import check_text

    for name in files:
        if name == "-":
            data = sys.stdin.buffer.read()
            source = "<stdin>"
        else:
            path = Path(name)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError("E009", path=name, detail=exc.strerror or str(exc)) from None
            source = name
        if input_format == "text":
            yield (Path(source).stem if name != "-" else "stdin"), check_text(
                data, source=source, max_chars=max_chars
            )
            continue
        text = check_text(data, source=source, max_chars=max_chars * 1000)
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                doc_id = str(obj.get("id", f"{Path(source).stem}:{lineno}"))
                content = obj["units"] if "units" in obj else obj["text"]
            except (json.JSONDecodeError, KeyError, AttributeError) as exc:
                raise InputError("E010", path=source, line=lineno, detail=str(exc)) from None
            if isinstance(content, str):
                content = check_text(content, source=f"{source}:{lineno}", max_chars=max_chars)
            yield doc_id, content


# --------------------------------------------------------------------------- batch commands
def add_batch_arguments(parser: argparse.ArgumentParser, task: str) -> None:
    """Add the inputs, outputs, resume and performance options of ``label``/``tree``."""
    from argmine.batch import FORMATS, INPUT_FORMATS

    parser.add_argument("inputs", nargs="*", metavar="INPUT",
                        help="text files, folders (searched for --glob), glob patterns, JSONL "
                        "or CSV files; '-' or nothing (when piped) reads standard input")
    source = parser.add_argument_group("inputs")
    source.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                        help="'auto' (default) goes by extension: .jsonl/.ndjson, .csv/.tsv, "
                        "anything else is one text document per file")
    source.add_argument("--text-field", "--text-column", "--column", dest="text_field",
                        default="text", metavar="NAME",
                        help="JSONL field, CSV or dataset column with the text "
                        "(default %(default)s)")
    source.add_argument("--units-field", default="units", metavar="NAME",
                        help="field with pre-segmented units, used when present "
                        "(default %(default)s; in CSV a JSON array)")
    source.add_argument("--id-field", "--id-column", dest="id_field", default="id",
                        metavar="NAME", help="field with the document id (default %(default)s;"
                        " without it: <file>:<line>, <file>:<row> or <split>:<index>)")
    source.add_argument("--glob", default="*.txt", metavar="PATTERN",
                        help="file names to take from folders (default %(default)s)")
    source.add_argument("--dataset", metavar="NAME_OR_PATH",
                        help="a Hugging Face datasets dataset: a save_to_disk folder or a "
                        "hub name (streamed)")
    source.add_argument("--split", default="train", help="dataset split (default %(default)s)")
    source.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, metavar="N",
                        help="documents longer than this fail with E005 (default %(default)s)")
    out = parser.add_argument_group("outputs")
    out.add_argument("-o", "--output", metavar="PATH",
                     help="file to write (default: standard output)")
    out.add_argument("--format", choices=FORMATS[task], default=None,
                     help="output format (default: from the extension of --output, .csv or "
                     ".parquet, else jsonl; parquet needs --output)")
    out.add_argument("--errors", metavar="PATH",
                     help="where failed documents are recorded, one JSON line each "
                     "(default: OUTPUT.errors.jsonl; with standard output they are printed)")
    out.add_argument("--resume", action="store_true",
                     help="continue an interrupted run: skip documents already in OUTPUT or "
                     "its errors file (delete that to retry failures)")
    out.add_argument("--force", action="store_true", help="overwrite an existing OUTPUT")
    perf = parser.add_argument_group("performance")
    perf.add_argument("--batch-docs", type=int, default=64, metavar="N",
                      help="documents per chunk: per model call and per commit "
                      "(default %(default)s)")
    perf.add_argument("--workers", type=int, default=1, metavar="N",
                      help="processes running the model, each with its own copy "
                      "(default %(default)s)")
    perf.add_argument("--threads", type=int, default=None, metavar="N",
                      help="torch threads per process (default: torch's choice for one "
                      "process, CPUs / workers for several, or OMP_NUM_THREADS)")
    perf.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                      help="progress bar on standard error (default: when it is a terminal)")
    parser.add_argument("--model", default=None,
                        help="model folder (default: the shipped default model)")


def run_batch_command(args: argparse.Namespace, task: str, decoding=None) -> int:
    """Run ``label``/``tree`` as a batch job; returns the exit status (0, 1, or 2)."""
    from argmine.batch import check_options, iter_sources, run_batch

    name = f"argmine {task}"
    if args.format is None:
        suffix = Path(args.output or "").suffix.lower()
        args.format = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "jsonl")
    inputs = list(args.inputs)
    if not inputs and args.dataset is None:
        if sys.stdin.isatty():
            print(f"{name}: error: give INPUT files, folders or globs, --dataset, or pipe "
                  "text into standard input", file=sys.stderr)
            return 2
        inputs = ["-"]
    try:
        check_options(task=task, fmt=args.format, output=args.output, resume=args.resume,
                      force=args.force, errors_path=args.errors, workers=args.workers,
                      batch_docs=args.batch_docs, threads=args.threads, owner=name)
    except ArgmineError as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 2
    progress = sys.stderr.isatty() if args.progress is None else args.progress
    total = None
    if progress:
        total = count_documents(inputs, input_format=args.input_format, pattern=args.glob,
                                dataset=args.dataset, split=args.split)
    printed = args.output is None and args.errors is None

    def report(record: dict) -> None:
        if printed:  # no errors file: say it here, the way a single-file run always did
            print(f"{name}: error: [{record['code']}] {record['source']}: {record['error']}",
                  file=sys.stderr)

    sources = iter_sources(inputs, input_format=args.input_format, text_field=args.text_field,
                           units_field=args.units_field, id_field=args.id_field,
                           pattern=args.glob, dataset=args.dataset, split=args.split,
                           max_chars=args.max_chars)
    summary = run_batch(args.model, sources, task=task, output=args.output, fmt=args.format,
                        resume=args.resume, force=args.force, errors_path=args.errors,
                        max_chars=args.max_chars, batch_docs=args.batch_docs,
                        progress=progress, total=total, workers=args.workers,
                        threads=args.threads, decoding=decoding, on_error=report)
    if args.output is not None:
        done = f"{summary.ok} documents, {summary.units} units in {summary.seconds:.1f} s"
        if summary.skipped:
            done += f"; {summary.skipped} already done"
        print(f"{name}: {done} -> {summary.output}", file=sys.stderr)
    failed = summary.failed + summary.previously_failed
    if failed and not printed:
        print(f"{name}: {failed} documents failed; see {summary.errors}", file=sys.stderr)
    return summary.exit_status


def count_documents(inputs: Iterable[str | Path] = (), *, input_format: str = "auto",
                    pattern: str = "*.txt", dataset: str | None = None,
                    split: str = "train") -> int | None:
    """Estimate how many documents :func:`iter_sources` will yield (for a progress ETA).

    Counts files and lines without parsing them (blank lines count too); returns ``None``
    when it cannot know (standard input, a streamed hub dataset).

    Examples:
        >>> count_documents(["-"]) is None
        True
    """
    total = 0
    for item in inputs:
        name = str(item)
        if name == "-":
            return None
        path = Path(name)
        if path.is_dir():
            files = []
            for folder, subs, names in os.walk(path):
                subs[:] = [d for d in subs if not d.startswith(".")]  # as iter_sources does
                files += [Path(folder, f) for f in names
                          if fnmatch(f, pattern) and not f.startswith(".")]
        else:
            files = [Path(m) for m in sorted(glob.glob(name, recursive=True))] or [path]
        for file in files:
            suffix = file.suffix.lower()
            fmt = input_format if input_format != "auto" else (
                "jsonl" if suffix in (".jsonl", ".ndjson") else
                "csv" if suffix in (".csv", ".tsv") else "text")
            if fmt == "text":
                total += 1
                continue
            try:
                with open(file, "rb") as stream:
                    lines = sum(block.count(b"\n") for block in iter(
                        lambda s=stream: s.read(1 << 20), b""))
            except OSError:
                lines = 1
            total += max(lines - (fmt == "csv"), 1)
    if dataset is not None:
        if not Path(dataset).is_dir():
            return None
        import datasets

        data = datasets.load_from_disk(dataset)
        total += len(data[split] if isinstance(data, datasets.DatasetDict) else data)
    return total


