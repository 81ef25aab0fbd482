"""Where a benchmark figure came from: machine, argmine version, date and command.

Every result file carries these so that a number can be traced back to the run that
produced it, and a rerun on another machine is recognisably a different measurement.
(This project's own benchmark page also records the git commit: ``benchmarks/harness``.)
"""

from __future__ import annotations

import os
import platform
from datetime import datetime, timezone
from pathlib import Path

from argmine._version import __version__


def cpu_model() -> str:
    """Return the CPU's model name (from ``/proc/cpuinfo`` on Linux, else ``platform``).

    Examples:
        >>> isinstance(cpu_model(), str)
        True
    """
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.lower().startswith(("model name", "hardware", "cpu model")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def memory_total_gib() -> float | None:
    """Return the machine's total memory in GiB, or ``None`` where it cannot be read."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def memory_available_bytes() -> int | None:
    """Return the memory available to new allocations (``MemAvailable``), or ``None``."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def machine_info(device: str = "cpu") -> dict:
    """Describe the machine a benchmark ran on.

    Args:
        device: The torch device the run used (``cpu`` or ``cuda``).

    Returns:
        ``cpu`` (model name), ``cores`` (logical CPUs), ``cores_usable`` (those this
        process may run on), ``torch_threads``, ``memory_gib``, ``device``, ``gpu`` (name or
        ``None``), ``platform``, ``python``, ``torch`` and ``transformers`` versions.

    Examples:
        >>> sorted(machine_info())[:3]
        ['cores', 'cores_usable', 'cpu']
    """
    import torch  # heavy: deferred until a benchmark records its machine

    try:
        import transformers  # heavy: deferred likewise

        transformers_version = transformers.__version__
    except ImportError:  # pragma: no cover - a hard dependency, but do not fail the record
        transformers_version = None
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    gpu = None
    if device.startswith("cuda") and torch.cuda.is_available():
        gpu = torch.cuda.get_device_name(0)
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "cores_usable": usable,
        "torch_threads": torch.get_num_threads(),
        "memory_gib": memory_total_gib(),
        "device": device,
        "gpu": gpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers_version,
    }


def now_utc() -> str:
    """Return the current time as an ISO 8601 string in UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def provenance(command: str, device: str = "cpu") -> dict:
    """Collect everything a result records about its run besides the scores.

    Args:
        command: The exact command line that produced the result.
        device: The torch device used.

    Returns:
        ``machine``, ``date``, ``command`` and ``argmine_version``.
    """
    return {"machine": machine_info(device), "date": now_utc(),
            "command": command, "argmine_version": __version__}
