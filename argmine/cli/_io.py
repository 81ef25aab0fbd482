"""Shared input and output handling of the commands that read documents.

:func:`add_source_arguments` gives ``segment``, ``label`` and ``tree`` the same inputs (read by
:func:`argmine.sources.iter_sources`, so a document has the same id in each); ``label`` and
``tree`` are batch jobs: :func:`add_batch_arguments` adds every output and resume option, and
:func:`run_batch_command` runs :func:`argmine.batch.run_batch` with them.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from argmine.batch.sources import DEFAULT_MAX_CHARS, INPUT_FORMATS
from argmine.errors import ArgmineError, InputError


def add_source_arguments(parser: argparse.ArgumentParser, *, dataset: bool = True) -> None:
    """Add INPUT... and the input options (``--input-format``, fields, ``--glob``, ...)."""
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
    if dataset:
        source.add_argument("--dataset", metavar="NAME_OR_PATH",
                            help="a Hugging Face datasets dataset: a save_to_disk folder or a "
                            "hub name (streamed)")
        source.add_argument("--split", default="train",
                            help="dataset split (default %(default)s)")
    source.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, metavar="N",
                        help="documents longer than this fail with E005 (default %(default)s)")


def source_inputs(args: argparse.Namespace, name: str) -> list[str] | None:
    """The INPUTs of a command, ``["-"]`` when none are given but text is piped in.

    Returns ``None`` (after saying why) when there is nothing to read.
    """
    inputs = list(args.inputs)
    if not inputs and getattr(args, "dataset", None) is None:
        if sys.stdin.isatty():
            what = "files, folders or globs, --dataset," if hasattr(args, "dataset") else (
                "files, folders or globs,")
            print(f"{name}: error: give INPUT {what} or pipe text into standard input",
                  file=sys.stderr)
            return None
        inputs = ["-"]
    return inputs


def sources_from_args(args: argparse.Namespace, inputs: list[str]):
    """:func:`argmine.sources.iter_sources` with the options of :func:`add_source_arguments`."""
    from argmine.batch.sources import iter_sources

    return iter_sources(inputs, input_format=args.input_format, text_field=args.text_field,
                        units_field=args.units_field, id_field=args.id_field,
                        pattern=args.glob, dataset=getattr(args, "dataset", None),
                        split=getattr(args, "split", "train"), max_chars=args.max_chars)


# --------------------------------------------------------------------------- batch commands
def add_batch_arguments(parser: argparse.ArgumentParser, task: str) -> None:
    """Add the inputs, outputs, resume and performance options of ``label``/``tree``."""
    from argmine.batch import ENGINES, FORMATS

    add_source_arguments(parser)
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
                      help="processes running the model, each with its own copy; Ray actors "
                      "with --engine ray (default %(default)s)")
    perf.add_argument("--threads", type=int, default=None, metavar="N",
                      help="torch threads per process (default: torch's choice for one "
                      "process, CPUs / workers for several, or OMP_NUM_THREADS); CPUs per "
                      "actor with --engine ray")
    perf.add_argument("--engine", choices=ENGINES, default="local",
                      help="where the model runs: 'local' processes, or 'ray': a pool of "
                      "--workers Ray actors, on a one-node instance or on --ray-address "
                      "(needs pip install argmine[ray]; the output is the same) "
                      "(default %(default)s)")
    perf.add_argument("--ray-address", default=None, metavar="ADDRESS",
                      help="Ray cluster for --engine ray, e.g. auto or head-node:6379 "
                      "(default: $RAY_ADDRESS, else a one-node instance for this run)")
    perf.add_argument("--quantize", action="store_true",
                      help="int8 dynamic quantization of the encoder (CPU; faster, labels "
                      "differ slightly: see the benchmarks)")
    perf.add_argument("--backend", choices=("auto", "torch", "onnx"), default="auto",
                      help="run the encoder in torch or in ONNX Runtime; auto: ONNX Runtime "
                      "on a CPU without --quantize, else torch (default %(default)s)")
    perf.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                      help="progress bar on standard error (default: when it is a terminal)")
    parser.add_argument("--model", default=None,
                        help="model folder (default: the shipped default model)")


def add_decoding_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the tree decoder's switches (``argmine.trees.DecodingConfig``)."""
    group = parser.add_argument_group("tree decoding")
    trees = group.add_mutually_exclusive_group()
    trees.add_argument("--single-root", action="store_true",
                       help="one tree per document, however long (default: as many trees "
                       "as the evidence supports)")
    trees.add_argument("--one-tree-per-paragraph-text", action="store_true",
                       help="one tree for a text of one paragraph, a forest for a longer one")
    group.add_argument("--allow-crossing", action="store_true",
                       help="let links cross (Chu-Liu/Edmonds); by default trees are "
                       "projective (Eisner), as written argument nearly always is")
    group.add_argument("--no-list-coordination", action="store_true",
                       help="do not decode the items of a paragraph-per-item list "
                       "('First, ... Second, ...') as coordinate")
    add_labels_argument(group)


def add_labels_argument(parser) -> None:
    """``--labels``: the labels a unit may take (``DecodingConfig.labels``)."""
    parser.add_argument("--labels", metavar="LIST",
                        help="the labels a unit may take, comma-separated, claim among them "
                        "(default all five); e.g. claim,premise,counterargument,rebuttal when "
                        "every unit is known to be argumentative")


def labels_from_args(args: argparse.Namespace) -> list[str] | None:
    """The label names ``--labels`` gives (``None``: not given)."""
    return None if args.labels is None else [x.strip() for x in args.labels.split(",")]


def decoding_from_args(args: argparse.Namespace):
    """The DecodingConfig the decoding switches ask for."""
    from argmine.decoding.objective import DecodingConfig

    single_root = True if args.single_root else None if args.one_tree_per_paragraph_text \
        else False
    return DecodingConfig(single_root=single_root, projective=not args.allow_crossing,
                          coordinate_lists=not args.no_list_coordination,
                          labels=labels_from_args(args))


def _load_options(args: argparse.Namespace) -> dict:
    """The ``argmine.load`` arguments the command line asks for (only non-defaults)."""
    options = {}
    if args.quantize:
        options["quantize"] = True
    if args.backend != "auto":
        options["backend"] = args.backend
    return options


def _refuse(args: argparse.Namespace, name: str, exc: ArgmineError, status: int) -> int:
    """Say why a command cannot start (the traceback too with --debug); its exit status."""
    if args.debug:
        raise exc
    print(f"{name}: error: {exc}", file=sys.stderr)
    return status


def _check_inputs(args: argparse.Namespace, inputs: list[str]) -> None:
    """The input checks that cost nothing, made before the model loads (seconds)."""
    from argmine.batch.preflight import check_inputs

    if args.quantize and args.backend == "onnx":
        raise InputError("E301", param="--backend", owner=f"argmine {args.command}",
                         expected="'torch' or 'auto' with --quantize (int8 runs in torch)",
                         value="onnx")
    if args.model not in (None, "default") and not Path(args.model).is_dir():
        from argmine.errors import ModelFormatError

        raise ModelFormatError("E204", name=args.model)
    check_inputs(inputs, input_format=args.input_format, text_field=args.text_field,
                 units_field=args.units_field, pattern=args.glob, dataset=args.dataset,
                 split=args.split)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def run_batch_command(args: argparse.Namespace, task: str, decoding=None) -> int:
    """Run ``label``/``tree`` as a batch job; returns the exit status (0, 1, or 2)."""
    from argmine.batch import check_options, run_batch
    from argmine.batch.sources import count_documents

    name = f"argmine {task}"
    if args.format is None:
        suffix = Path(args.output or "").suffix.lower()
        args.format = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(suffix, "jsonl")
    inputs = source_inputs(args, name)
    if inputs is None:
        return 2
    try:
        check_options(task=task, fmt=args.format, output=args.output, resume=args.resume,
                      force=args.force, errors_path=args.errors, workers=args.workers,
                      batch_docs=args.batch_docs, threads=args.threads,
                      engine=args.engine, ray_address=args.ray_address, owner=name)
    except ArgmineError as exc:
        return _refuse(args, name, exc, 2)
    try:
        _check_inputs(args, inputs)
    except ArgmineError as exc:
        return _refuse(args, name, exc, 1)
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

    sources = sources_from_args(args, inputs)
    decoded = not getattr(args, "classifier_labels", False)
    try:
        with warnings.catch_warnings():
            # The duplicates resume removed are reported below, in the command's own words.
            warnings.filterwarnings("ignore", message=r"\[E404\]")
            summary = run_batch(args.model, sources, task=task, output=args.output,
                                fmt=args.format, resume=args.resume, force=args.force,
                                errors_path=args.errors, max_chars=args.max_chars,
                                batch_docs=args.batch_docs, progress=progress, total=total,
                                workers=args.workers, threads=args.threads,
                                decoding=decoding, on_error=report, engine=args.engine,
                                ray_address=args.ray_address, load_options=_load_options(args),
                                decoded=decoded)
    except KeyboardInterrupt:
        if args.output is None:
            print(f"{name}: interrupted", file=sys.stderr)
        else:  # every chunk before the interrupt was committed: say so, and how to go on
            print(f"{name}: interrupted; the documents finished so far are kept in "
                  f"{args.output}: rerun the same command with --resume to finish the job",
                  file=sys.stderr)
        return 130
    _report_summary(name, summary, args, printed)
    return summary.exit_status


def _report_summary(name: str, summary, args: argparse.Namespace, printed: bool) -> None:
    """The closing lines on standard error: what was written, what failed now and before."""
    if summary.duplicates:
        more = ", ..." if summary.duplicates > len(summary.duplicate_ids) else ""
        print(f"{name}: warning: [E404] {summary.output} held {summary.duplicates} extra "
              f"copies of documents (ids: {', '.join(summary.duplicate_ids)}{more}); kept the "
              "first copy of each and removed the others", file=sys.stderr)
    output = Path(args.output) if args.output is not None else None
    if output is not None and not output.exists():
        print(f"{name}: no document was written, so {output} was not made"
              + (f"; {_plural(summary.failed, 'document')} failed" if summary.failed else
                 "; no document was read"), file=sys.stderr)
    elif output is not None:
        done = (f"{_plural(summary.ok, 'document')}, {_plural(summary.units, 'unit')} in "
                f"{summary.seconds:.1f} s")
        if summary.skipped:
            done += f"; {summary.skipped} already done"
        print(f"{name}: {done} -> {summary.output}", file=sys.stderr)
    if printed or not (summary.failed or summary.previously_failed):
        return
    parts = []
    if summary.failed:
        parts.append(f"{_plural(summary.failed, 'document')} failed")
    if summary.previously_failed:
        parts.append(f"{summary.previously_failed} failed in an earlier run and "
                     f"{'was' if summary.previously_failed == 1 else 'were'} skipped (delete "
                     "the errors file to retry them)")
    print(f"{name}: {' and '.join(parts)}; see {summary.errors}", file=sys.stderr)


def parse_weights(items, option: str = "--weight") -> dict[str, float]:
    """Parse ``NAME=NUMBER`` options (``--weight``, ``--augment``) into a dict."""
    weights = {}
    for item in items:
        kind, _, value = item.partition("=")
        try:
            weights[kind] = float(value)
        except ValueError:
            raise InputError("E301", param=option, owner="argmine",
                             expected="NAME=NUMBER", value=item) from None
    return weights
