"""Training settings, documented field by field."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from argmine.errors import InputError
from argmine.scoring.augment import REWRITES, check_rates

ADAPT_RATE_FACTOR = 1 / 3
"""Adapting a saved model (``init_from``) on a few documents: both learning rates are this
fraction of the defaults. Measured against mixing the base's old training data back in by
``argmine bench adapt`` (systems ``adapt`` and ``mixed``; benchmarks/README.md, "Adapting
to a genre"): the lower rates alone scored better on the new genre at most sizes measured
(CDCP, AbstRCT, web discourse; 10-100 documents), training on half as many units, but kept
less of the base's own genres (benchmarks/experiments/adapt_retention.py: AAE2 test essays
.44-.51 after 50 documents, against .55-.58 with the old data mixed in; base .578)."""


@dataclass
class TrainingConfig:
    """Settings of :meth:`argmine.scoring.model.ArgumentModel.fit`.

    Attributes:
        encoder: Base encoder: ``None`` for the packaged all-MiniLM-L6-v2, a hub id or a folder.
        trainable_layers: How many top encoder layers are fine-tuned (the rest stay frozen).
        epochs: Maximum number of passes over the (sampled) training data.
        units_per_epoch: Units drawn per epoch from the corpus mixture (``None``: every
            training document once per epoch).
        learning_rate: Learning rate of the fine-tuned encoder layers.
        head_learning_rate: Learning rate of the heads on top (they start from scratch).
        pair_learning_rate: Learning rate of the pair-feature weights: a handful of scalar
            log-odds that start at zero and must travel several units, far more than the
            head learning rate moves a weight in one schedule.
        weight_decay: AdamW weight decay.
        warmup_fraction: Fraction of steps with a linear learning-rate warm-up.
        batch_units: Units per optimisation step (whole documents are kept together).
        max_length: Tokens per unit; longer units are truncated.
        link_weight: Weight of the link and link-kind losses next to the label loss.
        class_weight_power: Labels are weighted by ``frequency ** -power`` (0 = unweighted,
            0.5 = inverse square root), to counter the rarity of rebuttals.
        label_smoothing: Label smoothing of the label loss.
        context: Whether a BiGRU over each document's units adds context.
        segment_tokens: 0: the encoder reads each unit alone. More: it reads consecutive
            units of a document together, packed by paragraph into inputs of at most this
            many tokens, and a unit's vector pools its own tokens
            (:mod:`argmine.scoring.segments`).
        position_features: Whether position features are used.
        marker_features: Whether discourse-marker features are used.
        pair_features: Whether the link head sees pair features (same paragraph, ordinal
            lists: :data:`argmine.scoring.features.PAIR_FEATURES`). A model started with
            ``init_from`` from one without them gains them. Off by default: the shipped model
            was trained without them, and one side experiment with them did not change its seed
            tree.
        mask_absent_labels: Whether a corpus whose gold never uses a label leaves that
            label out of its label loss (a softmax over the labels it has), instead of
            teaching its absence: CDCP has no counterarguments or rebuttals, AbstRCT no
            rebuttals, the microtexts no ``none``, and without the mask each of them pushes
            those labels down on every unit it holds.
        dev_fraction: Fraction of training documents held out for early stopping when no
            dev set is given.
        patience: Epochs without dev improvement before stopping early; the weights of the
            best dev epoch are kept in any case.
        seed: Seed of every random choice (sampling, initialisation, dropout).
        corpus_weights: Sampling weight per corpus name (``meta["corpus"]``); corpora not
            named get weight 1. Weights are per unit: a corpus with weight 2 contributes
            twice as many units per epoch as its size alone would.
        augment: Probability per training-time rewrite (``late_objection``,
            ``hypophora``, ``enumeration``, ``announcement``, ``forest``; see
            :mod:`argmine.scoring.augment`) that a sampled training document is rewritten
            in that form for the epoch (for ``forest``: that it opens a group of documents
            of its corpus joined into one). Empty: no rewriting. Dev documents never are.
    """

    encoder: str | None = None
    trainable_layers: int = 4
    epochs: int = 12
    units_per_epoch: int | None = None
    learning_rate: float = 1e-4
    head_learning_rate: float = 1e-3
    pair_learning_rate: float = 0.05
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    batch_units: int = 16
    max_length: int = 96
    link_weight: float = 0.5
    class_weight_power: float = 0.5
    label_smoothing: float = 0.05
    context: bool = True
    segment_tokens: int = 0
    position_features: bool = True
    marker_features: bool = True
    pair_features: bool = False
    mask_absent_labels: bool = False
    dev_fraction: float = 0.1
    patience: int = 100
    seed: int = 0
    corpus_weights: dict[str, float] = field(default_factory=dict)
    augment: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        checks = {
            "trainable_layers": self.trainable_layers >= 0,
            "epochs": self.epochs >= 1,
            "learning_rate": self.learning_rate > 0,
            "head_learning_rate": self.head_learning_rate > 0,
            "pair_learning_rate": self.pair_learning_rate > 0,
            "batch_units": self.batch_units >= 1,
            "max_length": self.max_length >= 8,
            "segment_tokens": self.segment_tokens == 0 or self.segment_tokens >= self.max_length,
            "dev_fraction": 0 <= self.dev_fraction < 1,
            "patience": self.patience >= 1,
            "units_per_epoch": self.units_per_epoch is None or self.units_per_epoch >= 1,
            "label_smoothing": 0 <= self.label_smoothing < 1,
            "corpus_weights": all(w >= 0 for w in self.corpus_weights.values()),
        }
        problems = check_rates(self.augment)
        if problems:
            raise InputError("E301", param="augment", owner="TrainingConfig",
                             expected=f"a mapping of known rewrites ({', '.join(REWRITES)}) "
                             f"to rates in [0, 1] ({'; '.join(problems)})", value=self.augment)
        for name, ok in checks.items():
            if not ok:
                raise InputError(
                    "E301", param=name, owner="TrainingConfig",
                    expected="a valid value (see its docstring)", value=getattr(self, name),
                )

    def to_dict(self) -> dict:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainingConfig:
        """Build a config, ignoring unknown keys written by other versions."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
