"""``argmine bench``: reproducible quality, speed and scale benchmarks into a results folder.

Like every CLI module, this one imports argmine's modules inside its functions, so that
``argmine --help`` and the checks of its arguments start at once.
"""

from __future__ import annotations

import argparse
import shlex

SUITES = ("mtc", "aae2", "cross", "abstrct", "cdcp", "web-discourse", "user", "speed", "scale",
          "adapt")
"""The suites of ``argmine.bench.runner.SUITES``, named here so that building the parser
imports no benchmark code (tests/test_bench.py checks that the two agree)."""

SUITE_HELP = (
    "mtc: microtexts fixed 10x5 folds (train per split; --iterations, --model as start "
    "point or 'baseline'); aae2: official test split, 5-label sentences and MajorClaim/"
    "Claim/Premise on gold components; cross: a model on a corpus it was not trained on "
    "(default: the microtexts); abstrct, cdcp, web-discourse: sentence level, test split "
    "where there is one; user: your corpus in argmine's JSONL schema (--corpus jsonl:PATH); "
    "speed: throughput and peak memory of label and tree beside the transformers pipeline "
    "and the baseline; scale: time against document length and number of documents; adapt: "
    "learning curves of the shipped model fine-tuned on 0-100 documents of cdcp, abstrct and "
    "web-discourse beside training from scratch and the baseline (resumable cells)."
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}") from None


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.scoring.augment import REWRITES

    parser = sub.add_parser(
        "bench", help="run benchmark suites and write JSON results, tables and plots",
        description="Run one or more benchmark suites and write, per suite, a JSON result "
        "(corpus, split, protocol, model, machine, date, exact command) and PNG plots into "
        "--out. " + SUITE_HELP,
    )
    parser.add_argument("suites", nargs="+", metavar="SUITE",
                        choices=list(SUITES), help=", ".join(SUITES))
    parser.add_argument("--out", required=True, help="results folder")
    parser.add_argument("--force", action="store_true", help="overwrite existing results")
    parser.add_argument("--model", help="model folder (default: the shipped model). mtc: the "
                        "model each split starts from, 'baseline' for the classical baseline, "
                        "none to train from the base encoder")
    parser.add_argument("--baseline", help="speed/scale: a saved baseline folder (default: "
                        "fit one on the benchmark texts)")
    parser.add_argument("--corpus", metavar="SPEC", help="KIND[@SPLIT][:PATH] overriding the "
                        "suite's corpus (user: required; speed/scale: the texts to time)")
    parser.add_argument("--corpora", metavar="DIR", help="folder of the corpus folders "
                        "(default: $ARGMINE_CORPORA or ../shared/corpora)")
    parser.add_argument("--level", choices=("unit", "sentence"),
                        help="score gold units or the sentence view (default: per suite)")
    parser.add_argument("--iterations", type=int, help="mtc: iterations of 5 folds (1-10)")
    parser.add_argument("--max-splits", type=int, help="mtc: stop after this many splits")
    parser.add_argument("--epochs", type=int,
                        help="mtc: training epochs per split (12); adapt: per adaptation")
    parser.add_argument("--trainable-layers", type=int,
                        help="mtc: top encoder layers fine-tuned per split")
    parser.add_argument("--extra", action="append", default=[], metavar="SPEC",
                        help="mtc: another corpus added to every training set (repeatable)")
    parser.add_argument("--weight", action="append", default=[], metavar="KIND=W",
                        help="mtc: sampling weight of a corpus (repeatable; default 1)")
    parser.add_argument("--augment", action="append", default=[], metavar="NAME=P",
                        help=f"mtc: training-time rewrites ({', '.join(REWRITES)}) with "
                        "their rates (repeatable)")
    parser.add_argument("--pair-features", action="store_true",
                        help="mtc: give the link head pair features (as 'argmine train')")
    parser.add_argument("--segment-tokens", type=int, default=0, metavar="N",
                        help="mtc: read units in context, N tokens per segment (as 'argmine "
                        "train'; default 0: each unit alone)")
    parser.add_argument("--mask-absent-labels", action="store_true",
                        help="mtc: leave a label out of a corpus's label loss when its gold "
                        "never uses it (as 'argmine train')")
    parser.add_argument("--units-per-epoch", type=int,
                        help="mtc: units drawn per epoch from the corpus mixture")
    parser.add_argument("--batch-units", type=int, help="mtc: units per optimisation step")
    parser.add_argument("--tune", action="store_true", help="mtc: tune the decoder's weights "
                        "per split on the held-out dev documents (never the test fold)")
    parser.add_argument("--save-models", metavar="DIR", help="mtc: keep each split's model in "
                        "DIR/split-N and reuse those already there (resume)")
    parser.add_argument("--quantize", action="store_true", help="mtc: also score the int8 "
                        "dynamically quantized copy of every split's model (same test fold, "
                        "same decoding) beside the fp32 one")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's own)")
    parser.add_argument("--limit", "--max-docs", type=int, dest="max_docs",
                        help="score only the first N test documents")
    parser.add_argument("--genres", type=_words, metavar="G,G,...", help="adapt: genres "
                        "(cdcp,abstrct,web-discourse)")
    parser.add_argument("--sizes", type=_ints, metavar="N,N,...", help="adapt: numbers of "
                        "adaptation documents (0,10,25,50,100)")
    parser.add_argument("--draws", type=int, help="adapt: seeded draws per size (3)")
    parser.add_argument("--systems", type=_words, metavar="S,S,...", help="adapt: which of "
                        "adapt (as train --init: lower rates), mixed (old data mixed in), "
                        "scratch, baseline to run (all)")
    parser.add_argument("--no-fit", action="store_true", help="adapt: fit nothing; report "
                        "the cells done so far and count the rest as not run")
    parser.add_argument("--repeats", type=int, help="speed/scale: timed repeats (5)")
    parser.add_argument("--warmup", type=int, help="speed/scale: warm-up runs (1)")
    parser.add_argument("--units", type=int, help="speed: about how many units to time (1000)")
    parser.add_argument("--batch-sizes", type=_ints, metavar="B,B,...",
                        help="speed: batch sizes of the throughput sweep (1,8,32,128)")
    parser.add_argument("--lengths", type=_ints, metavar="N,N,...",
                        help="scale: sentences per document (10,...,2000)")
    parser.add_argument("--doc-counts", type=_ints, metavar="N,N,...",
                        help="scale: numbers of documents (1,4,16,64,256)")
    parser.add_argument("--doc-size", type=int, help="scale: sentences per document in the "
                        "document-count series (10)")
    parser.add_argument("--gemm-size", type=int, help="speed: matrix size of a peak FLOP "
                        "probe, where the speed suite is given one (2048)")
    parser.add_argument("--time-limit", type=float, help="scale: skip larger sizes after a "
                        "point slower than this many seconds (120)")
    parser.add_argument("--smoke", action="store_true", help="tiny configuration that only "
                        "checks the harness end to end (what CI runs)")
    parser.set_defaults(handler=run, bench_parser=parser)


def command_line(args) -> str:
    """Rebuild the exact command from the parsed arguments (non-default options only)."""
    parser = args.bench_parser
    words = ["argmine", "bench", *args.suites]
    for action in parser._actions:
        if not action.option_strings or action.dest in ("help", "suites"):
            continue
        value = getattr(args, action.dest, None)
        if value == action.default or value is None:
            continue
        flag = action.option_strings[-1]
        if action.nargs == 0:  # a flag: only when set (--debug's default is SUPPRESS)
            if value is True:
                words.append(flag)
        elif isinstance(value, list):
            for item in value:
                words += [flag, str(item)]
        elif isinstance(value, tuple):
            words += [flag, ",".join(str(v) for v in value)]
        else:
            words += [flag, str(value)]
    return shlex.join(words)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.bench import BenchOptions, run_bench
    from argmine.cli._io import parse_weights

    settings = dict(
        model=args.model, baseline=args.baseline, corpus=args.corpus, corpora=args.corpora,
        level=args.level, iterations=args.iterations, max_splits=args.max_splits,
        epochs=args.epochs, trainable_layers=args.trainable_layers, extra=tuple(args.extra),
        weights=parse_weights(args.weight), units_per_epoch=args.units_per_epoch,
        augment=parse_weights(args.augment, "--augment"), pair_features=args.pair_features,
        segment_tokens=args.segment_tokens, mask_absent_labels=args.mask_absent_labels,
        batch_units=args.batch_units, tune=args.tune,
        save_models=args.save_models,
        quantize=args.quantize,
        seed=args.seed, device=args.device, threads=args.threads, max_docs=args.max_docs,
        repeats=args.repeats, warmup=args.warmup, units=args.units,
        batch_sizes=args.batch_sizes, lengths=args.lengths, doc_counts=args.doc_counts,
        doc_size=args.doc_size, gemm_size=args.gemm_size, time_limit=args.time_limit,
        smoke=args.smoke,
    )
    if "adapt" in args.suites:
        from argmine.bench.adapt import AdaptOptions

        options = AdaptOptions(**settings, genres=args.genres, sizes=args.sizes,
                               draws=args.draws, no_fit=args.no_fit,
                               **({"systems": args.systems} if args.systems else {}))
    else:
        options = BenchOptions(**settings)
    for path in run_bench(args.suites, options, args.out, force=args.force,
                          command=command_line(args)):
        print(path)
    return 0
