"""``argmine segment FILE...``: print the sentences of a text with their character spans."""

from __future__ import annotations

import json


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_input_arguments

    parser = sub.add_parser(
        "segment", help="split texts into sentences with character spans",
        description="Split each text into units (sentences) and print them with their exact "
        "character spans and paragraph index. Pre-segmented JSONL input is passed through.",
    )
    add_input_arguments(parser)
    parser.add_argument("--format", choices=("table", "jsonl"), default="table",
                        help="output format (default %(default)s)")
    parser.set_defaults(handler=run)


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import read_inputs
    from argmine.units import to_units

    for doc_id, content in read_inputs(args.files, args.input_format, args.max_chars):
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
