"""Census of the gold trees behind the decoder's constraints (argmine.trees).

* Projectivity: per corpus (gold units), the share of documents with at least one link
  whose links cross (two links ``a-b`` and ``c-d`` with ``a < c < b < d``, positions in text
  order), of the documents that have a link.
* Coordinate lists (AAE2, sentence view, all essays): the items of the ordinal lists that
  give each item its own paragraph (``argmine.scoring.features.coordinate_lists``), counted by
  where their gold parent lies (root, own paragraph, a sibling item, another paragraph
  of the list, outside the list); and consecutive items that both leave their paragraphs,
  with how many of those pairs share the parent.

Usage::

    python benchmarks/experiments/gold_census.py [KIND ...]    # default: all five corpora
"""

from __future__ import annotations

import argparse
from collections import Counter

from argmine.corpora import read_corpus
from argmine.corpora.views import sentence_documents
from argmine.document import Document
from argmine.scoring.features import coordinate_lists

KINDS = ("aae2", "cdcp", "web-discourse", "microtexts", "abstrct")


def crossing_share(docs: list[Document]) -> tuple[int, int]:
    """(documents with crossing links, documents with a link)."""
    crossing = linked = 0
    for doc in docs:
        spans = [tuple(sorted((r.source, r.target))) for r in doc.relations]
        if not spans:
            continue
        linked += 1
        crossing += any(a < c < b < d for a, b in spans for c, d in spans)
    return crossing, linked


def list_census(docs: list[Document]) -> Counter:
    """Where the items of paragraph-per-item lists attach, and shared parents of pairs."""
    counts: Counter = Counter()
    for doc in docs:
        parent = {r.source: r.target for r in doc.relations}
        para = [u.paragraph for u in doc.units]
        for items in coordinate_lists(doc.units):
            lo, hi = para[items[0]], para[items[-1]]
            for i in items:
                p = parent.get(i)
                if p is None:
                    counts["root"] += 1
                elif para[p] == para[i]:
                    counts["own paragraph"] += 1
                elif p in items:
                    counts["a sibling item"] += 1
                elif lo <= para[p] <= hi:
                    counts["a sibling's paragraph"] += 1
                else:
                    counts["outside the list"] += 1
            for a, b in zip(items, items[1:]):
                pa, pb = parent.get(a), parent.get(b)
                leaves = [p is None or para[p] != para[i] for i, p in ((a, pa), (b, pb))]
                if all(leaves):
                    counts["pairs both leaving"] += 1
                    counts["of those sharing the parent"] += pa == pb
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kinds", nargs="*", default=list(KINDS))
    args = parser.parse_args()
    for kind in args.kinds:
        crossing, linked = crossing_share(read_corpus(kind))
        print(f"{kind}: {crossing} of {linked} linked documents have crossing links "
              f"({crossing / linked:.1%})", flush=True)
    counts = list_census(sentence_documents(read_corpus("aae2")))
    items = sum(counts[k] for k in ("root", "own paragraph", "a sibling item",
                                    "a sibling's paragraph", "outside the list"))
    print(f"aae2 sentences, paragraph-per-item list items: {items}; " + ", ".join(
        f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
