"""``argmine label INPUT...``: label every sentence of each document, as a resumable batch."""

from __future__ import annotations


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_batch_arguments, add_labels_argument

    parser = sub.add_parser(
        "label", help="label each sentence as claim/premise/counterargument/rebuttal/none",
        description="Segment each document into sentences (or take pre-segmented units) and "
        "label every unit. The labels are those of the decoded argument trees, the same as "
        "'argmine tree' gives (--classifier-labels: the classifier's own). JSONL output has "
        "one object per unit: doc, index, start, end, text, label, label_source, score, "
        "scores; CSV and Parquet have one row per unit with p_<label> columns; table is for "
        "reading. Inputs are checked before the model loads. Bad documents are recorded and "
        "skipped; the exit status is 1 if any failed in this run, 2 for a usage error. With "
        "--output, --resume continues a killed run.",
    )
    add_batch_arguments(parser, "label")
    parser.add_argument("--classifier-labels", action="store_true",
                        help="print the classifier's own label per sentence instead of the "
                        "decoded tree labels; computes no links, faster on very long "
                        "documents")
    add_labels_argument(parser)
    parser.set_defaults(handler=run)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import labels_from_args, run_batch_command

    decoding = None
    if args.labels is not None:
        from argmine.decoding.objective import DecodingConfig

        decoding = DecodingConfig(labels=labels_from_args(args))
    return run_batch_command(args, "label", decoding)
