"""The training loop: corpus mixture sampling, class weighting, early stopping, checkpoints."""

from __future__ import annotations

import json
import logging
import math
import random
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from argmine.document import Document
from argmine.schema import LABELS, RelationKind
from argmine.training.config import TrainingConfig

logger = logging.getLogger(__name__)

CHECKPOINT_STATE = "trainer_state.json"
CHECKPOINT_OPTIMIZER = "optimizer.safetensors"


def corpus_of(doc: Document) -> str:
    """The corpus a document came from (its ``meta["corpus"]``), for mixture sampling."""
    return str(doc.meta.get("corpus", "user"))


def split_dev(
    documents: Sequence[Document], fraction: float, seed: int
) -> tuple[list[Document], list[Document]]:
    """Hold out a reproducible fraction of documents (stratified by corpus) for early stopping."""
    rng = random.Random(seed)
    train: list[Document] = []
    dev: list[Document] = []
    by_corpus: dict[str, list[Document]] = {}
    for doc in documents:
        by_corpus.setdefault(corpus_of(doc), []).append(doc)
    for name in sorted(by_corpus):
        docs = list(by_corpus[name])
        rng.shuffle(docs)
        k = int(round(len(docs) * fraction)) if len(docs) > 4 else 0
        dev += docs[:k]
        train += docs[k:]
    return train, dev


def sample_epoch(
    documents: Sequence[Document], config: TrainingConfig, epoch: int
) -> list[Document]:
    """Draw one epoch's documents from the corpus mixture.

    Each corpus contributes ``weight × its unit count`` units, scaled so that the epoch holds
    about ``units_per_epoch`` units; small corpora are cycled, large ones subsampled. A new
    seed per epoch keeps resumed runs identical to uninterrupted ones. The drawn documents
    are then rewritten by ``config.augment`` (:mod:`argmine.training.augment`).
    """
    from argmine.training.augment import augment_epoch

    rng = random.Random(config.seed * 1000 + epoch)
    if config.units_per_epoch is None:
        docs = list(documents)
        rng.shuffle(docs)
        return augment_epoch(docs, config.augment, rng)
    by_corpus: dict[str, list[Document]] = {}
    for doc in documents:
        by_corpus.setdefault(corpus_of(doc), []).append(doc)
    mass = {
        name: config.corpus_weights.get(name, 1.0) * sum(len(d.units) for d in docs)
        for name, docs in by_corpus.items()
    }
    total = sum(mass.values()) or 1.0
    chosen: list[Document] = []
    for name in sorted(by_corpus):
        budget = config.units_per_epoch * mass[name] / total
        docs = list(by_corpus[name])
        rng.shuffle(docs)
        got, i = 0, 0
        while got < budget and docs:
            doc = docs[i % len(docs)]
            chosen.append(doc)
            got += len(doc.units)
            i += 1
    rng.shuffle(chosen)
    return augment_epoch(chosen, config.augment, rng)


def batches(docs: Sequence[Document], batch_units: int) -> list[list[Document]]:
    """Group whole documents into batches of about ``batch_units`` units."""
    out: list[list[Document]] = []
    current: list[Document] = []
    size = 0
    for doc in docs:
        current.append(doc)
        size += len(doc.units)
        if size >= batch_units:
            out.append(current)
            current, size = [], 0
    if current:
        out.append(current)
    return out


def class_weights(documents: Sequence[Document], config: TrainingConfig) -> torch.Tensor:
    """Per-label loss weights ``frequency ** -power``, normalised to mean 1 over seen labels."""
    counts = Counter()
    for doc in documents:
        w = config.corpus_weights.get(corpus_of(doc), 1.0)
        for unit in doc.units:
            if unit.label is not None:
                counts[unit.label] += w
    total = sum(counts.values()) or 1.0
    weights = []
    for label in LABELS:
        freq = counts.get(label, 0) / total
        weights.append(freq ** -config.class_weight_power if freq > 0 else 0.0)
    seen = [w for w in weights if w > 0]
    mean = sum(seen) / len(seen) if seen else 1.0
    return torch.tensor([w / mean if w > 0 else 1.0 for w in weights], dtype=torch.float32)


def gold_targets(doc: Document) -> tuple[list[int], list[int], list[tuple[int, int, float]]]:
    """Label targets (-100 = unknown), parent targets (n = no parent), kind targets."""
    index = {label: i for i, label in enumerate(LABELS)}
    n = len(doc.units)
    labels = [index[u.label] if u.label is not None else -100 for u in doc.units]
    parents = [n] * n
    kinds = []
    for rel in doc.relations:
        if parents[rel.source] == n:
            parents[rel.source] = rel.target
            kinds.append((rel.source, rel.target, 1.0 if rel.kind is RelationKind.ATTACK else 0.0))
    return labels, parents, kinds


def lr_lambda(total_steps: int, warmup: int):
    """Linear warm-up, then linear decay to zero."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / max(warmup, 1)
        return max(0.0, (total_steps - step) / max(total_steps - warmup, 1))

    return factor


def save_optimizer(path: Path, optimizer: torch.optim.Optimizer, scheduler, extra: dict) -> None:
    """Store optimizer and scheduler state as safetensors + JSON (never pickle)."""
    state = optimizer.state_dict()
    tensors = {}
    for idx, values in state["state"].items():
        for key, value in values.items():
            tensors[f"{idx}.{key}"] = torch.as_tensor(value).contiguous()
    save_file(tensors, str(path / CHECKPOINT_OPTIMIZER))
    meta = dict(extra)
    meta["param_groups"] = state["param_groups"]
    meta["scheduler"] = scheduler.state_dict() if scheduler is not None else None
    meta["scheduler"].pop("lr_lambdas", None)
    (path / CHECKPOINT_STATE).write_text(json.dumps(meta, indent=1))


def load_optimizer(path: Path, optimizer: torch.optim.Optimizer, scheduler) -> dict:
    """Restore what :func:`save_optimizer` wrote; returns the extra trainer state."""
    meta = json.loads((path / CHECKPOINT_STATE).read_text())
    flat = load_file(str(path / CHECKPOINT_OPTIMIZER))
    state: dict[int, dict] = {}
    for key, value in flat.items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": meta.pop("param_groups")})
    sched = meta.pop("scheduler")
    if scheduler is not None and sched:
        sched["lr_lambdas"] = [None] * len(optimizer.param_groups)
        scheduler.load_state_dict(sched)
    return meta


def macro_f1(gold: list[int], pred: list[int]) -> float:
    """Macro-F1 over the labels present in ``gold``."""
    from argmine.evaluation.labels import class_report

    return class_report(gold, pred, sorted(set(gold)))["macro_f1"]


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def n_steps(documents: Sequence[Document], config: TrainingConfig) -> int:
    """Optimisation steps per epoch (for the learning-rate schedule)."""
    units = config.units_per_epoch or sum(len(d.units) for d in documents)
    return max(1, math.ceil(units / config.batch_units))
