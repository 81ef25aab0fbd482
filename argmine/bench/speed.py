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
The compute bound puts the encoder's FLOPs per unit (from its config and the measured token
counts) against the CPU's peak FLOP rate: the fastest of a large square fp32 GEMM and the
encoder's own GEMM shapes on the same threads, measured before and after the timings (the
higher counts), so the distance between what runs and what the hardware could do is visible.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from argmine.bench.measure import measure, rss_bytes
from argmine.bench.options import BenchOptions
from argmine.bench.plots import plot_throughput
from argmine.bench.quality import load_miner
from argmine.bench.texts import benchmark_documents, source_texts
from argmine.document import Document
from argmine.pipeline import ArgumentMiner


def _log(message: str) -> None:
    print(f"argmine bench: {message}", file=sys.stderr, flush=True)


def cpu_peak_flops(size: int = 2048, repeats: int = 5, device: str = "cpu",
                   shapes: Sequence[tuple[int, int, int]] = ()) -> dict:
    """Measure the peak fp32 FLOP rate with ``torch.matmul`` on torch's threads.

    A square product of ``size`` and each ``(m, k, n)`` of ``shapes`` (the encoder's own
    GEMMs, say) are timed; the fastest rate of any of them is the peak. On a shared or
    throttled CPU one square product alone can come out below what the encoder itself
    reaches, which would overstate how close the encoder runs to the bound.

    Args:
        size: Matrix size of the square product (``2 × size³`` FLOPs).
        repeats: Timed products per shape after one warm-up; the fastest counts.
        device: ``cpu`` or ``cuda``.
        shapes: Further ``(m, k, n)`` products: ``(m × k) @ (k × n)``.

    Returns:
        ``gflops`` (best rate of any shape), ``gflops_median`` (median rate of that shape),
        ``per_shape`` (best rate per shape), ``size``, ``threads``, ``repeats``.

    Examples:
        >>> peak = cpu_peak_flops(64, repeats=2, shapes=[(32, 16, 8)])
        >>> peak["gflops"] == max(s["gflops"] for s in peak["per_shape"])
        True
    """
    import torch

    per_shape = []
    for m, k, n in [(size, size, size), *shapes]:
        a = torch.randn(m, k, device=device)
        b = torch.randn(k, n, device=device)
        result = measure(lambda a=a, b=b: torch.matmul(a, b), repeats=repeats, warmup=1,
                         device=device)
        flops = 2.0 * m * k * n
        per_shape.append({"shape": [m, k, n],
                          "gflops": flops / result["seconds"]["min"] / 1e9,
                          "gflops_median": flops / result["seconds"]["median"] / 1e9})
    best = max(per_shape, key=lambda s: s["gflops"])
    return {"gflops": best["gflops"], "gflops_median": best["gflops_median"],
            "per_shape": per_shape, "size": size, "threads": torch.get_num_threads(),
            "repeats": repeats}


def combine_peaks(*peaks: dict) -> dict:
    """The higher of several peak measurements (e.g. one before and one after the timings).

    Examples:
        >>> combine_peaks({"gflops": 2.0}, {"gflops": 3.0})["gflops"]
        3.0
    """
    best = dict(max(peaks, key=lambda p: p["gflops"]))
    best["measurements_gflops"] = [p["gflops"] for p in peaks]
    return best


def encoder_gemm_shapes(config, padded_tokens_per_chunk: int) -> list[tuple[int, int, int]]:
    """The encoder's Linear products for one chunk: ``(tokens, in, out)`` per distinct shape.

    Examples:
        >>> from types import SimpleNamespace
        >>> encoder_gemm_shapes(SimpleNamespace(hidden_size=4, intermediate_size=16), 10)
        [(10, 4, 4), (10, 4, 16), (10, 16, 4)]
    """
    h, f = config.hidden_size, config.intermediate_size
    m = max(int(padded_tokens_per_chunk), 1)
    return [(m, h, h), (m, h, f), (m, f, h)]


def encoder_flops(config, token_counts: Sequence[int]) -> dict:
    """Estimate the encoder's forward FLOPs per unit from its config and the token counts.

    Per layer, the weight matrices (Q, K, V, output: ``4h²``; feed-forward: ``2·h·f``) cost
    ``2 × params`` FLOPs per token, and attention (``QKᵀ`` and ``AV``) ``4·h·s`` per token
    for a sequence of ``s`` tokens. Embeddings, layer norms, biases, pooling and argmine's
    small heads are left out (well under 1 % for MiniLM).

    Args:
        config: A ``transformers`` config (``hidden_size``, ``num_hidden_layers``,
            ``intermediate_size``).
        token_counts: Tokens per unit (special tokens included, no padding).

    Returns:
        ``params_non_embedding``, ``mean_tokens``, ``flops_per_unit`` and the share
        ``attention_fraction`` of attention in it.

    Examples:
        >>> from types import SimpleNamespace
        >>> c = SimpleNamespace(hidden_size=4, num_hidden_layers=1, intermediate_size=8)
        >>> encoder_flops(c, [2])["flops_per_unit"]  # 2*(64+64)*2 + 4*4*4
        576.0
    """
    h, layers = config.hidden_size, config.num_hidden_layers
    f = getattr(config, "intermediate_size", 4 * h)
    params = layers * (4 * h * h + 2 * h * f)
    n = max(len(token_counts), 1)
    dense = sum(2.0 * params * s for s in token_counts) / n
    attention = sum(4.0 * layers * h * s * s for s in token_counts) / n
    total = dense + attention
    return {"params_non_embedding": params, "mean_tokens": sum(token_counts) / n,
            "flops_per_unit": total, "attention_fraction": attention / total if total else 0.0}


def encode_chunk() -> int:
    """Units per encoder call within one ``predict_proba`` group (the model's ``ENCODE_CHUNK``).

    Examples:
        >>> encode_chunk() > 0
        True
    """
    from argmine.scoring.model import ENCODE_CHUNK

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
    from argmine.scoring.fit import batches

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


def reference_pipeline(encoder: str | None, device: str = "cpu"):
    """The plain ``transformers`` text-classification pipeline over argmine's encoder.

    The head is untrained (``num_labels=5``): the reference measures speed, not quality.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline
    from transformers.utils import logging as hf_logging

    from argmine.scoring.encoders import check_encoder_folder, resolve_encoder

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
    from argmine.scoring.baseline import BaselineModel

    if options.baseline:
        return BaselineModel.from_pretrained(options.baseline), options.baseline
    from dataclasses import replace

    from argmine.schema import LABELS

    labelled = miner.label_documents(list(docs))

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
    import copy

    from argmine.scoring.model import ArgumentModel

    if device != "cpu" or not isinstance(miner.model, ArgumentModel):
        return miner
    model = copy.deepcopy(miner.model)
    return ArgumentMiner(model.use_backend("auto"), decoding=miner.decoding)


def _int8_miner(miner, device: str):
    """The int8 copy of ``miner`` (same decoding), or ``None`` where there is none to time."""
    from argmine.pipeline import ArgumentMiner
    from argmine.scoring.model import ArgumentModel
    from argmine.scoring.runtimes.int8 import quantize_dynamic

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


def speed_rows(runs: dict[str, dict], flops: dict, peak: dict) -> list[dict]:
    """Speed table rows: throughput with its spread, ratios, memory and the compute bound.

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
        if run["stage"] != "segment" and run["system"] != "baseline":
            # The encoder's FLOPs at the measured rate, against the fp32 GEMM peak.
            achieved = spread["median"] * flops["flops_per_unit"]
            metrics["gflop_per_unit"] = flops["flops_per_unit"] / 1e9
            metrics["peak_fraction"] = achieved / (peak["gflops"] * 1e9)
            metrics["bound_units_per_s"] = peak["gflops"] * 1e9 / flops["flops_per_unit"]
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


def run_speed(options: BenchOptions, out: Path, stem: str) -> dict:
    """Time argmine's ``label`` and ``tree`` beside the transformers pipeline and the baseline.

    Systems: argmine (fp32) and its int8 copy; the transformers pipeline called with its
    default batch size (as users call it) and at the best batch size of the sweep; the
    baseline.

    Returns:
        The result: ``rows`` (speed table), ``results`` (every measurement, the batch-size
        sweep, the FLOP estimate and the CPU peak) and ``plots``.
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
    config = getattr(miner.model, "config", None)
    max_length = getattr(config, "max_length", 96)
    from argmine.scoring.model import PREDICT_GROUP_UNITS  # torch: deferred

    batch_units = PREDICT_GROUP_UNITS  # predict_proba's default, which label/tree use

    def hf(batch: int | None):
        # batch None: no batch_size argument at all, exactly as a user calls the pipeline.
        sizing = {} if batch is None else {"batch_size": batch}
        return lambda: reference(unit_texts, truncation=True, max_length=max_length, **sizing)

    counts = [len(ids) for ids in reference.tokenizer(unit_texts, truncation=True,
                                                      max_length=max_length)["input_ids"]]
    flops = encoder_flops(reference.model.config, counts)
    flops["padded_tokens_per_unit"] = padded_tokens(docs, counts, batch_units) / max(n_units, 1)
    flops["padding_overhead"] = flops["padded_tokens_per_unit"] / max(flops["mean_tokens"], 1e-9)
    # The peak is measured before and after the timings, and the higher one counts: a
    # machine that slows down in between must not make the encoder look closer to it.
    shapes = encoder_gemm_shapes(reference.model.config,
                                 encode_chunk() * flops["padded_tokens_per_unit"])
    _log("speed: peak FLOP rate")
    peak_before = cpu_peak_flops(options.gemm_size, options.repeats, device, shapes)
    timed = {"repeats": options.repeats, "warmup": options.warmup, "units": n_units,
             "device": device}
    # The sweep runs first: the pipeline's best batch size is timed in full below.
    sweep = _batch_sweep(options, miner, docs, hf, timed)
    best = best_batch(sweep["transformers pipeline"])
    plan = [
        ("segment", "argmine", lambda: [ArgumentMiner.to_document(t) for t in texts], {}),
        ("label", DEFAULT, lambda: default.label_documents(docs), {"backend": backend}),
        *([("label", TORCH, lambda: miner.label_documents(docs), {"backend": "torch"})]
          if default is not miner else []),
        *([("label", INT8, lambda: int8.label_documents(docs), {"backend": "torch"})]
          if int8 else []),
        ("tree", DEFAULT, lambda: default.mine_documents(docs), {"backend": backend}),
        ("label", PIPELINE_DEFAULT, hf(None), {}),
        ("label", PIPELINE_BEST, hf(best), {"batch_size": best}),
        ("label", "baseline", lambda: base_miner.label_documents(docs), {}),
        ("tree", "baseline", lambda: base_miner.mine_documents(docs), {}),
    ]
    runs = {}
    for stage, system, fn, extra in plan:
        _log(f"speed: {stage} / {system}")
        runs[f"{stage}/{system}"] = {"stage": stage, "system": system, **extra,
                                     **measure(fn, **timed)}
    _log(f"speed: peak FLOP rate again ({options.gemm_size}x{options.gemm_size} GEMM and the "
         "encoder's own shapes)")
    peak = combine_peaks(peak_before, cpu_peak_flops(options.gemm_size, options.repeats,
                                                     device, shapes))
    rows = speed_rows(runs, flops, peak)
    plot_throughput(sweep, runs["label/baseline"]["units_per_second"]["median"],
                    out / f"{stem}-throughput.png")
    return {"corpus": source, "split": f"{len(docs)} documents, {n_units} units",
            "protocol": f"median of {options.repeats} runs after {options.warmup} warm-up, "
            "same texts for every system, one process",
            "model": {**info, "baseline": baseline_source}, "rows": rows,
            "results": {"runs": runs, "batch_sweep": {k: {str(b): v for b, v in s.items()}
                                                      for k, s in sweep.items()},
                        "pipeline_best_batch_size": best, "default_backend": backend,
                        "flops": flops, "cpu_peak": peak,
                        "load_rss_mib": {k: round(v / 2**20, 1) for k, v in loaded.items()}},
            "plots": [f"{stem}-throughput.png"]}
