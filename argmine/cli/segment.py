"""``argmine segment INPUT...``: print the sentences of texts with their character spans."""

from __future__ import annotations

import json


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_source_arguments

    parser = sub.add_parser(
        "segment", help="split texts into sentences with character spans",
        description="Split each document into units (sentences) and print them with their "
        "exact character spans and paragraph index. Inputs are read as by 'label' and 'tree', "
        "so documents get the same ids; pre-segmented units (JSONL or CSV) pass through. The "
        "first document that cannot be read stops the command (exit status 1).",
    )
    add_source_arguments(parser, dataset=False)
    parser.add_argument("--format", choices=("table", "jsonl"), default="table",
                        help="output format (default %(default)s)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import source_inputs, sources_from_args
    from argmine.text.segmentation import to_units

    inputs = source_inputs(args, "argmine segment")
    if inputs is None:
        return 2
    for doc_id, content in sources_from_args(args, inputs):
        if isinstance(content, BaseException):
            raise content
        _text, units = to_units(content)
        for unit in units:
            if args.format == "jsonl":
                print(json.dumps({"doc": doc_id, "index": unit.index, "start": unit.start,
                                  "end": unit.end, "paragraph": unit.paragraph,
                                  "text": unit.text}, ensure_ascii=False))
            else:
                print(f"{doc_id}\t{unit.index:>3}  [{unit.start:>5}:{unit.end:<5}] "
                      f"p{unit.paragraph:<2} {unit.text}")
    return 0
