"""``argmine label FILE...``: label every sentence of each text."""

from __future__ import annotations

import csv
import json
import sys

from argmine.schema import LABELS


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.cli._io import add_input_arguments

    parser = sub.add_parser(
        "label", help="label each sentence as claim/premise/counterargument/rebuttal/none",
        description="Segment each text into sentences (or take pre-segmented units from "
        "JSONL) and label every unit with the model. JSONL output has one object per unit: "
        "doc, index, start, end, text, label, score, scores.",
    )
    add_input_arguments(parser)
    parser.add_argument("--format", choices=("jsonl", "csv", "table"), default="jsonl",
                        help="output format (default %(default)s)")
    parser.add_argument("--model", default=None,
                        help="model folder (default: the shipped default model)")
    parser.set_defaults(handler=run)


def label_records(miner, inputs):
    """Yield one output record per unit for ``(doc_id, text_or_units)`` inputs."""
    for doc_id, content in inputs:
        doc = miner.to_document(content, doc_id)
        for unit in miner.label_documents([doc])[0].units:
            yield {
                "doc": doc_id, "index": unit.index, "start": unit.start, "end": unit.end,
                "text": unit.text, "label": unit.label.value, "score": round(unit.score, 4),
                "scores": {k: round(v, 4) for k, v in unit.scores.items()},
            }


def run(args) -> int:
    """Run the sub-command."""
    from argmine.cli._io import read_inputs
    from argmine.pipeline import load

    miner = load(args.model)
    records = label_records(miner, read_inputs(args.files, args.input_format, args.max_chars))
    out = sys.stdout
    if args.format == "jsonl":
        for rec in records:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif args.format == "csv":
        names = ["doc", "index", "start", "end", "text", "label", "score"]
        names += [f"p_{label.value}" for label in LABELS]
        writer = csv.DictWriter(out, fieldnames=names)
        writer.writeheader()
        for rec in records:
            scores = rec.pop("scores")
            rec.update({f"p_{k}": v for k, v in scores.items()})
            writer.writerow(rec)
    else:
        for rec in records:
            text = " ".join(rec["text"].split())
            if len(text) > 90:
                text = text[:89] + "…"
            out.write(f"{rec['doc'][:16]:<16} {rec['index']:>3}  {rec['label']:<15} "
                      f"{rec['score']:.2f}  {text}\n")
    return 0
