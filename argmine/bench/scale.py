"""Scale suite: how cost grows with document length and with the number of documents.

Documents of 10 to 2,000 sentences are synthesised by cycling through real sentences (the
seed op-ed's, or a corpus's), and each stage is timed on its own:

* **encoder**: one transformer pass per sentence: linear in the number of sentences;
* **heads**: labels are per sentence, but the link head scores every (child, parent)
  pair and the link-kind head runs a small MLP on every pair: quadratic in time and memory
  up to ``argmine.trees.FULL_LINK_UNITS`` (256) sentences, linear past it, where pairs are
  scored within blocks of at most that many;
* **model total**: ``predict_proba`` (encoder + heads);
* **decoder**: ``argmine.trees.decode`` (maximum spanning arborescence plus role
  refinement) on the model's scores;
* **label, batch of documents**: ``label_documents`` over 1 … N documents of fixed size:
  linear in the number of documents.

The growth exponent is the slope of log(time) against log(size) over the larger half of the
sizes (small sizes are dominated by fixed costs). Sizes whose estimated pair tensors would
not fit in the available memory, or that follow a point slower than ``time_limit``, are
skipped and listed with the reason.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from argmine.bench.measure import measure
from argmine.bench.options import BenchOptions
from argmine.bench.plots import plot_documents, plot_length
from argmine.bench.provenance import memory_available_bytes
from argmine.bench.quality import load_miner
from argmine.bench.texts import benchmark_documents, source_texts, synthetic_document
from argmine.decoding.objective import (
    FULL_LINK_UNITS,
    DecodingConfig,
    candidate_blocks,
    decode,
)


def _log(message: str) -> None:
    print(f"argmine bench: {message}", file=sys.stderr, flush=True)


def growth(sizes: Sequence[float], seconds: Sequence[float]) -> dict:
    """Fit ``time ∝ size^k`` on log-log axes and name the growth.

    Args:
        sizes: The sizes measured (increasing).
        seconds: The median time at each size.

    Returns:
        ``slope`` (over the larger half of the sizes, at least two points), ``slope_all``
        (every size) and ``growth`` (a word for ``slope``), or ``None`` values with fewer
        than two points.

    Examples:
        >>> growth([10, 100, 1000], [1, 10, 100])["growth"]
        'linear'
        >>> growth([10, 100, 1000], [1, 100, 10000])["growth"]
        'quadratic'
    """
    points = [(s, t) for s, t in zip(sizes, seconds) if s > 0 and t > 0]
    if len(points) < 2:
        return {"slope": None, "slope_all": None, "growth": None}
    x = np.log([p[0] for p in points])
    y = np.log([p[1] for p in points])
    upper = len(points) - max(2, (len(points) + 1) // 2)
    slope = float(np.polyfit(x[upper:], y[upper:], 1)[0])
    return {"slope": slope, "slope_all": float(np.polyfit(x, y, 1)[0]),
            "growth": growth_word(slope)}


def growth_word(slope: float) -> str:
    """Name a log-log slope.

    Examples:
        >>> growth_word(1.05), growth_word(1.5), growth_word(0.4)
        ('linear', 'between linear and quadratic', 'sub-linear (fixed costs dominate)')
    """
    if slope < 0.75:
        return "sub-linear (fixed costs dominate)"
    if slope < 1.25:
        return "linear"
    if slope < 1.75:
        return "between linear and quadratic"
    if slope < 2.5:
        return "quadratic"
    return "cubic or worse"


def pair_bytes(model, n: int) -> int:
    """Estimate the peak bytes of the pair tensors for a document of ``n`` units.

    Up to :data:`argmine.decoding.objective.FULL_LINK_UNITS` units every pair is scored;
    past it only the pairs within a block, so the estimate grows linearly from there.

    For argmine's network the link-kind head builds an ``n × n × (3·link_dim + 16)`` input
    (after an ``n × n × link_dim`` product it concatenates) and two ``n × n × 64``
    activations, all float32; the baseline keeps two ``n × n`` float64 arrays.

    Examples:
        >>> pair_bytes(object(), 100)
        160000
    """
    # Past FULL_LINK_UNITS units, links are scored within blocks of at most that many.
    width = min(n, FULL_LINK_UNITS)
    config = getattr(getattr(model, "network_", None), "config", None)
    if config is None:
        return 16 * n * width
    per_pair = 4 * config.link_dim + 16 + 2 * 64 + 8
    return 4 * per_pair * n * width


def _stage_runs(model, doc, timed: dict) -> dict[str, dict]:
    """Time the stages of one document; returns ``{stage: measurement}``."""
    import torch  # heavy: deferred to the timings

    runs = {}
    if hasattr(model, "network_") and hasattr(model, "_encode"):
        # Private hooks of ArgumentModel, used to split its cost into encoder and heads.
        texts = [u.text for u in doc.units]
        with torch.inference_mode():
            vectors = model._encode(texts)
            features = model._features(doc)

        def encode():
            with torch.inference_mode():
                model._encode(texts)

        blocks = candidate_blocks([u.paragraph for u in doc.units])

        def heads():  # as predict_proba runs them: block by block past FULL_LINK_UNITS
            with torch.inference_mode():
                if len(blocks) > 1:
                    model._block_heads(doc, vectors, blocks)
                else:
                    model.network_.heads(vectors, features, model._pairs(doc))

        runs["encoder"] = measure(encode, **timed)
        runs["heads"] = measure(heads, **timed)
    runs["model total"] = measure(lambda: model.predict_proba([doc]), **timed)
    p = model.predict_proba([doc])[0]
    config = DecodingConfig()
    runs["decoder"] = measure(
        lambda: decode(p.label_probs, p.link_probs[:, :-1], p.attack_probs, config,
                       candidates=getattr(p, "candidates", None)), **timed)
    return runs


def run_scale(options: BenchOptions, out: Path, stem: str) -> dict:
    """Time each stage against document length, and labelling against number of documents.

    Returns:
        The result: ``rows`` (scale table: one per stage with its growth), ``results``
        (every point, skipped sizes with reasons) and ``plots``.
    """
    miner, info = load_miner(options)
    model = miner.model
    texts, source = source_texts(options)
    _, docs = benchmark_documents(texts, 400)
    sentences = list(dict.fromkeys(u.text for d in docs for u in d.units))
    timed = {"repeats": min(options.repeats, 3), "warmup": 0, "device": options.device}
    lengths = sorted(set(options.lengths))
    # One untimed pass on a small document pays one-off costs before the first point.
    warm = synthetic_document(sentences, lengths[0])
    for _ in range(options.warmup):
        miner.mine_documents([warm])
    by_length: dict[str, dict[int, dict]] = {}
    skipped: list[dict] = []
    available = memory_available_bytes()
    slow: float | None = None
    for n in lengths:
        need = pair_bytes(model, n)
        if slow is not None:
            skipped.append({"size": n, "reason": f"the previous size took {slow:.1f} s, over "
                            f"the time limit of {options.time_limit:.0f} s"})
            continue
        if available is not None and need > 0.6 * available:
            skipped.append({"size": n, "reason": f"the pair tensors need about "
                            f"{need / 2**30:.1f} GiB, more than 60% of the "
                            f"{available / 2**30:.1f} GiB available"})
            continue
        _log(f"scale: document of {n} sentences")
        doc = synthetic_document(sentences, n)
        for stage, run in _stage_runs(model, doc, {**timed, "units": n}).items():
            by_length.setdefault(stage, {})[n] = run
        took = by_length["model total"][n]["seconds"]["median"] + \
            by_length["decoder"][n]["seconds"]["median"]
        if took > options.time_limit:
            slow = took
    by_count: dict[int, dict] = {}
    for k in sorted(set(options.doc_counts)):
        _log(f"scale: {k} documents of {options.doc_size} sentences")
        batch = [synthetic_document(sentences[i % len(sentences):] + sentences, options.doc_size,
                                    f"doc{i}") for i in range(k)]
        by_count[k] = measure(lambda b=batch: miner.label_documents(b, decoded=False),
                              **{**timed, "units": k * options.doc_size})
        if by_count[k]["seconds"]["median"] > options.time_limit:
            skipped += [{"documents": c, "reason": "the previous count took over the time "
                         "limit"} for c in sorted(set(options.doc_counts)) if c > k]
            break
    rows = []
    series = {stage: ({n: r["seconds"]["median"] for n, r in points.items()},
                      "sentences per document") for stage, points in by_length.items()}
    series["label, batch of documents"] = (
        {k: r["seconds"]["median"] for k, r in by_count.items()},
        f"documents of {options.doc_size} sentences")
    for stage, (points, varies) in series.items():
        sizes = sorted(points)
        fit = growth(sizes, [points[s] for s in sizes])
        rows.append({"table": "scale", "stage": stage, "varies": varies,
                     "sizes": f"{sizes[0]}-{sizes[-1]}" if sizes else "none",
                     "metrics": {"max_size": sizes[-1] if sizes else None,
                                 "seconds_at_max": points[sizes[-1]] if sizes else None,
                                 "slope": fit["slope"], "slope_all": fit["slope_all"]},
                     "growth": fit["growth"]})
    plot_length({s: p for s, (p, v) in series.items() if v == "sentences per document"},
                out / f"{stem}-length.png")
    plot_documents(series["label, batch of documents"][0], out / f"{stem}-documents.png",
                   options.doc_size)
    return {"corpus": source, "split": "synthetic documents (sentences cycled)",
            "protocol": f"median of {timed['repeats']} runs per size after a warm-up; "
            "growth = log-log slope over the larger half of the sizes",
            "model": info, "rows": rows,
            "results": {"length": {s: {str(n): r for n, r in p.items()}
                                   for s, p in by_length.items()},
                        "documents": {str(k): r for k, r in by_count.items()},
                        "skipped": skipped,
                        "pair_bytes": {str(n): pair_bytes(model, n) for n in lengths},
                        "memory_available_gib": (None if available is None else
                                                 round(available / 2**30, 1))},
            "plots": [f"{stem}-length.png", f"{stem}-documents.png"]}
