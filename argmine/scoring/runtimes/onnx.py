"""ONNX Runtime as the encoder backend for inference on a CPU.

The encoder is most of argmine's inference cost. ONNX Runtime runs the same fine-tuned
encoder (exported with mean pooling, dynamic batch and sequence axes) faster than eager torch
on a laptop CPU: it fuses the elementwise work and pre-packs the weights once (see
``benchmarks/experiments/onnx_trial.py`` and the speed table). Outputs agree with torch to ~1e-6.

The exported graph depends on the model's weights, so it is written once per model into a
cache folder (``$ARGMINE_CACHE``, else ``~/.cache/argmine``) under a name derived from the
weights, and reused afterwards. It is a derived file, never part of a model folder: the
safetensors weights stay the one source of truth.

Only inference uses it: training, and the heads on top of the encoder, stay in torch.

Examples:
    >>> from argmine.pipeline import load
    >>> miner = load(backend="onnx")          # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from pathlib import Path

import numpy as np
import torch

from argmine.scoring.backends import cache_dir, check_backend

logger = logging.getLogger(__name__)

_OPSET = 17


class _EncoderGraph(torch.nn.Module):
    """What the exported graph computes.

    ``ArgumentNetwork.encode`` (encoder plus mean pooling), or for a network that reads units
    in segments ``encode_tokens``, whose spans the caller pools.
    """

    def __init__(self, network: torch.nn.Module, tokens: bool) -> None:
        super().__init__()
        self.network, self.tokens = network, tokens

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        encode = self.network.encode_tokens if self.tokens else self.network.encode
        return encode(input_ids, attention_mask)


def _tokens(network: torch.nn.Module) -> bool:
    # A network reading units in context pools spans of a segment, not whole inputs.
    return bool(getattr(getattr(network, "config", None), "segment_tokens", 0))


def _graph_key(network: torch.nn.Module) -> str:
    """A name that changes whenever the encoder's weights (or the exporter) change."""
    digest = hashlib.sha256()
    digest.update(f"{torch.__version__}|{_OPSET}".encode())
    if _tokens(network):
        digest.update(b"|token states")
    for name, tensor in network.encoder.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:24]


def export_encoder(network: torch.nn.Module, path: Path) -> Path:
    """Export ``network.encode`` (encoder + mean pooling) to ONNX at ``path``, atomically.

    For a network that reads units in segments, the graph outputs the token states
    (``encode_tokens``) instead, and the caller pools each unit's span.
    """
    sample = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    tokens = _tokens(network)
    output = "hidden" if tokens else "pooled"
    axes = {"input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            output: {0: "batch", 1: "sequence"} if tokens else {0: "batch"}}
    module = _EncoderGraph(network, tokens)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    was_training = network.training
    network.eval()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on shape-constant branches
            # The TorchScript exporter: the dynamo one would also need onnxscript.
            torch.onnx.export(module.cpu(), sample, str(tmp), dynamo=False,
                              input_names=["input_ids", "attention_mask"],
                              output_names=[output], dynamic_axes=axes,
                              opset_version=_OPSET)
        tmp.replace(path)  # a concurrent exporter writes the same bytes; last one wins
    finally:
        network.train(was_training)
        tmp.unlink(missing_ok=True)
    return path


class OnnxEncoder:
    """Runs the exported encoder in an ONNX Runtime session on the CPU.

    Args:
        network: The ``ArgumentNetwork`` whose encoder to export (its weights as they are).
        threads: Intra-op threads (default: torch's number of threads when first used).
        directory: Cache folder for the exported graph (default: :func:`cache_dir`).
    """

    def __init__(self, network: torch.nn.Module, threads: int | None = None,
                 directory: Path | None = None) -> None:
        check_backend("onnx", owner="OnnxEncoder")
        path = (directory or cache_dir()) / f"encoder-{_graph_key(network)}.onnx"
        if not path.is_file():
            logger.warning("exporting the encoder to ONNX once, into %s", path)
            export_encoder(network, path)
        self.path = path
        self.threads = threads
        self._session = None

    @property
    def session(self):
        """The ONNX Runtime session, made on first use.

        A batch worker sets its thread count after loading the model, and a session's
        threads are fixed when it is made.
        """
        if self._session is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads or torch.get_num_threads()
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # only errors: ORT warns about unused initialisers
            self._session = ort.InferenceSession(str(self.path), options,
                                                 providers=["CPUExecutionProvider"])
        return self._session

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Pooled unit vectors ``(batch, hidden)`` for a tokenized batch.

        Token states ``(batch, tokens, hidden)`` for a network that reads units in segments.
        """
        feeds = {"input_ids": input_ids.cpu().numpy().astype(np.int64),
                 "attention_mask": attention_mask.cpu().numpy().astype(np.int64)}
        return torch.from_numpy(self.session.run(None, feeds)[0])
