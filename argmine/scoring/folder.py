"""A model folder's names and its config.json, read without importing torch.

Kept apart from :mod:`argmine.scoring.persistence` (which reads and writes the tensors with
torch) so that a model served by the torch-free runtime can be checked and loaded without it.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from argmine._version import __version__
from argmine.errors import ModelFormatError

FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
CARD_NAME = "README.md"


def _argmine_version() -> str:
    return __version__


def read_config(directory: str | Path) -> dict[str, Any]:
    """Read and check a model folder's config.json.

    Raises:
        ModelFormatError: E201 if a file is missing, E203 if the config is invalid,
            E216 if its format_version is not a positive integer, E202 if it was written by
            a newer format.
    """
    directory = Path(directory)
    for name in (CONFIG_NAME, WEIGHTS_NAME):
        if not (directory / name).is_file():
            raise ModelFormatError("E201", path=directory, filename=name)
    try:
        config = json.loads((directory / CONFIG_NAME).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFormatError("E203", path=directory / CONFIG_NAME, detail=str(exc)) from None
    if not isinstance(config, dict) or "format_version" not in config:
        raise ModelFormatError(
            "E203", path=directory / CONFIG_NAME, detail="no 'format_version' field"
        )
    version = config["format_version"]
    # A string "1" is not "newer than 1", and bool is an int to Python: say what is wrong.
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFormatError("E216", path=directory / CONFIG_NAME, found=version,
                               supported=FORMAT_VERSION)
    if version > FORMAT_VERSION:
        raise ModelFormatError("E202", path=directory, found=version, supported=FORMAT_VERSION)
    written = str(config.get("argmine_version", "0.0"))
    if written.split(".")[:2] != _argmine_version().split(".")[:2]:
        warnings.warn(
            f"The model in {directory} was written by argmine {written}; this is argmine "
            f"{_argmine_version()}. It may behave differently.",
            UserWarning,
            stacklevel=3,
        )
    return config
