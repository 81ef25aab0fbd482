"""``argmine corpus stats KIND PATH``: counts of a corpus as argmine reads it."""

from __future__ import annotations

import json


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.corpora import CORPUS_KINDS

    parser = sub.add_parser("corpus", help="inspect annotated corpora",
                            description="Inspect annotated corpora through argmine's readers.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    stats = actions.add_parser(
        "stats", help="count documents, units and gold labels",
        description="Read a corpus with argmine's reader and count documents, units and "
        "gold labels (after mapping to claim/premise/counterargument/rebuttal/none).",
    )
    stats.add_argument("kind", choices=CORPUS_KINDS, metavar="KIND",
                       help="corpus format: " + ", ".join(CORPUS_KINDS))
    stats.add_argument("path", nargs="?", default=None, metavar="PATH",
                       help="corpus folder (default: its folder under $ARGMINE_CORPORA or "
                       "../shared/corpora)")
    stats.add_argument("--split", default=None, help="only this split (train/dev/test)")
    stats.add_argument("--level", choices=("unit", "sentence"), default="unit",
                       help="gold units, or the sentence-level view (default %(default)s)")
    stats.add_argument("--format", choices=("json", "table"), default="json")
    stats.set_defaults(handler=run_stats)
    brat = actions.add_parser(
        "brat", help="write a corpus (e.g. argmine tree's JSON) as brat standoff to correct",
        description="Read a corpus (e.g. KIND jsonl, PATH the output of argmine tree --format "
        "json) and write NAME.txt + NAME.ann per document and an annotation.conf into --output, "
        "for correction in brat or INCEpTION; train on it with --corpus brat:FOLDER "
        "(docs/adapt.md).")
    brat.add_argument("kind", choices=CORPUS_KINDS, metavar="KIND",
                      help="corpus format: " + ", ".join(CORPUS_KINDS))
    brat.add_argument("path", metavar="PATH", help="the corpus file or folder")
    brat.add_argument("--output", "-o", required=True, help="folder to write")
    brat.set_defaults(handler=run_brat)
    parser.set_defaults(handler=lambda args: parser.print_help() or 2)


def run_stats(args) -> int:
    """Run ``corpus stats``."""
    from argmine.corpora import corpus_stats, read_corpus

    options = {"split": args.split} if args.split else {}
    docs = read_corpus(args.kind, args.path, **options)
    if args.level == "sentence":
        from argmine.corpora.views import sentence_documents

        docs = sentence_documents(docs)
    stats = corpus_stats(args.kind, docs)
    if args.format == "json":
        print(json.dumps(stats))
    else:
        print(f"{stats['corpus']}: {stats['documents']} documents, {stats['units']} units")
        for label, n in stats["labels"].items():
            print(f"  {label:<16}{n:>7}")
    return 0


def run_brat(args) -> int:
    """Run ``corpus brat``."""
    from argmine.corpora import read_corpus
    from argmine.export import write_brat

    written = write_brat(read_corpus(args.kind, args.path), args.output)
    noun = "document" if len(written) == 1 else "documents"
    print(f"wrote {len(written)} {noun} and annotation.conf to {args.output}")
    return 0
