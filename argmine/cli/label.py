"""``argmine label INPUT...``: label every sentence of each document, as a resumable batch."""

from __future__ import annotations


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_batch_arguments

    parser = sub.add_parser(
        "label", help="label each sentence as claim/premise/counterargument/rebuttal/none",
        description="Segment each document into sentences (or take pre-segmented units) and "
        "label every unit with the model. JSONL output has one object per unit: doc, index, "
        "start, end, text, label, score, scores; CSV and Parquet have one row per unit with "
        "p_<label> columns. Bad documents are recorded and skipped; the exit status is 1 if "
        "any failed, 2 for a usage error. With --output, --resume continues a killed run.",
    )
    add_batch_arguments(parser, "label")
    parser.set_defaults(handler=run)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import run_batch_command

    return run_batch_command(args, "label")
