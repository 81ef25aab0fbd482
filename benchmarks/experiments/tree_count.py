"""One tree or a forest? The decoder's choice, measured on development documents only.

``DecodingConfig.single_root=None`` (an option; the default is ``False``, a forest) decodes
a text of one paragraph as one tree and a longer text as a forest. This script compares it
with the two fixed choices on documents the default recipe held out of training for early
stopping, which no stage of it trained on: the 10% dev split of stage 2 (microtexts, AAE2
train, AbstRCT train) and of stage 1 for the corpora only stage 1 used (CDCP train, web
discourse), rebuilt with the recipe's own rule (``argmine.scoring.fit.split_dev``, seed 0).
No test split is read::

    python benchmarks/experiments/tree_count.py [--model models/default]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace

from argmine.decoding.objective import DecodingConfig
from argmine.evaluation.protocols import evaluate_documents
from argmine.pipeline import ArgumentMiner, load
from argmine.scoring.fit import split_dev
from argmine.training.data import CorpusSpec, load_documents

STAGE1 = ("aae2@train", "cdcp@train", "abstrct@train", "web-discourse")
STAGE2 = ("microtexts", "aae2@train", "abstrct@train")


def dev_documents() -> dict[str, list]:
    """The held-out documents of both stages, by corpus (as ``fit`` splits them)."""
    out = {}
    for specs, keep in ((STAGE2, ("microtexts", "aae2", "abstrct")),
                        (STAGE1, ("cdcp", "web-discourse"))):
        docs = [d for s in specs for d in load_documents(CorpusSpec.parse(s)) if d.units]
        _, dev = split_dev(docs, 0.1, 0)
        for doc in dev:
            corpus = doc.meta.get("corpus")
            if corpus in keep:
                out.setdefault(corpus, []).append(doc)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    miner = load(args.model, backend="auto")
    table = {}
    for corpus, docs in dev_documents().items():
        for name, single in (("forest", False), ("one paragraph: one tree", None),
                             ("one tree", True)):
            decoding = replace(DecodingConfig(), single_root=single)
            result = evaluate_documents(ArgumentMiner(miner.model, decoding=decoding), docs)
            table.setdefault(corpus, {})[name] = {
                "documents": len(docs),
                "decoded_f1": round(result["decoded_labels"]["macro_f1"], 4),
                **{k: round(result["structure"][k], 4) for k in ("cc", "ro", "fu", "at")}}
        print(json.dumps({corpus: table[corpus]}), flush=True)
    print(json.dumps(table, indent=1))


if __name__ == "__main__":
    main()
