"""What adapting keeps of what the base knew: the adapted models scored on the base's genres.

``argmine bench adapt`` scores each adapted model on the genre it was adapted to. This
script fits the same two ways of keeping what the base knew on the same drawn documents
(``adapt``: the documents alone at a third of the learning rates, as ``argmine train --init``;
``mixed``: as many units of the base's own training data mixed in, at the default rates; the
functions of :mod:`argmine.bench.adapt`, so draw, mix and settings are the suite's) and
scores each, and the base itself, on two of the base's own genres: the AAE2 test split,
which the base never saw, at sentence level, and the microtexts at gold units, which the
base trained on (so a drop there is forgetting of training data, not of a skill)::

    python benchmarks/experiments/adapt_retention.py --size 50 --draw 0 \\
        --out benchmarks/results/adapt-retention.json
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from argmine.bench.adapt import (
    GENRES,
    AdaptOptions,
    adapt_settings,
    base_model,
    draw_documents,
    fit_system,
    genre_data,
    mix_for,
    original_documents,
    scores,
)
from argmine.bench.provenance import provenance
from argmine.evaluation.protocols import evaluate_documents
from argmine.pipeline import load
from argmine.training.data import CorpusSpec, load_documents

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from benchmarks.harness.provenance import git_state  # noqa: E402

# The base's genres to score on: one it never saw (AAE2 test) and one it trained on.
KEPT = {"aae2@test": "AAE2 test split (80 essays; the base trained on the train split), "
                     "sentence level",
        "microtexts": "microtexts part 1, all 112 texts at gold units (the base trained on "
                      "all of them)"}


def _score(miner, docs) -> dict:
    result = scores(evaluate_documents(miner, docs, structure=True))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()
            if k in ("macro_f1", "at", "labels_scored", "classifier_macro_f1", "documents")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=50, help="adaptation documents (1 or more)")
    parser.add_argument("--draw", type=int, default=0)
    parser.add_argument("--genres", default=",".join(GENRES))
    parser.add_argument("--epochs", type=int, default=8, help="as the bench's --epochs")
    parser.add_argument("--limit", type=int, default=100, help="as the bench's --limit")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--out", required=True, help="result JSON (rewritten after each fit)")
    args = parser.parse_args()
    if args.size < 1:
        parser.error("--size: 1 or more documents (at 0 both systems are the base)")
    options = AdaptOptions(epochs=args.epochs, max_docs=args.limit, threads=args.threads,
                           genres=tuple(args.genres.split(","))).resolved()
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    settings = adapt_settings(options, base_model(options))
    kept = {spec: [d for d in load_documents(CorpusSpec.parse(spec)) if d.units]
            for spec in KEPT}
    original = original_documents(settings, options)
    base = load(settings["base"], backend="torch")
    result = {
        "name": "adapt-retention",
        "corpus": KEPT,
        "protocol": f"argmine bench adapt's draw {args.draw} of {args.size} documents per "
                    "genre and its adapt / mixed fits (settings below); each model scored on "
                    "its genre's bench test documents (genre_test) and on the corpora above; "
                    "macro-F1 of the decoded labels over the labels the gold has, at",
        "settings": settings, "rows": [],
        **git_state(ROOT),
        **provenance(shlex.join([Path(sys.executable).name, *sys.argv])),
    }

    def add(row: dict) -> None:
        # Written after every fit: an interrupted run keeps what it measured.
        result["rows"].append(row)
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(row), flush=True)

    add({"genre": None, "system": "base", "size": 0, "fit_seconds": 0.0,
         **{spec: _score(base, docs) for spec, docs in kept.items()}})
    for genre in options.genres:
        pool, test, _ = genre_data(genre, options)
        train = draw_documents(pool, args.size, genre, args.draw, settings["seed"])
        mix = mix_for(original, train, settings, genre, args.size, args.draw)
        for system in ("adapt", "mixed"):
            miner, seconds = fit_system(system, train, mix if system == "mixed" else [],
                                        settings, args.draw, options)
            start = time.perf_counter()
            row = {"genre": genre, "system": system, "size": len(train), "draw": args.draw,
                   "fit_seconds": round(seconds, 1), "genre_test": _score(miner, test),
                   **{spec: _score(miner, docs) for spec, docs in kept.items()}}
            row["score_seconds"] = round(time.perf_counter() - start, 1)
            add(row)


if __name__ == "__main__":
    main()
