"""Two recipes compared where the choice between them may be made: on development documents.

Every model the default recipe trains holds out 10% of each training corpus for early
stopping (``argmine.scoring.fit.split_dev``, seed 0), and the same documents whatever the
recipe's other settings. This script rebuilds that dev split of stage 2 (microtexts, AAE2
train, AbstRCT train) and of stage 1 for the corpora only stage 1 uses (CDCP train, web
discourse), and scores each model on it: the early-stopping score ``ArgumentModel.score``
(mean of label macro-F1 and parent accuracy over the stage-2 dev documents, the figure
each training's history records) and, per corpus, the decoded labels and structure with
the default decoder. No test split is read::

    python benchmarks/experiments/dev_score.py models/default runs/seg/segment/default
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from argmine.evaluation.protocols import evaluate_documents
from argmine.pipeline import ArgumentMiner
from argmine.scoring.model import ArgumentModel

sys.path.insert(0, str(Path(__file__).parent))
from tree_count import dev_documents  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()
    devs = dev_documents()
    stage2 = [d for c in ("microtexts", "aae2", "abstrct") for d in devs[c]]
    out = {}
    for folder in args.models:
        model = ArgumentModel.from_pretrained(folder)
        row = {"early_stopping_score": round(model.score(stage2), 4)}
        for corpus, docs in devs.items():
            result = evaluate_documents(ArgumentMiner(model), docs)
            row[corpus] = {"documents": len(docs),
                           "labels_f1": round(result["labels"]["macro_f1"], 4),
                           "decoded_f1": round(result["decoded_labels"]["macro_f1"], 4),
                           **{k: round(result["structure"][k], 4) for k in ("cc", "at")}}
        out[folder] = row
        print(json.dumps({folder: row}), flush=True)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
