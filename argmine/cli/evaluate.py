"""``argmine evaluate``: score a model on a labelled corpus, or run the fixed-fold protocol.

Like every CLI module, this one imports argmine's modules inside its functions, so that
``argmine --help`` and the checks of its arguments start at once.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_decoding_arguments
    from argmine.scoring.augment import REWRITES

    parser = sub.add_parser(
        "evaluate", help="score a model against a labelled corpus",
        description="Protocol 'test' (default): label and link the gold units of a corpus "
        "split with a trained model and report per-label precision/recall/F1, macro-F1, the "
        "confusion matrix and the microtext structure levels (cc, ro, fu, at). Protocol "
        "'mtc-folds': the microtexts' fixed 10x5 cross-validation (train on four folds, test "
        "on the fifth, gold units); --iterations N runs the first N of the 10 iterations.",
    )
    parser.add_argument("--corpus", required=True, metavar="SPEC",
                        help="KIND[@SPLIT][:PATH], e.g. 'aae2@test' or 'microtexts'")
    parser.add_argument("--model", default=None,
                        help="model folder (protocol test; default: the shipped model). With "
                        "mtc-folds: a model to start each split from ('baseline' trains the "
                        "classical baseline instead)")
    parser.add_argument("--protocol", choices=("test", "mtc-folds"), default="test")
    parser.add_argument("--iterations", type=int, default=1,
                        help="mtc-folds: how many of the 10 iterations to run")
    parser.add_argument("--level", choices=("unit", "sentence"), default=None,
                        help="gold units or sentence view (default: per corpus)")
    parser.add_argument("--epochs", type=int, default=12, help="mtc-folds: training epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu",
                        help="torch device for the network: cpu, cuda … (default %(default)s)")
    parser.add_argument("--extra", action="append", default=[], metavar="SPEC",
                        help="mtc-folds: another corpus added to every training set "
                        "(KIND[@SPLIT][:PATH], repeatable)")
    parser.add_argument("--weight", action="append", default=[], metavar="KIND=W",
                        help="mtc-folds: sampling weight of a corpus (default 1)")
    parser.add_argument("--units-per-epoch", type=int, default=None,
                        help="mtc-folds: units drawn per epoch from the corpus mixture")
    parser.add_argument("--augment", action="append", default=[], metavar="NAME=P",
                        help=f"mtc-folds: training-time rewrites ({', '.join(REWRITES)}) "
                        "with their rates (repeatable)")
    parser.add_argument("--no-context", action="store_true",
                        help="mtc-folds ablation: no BiGRU over the units")
    parser.add_argument("--no-position", action="store_true",
                        help="mtc-folds ablation: no position features")
    parser.add_argument("--no-markers", action="store_true",
                        help="mtc-folds ablation: no discourse-marker features")
    parser.add_argument("--no-structure", action="store_true", help="score labels only")
    parser.add_argument("--tune-decoding", action="store_true",
                        help="mtc-folds: choose the decoder's weights per split on the "
                        "training documents held out for early stopping")
    parser.add_argument("--output", "-o", help="also write the JSON report here")
    parser.add_argument("--plot", help="write a confusion-matrix PNG here (needs matplotlib)")
    add_decoding_arguments(parser)
    parser.set_defaults(handler=run)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import decoding_from_args, parse_weights
    from argmine.corpora import corpus_path
    from argmine.corpora.microtexts import read_microtext_folds
    from argmine.evaluation.protocols import cross_validate, evaluate_documents
    from argmine.pipeline import load
    from argmine.training.data import CorpusSpec, load_documents

    spec = CorpusSpec.parse(args.corpus)
    weights = parse_weights(args.weight)
    augment = parse_weights(args.augment, "--augment")
    if args.level:
        spec = CorpusSpec(spec.kind, spec.path, spec.split, args.level)
    decoding = decoding_from_args(args)
    structure = not args.no_structure
    if args.protocol == "test":
        docs = load_documents(spec)
        # A GPU needs the torch network; on the CPU the default backend may serve the model
        # without torch.
        backend = "auto" if args.device == "cpu" else "torch"
        miner = load(args.model, decoding=decoding, backend=backend)
        if args.device != "cpu":
            miner.model.to(args.device)
        report = evaluate_documents(miner, docs, structure=structure)
        report["protocol"] = f"{args.corpus}, gold units ({spec.level or 'default'} level)"
    else:
        docs = load_documents(spec)
        root = Path(spec.path) if spec.path else None
        folds = read_microtext_folds(root or corpus_path("microtexts"))
        training = {"epochs": args.epochs, "context": not args.no_context,
                    "corpus_weights": weights, "units_per_epoch": args.units_per_epoch,
                    "augment": augment, "position_features": not args.no_position,
                    "marker_features": not args.no_markers}
        extra = [d for s in args.extra for d in load_documents(CorpusSpec.parse(s))]

        def show(result: dict) -> None:
            s = result.get("structure", {})
            print(f"split {result['split']}: macro-F1 {result['labels']['macro_f1']:.3f} "
                  + (f"decoded {result['decoded_labels']['macro_f1']:.3f} "
                     if "decoded_labels" in result else "")
                  + " ".join(f"{k} {v:.3f}" for k, v in s.items()), file=sys.stderr)

        report = cross_validate(docs, folds, args.model, training, seed=args.seed,
                                device=args.device, iterations=args.iterations,
                                extra_train=extra, tune=args.tune_decoding,
                                structure=structure, decoding=decoding, on_split=show)
    if decoding.labels is not None:
        report["protocol"] += f"; labels limited to {', '.join(x.value for x in decoding.labels)}"
    text = json.dumps(report, indent=1)
    print(text)
    if args.output:
        Path(args.output).write_text(text + "\n")
    if args.plot:
        from argmine.evaluation.plots import plot_confusion

        plot_confusion(report["labels"], args.plot)
    return 0
