"""Does reading units in context pay? Units encoded alone against segments, on the microtexts.

The lever of issue #19: the encoder reads consecutive units together (``segment_tokens``,
:mod:`argmine.scoring.segments`) instead of each unit alone. Both variants train from the base
encoder on the microtexts only (no other corpora, no rewrites), on the splits of the fixed
folds' first iteration, with the same settings and seed. The choice is made on **dev
figures only**: each split's network holds out 10% of its training texts for early stopping,
and the best dev score of each run (mean of label macro-F1 and parent accuracy on those
held-out texts) is what is compared. The test-fold figures are recorded beside, for the
record, never for the choice::

    python benchmarks/experiments/context_probe.py --splits 5 --threads 1

Every split's result is written as soon as it is done (``runs/context-probe/*.json``) and
skipped when the script runs again, so it resumes.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from argmine.corpora import corpus_path, read_corpus
from argmine.corpora.microtexts import read_microtext_folds
from argmine.evaluation.protocols import microtext_cv
from argmine.scoring.config import TrainingConfig
from argmine.scoring.model import ArgumentModel

VARIANTS = {"unit": {"segment_tokens": 0}, "segment": {"segment_tokens": 256},
            # the second lever: every encoder layer fine-tuned, not the top four
            "segment-all-layers": {"segment_tokens": 256, "trainable_layers": 6}}


def run(variant: str, split_ids: list[int], out: Path, epochs: int) -> list[dict]:
    """Train and score one variant on the given splits; one JSON per split."""
    docs = read_corpus("microtexts")
    folds = [f for f in read_microtext_folds(corpus_path("microtexts")) if f.index in split_ids]
    done = []
    for split in folds:
        path = out / f"{variant}-split{split.index}.json"
        if path.is_file():
            done.append(json.loads(path.read_text()))
            continue
        fitted = {}

        def make(index, fitted=fitted):
            fitted[index] = ArgumentModel(TrainingConfig(epochs=epochs, seed=0,
                                                         **VARIANTS[variant]))
            return fitted[index]

        start = time.perf_counter()
        report = microtext_cv(docs, [split], make, structure=True)
        history = fitted[split.index].history_
        result = {"variant": variant, "split": split.index, "epochs": epochs,
                  "best_dev": max(h["dev"] for h in history), "history": history,
                  "test_labels_f1": report["labels"]["macro_f1"],
                  "test_decoded_f1": report["decoded_labels"]["macro_f1"],
                  "test_structure": report["structure"],
                  "seconds": time.perf_counter() - start}
        path.write_text(json.dumps(result, indent=1))
        print(json.dumps({k: v for k, v in result.items() if k != "history"}), flush=True)
        done.append(result)
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--splits", type=int, default=5, help="first N splits of iteration 0")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="runs/context-probe")
    parser.add_argument("--variants", default="unit,segment")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = {}
    for split in range(args.splits):
        for variant in args.variants.split(","):
            run(variant, [split], out, args.epochs)
    for variant in args.variants.split(","):
        rows = [json.loads(p.read_text()) for p in sorted(out.glob(f"{variant}-split*.json"))]
        mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
        summary[variant] = {
            "splits": len(rows),
            "dev (the choice)": mean([r["best_dev"] for r in rows]),
            "test decoded F1": mean([r["test_decoded_f1"] for r in rows]),
            "test cc": mean([r["test_structure"]["cc"] for r in rows]),
            "test at": mean([r["test_structure"]["at"] for r in rows]),
            "seconds per split": mean([r["seconds"] for r in rows]),
        }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
