"""Speed suite: throughput and peak memory of ``label`` and ``tree`` beside two references.

Every system runs on the same segmented texts in one process, one after the other:

* **argmine label**: ``ArgumentMiner.label_documents`` (encoder + heads, most probable label)
  on the default backend, as ``argmine label`` runs it: ``auto``, i.e. the encoder in ONNX
  Runtime (fp32) on a CPU where it is installed (:mod:`argmine.scoring.runtimes.onnx`);
* **argmine (torch backend) label**: the same with the encoder in eager torch;
* **argmine (int8) label**: torch with the encoder's Linear layers int8 dynamically
  quantized (:mod:`argmine.scoring.runtimes.int8`; CPU only);
* **argmine tree**: ``ArgumentMiner.mine_documents`` (the same plus linking and decoding);
* **transformers pipeline**: ``pipeline("text-classification")`` over the same encoder
  with an untrained 5-way head (only its speed matters): the cost of the encoder alone as
  the Hugging Face stack runs it, once called as users call it (``pipeline(...)(texts)``,
  default batch size 1) and once at the fastest batch size of the sweep;
* **baseline**: the classical TF-IDF + logistic-regression labeller (and its trees).

Throughput is in units (sentences) per second: the median over repeats after a warm-up,
with its spread, as a ratio to argmine label and as a ratio to the pipeline's default call.
The result also records the encoder's tokens per unit and argmine's padding overhead.
(``benchmarks/harness`` adds the compute bound of this project's benchmark page through
``run_speed``'s ``probe``: the encoder's FLOPs per unit against the CPU's peak FLOP rate.)
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from argmine.bench.measure import measure, rss_bytes
from argmine.bench.options import BenchOptions
from argmine.bench.plots import plot_throughput
from argmine.bench.quality import load_miner
from argmine.bench.texts import benchmark_documents, source_texts
from argmine.document import Document
from argmine.pipeline import ArgumentMiner
from argmine.schema import LABELS
from argmine.scoring.encoders import check_encoder_folder, resolve_encoder

Probe = Callable[[dict], Callable[[dict], None]]
"""A measurement around the timings: called with the encoder's context (``config``,
``token_counts``, ``padded_tokens_per_unit``, ``encode_chunk``, ``options``) just before
them; the callable it returns is called with the finished result, which it may extend."""


def _log(message: str) -> None:
    print(f"argmine bench: {message}", file=sys.stderr, flush=True)


def encode_chunk() -> int:
    """Units per encoder call within one ``predict_proba`` group (the model's ``ENCODE_CHUNK``).

    Examples:
        >>> encode_chunk() > 0
        True
    """
    from argmine.scoring.model import ENCODE_CHUNK  # torch: deferred

    return ENCODE_CHUNK


def padded_tokens(
    docs: Sequence[Document], counts: Sequence[int], batch_units: int, chunk: int | None = None
) -> int:
    """Tokens the encoder actually runs, padding included, when argmine labels ``docs``.

    ``predict_proba`` groups whole documents into about ``batch_units`` units; within a
    group, ``ArgumentModel._encode_sorted`` orders the units by token count and encodes
    them ``chunk`` at a time, each chunk padded to its longest unit. This follows the same
    steps on the token counts.

    Args:
        docs: The documents, in the order they are labelled.
        counts: Tokens of every unit of ``docs`` in order (truncated, special tokens
            included, no padding).
        batch_units: ``predict_proba``'s ``batch_units``.
        chunk: Units per encoder call (default: the model's, :func:`encode_chunk`).

    Examples:
        >>> from argmine.pipeline import ArgumentMiner
        >>> docs = [ArgumentMiner.to_document(["A b.", "C."])]
        >>> padded_tokens(docs, [5, 3], 128)
        10
        >>> padded_tokens(docs, [5, 3], 128, chunk=1)  # each unit alone: no padding
        8
    """
    from argmine.scoring.fit import batches  # torch: deferred

    chunk = chunk or encode_chunk()
    total, offset = 0, 0
    # predict_proba leaves documents without units out of its groups.
    for group in batches([d for d in docs if d.units], batch_units):
        texts = [u.text for d in group for u in d.units]
        tokens = counts[offset: offset + len(texts)]
        order = sorted(range(len(texts)), key=lambda i: tokens[i])
        for start in range(0, len(order), chunk):
            piece = order[start: start + chunk]
            total += len(piece) * max(tokens[i] for i in piece)
        offset += len(texts)
    return total


def token_stats(docs: Sequence[Document], counts: Sequence[int]) -> dict:
    """Tokens per unit: useful ones, those argmine's encoder runs, and the padding overhead.

    Args:
        docs: The documents, in the order they are labelled.
        counts: Tokens of every unit of ``docs`` in order (see :func:`padded_tokens`).

    Returns:
        ``mean_tokens``, ``padded_tokens_per_unit`` and ``padding_overhead`` (their ratio).
    """
    from argmine.scoring.model import PREDICT_GROUP_UNITS  # torch: deferred

    n = max(len(counts), 1)
    # predict_proba's default group size, which label and tree use.
    padded = padded_tokens(docs, counts, PREDICT_GROUP_UNITS) / n
    mean = sum(counts) / n
    return {"mean_tokens": mean, "padded_tokens_per_unit": padded,
            "padding_overhead": padded / max(mean, 1e-9)}


def reference_pipeline(encoder: str | None, device: str = "cpu"):
    """The plain ``transformers`` text-classification pipeline over argmine's encoder.

    The head is untrained (``num_labels=5``): the reference measures speed, not quality.
    """
    # transformers: heavy, deferred to the speed runs that time the reference
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline
    from transformers.utils import logging as hf_logging

    location, is_local = resolve_encoder(encoder)
    if is_local:  # never run code shipped with the encoder, nor unpickle its weights
        check_encoder_folder(location, encoder)
    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized weights": expected, not news here
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            location, num_labels=5, local_files_only=True, trust_remote_code=False,
            use_safetensors=True)
        tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=True,
                                                  trust_remote_code=False)
    finally:
        hf_logging.set_verbosity(level)
    model.eval()
    return pipeline("text-classification", model=model, tokenizer=tokenizer, device=device)


def _baseline(options: BenchOptions, docs: Sequence[Document], miner):
    """The saved ``--baseline``, or one fitted on the benchmark texts with the model's labels."""
    from argmine.scoring.baseline import BaselineModel  # torch: deferred

    if options.baseline:
        return BaselineModel.from_pretrained(options.baseline), options.baseline
    labelled = miner.label_documents(list(docs), decoded=False)

    if len({u.label for d in labelled for u in d.units}) < 2:
        # Logistic regression needs two classes; speed does not depend on which labels.
        labelled, k = [], 0
        for d in docs:
            units = []
            for u in d.units:
                units.append(replace(u, label=LABELS[k % 2]))
                k += 1
            labelled.append(d.replace(units=tuple(units)))
    return BaselineModel(seed=options.seed).fit(labelled), "fitted on the benchmark texts"


PIPELINE_DEFAULT = "transformers pipeline (default batch size)"
"""The reference as users call it: ``pipeline(...)(texts)``, which runs one text at a time."""
PIPELINE_BEST = "transformers pipeline (best batch size of the sweep)"
"""The reference at the fastest batch size of the sweep (``--batch-sizes``)."""
DEFAULT = "argmine"
"""argmine as ``argmine label``/``tree`` run by default: backend ``auto`` (the encoder in ONNX
Runtime on a CPU where it is installed, fp32; else torch). Its backend is in the results."""
TORCH = "argmine (torch backend, fp32)"
"""argmine with its encoder in eager torch (``--backend torch``)."""
INT8 = "argmine (int8)"
"""argmine with the encoder's Linear layers int8-quantized (``argmine.scoring.runtimes.int8``)."""


def _default_miner(miner, device: str):
    """A copy of the torch ``miner`` on the default backend (``auto``), as ``label`` runs."""
    from argmine.scoring.model import ArgumentModel  # torch: deferred

    if device != "cpu" or not isinstance(miner.model, ArgumentModel):
        return miner
    model = copy.deepcopy(miner.model)
    return ArgumentMiner(model.use_backend("auto"), decoding=miner.decoding)


def _int8_miner(miner, device: str):
    """The int8 copy of ``miner`` (same decoding), or ``None`` where there is none to time."""
    from argmine.scoring.model import ArgumentModel  # torch: deferred
    from argmine.scoring.runtimes.int8 import quantize_dynamic  # torch: deferred

    # Dynamic int8 kernels exist for the CPU only; the baseline has nothing to quantize.
    if device != "cpu" or not isinstance(miner.model, ArgumentModel):
        return None
    return ArgumentMiner(quantize_dynamic(miner.model), decoding=miner.decoding)


def best_batch(points: dict[int, dict]) -> int:
    """The batch size of the highest median throughput in a sweep (the smallest on ties).

    Examples:
        >>> best_batch({1: {"units_per_second": {"median": 5.0}},
        ...             8: {"units_per_second": {"median": 9.0}}})
        8
    """
    return max(sorted(points), key=lambda b: points[b]["units_per_second"]["median"])


def speed_rows(runs: dict[str, dict]) -> list[dict]:
    """Speed table rows: throughput with its spread, ratios and memory.

    ``ratio`` is against ``label/argmine`` (the default backend); ``ratio_to_pipeline_default``
    against the transformers pipeline called as users call it (default batch size), where it
    was timed.
    """
    def rate(key: str) -> float | None:
        return runs[key]["units_per_second"]["median"] if key in runs else None

    reference_rate = rate("label/argmine")
    default_rate = rate(f"label/{PIPELINE_DEFAULT}")
    rows = []
    for run in runs.values():
        spread = run["units_per_second"]
        metrics = {"units_per_s": spread["median"], "units_per_s_min": spread["min"],
                   "units_per_s_max": spread["max"], "ratio": spread["median"] / reference_rate,
                   "ratio_to_pipeline_default": (spread["median"] / default_rate
                                                 if default_rate else None),
                   "rss_growth_mib": run["memory"]["rss_growth_mib"],
                   "rss_peak_mib": run["memory"]["rss_peak_mib"]}
        for key in ("batch_size", "backend"):
            if key in run:
                metrics[key] = run[key]
        rows.append({"table": "speed", "stage": run["stage"], "system": run["system"],
                     "metrics": metrics})
    return rows


def _argmine_systems(options: BenchOptions):
    """Argmine's miners (fp32 torch, int8, default backend) and the memory each took."""
    device = options.device
    rss0 = rss_bytes()
    miner, info = load_miner(options)
    loaded = {"argmine": rss_bytes() - rss0}
    rss0 = rss_bytes()
    int8 = _int8_miner(miner, device)
    if int8 is not None:
        loaded[INT8] = rss_bytes() - rss0
    rss0 = rss_bytes()
    default = _default_miner(miner, device)
    if default is not miner:
        loaded[DEFAULT] = rss_bytes() - rss0
    return miner, info, int8, default, loaded


def _batch_sweep(options: BenchOptions, miner, docs, hf, timed: dict) -> dict:
    """Argmine's label head and the transformers pipeline at every batch size."""
    sweep: dict[str, dict[int, dict]] = {"argmine label": {}, "transformers pipeline": {}}
    sweep_timed = {**timed, "repeats": min(options.repeats, 3)}
    for batch in options.batch_sizes:
        _log(f"speed: batch size {batch}")
        if hasattr(miner.model, "network_"):
            sweep["argmine label"][batch] = measure(
                lambda b=batch: miner.model.predict_proba(docs, batch_units=b), **sweep_timed)
        sweep["transformers pipeline"][batch] = measure(hf(batch), **sweep_timed)
    return sweep


def run_speed(options: BenchOptions, out: Path, stem: str, probe: Probe | None = None) -> dict:
    """Time argmine's ``label`` and ``tree`` beside the transformers pipeline and the baseline.

    Systems: argmine (fp32) and its int8 copy; the transformers pipeline called with its
    default batch size (as users call it) and at the best batch size of the sweep; the
    baseline.

    Args:
        options: The settings.
        out: The output folder (plots go here).
        stem: The result's file stem.
        probe: A measurement around the timings (see :data:`Probe`), e.g. the compute bound
            of ``benchmarks/harness/peaks.py``.

    Returns:
        The result: ``rows`` (speed table), ``results`` (every measurement, the batch-size
        sweep, tokens per unit and padding) and ``plots``.
    """
    device = options.device
    miner, info, int8, default, loaded = _argmine_systems(options)
    backend = getattr(default.model, "backend", "torch")
    texts, source = source_texts(options)
    texts, docs = benchmark_documents(texts, options.units)
    n_units = sum(len(d.units) for d in docs)
    unit_texts = [u.text for d in docs for u in d.units]
    _log(f"speed: {len(docs)} documents, {n_units} units from {source}")
    rss0 = rss_bytes()
    reference = reference_pipeline(getattr(miner.model, "encoder_name_", None), device)
    loaded["transformers pipeline"] = rss_bytes() - rss0
    rss0 = rss_bytes()
    baseline, baseline_source = _baseline(options, docs, miner)
    loaded["baseline"] = rss_bytes() - rss0
    base_miner = ArgumentMiner(baseline)
    max_length = getattr(getattr(miner.model, "config", None), "max_length", 96)

    def hf(batch: int | None):
        # batch None: no batch_size argument at all, exactly as a user calls the pipeline.
        sizing = {} if batch is None else {"batch_size": batch}
        return lambda: reference(unit_texts, truncation=True, max_length=max_length, **sizing)

    counts = [len(ids) for ids in reference.tokenizer(unit_texts, truncation=True,
                                                      max_length=max_length)["input_ids"]]
    tokens = token_stats(docs, counts)
    finish = probe({"config": reference.model.config, "token_counts": counts,
                    "padded_tokens_per_unit": tokens["padded_tokens_per_unit"],
                    "encode_chunk": encode_chunk(), "options": options}) if probe else None
    timed = {"repeats": options.repeats, "warmup": options.warmup, "units": n_units,
             "device": device}
    # The sweep runs first: the pipeline's best batch size is timed in full below.
    sweep = _batch_sweep(options, miner, docs, hf, timed)
    best = best_batch(sweep["transformers pipeline"])
    plan = [
        ("segment", "argmine", lambda: [ArgumentMiner.to_document(t) for t in texts], {}),
        # "label" is the classifier's labels (--classifier-labels); "tree" the decoded ones.
        ("label", DEFAULT, lambda: default.label_documents(docs, decoded=False),
         {"backend": backend}),
        *([("label", TORCH, lambda: miner.label_documents(docs, decoded=False),
            {"backend": "torch"})]
          if default is not miner else []),
        *([("label", INT8, lambda: int8.label_documents(docs, decoded=False), {"backend": "torch"})]
          if int8 else []),
        ("tree", DEFAULT, lambda: default.mine_documents(docs), {"backend": backend}),
        ("label", PIPELINE_DEFAULT, hf(None), {}),
        ("label", PIPELINE_BEST, hf(best), {"batch_size": best}),
        ("label", "baseline", lambda: base_miner.label_documents(docs, decoded=False), {}),
        ("tree", "baseline", lambda: base_miner.mine_documents(docs), {}),
    ]
    runs = {}
    for stage, system, fn, extra in plan:
        _log(f"speed: {stage} / {system}")
        runs[f"{stage}/{system}"] = {"stage": stage, "system": system, **extra,
                                     **measure(fn, **timed)}
    plot_throughput(sweep, runs["label/baseline"]["units_per_second"]["median"],
                    out / f"{stem}-throughput.png")
    result = {"corpus": source, "split": f"{len(docs)} documents, {n_units} units",
            "protocol": f"median of {options.repeats} runs after {options.warmup} warm-up, "
            "same texts for every system, one process",
            "model": {**info, "baseline": baseline_source}, "rows": speed_rows(runs),
            "results": {"runs": runs, "batch_sweep": {k: {str(b): v for b, v in s.items()}
                                                      for k, s in sweep.items()},
                        "pipeline_best_batch_size": best, "default_backend": backend,
                        "tokens": tokens,
                        "load_rss_mib": {k: round(v / 2**20, 1) for k, v in loaded.items()}},
            "plots": [f"{stem}-throughput.png"]}
    if finish is not None:
        finish(result)
    return result
