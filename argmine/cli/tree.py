"""``argmine tree INPUT...``: find the argument trees of each document, as a resumable batch."""

from __future__ import annotations


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_batch_arguments, add_decoding_arguments

    parser = sub.add_parser(
        "tree", help="find argument trees (claims, premises, counterarguments, rebuttals)",
        description="Label each unit, link the units and decode a forest of argument trees. "
        "Formats: jsonl (one JSON object per document; 'json' is the same), csv and parquet "
        "(one row per unit with role, parent, relation and tree), text (indented trees under "
        "a '== ID ==' line per document), aif (AIF/xAIF, one line per document), dot, "
        "mermaid (Markdown: a heading and a mermaid fence per document), html (one "
        "self-contained page for all documents, with a list of them). Inputs are checked "
        "before the model loads. Bad documents are recorded and skipped; the exit status is "
        "1 if any failed in this run, 2 for a usage error. With --output, --resume continues "
        "a killed run (jsonl, json, csv, parquet).",
    )
    add_batch_arguments(parser, "tree")
    add_decoding_arguments(parser)
    parser.set_defaults(handler=run)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import decoding_from_args, run_batch_command

    return run_batch_command(args, "tree", decoding_from_args(args))
