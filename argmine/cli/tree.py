"""``argmine tree FILE...``: find the argument trees of each text."""

from __future__ import annotations

import json
import sys


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_input_arguments

    parser = sub.add_parser(
        "tree", help="find argument trees (claims, premises, counterarguments, rebuttals)",
        description="Label each unit, link the units and decode a forest of argument trees. "
        "Formats: text (indented trees), json, aif (AIF/xAIF), dot, mermaid, html (one "
        "self-contained page per document).",
    )
    add_input_arguments(parser)
    parser.add_argument("--format", choices=("text", "json", "aif", "dot", "mermaid", "html"),
                        default="text", help="output format (default %(default)s)")
    parser.add_argument("--model", default=None,
                        help="model folder (default: the shipped default model)")
    parser.add_argument("--single-root", action="store_true",
                        help="force one tree per document (short texts with one thesis)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import read_inputs
    from argmine.export import export
    from argmine.pipeline import load

    decoding = None
    if args.single_root:
        from argmine.trees import DecodingConfig

        decoding = DecodingConfig(single_root=True)
    miner = load(args.model, decoding=decoding)
    for doc_id, content in read_inputs(args.files, args.input_format, args.max_chars):
        doc = miner.mine(content, doc_id=doc_id)
        out = export(doc, args.format)
        if args.format in ("json", "aif"):
            out = json.dumps(json.loads(out), ensure_ascii=False)
        sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0
