"""The model folder: config.json + model.safetensors + README.md, never pickles.

A saved model stores only what training changed (the fine-tuned top encoder layers and the
heads, in fp16) plus the id of the base encoder; loading rebuilds the base encoder from its
package or cache and lays the stored weights over it. That keeps the default model small
enough to live in the repository.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save

from argmine._version import __version__
from argmine.errors import ModelFormatError
from argmine.scoring.folder import (  # noqa: F401 - read_config stays importable from here
    CARD_NAME,
    CONFIG_NAME,
    FORMAT_VERSION,
    WEIGHTS_NAME,
    read_config,
)


def _argmine_version() -> str:
    return __version__


def fingerprint(encoder: torch.nn.Module) -> float:
    """A cheap checksum of the base encoder's frozen weights (catches a different base)."""
    emb = encoder.get_input_embeddings().weight
    return round(float(emb.detach().float()[:64].sum()), 3)


def save_model(
    directory: str | Path,
    config: dict[str, Any],
    state: dict[str, torch.Tensor],
    *,
    card: str | None = None,
    dtype: torch.dtype = torch.float16,
) -> Path:
    """Write a model folder.

    Args:
        directory: The folder (created if missing).
        config: JSON-ready settings; versions are added here.
        state: The tensors to store (already restricted to the trainable ones).
        card: Text of the model card (README.md).
        dtype: Floating-point tensors are stored in this type (fp16 halves the size).

    Returns:
        The folder.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    full = dict(config)
    full["format_version"] = FORMAT_VERSION
    full["argmine_version"] = _argmine_version()
    full["torch_version"] = torch.__version__.split("+")[0]
    try:
        import transformers

        full["transformers_version"] = transformers.__version__
    except ImportError:  # pragma: no cover - transformers is a dependency
        pass
    tensors = {
        name: (t.detach().to(dtype) if t.is_floating_point() else t.detach()).contiguous().cpu()
        for name, t in state.items()
    }
    tmp = directory / (WEIGHTS_NAME + ".tmp")
    # safetensors' save_file creates its file with mode 0600 whatever the umask; writing the
    # bytes ourselves keeps the folder readable by whoever may read its config.json (a
    # shared model folder, Ray workers running as another user).
    tmp.write_bytes(save(tensors, metadata={"format": "pt",
                                            "argmine_format": str(FORMAT_VERSION)}))
    tmp.replace(directory / WEIGHTS_NAME)
    (directory / CONFIG_NAME).write_text(json.dumps(full, indent=2, sort_keys=True) + "\n")
    if card is not None:
        (directory / CARD_NAME).write_text(card)
    return directory


def read_weights(directory: str | Path) -> dict[str, torch.Tensor]:
    """Read model.safetensors (half-precision tensors widened to float32).

    Raises:
        ModelFormatError: E203 if the file is not valid safetensors.
    """
    path = Path(directory) / WEIGHTS_NAME
    try:
        state = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types
        raise ModelFormatError("E203", path=path, detail=f"unreadable weights ({exc})") from None
    # fp16 storage is widened for computation; float64 (the baseline's) is kept as it is.
    return {k: (v.float() if v.dtype in (torch.float16, torch.bfloat16) else v)
            for k, v in state.items()}


FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
"""The dtypes a stored floating-point tensor may have (widened or cast on load)."""


def check_tensors(
    state: dict[str, torch.Tensor],
    expected: dict[str, torch.Tensor | tuple[tuple[int, ...], torch.dtype]],
    path: str | Path,
) -> None:
    """Check stored tensors against what the model built from config.json needs.

    ``load_state_dict`` would copy an int32 tensor into a float parameter without a word
    and fail with a bare ``RuntimeError`` on a wrong shape; NaN or inf weights load
    silently and only make every prediction garbage. So each is refused here, by name.

    Args:
        state: The tensors read from the weights file.
        expected: For each name to check, the model's tensor (or ``(shape, dtype)``).
            Names not listed here are only checked for finiteness.
        path: The weights file, for the messages.

    Raises:
        ModelFormatError: E211 for a wrong shape, E214 for a wrong dtype, E213 for NaN or
            infinite values.
    """
    for name in sorted(state):
        tensor = state[name]
        reference = expected.get(name)
        if reference is not None:
            shape, dtype = ((tuple(reference.shape), reference.dtype)
                            if isinstance(reference, torch.Tensor) else reference)
            if tuple(tensor.shape) != tuple(shape):
                raise ModelFormatError("E211", path=path, name=name,
                                       found=tuple(tensor.shape), expected=tuple(shape))
            if dtype.is_floating_point:
                if tensor.dtype not in FLOAT_DTYPES:
                    raise ModelFormatError(
                        "E214", path=path, name=name, found=str(tensor.dtype),
                        expected="a floating-point type "
                        "(float16, bfloat16, float32 or float64)")
            elif tensor.dtype != dtype:
                raise ModelFormatError("E214", path=path, name=name, found=str(tensor.dtype),
                                       expected=str(dtype))
        if tensor.dtype in FLOAT_DTYPES:
            bad = int((~torch.isfinite(tensor)).sum())
            if bad:
                raise ModelFormatError("E213", path=path, name=name, count=bad)
