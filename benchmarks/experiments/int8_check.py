"""Check: int8 with one activation scale per batch (torch's own) vs one per token row.

For the shipped model on the AAE2 test essays (sentence view): the share of units whose
int8 label equals the fp32 label, the largest change of a label probability when a document
is scored alone instead of in its batch (first 20 essays), and sentences/s of both int8
variants and fp32 (torch backend, median of 3 interleaved rounds). Behind the comment in
``argmine.quantization._convert``::

    python benchmarks/experiments/int8_check.py [--model models/default] [--threads 2]
"""

from __future__ import annotations

import argparse
import time
import warnings
from unittest import mock

import numpy as np
import torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    torch.set_num_threads(args.threads)

    import argmine.scoring.runtimes.int8 as quantization
    from argmine.corpora import read_corpus
    from argmine.corpora.views import sentence_documents
    from argmine.scoring.model import ArgumentModel

    docs = sentence_documents(read_corpus("aae2", split="test"))
    fp32 = ArgumentModel.from_pretrained(args.model)
    rows = quantization.quantize_dynamic(fp32)
    with mock.patch.object(quantization, "_scale_rows", lambda module: None):
        tensor = quantization.quantize_dynamic(fp32)
    reference = [p.label_probs.argmax(1) for p in fp32.predict_proba(docs)]
    variants = {"int8, one scale per batch": tensor, "int8, one scale per row": rows}
    for name, model in variants.items():
        pred = model.predict_proba(docs)
        kept = np.mean(np.concatenate(
            [p.label_probs.argmax(1) == r for p, r in zip(pred, reference)]))
        alone = [model.predict_proba([d])[0] for d in docs[:20]]
        drift = max(np.abs(a.label_probs - b.label_probs).max() for a, b in zip(alone, pred))
        print(f"{name}: {kept:.1%} of fp32 labels kept; a document alone vs in its batch: "
              f"label probabilities move by up to {drift:.3f}", flush=True)
    times: dict[str, list[float]] = {**{k: [] for k in variants}, "fp32": []}
    for _ in range(3):
        for name, model in (*variants.items(), ("fp32", fp32)):
            start = time.perf_counter()
            model.predict_proba(docs)
            times[name].append(time.perf_counter() - start)
    units = sum(len(d.units) for d in docs)
    print("sentences/s: " + ", ".join(
        f"{name} {units / np.median(t):.0f}" for name, t in times.items()))


if __name__ == "__main__":
    main()
