"""The training loop behind ArgumentModel.fit, in small steps.

Corpus mixture sampling, class weighting, the loss, early stopping and checkpoints; also
the helpers inference shares with training (:func:`batches`, :func:`gold_targets`).
"""

from __future__ import annotations

import dataclasses
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
from torch import nn
from tqdm.auto import tqdm

from argmine.document import Document
from argmine.errors import InputError
from argmine.schema import LABELS, RelationKind
from argmine.scoring import persistence
from argmine.scoring.augment import augment_epoch
from argmine.scoring.batching import batches  # noqa: F401 - the fit loop and callers use it
from argmine.scoring.config import TrainingConfig
from argmine.scoring.features import PAIR_FEATURES, n_features
from argmine.scoring.modelcard import base_record, corpus_of, training_corpora
from argmine.scoring.network import NetworkConfig, check_segment_tokens, freeze_lower_layers

logger = logging.getLogger(__name__)

CHECKPOINT_STATE = "trainer_state.json"
_OWN_RECORDS = ("card_", "training_corpora_", "base_model_", "history_", "dev_documents_")
CHECKPOINT_OPTIMIZER = "optimizer.safetensors"


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
    are then rewritten by ``config.augment`` (:mod:`argmine.scoring.augment`).
    """
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


def corpus_labels(documents: Sequence[Document]) -> dict[str, frozenset[int]]:
    """Indices (in :data:`~argmine.schema.LABELS`) of the labels each corpus's gold uses.

    Examples:
        >>> from argmine.document import Unit
        >>> doc = Document("d", "A.", (Unit(0, "A.", 0, 2, label="claim"),),
        ...                meta={"corpus": "mine"})
        >>> corpus_labels([doc])
        {'mine': frozenset({0})}
    """
    found: dict[str, set[int]] = {}
    index = {label: i for i, label in enumerate(LABELS)}
    for doc in documents:
        seen = found.setdefault(corpus_of(doc), set())
        seen.update(index[u.label] for u in doc.units if u.label is not None)
    return {name: frozenset(labels) for name, labels in found.items()}


class LabelLoss:
    """Weighted, smoothed cross-entropy of a document's unit labels.

    With ``config.mask_absent_labels`` the softmax runs over the labels the document's
    corpus uses somewhere in the training documents given here (and any its own units carry,
    which a training-time rewrite may add), so that a scheme without rebuttals does not teach
    that rebuttals never occur. A corpus whose gold uses one label only thus adds no label
    loss (its links still train), and a corpus not among those documents keeps all five.
    """

    def __init__(self, documents: Sequence[Document], config: TrainingConfig,
                 device: torch.device | str = "cpu") -> None:
        self.weights = class_weights(documents, config).to(device)
        self.smoothing = config.label_smoothing
        self.allowed = corpus_labels(documents) if config.mask_absent_labels else None
        self._index: dict[tuple[int, ...], tuple[torch.Tensor, torch.Tensor]] = {}

    def columns(self, doc: Document) -> tuple[int, ...] | None:
        """The label columns of ``doc``'s softmax (``None``: all of them)."""
        if self.allowed is None or corpus_of(doc) not in self.allowed:
            return None
        own = corpus_labels([doc]).get(corpus_of(doc), frozenset())
        columns = tuple(sorted(self.allowed[corpus_of(doc)] | own))
        return None if len(columns) == len(LABELS) else columns

    def _tensors(self, columns: tuple[int, ...], device) -> tuple[torch.Tensor, torch.Tensor]:
        # Built once per set of columns: a handful per training, not one per document.
        if columns not in self._index:
            index = torch.tensor(columns, device=device)
            position = torch.full((len(LABELS),), -1, dtype=torch.long, device=device)
            position[index] = torch.arange(len(columns), device=device)
            self._index[columns] = (index, position)
        return self._index[columns]

    def __call__(self, doc: Document, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """The loss over the labelled units (targets ``-100`` are skipped); 0 if none is."""
        keep = target >= 0
        if not keep.any():
            return logits.sum() * 0.0
        logits, target, weights = logits[keep], target[keep], self.weights
        columns = self.columns(doc)
        if columns is not None:
            index, position = self._tensors(columns, logits.device)
            logits, target, weights = logits[:, index], position[target], weights[index]
        return nn.functional.cross_entropy(logits, target, weight=weights,
                                           label_smoothing=self.smoothing)


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
    """Macro-F1 over the labels present in ``gold`` (as ``evaluation.labels.class_report``).

    Examples:
        >>> macro_f1([0, 1, 1], [0, 1, 0])
        0.6666666666666666
    """
    f1s = []
    for c in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(f1s) / len(f1s) if f1s else 0.0


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def n_steps(documents: Sequence[Document], config: TrainingConfig) -> int:
    """Optimisation steps per epoch (for the learning-rate schedule)."""
    units = config.units_per_epoch or sum(len(d.units) for d in documents)
    return max(1, math.ceil(units / config.batch_units))


# -- the loop --------------------------------------------------------------------------------
def fit_model(model, documents: Sequence[Document],
              dev_documents: Sequence[Document] | None = None, *,
              checkpoint_dir: str | Path | None = None, resume: bool = False,
              init_from: str | Path | None = None, progress: bool = True):
    """Fine-tune an :class:`~argmine.scoring.model.ArgumentModel`; see its ``fit``."""
    cfg = model.config
    # The exported graph holds the old weights; training changes them.
    model.__dict__.pop("onnx_encoder_", None)
    # A card loaded with earlier weights would describe a model this one no longer is.
    model.__dict__.pop("card_", None)
    seed_everything(cfg.seed)
    docs, dev = _train_and_dev(documents, dev_documents, cfg)
    # Kept (not saved) so that callers can tune decoding on data the test never sees.
    model.dev_documents_ = list(dev)
    model.training_corpora_ = training_corpora(docs)
    _prepare_network(model, init_from)
    optimizer, scheduler = _optimizer(model, docs)
    label_loss = LabelLoss(docs, cfg, model.device)
    state = {"epoch": 0, "best": -1.0, "best_state": None, "stale": 0}
    cache: dict[str, torch.Tensor] = {}  # unit text -> frozen lower-layer states
    model.history_ = []
    ckpt = Path(checkpoint_dir) if checkpoint_dir else None
    if resume and ckpt and (ckpt / CHECKPOINT_STATE).is_file():
        _resume(model, ckpt, optimizer, scheduler, state)
    for epoch in range(state["epoch"], cfg.epochs):
        total, n_groups = _train_epoch(model, docs, epoch, optimizer, scheduler, label_loss,
                                       cache, progress)
        _end_epoch(model, dev, epoch, total, n_groups, state, progress)
        if ckpt:
            _checkpoint(model, ckpt, optimizer, scheduler, epoch, state)
        if state["stale"] >= cfg.patience:
            break
    if state["best_state"] is not None:
        model.network_.load_state_dict(state["best_state"], strict=False)
    model.network_.eval()
    return model


def _train_and_dev(documents: Sequence[Document], dev_documents: Sequence[Document] | None,
                   config: TrainingConfig) -> tuple[list[Document], list[Document]]:
    docs = [d for d in documents if d.units]
    if not docs:
        raise InputError("E002", path="training documents")
    if dev_documents is None:
        return split_dev(docs, config.dev_fraction, config.seed)
    return docs, [d for d in dev_documents if d.units]


def _prepare_network(model, init_from: str | Path | None) -> None:
    """Fresh heads on the configured encoder, or the weights of a saved model."""
    cfg = model.config
    if init_from is not None:
        loaded = type(model).from_pretrained(init_from, device=model.device)
        # The weights and their encoder, not the base's record of itself: its card, corpora
        # and history describe the base, which the new model's card names instead.
        model.__dict__.update({k: v for k, v in loaded.__dict__.items()
                               if k not in ("config", "device") + _OWN_RECORDS})
        model.base_model_ = base_record(init_from, loaded)
        if cfg.pair_features and model.network_.config.n_pair_features < len(PAIR_FEATURES):
            model.add_pair_features()
        net = model.network_
        if cfg.segment_tokens and cfg.segment_tokens != net.config.segment_tokens:
            # Same weights, read in context from now on (e.g. stage 2 of a unit-wise stage 1).
            check_segment_tokens(cfg.segment_tokens, net.encoder)
            net.config = dataclasses.replace(net.config, segment_tokens=cfg.segment_tokens)
        elif not cfg.segment_tokens and net.config.segment_tokens:
            # 0 from a base that reads in context: keep reading as the base does, and say so
            # in the saved training settings.
            model.config = dataclasses.replace(cfg, segment_tokens=net.config.segment_tokens)
        model.trainable_names_ = freeze_lower_layers(model.network_.encoder,
                                                     cfg.trainable_layers)
    else:
        model.__dict__.pop("base_model_", None)
        net_config = NetworkConfig(
            n_features=n_features(position=cfg.position_features, markers=cfg.marker_features),
            context=cfg.context,
            segment_tokens=cfg.segment_tokens,
            n_pair_features=len(PAIR_FEATURES) if cfg.pair_features else 0,
        )
        model.build(cfg.encoder, net_config)


def _optimizer(model, docs: Sequence[Document]):
    """AdamW over the trainable encoder layers, the heads and the pair weights; its schedule."""
    cfg, net = model.config, model.network_
    encoder_params = [p for n, p in net.named_parameters()
                      if n.startswith("encoder.") and p.requires_grad]
    head_params = [p for n, p in net.named_parameters()
                   if not n.startswith(("encoder.", "pair_weight."))]
    pair_params = [p for n, p in net.named_parameters() if n.startswith("pair_weight.")]
    groups = [
        {"params": encoder_params, "lr": cfg.learning_rate},
        {"params": head_params, "lr": cfg.head_learning_rate},
    ]
    if pair_params:  # without them, optimizer checkpoints keep their earlier layout
        groups.append({"params": pair_params, "lr": cfg.pair_learning_rate})
    optimizer = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
    steps = n_steps(docs, cfg) * cfg.epochs
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lr_lambda(steps, int(steps * cfg.warmup_fraction))
    )
    return optimizer, scheduler


def _checked_weights(model, folder: Path) -> dict[str, torch.Tensor]:
    # A checkpoint folder is read like any model folder: shapes, dtypes and finite values
    # are checked before the weights reach the network.
    weights = persistence.read_weights(folder)
    persistence.check_tensors(weights, model.network_.state_dict(),
                              folder / persistence.WEIGHTS_NAME)
    return weights


def _resume(model, ckpt: Path, optimizer, scheduler, state: dict) -> None:
    model.network_.load_state_dict(_checked_weights(model, ckpt / "last"), strict=False)
    saved = load_optimizer(ckpt, optimizer, scheduler)
    state.update(epoch=saved["epoch"] + 1, best=saved["best"], stale=saved["stale"])
    model.history_ = saved.get("history", [])
    if (ckpt / "best" / persistence.WEIGHTS_NAME).is_file():
        state["best_state"] = _checked_weights(model, ckpt / "best")
    logger.info("resumed from %s at epoch %d", ckpt, state["epoch"])


def _train_epoch(model, docs: Sequence[Document], epoch: int, optimizer, scheduler,
                 label_loss: LabelLoss, cache: dict, progress: bool) -> tuple[float, int]:
    """One pass over an epoch's sample; returns the summed batch loss and the batch count."""
    cfg, net = model.config, model.network_
    net.train()
    epoch_docs = sample_epoch(docs, cfg, epoch)
    groups = batches(epoch_docs, cfg.batch_units)
    bar = tqdm(groups, desc=f"epoch {epoch + 1}/{cfg.epochs}", disable=not progress,
               unit="batch", leave=False)
    total = 0.0
    for group in bar:
        outs = model.forward(group, cache)
        loss = batch_loss(model, group, outs, label_loss)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        total += loss.item()
        bar.set_postfix(loss=f"{loss.item():.3f}")
    return total, len(groups)


def batch_loss(model, group: Sequence[Document], outs: Sequence[dict], label_loss: LabelLoss):
    """The mean over a batch's documents of the label, link and kind losses."""
    cfg, device = model.config, model.device
    loss = torch.zeros((), device=device)
    for doc, o in zip(group, outs):
        labels, parents, kinds = gold_targets(doc)
        loss = loss + label_loss(doc, o["labels"], torch.tensor(labels, device=device))
        if doc.relations:
            loss = loss + cfg.link_weight * nn.functional.cross_entropy(
                o["links"], torch.tensor(parents, device=device)
            )
        if kinds:
            src = torch.tensor([k[0] for k in kinds], device=device)
            trg = torch.tensor([k[1] for k in kinds], device=device)
            y = torch.tensor([k[2] for k in kinds], device=device, dtype=torch.float32)
            kind_loss = nn.functional.binary_cross_entropy_with_logits(o["kinds"][src, trg], y)
            loss = loss + cfg.link_weight * kind_loss
    return loss / len(group)


def _end_epoch(model, dev: Sequence[Document], epoch: int, total: float, n_groups: int,
               state: dict, progress: bool) -> None:
    """Score the dev documents, log the epoch and keep the best weights so far."""
    score = model.score(dev) if dev else -float(total)
    mean_loss = total / max(n_groups, 1)
    model.history_.append({"epoch": epoch + 1, "loss": mean_loss, "dev": score})
    logger.info("epoch %d loss %.4f dev %.4f", epoch + 1, mean_loss, score)
    if progress:
        tqdm.write(f"epoch {epoch + 1}: loss {mean_loss:.4f} dev score {score:.4f}")
    if score > state["best"]:
        state["best"], state["stale"] = score, 0
        state["best_state"] = {k: v.detach().clone()
                               for k, v in model.trainable_state().items()}
        state["new_best"] = True
    else:
        state["stale"] += 1
        state["new_best"] = False


def _checkpoint(model, ckpt: Path, optimizer, scheduler, epoch: int, state: dict) -> None:
    if state["new_best"]:
        persistence.save_model(ckpt / "best", {}, state["best_state"], dtype=torch.float32)
    persistence.save_model(ckpt / "last", {}, model.trainable_state(), dtype=torch.float32)
    save_optimizer(ckpt, optimizer, scheduler,
                   {"epoch": epoch, "best": state["best"], "stale": state["stale"],
                    "history": model.history_})
