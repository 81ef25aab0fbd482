"""``argmine tree INPUT...``: find the argument trees of each document, as a resumable batch."""

from __future__ import annotations


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_batch_arguments, add_decoding_arguments

    parser = sub.add_parser(
        "tree", help="find argument trees (claims, premises, counterarguments, rebuttals)",
        description="Label each unit, link the units and decode a forest of argument trees. "
        "Formats: jsonl (one JSON object per document; 'json' is the same), csv and parquet "
        "(one row per unit with role, parent, relation and tree), text (indented trees), "
        "aif (AIF/xAIF), dot, mermaid, html (one self-contained page per document). Bad "
        "documents are recorded and skipped; the exit status is 1 if any failed, 2 for a "
        "usage error. With --output, --resume continues a killed run.",
    )
    add_batch_arguments(parser, "tree")
    add_decoding_arguments(parser)
    parser.set_defaults(handler=run)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import decoding_from_args, run_batch_command

    return run_batch_command(args, "tree", decoding_from_args(args))
