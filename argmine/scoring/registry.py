"""A model folder → the scorer that reads it, its config.json read once."""

from __future__ import annotations

from pathlib import Path

from argmine.errors import InputError
from argmine.scoring.backends import onnx_installed
from argmine.scoring.folder import read_config
from argmine.scoring.runtimes.lite import LiteScorer, folder_key, remember

BASELINE_TYPE = "argmine-baseline"


def load_scorer(path: Path, *, quantize: bool = False, backend: str = "torch"):
    """Load the scorer a model folder holds: the transformer model or the TF-IDF baseline.

    With ``backend`` ``"auto"`` or ``"onnx"``, a folder whose exact bytes a full load has
    validated before, and whose encoder graph is cached, is served by the torch-free
    :class:`~argmine.scoring.runtimes.lite.LiteScorer` (a start in well under a second
    instead of 5-10 s of importing torch); otherwise the full load runs and records the folder
    for next time.

    Raises:
        ModelFormatError: If the folder is missing files or its config is invalid.
        InputError: E301 for ``quantize=True`` on the baseline.
    """
    config = read_config(path)
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
    key = folder_key(path, config) if backend in ("auto", "onnx") and onnx_installed() else None
    if key is not None:
        lite = LiteScorer.from_cache(path, config, key)
        if lite is not None:
            return lite
    from argmine.scoring.model import ArgumentModel  # torch: deferred

    model = ArgumentModel.from_pretrained(path, config=config)
    if backend != "torch":
        model.use_backend(backend)
        encoder = getattr(model, "onnx_encoder_", None)
        if encoder is not None and key is not None:
            remember(key, encoder.path)
    return model
