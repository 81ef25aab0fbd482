"""Diagnostics of the link head behind the README's seed section.

Two checks, each on any number of saved models:

``seed``
    The five links the seed article's main argument is made of (the three purposes support
    "Instead, talks are needed … several purposes", the objection attacks that claim, "Not
    at all." attacks the objection), read from the gold annotation: for each, whether the
    shipped pipeline (default decoder) decodes it, and the link head's probability and rank
    for the gold parent among all candidates. The five are named by their gold parents,
    so the check follows ``seeds/track-ii-talks.gold.json``. ``--lines`` scores a cut of
    the article (some of its lines), where the links whose units remain are checked.

``prefix``
    Does the link head send far attacks to the start of a document? On the AAE2 test essays
    (sentence view), every attack whose source and gold target lie in different paragraphs
    is scored twice: in its essay, and with the previous essay of the split prepended (its
    units and links kept, its paragraphs first). A model that has learnt "attacks go to the
    document's first claim" loses probability on the gold target when the essay no longer
    opens the document.

Usage::

    python benchmarks/experiments/link_diagnostics.py seed models/default runs/cand/f1
    python benchmarks/experiments/link_diagnostics.py seed models/default --lines 8,9,14,15,16
    python benchmarks/experiments/link_diagnostics.py prefix models/default --essays 40

Both print one line per model; ``--corpora`` (default ``$ARGMINE_CORPORA`` or
``../shared/corpora``) locates the AAE2 corpus for ``prefix``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SEED_TEXT = ROOT / "seeds" / "track-ii-talks.txt"


def named_links(gold: dict) -> list[tuple[int, int, str]]:
    """The main argument's five links: children of the Track II claim, and the answer.

    The claim is the gold root whose text names Track II diplomacy; the objection is its
    attacking child asked as a question; the answer is the unit that attacks the objection.
    """
    units = gold["units"]
    claim = next(u["index"] for u in units
                 if u["parent"] is None and "Track II" in u["text"])
    links = [(u["index"], claim, u["relation"]) for u in units
             if u["parent"] == claim and u["text"].split(",")[0] in ("First", "Second", "Third")]
    objection = next(u["index"] for u in units
                     if u["parent"] == claim and u["relation"] == "attack"
                     and u["text"].endswith("?"))
    links.append((objection, claim, "attack"))
    links += [(u["index"], objection, "attack") for u in units if u["parent"] == objection]
    return links


def seed(models: list[str], lines: list[int] | None = None) -> None:
    import argmine

    gold = json.loads(SEED_TEXT.with_name("track-ii-talks.gold.json").read_text(encoding="utf-8"))
    text = SEED_TEXT.read_text(encoding="utf-8")
    if lines:
        # A cut of the article: only these lines (1-based), so distances shrink.
        kept = text.split("\n")
        text = "\n".join(kept[i - 1] for i in lines)
    # The named links by text, so that they are found in a cut of the article too.
    by_index = {u["index"]: u["text"] for u in gold["units"]}
    links = [(by_index[c], by_index[p], kind) for c, p, kind in named_links(gold)]
    for path in models:
        miner = argmine.load(path, backend="torch")
        doc = miner.to_document(text)
        proba = miner.model.predict_proba([doc])[0]
        mined = miner.mine(text)
        decoded = {r.source: (r.target, r.kind.value) for r in mined.relations}
        position = {u.text: u.index for u in doc.units}
        n = len(doc.units)
        cells, hits, found = [], 0, 0
        for child_text, parent_text, kind in links:
            if child_text not in position or parent_text not in position:
                continue
            child, parent = position[child_text], position[parent_text]
            found += 1
            row = proba.link_probs[child]
            rank = int((row[:n] > row[parent]).sum()) + 1
            hit = decoded.get(child) == (parent, kind)
            hits += hit
            cells.append(f"{child}->{parent} {'HIT' if hit else 'miss'} "
                         f"p={row[parent]:.2g} rank {rank}/{n}")
        print(f"{path}: {hits} of {found} named links | " + " | ".join(cells), flush=True)


def prefix(models: list[str], corpora: str | None, essays: int) -> None:
    from argmine.corpora import read_corpus
    from argmine.corpora.views import sentence_documents
    from argmine.scoring.augment import concatenate
    from argmine.scoring.model import ArgumentModel

    folder = Path(corpora) / "aae2" if corpora else None
    docs = sentence_documents(read_corpus("aae2", folder, split="test"))[:essays]
    for path in models:
        model = ArgumentModel.from_pretrained(path)
        scores: dict[str, list[tuple[float, int]]] = {"alone": [], "prefixed": []}
        for k, doc in enumerate(docs):
            far = [(r.source, r.target) for r in doc.relations
                   if r.kind.value == "attack"
                   and doc.units[r.source].paragraph != doc.units[r.target].paragraph]
            if not far or k == 0:
                continue
            before = docs[k - 1]
            for name, d, offset in (("alone", doc, 0),
                                    ("prefixed", concatenate([before, doc]), len(before.units))):
                proba = model.predict_proba([d])[0]
                n = len(d.units)
                for s, t in far:
                    row = proba.link_probs[s + offset]
                    p = float(row[t + offset])
                    scores[name].append((p, int((row[:n] > p).sum()) + 1))
        parts = []
        for name, values in scores.items():
            ps, ranks = np.array([v[0] for v in values]), [v[1] for v in values]
            parts.append(f"{name}: mean p {ps.mean():.3f}, median rank "
                         f"{statistics.median(ranks):g}, top-1 {np.mean(np.array(ranks) == 1):.2f}")
        print(f"{path}: {len(scores['alone'])} far attacks | " + " | ".join(parts), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="check", required=True)
    s = sub.add_parser("seed", help="the seed article's five named links")
    s.add_argument("models", nargs="+")
    s.add_argument("--lines", type=lambda v: [int(x) for x in v.split(",")], default=None,
                   help="score a cut of the article: these lines only, e.g. 8,9,14,15,16")
    p = sub.add_parser("prefix", help="far attacks in AAE2 essays, alone and prefixed")
    p.add_argument("models", nargs="+")
    p.add_argument("--essays", type=int, default=40, help="first N test essays (default 40)")
    p.add_argument("--corpora", default=None,
                   help="corpora folder (default: $ARGMINE_CORPORA or ../shared/corpora)")
    args = parser.parse_args()
    if args.check == "seed":
        seed(args.models, args.lines)
    else:
        prefix(args.models, args.corpora, args.essays)


if __name__ == "__main__":
    main()
