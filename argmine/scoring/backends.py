"""The inference backends a model's encoder can run on, and the check of a requested one.

Apart from :mod:`argmine.scoring.runtimes.onnx` so that checking a name imports no torch.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from argmine.errors import InputError

BACKENDS = ("auto", "torch", "onnx")
"""``auto`` (the default of ``argmine.load`` and the command line): ONNX Runtime where it
runs (installed, CPU, fp32, an encoder that exports), else torch."""


def cache_dir() -> Path:
    """Where exported graphs are kept: ``$ARGMINE_CACHE/onnx`` or ``~/.cache/argmine/onnx``."""
    root = os.environ.get("ARGMINE_CACHE") or Path.home() / ".cache" / "argmine"
    return Path(root) / "onnx"


def onnx_installed() -> bool:
    """Whether ONNX Runtime and the ``onnx`` package (for the export) can be imported."""
    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def check_backend(backend: str, owner: str = "argmine") -> None:
    """Refuse unknown backends, and ``onnx`` where ONNX Runtime is not installed.

    Raises:
        InputError: E301 naming the parameter and what to do.
    """
    if backend not in BACKENDS:
        raise InputError("E301", param="backend", owner=owner, value=backend,
                         expected=f"one of {', '.join(BACKENDS)}")
    if backend == "onnx" and not onnx_installed():
        raise InputError("E301", param="backend", owner=owner, value=backend,
                         expected="'torch', or install ONNX Runtime first: "
                         "pip install onnxruntime onnx")
