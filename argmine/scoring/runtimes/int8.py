"""int8 dynamic quantization of a fitted ArgumentModel, for faster CPU inference.

Dynamic quantization stores the weights of the encoder's ``nn.Linear`` layers in int8 and
quantizes their inputs on the fly, each token's row with its own scale
(:class:`RowScaledLinear`), so a unit's labels do not depend on what else shares its batch:
no calibration data, no retraining, and the Linear layers are where MiniLM spends nearly
all of its FLOPs. The copy is for
inference only. It cannot be trained or saved: a saved model stays the fp16 safetensors
of the original, and ``argmine.load(path, quantize=True)`` quantizes it again on load
(well under a second for MiniLM).

Examples:
    >>> from argmine.scoring.model import ArgumentModel
    >>> from argmine.scoring.runtimes.int8 import is_quantized, quantize_dynamic
    >>> model = ArgumentModel.from_pretrained("models/default")   # doctest: +SKIP
    >>> fast = quantize_dynamic(model)                            # doctest: +SKIP
    >>> fast.quantized_, is_quantized(model)                      # doctest: +SKIP
    (True, False)
"""

from __future__ import annotations

import copy
import warnings
from pathlib import Path

import torch
from torch import nn

from argmine.errors import InferenceOnlyError, InputError
from argmine.scoring.model import ArgumentModel


class QuantizedArgumentModel(ArgumentModel):
    """An :class:`~argmine.scoring.model.ArgumentModel` whose encoder runs int8 Linear layers.

    Build one with :func:`quantize_dynamic` or :meth:`from_pretrained`. It predicts like
    its original (``predict_proba``, ``predict``, ``score``) and refuses what only an fp32
    model can do: ``fit``, ``save_pretrained`` and moving off the CPU.

    Attributes:
        quantized_: Always ``True`` (:func:`is_quantized` reads it; fp32 models lack it).
        quantized_modules_: Which parts were quantized (``"encoder"``, ``"heads"``).
    """

    quantized_ = True

    @classmethod
    def from_pretrained(cls, directory: str | Path, *, heads: bool = False,
                        **kwargs) -> QuantizedArgumentModel:
        """Load a model folder written by ``save_pretrained`` and quantize it.

        Args:
            directory: The fp32/fp16 model folder.
            heads: Quantize the GRU and the heads too (see :func:`quantize_dynamic`).
            **kwargs: Passed to ``ArgumentModel.from_pretrained``; a ``device`` other
                than the CPU is refused.

        Raises:
            InferenceOnlyError: E207 for a device other than the CPU.
            ModelFormatError: As ``ArgumentModel.from_pretrained``.
        """
        _check_cpu(kwargs.get("device", "cpu"))
        # No copy: the freshly loaded fp32 model is never seen by anyone else.
        return _convert(ArgumentModel.from_pretrained(directory, **kwargs), heads=heads)

    def fit(self, *args, **kwargs) -> QuantizedArgumentModel:
        """Refused: int8 weights cannot be fine-tuned.

        Raises:
            InferenceOnlyError: E207, always.
        """
        raise InferenceOnlyError("E207", action="fit")

    def save_pretrained(self, directory: str | Path, *, card: str | None = None) -> Path:
        """Refused: a model folder holds the fp16 weights of the original, never int8.

        Raises:
            InferenceOnlyError: E207, always.
        """
        raise InferenceOnlyError("E207", action="save_pretrained")

    def to(self, device: str | torch.device) -> QuantizedArgumentModel:
        """Stay on the CPU (the only device dynamic int8 kernels exist for).

        Raises:
            InferenceOnlyError: E207 for any other device.
        """
        _check_cpu(device)
        return self


def _check_cpu(device: str | torch.device) -> None:
    if torch.device(device).type != "cpu":
        raise InferenceOnlyError("E207", action=f"running on {device!s}")


def check_quantizable(model: object) -> None:
    """Refuse, before any work is done, a model that :func:`quantize_dynamic` cannot take.

    Only the type and the device are checked, so an unfitted estimator can be checked
    before a long ``fit``.

    Raises:
        InputError: E301 if ``model`` is not an ``ArgumentModel`` (e.g. the TF-IDF
            baseline, which has no neural layers to quantize).
        InferenceOnlyError: E207 if it lives on a GPU.

    Examples:
        >>> from argmine.scoring.baseline import BaselineModel
        >>> try:
        ...     check_quantizable(BaselineModel())
        ... except InputError as exc:
        ...     print(exc.code)
        E301
    """
    if not isinstance(model, ArgumentModel):
        raise InputError("E301", param="model", owner="argmine.quantization",
                         expected="a fitted ArgumentModel (the baseline's logistic regression "
                         "has no layers that int8 quantization speeds up)",
                         value=type(model).__name__)
    _check_cpu(getattr(model, "device", "cpu"))


def is_quantized(model: object) -> bool:
    """Whether ``model`` is an int8 copy made by this module.

    Examples:
        >>> is_quantized(ArgumentModel())
        False
    """
    return bool(getattr(model, "quantized_", False))


def quantize_dynamic(model: ArgumentModel, *, heads: bool = False) -> QuantizedArgumentModel:
    """Return an int8 dynamically quantized copy of a fitted model; the original is untouched.

    Args:
        model: A fitted ``ArgumentModel`` on the CPU.
        heads: Also quantize the document-context GRU and the Linear layers of the heads.
            Off by default: they cost well under 1 % of the time of a prediction, so there
            is no speed to gain there, only accuracy to lose.

    Returns:
        A :class:`QuantizedArgumentModel` (``quantized_ is True``).

    Raises:
        InputError: E301 if ``model`` is not an ``ArgumentModel``.
        NotFittedError: E205 if it is not fitted.
        InferenceOnlyError: E207 if it lives on a GPU.
    """
    check_quantizable(model)
    model._check_fitted()
    return _convert(copy.deepcopy(model), heads=heads)


class RowScaledLinear(nn.Module):
    """A dynamically quantized Linear whose inputs are quantized row by row.

    torch's dynamic int8 Linear quantizes its whole input tensor with one scale, taken from
    that tensor's range. The encoder's input holds every unit of a batch (padding included),
    so a unit's int8 activations, and its labels, depended on which other documents shared
    its batch: on the seed article, label probabilities moved by up to .16 when one short
    document was scored beside it. Here each row (one token) is divided by its own largest
    magnitude before the int8 Linear, and one anchor row holding +1 and -1 pins the tensor's
    range to [-1, 1], so the quantization scale is the same for every batch and each row's
    result depends on that row alone; the row's scale is multiplied back afterwards, and
    the bias is added in float.

    Args:
        quantized: A ``torch.ao.nn.quantized.dynamic.Linear``; its bias is taken out of it.
    """

    def __init__(self, quantized: nn.Module) -> None:
        super().__init__()
        self.bias = quantized.bias()
        quantized.set_weight_bias(quantized.weight(), None)
        self.quantized = quantized
        anchor = torch.zeros(1, quantized.in_features)
        anchor[0, 0], anchor[0, -1] = 1.0, -1.0
        self.register_buffer("anchor", anchor, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the Linear to ``x`` of shape ``(..., in_features)``."""
        shape = x.shape
        rows = x.reshape(-1, shape[-1])
        # amax and amin are vectorised reductions; abs().amax and the inf-norm were 2-18x
        # slower on a 2-core CPU.
        scale = torch.maximum(rows.amax(-1, keepdim=True), rows.amin(-1, keepdim=True).neg_())
        scale.clamp_(min=1e-12)
        scaled = torch.empty(rows.shape[0] + 1, rows.shape[1], dtype=rows.dtype)
        torch.div(rows, scale, out=scaled[:-1])
        scaled[-1] = self.anchor
        out = self.quantized(scaled)[:-1]
        out = out.mul_(scale) if self.bias is None else torch.addcmul(self.bias, out, scale)
        return out.reshape(*shape[:-1], out.shape[-1])


def _scale_rows(module: nn.Module) -> None:
    """Replace every dynamic int8 Linear below ``module`` by a :class:`RowScaledLinear`."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear

    for name, child in module.named_children():
        if isinstance(child, DynamicLinear):
            setattr(module, name, RowScaledLinear(child))
        else:
            _scale_rows(child)


def _convert(model: ArgumentModel, *, heads: bool) -> QuantizedArgumentModel:
    """Quantize ``model``'s network in place and hand its state to a QuantizedArgumentModel."""
    if is_quantized(model):
        return model  # type: ignore[return-value]
    from torch.ao.quantization import (
        default_dynamic_qconfig,
        per_channel_dynamic_qconfig,
    )
    from torch.ao.quantization import quantize_dynamic as torch_quantize

    # Weights: one scale per output row, not per matrix (on the AAE2 test sentences 95 % of
    # the fp32 labels kept instead of 93 %, same speed). Inputs: one scale per token row
    # (_scale_rows): 98.7 % kept instead of 95.5 %, and batch-independent, for ~10 % of the
    # int8 speed (torch backend, 2 threads: 235 instead of 258 sentences/s; fp32 214;
    # benchmarks/experiments/int8_check.py).
    linear = {nn.Linear: per_channel_dynamic_qconfig}
    net = model.network_.eval()
    with warnings.catch_warnings():
        # torch 2.13 marks torch.ao.quantization deprecated (in favour of torchao) but it
        # is what the pinned torch ships; the warning tells argmine's users nothing.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        torch_quantize(net.encoder, linear, dtype=torch.qint8, inplace=True)
        _scale_rows(net.encoder)
        parts = ["encoder"]
        if heads:
            # The encoder is already converted; the GRU and head Linears are what remains.
            torch_quantize(net, {**linear, nn.GRU: default_dynamic_qconfig}, dtype=torch.qint8,
                           inplace=True)
            parts.append("heads")
    out = QuantizedArgumentModel.__new__(QuantizedArgumentModel)
    out.__dict__.update(model.__dict__)
    out.quantized_modules_ = tuple(parts)
    return out
