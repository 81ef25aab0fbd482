"""Time the tree decoder alone: crossing links allowed, projective, projective + lists.

The shipped model's predictions for the AAE2 test essays (sentence view) are computed once;
then every essay is decoded with each decoder setting (best of 3 rounds), and random score
matrices of 50-200 units show how Eisner's cubic search grows. Behind the cost figures of
the README's section Decoding::

    python benchmarks/experiments/decode_cost.py
"""

from __future__ import annotations

import time

import numpy as np

from argmine.corpora import read_corpus
from argmine.corpora.views import sentence_documents
from argmine.decoding.objective import DecodingConfig, decode
from argmine.pipeline import load
from argmine.scoring.features import coordinate_lists

SETTINGS = {
    "crossing links allowed": DecodingConfig(projective=False, coordinate_lists=False),
    "projective": DecodingConfig(coordinate_lists=False),
    "projective + lists (default)": DecodingConfig(),
}


def main() -> None:
    docs = sentence_documents(read_corpus("aae2", split="test"))
    predictions = load().model.predict_proba(docs)
    units = sum(len(d.units) for d in docs)
    for name, config in SETTINGS.items():
        best = np.inf
        for _ in range(3):
            start = time.perf_counter()
            for doc, p in zip(docs, predictions):
                n = len(doc.units)
                lists = coordinate_lists(doc.units) if config.coordinate_lists else ()
                decode(p.label_probs, p.link_probs[:, :n], p.attack_probs, config,
                       coordinate=lists, paragraphs=[u.paragraph for u in doc.units])
            best = min(best, time.perf_counter() - start)
        print(f"{name}: {len(docs)} essays ({units} sentences) in {best:.2f} s, "
              f"{1000 * best / units:.2f} ms a sentence", flush=True)
    rng = np.random.default_rng(0)
    for n in (50, 100, 200):
        q = rng.dirichlet(np.ones(5), size=n)
        link, attack = rng.random((n, n)) ** 8, rng.random((n, n))
        for projective in (False, True):
            start = time.perf_counter()
            decode(q, link, attack, DecodingConfig(projective=projective))
            print(f"random scores, {n} units, projective={projective}: "
                  f"{time.perf_counter() - start:.3f} s", flush=True)


if __name__ == "__main__":
    main()
