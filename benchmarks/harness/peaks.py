"""The compute bound of this project's speed table: GEMM peak probes and encoder FLOPs.

``argmine bench speed`` times argmine beside the transformers pipeline; this project's
benchmark page also sets the encoder's FLOPs per unit (from its config and the measured
token counts) against the CPU's peak FLOP rate: the fastest of a large square fp32 GEMM and
the encoder's own GEMM shapes on the same threads, measured before and after the timings
(the higher counts), so the distance between what runs and what the hardware could do is
visible. :func:`run_speed_with_bound` is that suite (``benchmarks/harness/bench.py`` runs it
in place of the plain one).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from argmine.bench import BenchOptions
from argmine.bench.measure import measure
from argmine.bench.speed import run_speed


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
    import torch  # heavy: deferred so that the table code imports without it

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


def add_bound(result: dict, flops: dict, peak: dict) -> None:
    """Put the encoder's FLOPs and the CPU peak into a speed result, and the bound in its rows.

    Rows of the systems that run argmine's encoder or the transformers pipeline (not the
    segmenter, not the baseline) get ``gflop_per_unit``, ``peak_fraction`` (achieved FLOP/s
    over the peak) and ``bound_units_per_s``.

    Examples:
        >>> result = {"rows": [{"stage": "label", "system": "argmine",
        ...                     "metrics": {"units_per_s": 50.0}}], "results": {}}
        >>> add_bound(result, {"flops_per_unit": 1e9}, {"gflops": 100.0})
        >>> result["rows"][0]["metrics"]["peak_fraction"]
        0.5
    """
    for row in result["rows"]:
        if row["stage"] == "segment" or row["system"] == "baseline":
            continue
        x = row["metrics"]
        # The encoder's FLOPs at the measured rate, against the fp32 GEMM peak.
        x["gflop_per_unit"] = flops["flops_per_unit"] / 1e9
        x["peak_fraction"] = x["units_per_s"] * flops["flops_per_unit"] / (peak["gflops"] * 1e9)
        x["bound_units_per_s"] = peak["gflops"] * 1e9 / flops["flops_per_unit"]
    result["results"]["flops"] = flops
    result["results"]["cpu_peak"] = peak


def compute_bound(context: dict) -> Callable[[dict], None]:
    """The ``probe`` of :func:`argmine.bench.speed.run_speed`: peaks before and after.

    The peak is measured before and after the timings, and the higher one counts: a machine
    that slows down in between must not make the encoder look closer to it.
    """
    options = context["options"]
    padded = context["padded_tokens_per_unit"]
    counts = context["token_counts"]
    flops = encoder_flops(context["config"], counts)
    flops["padded_tokens_per_unit"] = padded
    flops["padding_overhead"] = padded / max(flops["mean_tokens"], 1e-9)
    shapes = encoder_gemm_shapes(context["config"], context["encode_chunk"] * padded)
    _log("speed: peak FLOP rate")
    before = cpu_peak_flops(options.gemm_size, options.repeats, options.device, shapes)

    def finish(result: dict) -> None:
        _log(f"speed: peak FLOP rate again ({options.gemm_size}x{options.gemm_size} GEMM and "
             "the encoder's own shapes)")
        after = cpu_peak_flops(options.gemm_size, options.repeats, options.device, shapes)
        add_bound(result, flops, combine_peaks(before, after))

    return finish


def run_speed_with_bound(options: BenchOptions, out: Path, stem: str) -> dict:
    """The ``speed`` suite with the compute bound added (same signature as the suites)."""
    return run_speed(options, out, stem, probe=compute_bound)
