"""Timing with warm-up and repeats, and peak memory, for the speed and scale suites.

Single timings on a shared machine wander by tens of percent, so every figure is the median
of several repeats after a warm-up run (which also pays one-off costs such as lazy imports
and allocator growth), reported with its spread.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """Return the resident memory of this process now (bytes; ``0`` where unknown)."""
    try:
        fields = Path("/proc/self/statm").read_text().split()
        return int(fields[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        try:
            import resource  # Unix only: imported where /proc is missing

            # ru_maxrss is the lifetime peak (KiB on Linux), the best other systems offer.
            return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024
        except (ImportError, OSError):
            return 0


class PeakMemory:
    """Context manager that samples resident memory in a thread and keeps the peak.

    torch allocates outside Python's allocator, so ``tracemalloc`` misses it; sampling the
    process's RSS sees every allocation that lasts longer than the sampling interval. On a
    GPU the CUDA allocator's own peak is recorded as well.

    Args:
        interval: Seconds between samples.
        device: ``cpu`` or ``cuda``.

    Examples:
        >>> with PeakMemory() as mem:
        ...     block = bytearray(8 * 2**20)
        >>> mem.peak_bytes >= mem.before_bytes
        True
    """

    def __init__(self, interval: float = 0.002, device: str = "cpu") -> None:
        self.interval = interval
        self.device = device
        self.before_bytes = 0
        self.peak_bytes = 0
        self.cuda_peak_bytes: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, rss_bytes())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self.before_bytes = self.peak_bytes = rss_bytes()
        if self.device.startswith("cuda"):
            import torch  # heavy: deferred to CUDA runs

            torch.cuda.reset_peak_memory_stats()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.peak_bytes = max(self.peak_bytes, rss_bytes())
        if self.device.startswith("cuda"):
            import torch  # heavy: deferred to CUDA runs

            self.cuda_peak_bytes = int(torch.cuda.max_memory_allocated())

    def to_dict(self) -> dict[str, float | None]:
        """Peak and growth in MiB (``rss_*``) and the CUDA peak where there is one."""
        mib = 2**20
        return {
            "rss_before_mib": round(self.before_bytes / mib, 1),
            "rss_peak_mib": round(self.peak_bytes / mib, 1),
            "rss_growth_mib": round((self.peak_bytes - self.before_bytes) / mib, 1),
            "cuda_peak_mib": (None if self.cuda_peak_bytes is None
                              else round(self.cuda_peak_bytes / mib, 1)),
        }


def spread(values: list[float]) -> dict[str, float]:
    """Summarise repeated measurements: median, min, max and the quartiles.

    Examples:
        >>> spread([3.0, 1.0, 2.0])["median"]
        2.0
    """
    ordered = sorted(values)
    if len(ordered) >= 2:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    else:
        q1 = q3 = ordered[0]
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1],
            "q1": q1, "q3": q3, "n": len(ordered)}


def measure(
    fn: Callable[[], Any], *, repeats: int = 5, warmup: int = 1, units: int | None = None,
    device: str = "cpu",
) -> dict:
    """Time ``fn`` after warm-up runs; record the peak memory over the timed runs.

    Args:
        fn: The work to time (called with no arguments).
        repeats: Timed runs.
        warmup: Untimed runs first.
        units: Units processed per call; adds throughput figures (units/s).
        device: ``cuda`` synchronises the GPU around each run so that times are complete.

    Returns:
        ``seconds`` (a :func:`spread`), ``times`` (each run), ``memory``
        (:meth:`PeakMemory.to_dict`) and, with ``units``, ``units`` and
        ``units_per_second`` (a spread: the median is ``units`` over the median time).

    Examples:
        >>> r = measure(lambda: sum(range(1000)), repeats=3, warmup=1, units=10)
        >>> r["seconds"]["n"], r["units"]
        (3, 10)
    """
    sync = _synchroniser(device)
    for _ in range(warmup):
        fn()
    times = []
    with PeakMemory(device=device) as memory:
        for _ in range(max(repeats, 1)):
            sync()
            start = time.perf_counter()
            fn()
            sync()
            times.append(time.perf_counter() - start)
    out: dict[str, Any] = {"seconds": spread(times), "times": times, "memory": memory.to_dict()}
    if units is not None:
        out["units"] = units
        # Throughput of the median run, not the median of throughputs: the two differ only
        # for an even number of repeats, and this one matches the median time.
        rates = [units / t if t > 0 else float("inf") for t in times]
        out["units_per_second"] = {**spread(rates), "median": units / out["seconds"]["median"]}
    return out


def _synchroniser(device: str) -> Callable[[], None]:
    if device.startswith("cuda"):
        import torch  # heavy: deferred to CUDA runs

        return torch.cuda.synchronize
    return lambda: None
