"""The neural network behind argmine: one encoder pass per unit, then labels and links.

Each unit is encoded once by the (partly fine-tuned) transformer and mean-pooled, alone or,
with ``segment_tokens``, inside a segment of its neighbours (:mod:`argmine.scoring.segments`);
a small bidirectional GRU over the units of a document adds discourse context (neighbours,
order); a label head scores the five labels and a biaffine head scores every candidate parent
of every unit, so the cost of a document stays one encoder pass per unit (or segment), not
one per pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from torch import nn

from argmine.errors import InputError, ModelFormatError
from argmine.schema import LABELS
from argmine.scoring.batching import FULL_KIND_PAIRS, KIND_TOP_K


@dataclass
class NetworkConfig:
    """Shape of the network on top of the encoder.

    Attributes:
        n_features: Number of hand-made feature columns per unit.
        feature_dim: Width of the feature projection.
        context: Whether a BiGRU over the document's units adds context.
        context_dim: Hidden width of each GRU direction.
        link_dim: Width of the biaffine link projections.
        max_distance: Distances between units are bucketed up to this many units apart.
        dropout: Dropout before every head.
        n_labels: Number of labels (five in argmine's scheme).
        n_pair_features: Number of hand-made features per (child, candidate parent) pair
            (:data:`argmine.scoring.features.PAIR_FEATURES`); 0 in models saved before they existed.
        segment_tokens: 0 if the encoder reads each unit alone, else the most tokens of one
            input of consecutive units read together (:mod:`argmine.scoring.segments`).
    """

    n_features: int = 16
    feature_dim: int = 32
    context: bool = True
    context_dim: int = 192
    link_dim: int = 128
    max_distance: int = 12
    dropout: float = 0.1
    n_labels: int = 5
    n_pair_features: int = 0
    segment_tokens: int = 0

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def problem(cls, data: object) -> tuple[str, object, str] | None:
        """What is wrong with a stored network config, before a network is built from it.

        A width of ``"128"``, ``12.5`` or ``-1`` would otherwise reach ``nn.Linear`` and fail
        with a bare ``TypeError``/``RuntimeError``, or build a network no weights fit; a huge
        one would try to allocate it. Missing fields take their defaults (older models lack
        some).

        Args:
            data: The ``network`` entry of a model's config.json.

        Returns:
            ``(field, value, expected)`` for the first bad field, or None if all are valid.
        """
        if not isinstance(data, dict):
            return "network", data, "an object of network settings"
        known = {f.name for f in fields(cls)}
        for name, value in data.items():
            if name not in known:
                return f"network.{name}", value, f"one of the settings {sorted(known)}"
            if name == "context":
                if not isinstance(value, bool):
                    return f"network.{name}", value, "true or false"
            elif name == "dropout":
                if (isinstance(value, bool) or not isinstance(value, (int, float))
                        or not 0 <= value < 1):
                    return f"network.{name}", value, "a number in [0, 1)"
            else:
                low, high = _INT_RANGES[name]
                if isinstance(value, bool) or not isinstance(value, int) \
                        or not low <= value <= high:
                    what = (f"the integer {low}" if low == high
                            else f"an integer from {low} to {high}")
                    return f"network.{name}", value, what
        return None


MAX_WIDTH = 8192
"""Largest layer width a stored config may ask for (the biaffine matrix is width squared)."""

_INT_RANGES = {
    "n_features": (0, 1024),
    "feature_dim": (1, MAX_WIDTH),
    "context_dim": (1, MAX_WIDTH),
    "link_dim": (1, MAX_WIDTH),
    "max_distance": (0, 4096),
    # The label head's outputs are read in the order of argmine.schema.LABELS.
    "n_labels": (len(LABELS), len(LABELS)),
    "n_pair_features": (0, 1024),
    "segment_tokens": (0, MAX_WIDTH),
}


def pool_spans(hidden: torch.Tensor, rows: Sequence[int],
               spans: Sequence[tuple[int, int]]) -> torch.Tensor:
    """The mean of ``hidden[row, start:end]`` for each unit: its own tokens in a segment."""
    return torch.stack([hidden[r, s:e].mean(0) if e > s else hidden.new_zeros(hidden.shape[-1])
                        for r, (s, e) in zip(rows, spans)])


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Average token vectors over the attention mask (the pooling all-MiniLM was trained with)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


class ArgumentNetwork(nn.Module):
    """Encoder + context + label head + link head.

    Args:
        encoder: A ``transformers`` encoder model (``AutoModel``).
        config: The head configuration.
    """

    def __init__(self, encoder: nn.Module, config: NetworkConfig) -> None:
        super().__init__()
        self.encoder = encoder
        self.config = config
        hidden = encoder.config.hidden_size
        self.features = nn.Linear(max(config.n_features, 1), config.feature_dim)
        unit_dim = hidden + config.feature_dim
        if config.context:
            self.context = nn.GRU(
                unit_dim, config.context_dim, batch_first=True, bidirectional=True
            )
            state_dim = unit_dim + 2 * config.context_dim
        else:
            self.context = None
            state_dim = unit_dim
        self.dropout = nn.Dropout(config.dropout)
        self.label_head = nn.Linear(state_dim, config.n_labels)
        self.child = nn.Linear(state_dim, config.link_dim)
        self.parent = nn.Linear(state_dim, config.link_dim)
        self.biaffine = nn.Parameter(torch.zeros(config.link_dim, config.link_dim))
        self.parent_bias = nn.Linear(config.link_dim, 1)
        self.no_parent = nn.Linear(state_dim, 1)
        n_buckets = 2 * config.max_distance + 1
        self.distance_bias = nn.Embedding(n_buckets, 1)
        self.distance_kind = nn.Embedding(n_buckets, 16)
        # Zero-initialised, so a network extended with pair features scores as before until
        # training moves the weights.
        self.pair_weight = None
        if config.n_pair_features:
            self.pair_weight = nn.Linear(config.n_pair_features, 1, bias=False)
            nn.init.zeros_(self.pair_weight.weight)
        self.kind_head = nn.Sequential(
            nn.Linear(3 * config.link_dim + 16, 64), nn.ReLU(), nn.Linear(64, 1)
        )

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """Encode a batch of units into one vector each."""
        return mean_pool(self.encode_tokens(input_ids, attention_mask), attention_mask)

    def encode_tokens(self, input_ids: torch.Tensor, attention_mask: torch.Tensor
                      ) -> torch.Tensor:
        """The encoder's last hidden states, ``(batch, tokens, hidden)``."""
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def _distance_buckets(self, n: int, device) -> torch.Tensor:
        idx = torch.arange(n, device=device)
        # distance[i, j] = j - i: where the candidate parent j lies relative to child i
        dist = (idx.view(1, -1) - idx.view(-1, 1)).clamp(
            -self.config.max_distance, self.config.max_distance
        )
        return dist + self.config.max_distance

    def heads(
        self, vectors: torch.Tensor, features: torch.Tensor, pairs: torch.Tensor | None = None,
        *, links: bool = True,
    ) -> dict[str, torch.Tensor]:
        """Score one document.

        Args:
            vectors: ``(n, hidden)`` unit vectors from :meth:`encode`.
            features: ``(n, n_features)`` hand-made features.
            pairs: ``(n, n, n_pair_features)`` pair features, or ``None`` for a network
                without them.
            links: ``False`` to score the labels only: no ``links`` or ``kinds``, nothing
                of size n × n.

        Returns:
            ``labels`` ``(n, 5)`` logits; ``links`` ``(n, n + 1)`` logits where column ``j < n``
            is "parent is unit j" and column ``n`` is "no parent"; ``kinds`` ``(n, n)``
            logits of "the link i → j is an attack".
        """
        state = self.states(vectors, features)
        labels = self.label_head(state)
        if not links:
            return {"labels": labels}
        link_logits, kinds = self.link_heads(state, pairs)
        return {"labels": labels, "links": link_logits, "kinds": kinds}

    def states(self, vectors: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        """The ``(n, state)`` inputs of the heads: unit vectors, features, BiGRU context.

        Linear in ``n``: the heads of a long document can run block by block on slices of
        it (:meth:`link_heads`) with the context of the whole document.
        """
        n = vectors.shape[0]
        feats = torch.relu(self.features(features)) if features.shape[1] else torch.zeros(
            n, self.config.feature_dim, device=vectors.device
        )
        state = torch.cat([vectors, feats], dim=-1)
        if self.context is not None:
            ctx, _ = self.context(state.unsqueeze(0))
            state = torch.cat([state, ctx.squeeze(0)], dim=-1)
        return self.dropout(state)

    def link_heads(
        self, state: torch.Tensor, pairs: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Link and kind logits among the ``m`` units of ``state`` (rows of :meth:`states`).

        Returns:
            ``(m, m + 1)`` link logits (column ``m``: no parent) and ``(m, m)`` kind logits,
            as ``links`` and ``kinds`` of :meth:`heads`.
        """
        n = state.shape[0]
        child = torch.tanh(self.child(state))
        parent = torch.tanh(self.parent(state))
        buckets = self._distance_buckets(n, state.device)
        pair = child @ self.biaffine @ parent.T + self.parent_bias(parent).view(1, -1)
        pair = pair + self.distance_bias(buckets).squeeze(-1)
        if self.pair_weight is not None and pairs is not None:
            pair = pair + self.pair_weight(pairs).squeeze(-1)
        pair = pair.masked_fill(torch.eye(n, dtype=torch.bool, device=state.device), -1e4)
        links = torch.cat([pair, self.no_parent(state)], dim=1)
        return links, self._kinds(child, parent, buckets, pair)

    def _kinds(self, child, parent, buckets, pair) -> torch.Tensor:
        # The kind head's input is n x n x ~400 floats: fine for an essay, ~10 GiB for a
        # 2,000-sentence document. Past FULL_KIND_PAIRS units, only each unit's top-k
        # candidate parents get a kind score; the rest get logit 0 (p = 0.5), which the
        # decoder weighs by their tiny link probabilities anyway.
        n = child.shape[0]
        if n <= FULL_KIND_PAIRS:
            parents = parent.unsqueeze(0).expand(n, n, -1)
            dist = self.distance_kind(buckets)
            kind_in = torch.cat(
                [child.unsqueeze(1).expand(n, n, -1), parents,
                 child.unsqueeze(1) * parents, dist], dim=-1)
            return self.kind_head(kind_in).squeeze(-1)
        k = min(KIND_TOP_K, n - 1)
        top = pair.topk(k, dim=1).indices
        parents = parent[top]
        dist = self.distance_kind(buckets.gather(1, top))
        kind_in = torch.cat(
            [child.unsqueeze(1).expand(n, k, -1), parents, child.unsqueeze(1) * parents, dist],
            dim=-1)
        logits = self.kind_head(kind_in).squeeze(-1)
        return torch.zeros(n, n, dtype=logits.dtype, device=logits.device).scatter(1, top, logits)


# Position ids of these architectures start after the padding index (RoBERTa's 2).
_OFFSET_POSITIONS = frozenset({"roberta", "xlm-roberta", "camembert"})


def segment_limit(encoder: nn.Module) -> int:
    """The most tokens one input of ``encoder`` may hold (its position embeddings)."""
    config = encoder.config
    limit = int(getattr(config, "max_position_embeddings", 512))
    if getattr(config, "model_type", None) in _OFFSET_POSITIONS:
        limit -= int(getattr(config, "pad_token_id", 1) or 0) + 1
    return limit


def check_segment_tokens(value: int, encoder: nn.Module, source: Path | None = None) -> None:
    """Refuse segments longer than the encoder's position embeddings reach.

    A model that read them would fail only on the first paragraph long enough to fill one,
    deep inside the encoder; this says so when the model is built or loaded.
    """
    limit = segment_limit(encoder)
    if value <= limit:
        return
    expected = f"at most {limit}, the tokens one input of its encoder holds"
    if source is not None:
        raise ModelFormatError("E212", path=source, field="network.segment_tokens",
                               value=value, expected=expected)
    raise InputError("E301", param="segment_tokens", owner="ArgumentModel", value=value,
                     expected=expected)


def freeze_lower_layers(encoder: nn.Module, n_trainable: int) -> list[str]:
    """Freeze all encoder weights but the top ``n_trainable`` transformer layers.

    Fine-tuning only the top layers keeps training affordable on a CPU and keeps the saved
    model small: only the trainable weights are stored, the rest comes from the base encoder.

    Returns:
        The names (relative to the encoder) of the parameters left trainable.
    """
    n_layers = encoder.config.num_hidden_layers
    keep = {f"layer.{i}." for i in range(max(n_layers - n_trainable, 0), n_layers)}
    trainable = []
    for name, param in encoder.named_parameters():
        train = n_trainable > 0 and any(k in name for k in keep)
        param.requires_grad_(train)
        if train:
            trainable.append(name)
    return trainable


# Architectures whose layers can be run one by one (embeddings → encoder.layer[i]); for
# these the frozen lower layers are computed once per unit and cached during training,
# which makes an epoch about three times cheaper on a CPU. Others run the full encoder.
# MPNet (all-mpnet-base-v2) adds one relative-position bias that every layer reads.
_SPLITTABLE = frozenset({"bert", "roberta", "xlm-roberta", "electra", "mpnet"})


def can_split(encoder: nn.Module) -> bool:
    """Whether the encoder's layers can be run separately (see :func:`run_layers`)."""
    return (
        getattr(encoder.config, "model_type", None) in _SPLITTABLE
        and hasattr(encoder, "embeddings")
        and hasattr(getattr(encoder, "encoder", None), "layer")
    )


def _layer_mask(encoder: nn.Module, hidden: torch.Tensor, mask: torch.Tensor):
    try:
        from transformers.masking_utils import create_bidirectional_mask

        return create_bidirectional_mask(
            config=encoder.config, inputs_embeds=hidden, attention_mask=mask
        )
    except ImportError:  # older transformers: the classic additive mask
        return (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min


def run_layers(
    encoder: nn.Module,
    hidden: torch.Tensor | None,
    mask: torch.Tensor,
    start: int,
    stop: int,
    input_ids: torch.Tensor | None = None,
) -> torch.Tensor:
    """Run encoder layers ``start … stop-1`` (from the embeddings if ``hidden`` is None)."""
    if hidden is None:
        hidden = encoder.embeddings(input_ids=input_ids)
    layer_mask = _layer_mask(encoder, hidden, mask)
    extra = {}
    if hasattr(encoder.encoder, "compute_position_bias"):  # MPNet, as its encoder does
        extra["position_bias"] = encoder.encoder.compute_position_bias(hidden)
    for layer in encoder.encoder.layer[start:stop]:
        out = layer(hidden, layer_mask, **extra)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden
