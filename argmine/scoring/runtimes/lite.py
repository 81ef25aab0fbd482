"""Inference without torch: the cached ONNX encoder, then the heads in NumPy.

Importing torch and transformers costs 5-10 s on a laptop CPU, far more than labelling a
short text. Once a model's encoder graph has been exported (by the full load, on first use:
:mod:`argmine.scoring.runtimes.onnx`), this runtime serves the same model with ONNX Runtime,
``tokenizers`` and NumPy only; its probabilities match the torch network's to about 1e-6.

A folder is served here only if its exact bytes (config.json, model.safetensors) and its
base encoder's files were validated by a full load before: that load records the pair
(folder digest → graph) in the cache index, and any change to the folder or the base
encoder changes the digest, which sends the next load down the full path again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from argmine.decoding.blocks import FULL_LINK_UNITS, candidate_blocks
from argmine.document import Document
from argmine.errors import InputError
from argmine.schema import Label
from argmine.scoring.backends import cache_dir
from argmine.scoring.batching import (
    ENCODE_CHUNK,
    FULL_KIND_PAIRS,
    KIND_TOP_K,
    PREDICT_GROUP_UNITS,
    SEGMENT_CHUNK,
    batches,
)
from argmine.scoring.encoders import DEFAULT_ENCODER, resolve_encoder
from argmine.scoring.features import n_features, unit_features
from argmine.scoring.folder import CARD_NAME, CONFIG_NAME, WEIGHTS_NAME
from argmine.scoring.protocol import Prediction
from argmine.scoring.segments import chunks, document_segments, padded, pool, units_of

INDEX_VERSION = 1
MODEL_TYPE = "argmine-network"
_ENCODER_FILES = ("config.json", "tokenizer.json", "model.safetensors")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax that keeps rows of -inf padding at probability 0."""
    top = np.max(x, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(x - top)
    return e / e.sum(axis=axis, keepdims=True)


def folder_digest(folder: Path, encoder_files: Sequence[Path]) -> str:
    """A digest of everything a prediction depends on.

    The folder's files are hashed whole; the base encoder's files (tens of MB, installed by
    a package) only by path, size and modification time, which change on reinstall.
    """
    digest = hashlib.sha256(f"argmine-lite-{INDEX_VERSION}".encode())
    for name in ("config.json", "model.safetensors"):
        with open(folder / name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    for path in encoder_files:
        stat = path.stat()
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def index_path(cache: Path, digest: str) -> Path:
    """Where the index entry of a validated model folder lives."""
    return cache / "models" / f"{digest}.json"


def record(cache: Path, digest: str, graph: Path) -> None:
    """Note that the folder with this digest was validated and its encoder graph is ``graph``."""
    path = index_path(cache, digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"index_version": INDEX_VERSION, "graph": graph.name}))
    tmp.replace(path)


def lookup(cache: Path, digest: str) -> Path | None:
    """The cached graph of a validated folder, or None (never validated, or graph gone)."""
    try:
        entry = json.loads(index_path(cache, digest).read_text())
        name = entry["graph"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    # The index names a file of the cache folder, never a path elsewhere.
    if entry.get("index_version") != INDEX_VERSION or not isinstance(name, str) \
            or Path(name).name != name:
        return None
    graph = cache / name
    return graph if graph.is_file() else None


class NumpyHeads:
    """:class:`ArgumentNetwork`'s heads (features, BiGRU context, label, link, kind) in NumPy.

    Mirrors ``ArgumentNetwork.states``, ``label_head`` and ``link_heads`` operation for
    operation (the GRU follows torch's gate order r, z, n).
    """

    def __init__(self, weights: dict[str, np.ndarray], network: dict) -> None:
        self.w = {k: v.astype(np.float32) for k, v in weights.items()
                  if not k.startswith("encoder.")}
        self.feature_dim = int(network.get("feature_dim", 32))
        self.max_distance = int(network.get("max_distance", 12))

    def _linear(self, name: str, x: np.ndarray) -> np.ndarray:
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _gru(self, x: np.ndarray, suffix: str) -> np.ndarray:
        w_hh = self.w[f"context.weight_hh_l0{suffix}"]
        b_hh = self.w[f"context.bias_hh_l0{suffix}"]
        width = w_hh.shape[1]
        # The input projections of all steps at once: only the recurrence is sequential.
        gates_in = x @ self.w[f"context.weight_ih_l0{suffix}"].T + self.w[
            f"context.bias_ih_l0{suffix}"]
        h = np.zeros(width, dtype=np.float32)
        out = np.empty((x.shape[0], width), dtype=np.float32)
        steps = range(x.shape[0] - 1, -1, -1) if suffix else range(x.shape[0])
        for t in steps:
            gates_h = w_hh @ h + b_hh
            r = _sigmoid(gates_in[t, :width] + gates_h[:width])
            z = _sigmoid(gates_in[t, width:2 * width] + gates_h[width:2 * width])
            candidate = np.tanh(gates_in[t, 2 * width:] + r * gates_h[2 * width:])
            h = (1.0 - z) * candidate + z * h
            out[t] = h
        return out

    def states(self, vectors: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Unit vectors, projected features and the BiGRU context, side by side."""
        if features.shape[1]:
            feats = np.maximum(self._linear("features", features), 0.0)
        else:
            feats = np.zeros((vectors.shape[0], self.feature_dim), dtype=np.float32)
        state = np.concatenate([vectors, feats], axis=-1)
        if "context.weight_ih_l0" in self.w:
            context = [self._gru(state, ""), self._gru(state, "_reverse")]
            state = np.concatenate([state, *context], axis=-1)
        return state

    def labels(self, state: np.ndarray) -> np.ndarray:
        """Label logits ``(n, 5)``."""
        return self._linear("label_head", state)

    def link_heads(self, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Link logits ``(m, m + 1)`` and kind logits ``(m, m)`` among the rows of ``state``."""
        n = state.shape[0]
        child = np.tanh(self._linear("child", state))
        parent = np.tanh(self._linear("parent", state))
        idx = np.arange(n)
        buckets = np.clip(idx[None, :] - idx[:, None], -self.max_distance,
                          self.max_distance) + self.max_distance
        pair = child @ self.w["biaffine"] @ parent.T
        pair = pair + self._linear("parent_bias", parent).reshape(1, -1)
        pair = pair + self.w["distance_bias.weight"][buckets, 0]
        pair[idx, idx] = -1e4
        links = np.concatenate([pair, self._linear("no_parent", state)], axis=1)
        return links, self._kinds(child, parent, buckets, pair)

    def _kind_head(self, x: np.ndarray) -> np.ndarray:
        hidden = np.maximum(x @ self.w["kind_head.0.weight"].T + self.w["kind_head.0.bias"], 0)
        return (hidden @ self.w["kind_head.2.weight"].T + self.w["kind_head.2.bias"])[..., 0]

    def _kinds(self, child, parent, buckets, pair) -> np.ndarray:
        n, emb = child.shape[0], self.w["distance_kind.weight"]
        if n <= FULL_KIND_PAIRS:
            parents = np.broadcast_to(parent[None], (n, n, parent.shape[1]))
            children = np.broadcast_to(child[:, None], (n, n, child.shape[1]))
            return self._kind_head(np.concatenate(
                [children, parents, children * parents, emb[buckets]], axis=-1))
        k = min(KIND_TOP_K, n - 1)
        top = np.argsort(-pair, axis=1, kind="stable")[:, :k]
        parents = parent[top]
        children = np.broadcast_to(child[:, None], (n, k, child.shape[1]))
        logits = self._kind_head(np.concatenate(
            [children, parents, children * parents, emb[np.take_along_axis(buckets, top, 1)]],
            axis=-1))
        out = np.zeros((n, n), dtype=np.float32)
        np.put_along_axis(out, top, logits, 1)
        return out


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _encoder_files(config: dict) -> list[Path] | None:
    location, is_local = resolve_encoder(config.get("encoder") or DEFAULT_ENCODER)
    if not is_local:
        return None
    files = [Path(location) / name for name in _ENCODER_FILES]
    return files if all(f.is_file() for f in files) else None


def _usable(config: dict) -> bool:
    network = config.get("network") or {}
    # Pair features are computed with torch; such models take the full path.
    return config.get("model_type") == MODEL_TYPE and not network.get("n_pair_features")


def folder_key(folder: Path, config: dict) -> str | None:
    """The digest a folder is recorded under, or None where this runtime cannot serve it.

    Computed once per load: it reads the whole weights file.
    """
    files = _encoder_files(config) if _usable(config) else None
    return None if files is None else folder_digest(Path(folder), files)


def remember(key: str, graph: Path) -> None:
    """Record that the folder of ``key`` (just validated by a full load) runs on ``graph``."""
    if graph.parent == cache_dir():
        record(cache_dir(), key, graph)


def _tokenizer(path: Path, max_length: int):
    from tokenizers import Tokenizer  # the fast tokenizer alone, without transformers

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length)
    tokenizer.no_padding()
    return tokenizer


class LiteScorer:
    """An inference-only :class:`~argmine.scoring.protocol.Scorer` that imports no torch.

    Same predictions as :class:`~argmine.scoring.model.ArgumentModel` with the ONNX backend
    (to about 1e-6); it cannot be trained. Made by :meth:`from_cache`, which returns None
    where the folder was not validated by a full load before.

    Args:
        folder: The model folder.
        config: Its config.json.
        graph: The cached ONNX graph of its encoder.
        tokenizer: The encoder's ``tokenizers`` file.
        threads: ONNX Runtime intra-op threads (default: the CPUs this process may use).
    """

    backend = "onnx"

    def __init__(self, folder: Path, config: dict, graph: Path, tokenizer: Path,
                 threads: int | None = None) -> None:
        from safetensors.numpy import load_file  # numpy only: no torch

        self.folder = Path(folder)
        self.config_ = config
        self.graph = graph
        self.threads = threads
        self.labels_ = tuple(Label(x) for x in config["labels"])
        training = config.get("training") or {}
        self.max_length = int(training.get("max_length", 96))
        self.position = bool(training.get("position_features", True))
        self.markers = bool(training.get("marker_features", True))
        self.heads_ = NumpyHeads(load_file(str(self.folder / WEIGHTS_NAME)), config["network"])
        self.segment_tokens = int(config["network"].get("segment_tokens", 0))
        self.tokenizer_path = tokenizer
        self.tokenizer_ = _tokenizer(tokenizer, self.max_length)
        self._session = None

    @classmethod
    def from_cache(cls, folder: Path, config: dict, key: str) -> LiteScorer | None:
        """The torch-free scorer of a folder validated before (``key``: :func:`folder_key`)."""
        graph = lookup(cache_dir(), key)
        if graph is None:
            return None
        return cls(Path(folder), config, graph, _encoder_files(config)[1])

    @property
    def session(self):
        """The ONNX Runtime session, made on first use (a worker sets its threads first)."""
        if self._session is None:
            import onnxruntime as ort  # deferred: only scoring needs it

            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads or _cpus()
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._session = ort.InferenceSession(str(self.graph), options,
                                                 providers=["CPUExecutionProvider"])
        return self._session

    def __getstate__(self) -> dict:
        # Batch workers receive the scorer by pickling; a session is rebuilt where it lands.
        state = dict(self.__dict__)
        state["_session"] = None
        state.pop("tokenizer_", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.tokenizer_ = _tokenizer(self.tokenizer_path, self.max_length)

    def use_backend(self, backend: str = "onnx", *, threads: int | None = None) -> LiteScorer:
        """Keep ONNX Runtime (the only runtime here); ``"torch"`` needs a full load.

        Raises:
            InputError: E301 for ``"torch"``: load with ``backend="torch"`` instead.
        """
        if backend not in ("auto", "onnx"):
            raise InputError("E301", param="backend", owner="LiteScorer.use_backend",
                             value=backend, expected="'auto' or 'onnx' for a model served "
                             "without torch; load it with argmine.load(..., backend='torch')")
        if threads:
            self.set_threads(threads)
        return self

    def set_threads(self, threads: int) -> None:
        """Run ONNX Runtime on ``threads`` intra-op threads (a batch worker's share)."""
        if threads != self.threads:
            self.threads, self._session = threads, None

    def to(self, device: str) -> LiteScorer:
        """Stay on the CPU (the only device here).

        Raises:
            InputError: E301 for any other device: load with ``backend="torch"`` for a GPU.
        """
        if str(device) != "cpu":
            raise InputError("E301", param="device", owner="LiteScorer.to", value=device,
                             expected="'cpu' for a model served by ONNX Runtime; load it with "
                             "argmine.load(..., backend='torch') to use a GPU")
        return self

    def save_pretrained(self, directory: str | Path) -> Path:
        """Copy the model folder this scorer serves (its bytes are the model)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name in (CONFIG_NAME, WEIGHTS_NAME, CARD_NAME):
            if (self.folder / name).is_file() and (self.folder / name).resolve() != \
                    (directory / name).resolve():
                shutil.copyfile(self.folder / name, directory / name)
        return directory

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        # As ArgumentModel._encode_sorted: sorted by token count, chunks padded to their
        # longest unit, so the vectors equal the torch path's.
        ids = [e.ids for e in self.tokenizer_.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        out = None
        for start in range(0, len(order), ENCODE_CHUNK):
            idx = order[start : start + ENCODE_CHUNK]
            width = max(len(ids[i]) for i in idx)
            input_ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros_like(input_ids)
            for row, i in enumerate(idx):
                input_ids[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            pooled = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
            if out is None:
                out = np.empty((len(texts), pooled.shape[1]), dtype=np.float32)
            out[idx] = pooled
        return out

    def _encode_segments(self, docs: Sequence[Document]) -> np.ndarray:
        # As ArgumentModel._encode_segments: the same segments, chunks and pooling.
        texts = [u.text for d in docs for u in d.units]
        limit = self.max_length - 2
        ids = [e.ids[:limit] for e in
               self.tokenizer_.encode_batch(texts, add_special_tokens=False)]
        segs = document_segments(ids, [[u.paragraph for u in d.units] for d in docs],
                                 self.segment_tokens, self.tokenizer_.encode("").ids)
        out = None
        for chunk in chunks(segs, SEGMENT_CHUNK):
            input_ids, mask = padded(chunk)
            hidden = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
            rows, spans, targets = units_of(chunk)
            if out is None:
                out = np.empty((len(texts), hidden.shape[-1]), dtype=np.float32)
            out[targets] = pool(hidden, rows, spans)
        return out

    def _features(self, doc: Document) -> np.ndarray:
        rows = unit_features(doc.units, position=self.position, markers=self.markers)
        width = n_features(position=self.position, markers=self.markers)
        return np.asarray(rows, dtype=np.float32).reshape(len(doc.units), width)

    def _predict_one(self, doc: Document, vectors: np.ndarray, links: bool,
                     link_block: int | None) -> Prediction:
        heads = self.heads_
        state = heads.states(vectors, self._features(doc))
        label_probs = softmax(heads.labels(state))
        if not links:
            return Prediction(label_probs, None, None)
        n = len(doc.units)
        blocks = candidate_blocks([u.paragraph for u in doc.units], link_block) \
            if link_block is not None else [(0, n)]
        if len(blocks) == 1:
            link_logits, kinds = heads.link_heads(state)
            return Prediction(label_probs, softmax(link_logits), _sigmoid(kinds))
        k = max(e - s for s, e in blocks)
        link_logits = np.full((n, k + 1), -np.inf, dtype=np.float32)
        kinds = np.zeros((n, k), dtype=np.float32)
        candidates = np.full((n, k), -1, dtype=np.int64)
        for s, e in blocks:
            m = e - s
            block_links, block_kinds = heads.link_heads(state[s:e])
            link_logits[s:e, :m], link_logits[s:e, k] = block_links[:, :m], block_links[:, m]
            kinds[s:e, :m] = block_kinds
            candidates[s:e, :m] = np.arange(s, e)
        return Prediction(label_probs, softmax(link_logits), _sigmoid(kinds), candidates)

    def predict_proba(
        self, documents: Sequence[Document], *, batch_units: int = PREDICT_GROUP_UNITS,
        links: bool = True, link_block: int | None = FULL_LINK_UNITS,
    ) -> list[Prediction]:
        """Score the units of each document, as :meth:`ArgumentModel.predict_proba` does."""
        results: list[Prediction | None] = [None] * len(documents)
        order = [i for i, d in enumerate(documents) if d.units]
        for i, doc in enumerate(documents):
            if not doc.units:
                results[i] = Prediction.empty(links=links)
        for group in batches([documents[i] for i in order], batch_units):
            vectors = self._encode_segments(group) if self.segment_tokens else \
                self._encode([u.text for d in group for u in d.units])
            offset = 0
            for doc in group:
                n = len(doc.units)
                results[order.pop(0)] = self._predict_one(doc, vectors[offset : offset + n],
                                                          links, link_block)
                offset += n
        return results  # type: ignore[return-value]

    def predict(self, documents: Sequence[Document]) -> list[list[Label]]:
        """Return the most probable label of every unit of every document."""
        return [p.labels for p in self.predict_proba(documents)]
