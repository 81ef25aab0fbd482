"""A model folder → the scorer that reads it, its config.json read once."""

from __future__ import annotations

from pathlib import Path

from argmine.errors import InputError

BASELINE_TYPE = "argmine-baseline"


def load_scorer(path: Path, *, quantize: bool = False):
    """Load the scorer a model folder holds: the transformer model or the TF-IDF baseline.

    Raises:
        ModelFormatError: If the folder is missing files or its config is invalid.
        InputError: E301 for ``quantize=True`` on the baseline.
    """
    # persistence and the models import torch: deferred so that `import argmine` stays light.
    from argmine.scoring import persistence

    config = persistence.read_config(path)
    if config.get("model_type") == BASELINE_TYPE:
        if quantize:
            raise InputError("E301", param="quantize", owner="argmine.load",
                             expected=f"False for {path}: it is the TF-IDF baseline, which has "
                             "no neural layers to quantize (only argmine's network model has)",
                             value=quantize)
        from argmine.scoring.baseline import BaselineModel  # torch, scikit-learn: deferred

        return BaselineModel.from_pretrained(path, config=config)
    if quantize:
        from argmine.scoring.runtimes.int8 import QuantizedArgumentModel  # torch: deferred

        return QuantizedArgumentModel.from_pretrained(path, config=config)
    from argmine.scoring.model import ArgumentModel  # torch: deferred

    return ArgumentModel.from_pretrained(path, config=config)
