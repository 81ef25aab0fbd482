"""What scoring and decoding links block by block costs in accuracy, with blocks that bite.

Documents longer than ``argmine.decoding.objective.FULL_LINK_UNITS`` (256) units get candidate
parents only within their paragraph-aligned block
(``argmine.decoding.objective.candidate_blocks``). No document of the corpora is that long, so
here the block limit is forced down until it cuts real documents: the AAE2 test essays
(sentence view) and the microtexts (gold units), scored with the shipped model at each limit
against the full n × n path. Reports the share of gold links that leave their block (links no
decoder can then find) and the structure scores::

    python benchmarks/experiments/window_cost.py
"""

from __future__ import annotations

from argmine.corpora import read_corpus
from argmine.corpora.views import sentence_documents
from argmine.decoding.objective import candidate_blocks
from argmine.evaluation.structure import structure_scores
from argmine.pipeline import ArgumentMiner, load

LIMITS = {"aae2": (None, 32, 16, 8), "microtexts": (None, 8, 5, 3)}


class _Blocked:
    """The model with another block limit (``None``: every pair, however long)."""

    def __init__(self, model, limit: int | None) -> None:
        self.model, self.limit = model, limit

    def predict_proba(self, documents, **kwargs):
        return self.model.predict_proba(documents, **{**kwargs, "link_block": self.limit})


def _documents(kind: str):
    if kind == "aae2":
        return sentence_documents(read_corpus("aae2", split="test"))
    return read_corpus(kind)


def main() -> None:
    model = load().model
    print("| corpus | block limit | documents cut | gold links leaving their block | "
          "cc | ro | fu | at | mean |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, limits in LIMITS.items():
        gold = [d for d in _documents(kind) if d.units]
        bare = [d.replace(relations=(), trees=()) for d in gold]
        for limit in limits:
            cut = leaving = links = 0
            for doc in gold:
                blocks = candidate_blocks([u.paragraph for u in doc.units],
                                          limit or len(doc.units))
                cut += len(blocks) > 1
                block_of = {i: b for b, (s, e) in enumerate(blocks) for i in range(s, e)}
                links += len(doc.relations)
                leaving += sum(block_of[r.source] != block_of[r.target] for r in doc.relations)
            predicted = ArgumentMiner(_Blocked(model, limit)).mine_documents(bare)
            s = structure_scores(gold, predicted)
            mean = sum(s[k] for k in ("cc", "ro", "fu", "at")) / 4
            print(f"| {kind} ({len(gold)} docs) | {limit or 'none (n × n)'} | {cut} | "
                  f"{leaving}/{links} | {s['cc']:.3f} | {s['ro']:.3f} | {s['fu']:.3f} | "
                  f"{s['at']:.3f} | {mean:.3f} |", flush=True)


if __name__ == "__main__":
    main()
