"""The settings of a benchmark run, with a full and a smoke configuration."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from argmine.corpora import corpus_path
from argmine.errors import InputError
from argmine.training.data import CorpusSpec

# What a setting left at None becomes: the real benchmark, or the smoke run CI uses to check
# that the harness works end to end (tiny model, one split, a handful of documents).
FULL = {
    "iterations": 1, "max_splits": None, "epochs": 12, "max_docs": None, "repeats": 5,
    "warmup": 1, "units": 1000, "batch_sizes": (1, 8, 32, 128),
    "lengths": (10, 50, 100, 250, 500, 1000, 2000), "doc_counts": (1, 4, 16, 64, 256),
    "doc_size": 10, "gemm_size": 2048, "time_limit": 120.0,
}
SMOKE = {
    "iterations": 1, "max_splits": 1, "epochs": 1, "trainable_layers": 1, "max_docs": 3,
    "repeats": 1, "warmup": 1, "units": 8, "batch_sizes": (1, 4), "lengths": (5, 10, 20),
    "doc_counts": (1, 2, 4), "doc_size": 3, "gemm_size": 128, "time_limit": 30.0,
}


@dataclass
class BenchOptions:
    """Settings shared by the suites; ``None`` means "the default of the configuration".

    Attributes:
        model: A saved model folder, ``None``/``"default"`` for the shipped model. For
            ``mtc``: the model every split starts from, ``"baseline"`` to train the
            classical baseline per split, ``None`` to train argmine's network from its base
            encoder per split.
        baseline: A saved baseline folder for the speed and scale references (``None``:
            fit one on the benchmark texts, which is all speed needs).
        corpus: ``KIND[@SPLIT][:PATH]`` overriding a suite's corpus (``user`` needs it;
            for ``speed``/``scale`` it names where the texts come from).
        corpora: The folder holding the corpus folders (default: ``ARGMINE_CORPORA`` or
            ``../shared/corpora``).
        level: ``unit`` or ``sentence``: override the level a corpus is scored at.
        iterations: ``mtc``: how many of the 10 iterations of 5 folds to run.
        max_splits: ``mtc``: stop after this many splits (smoke runs).
        epochs: ``mtc``: training epochs per split.
        trainable_layers: ``mtc``: top encoder layers fine-tuned per split.
        extra: ``mtc``: other corpora added to every training set (never microtexts).
        weights: ``mtc``: sampling weight per corpus kind (``TrainingConfig.corpus_weights``).
        units_per_epoch: ``mtc``: units drawn per epoch from the corpus mixture.
        augment: ``mtc``: training-time rewrites and their rates (``TrainingConfig.augment``).
        pair_features: ``mtc``: give the link head pair features
            (``TrainingConfig.pair_features``).
        segment_tokens: ``mtc``: read units in context, in segments of at most this many
            tokens (``TrainingConfig.segment_tokens``; 0: each unit alone).
        mask_absent_labels: ``mtc``: leave a label out of a corpus's label loss when its
            gold never uses it (``TrainingConfig.mask_absent_labels``).
        batch_units: ``mtc``: units per optimisation step.
        tune: ``mtc``: tune the decoder's weights per split on the held-out dev documents.
        save_models: ``mtc``: keep each split's model in ``save_models/split-N`` and reuse
            the ones already there (resume; re-scoring without retraining).
        quantize: ``mtc``: also score the int8 dynamically quantized copy of each split's
            model beside its fp32 original. (``speed`` always times the int8 copy of a
            network model, so it needs no flag.)
        seed: Random seed of training.
        device: ``cpu`` or ``cuda``.
        threads: torch threads (``None``: torch's default).
        max_docs: Score only the first N test documents (smoke runs).
        repeats: Timed repeats per speed/scale measurement.
        warmup: Untimed runs before them.
        units: About how many units the speed suite times per run.
        batch_sizes: Batch sizes of the throughput sweep.
        lengths: Document lengths (sentences) of the scale suite.
        doc_counts: Numbers of documents of the scale suite's batch-labelling series.
        doc_size: Sentences per document in that series.
        gemm_size: Matrix size of the GEMM that measures the CPU's peak FLOP rate, where
            the speed suite is given a probe (``run_speed``'s ``probe``).
        time_limit: Scale suite: skip larger sizes once one point took longer (seconds).
        smoke: Use the smoke configuration for every setting left at ``None``.
    """

    model: str | None = None
    baseline: str | None = None
    corpus: str | None = None
    corpora: str | None = None
    level: str | None = None
    iterations: int | None = None
    max_splits: int | None = None
    epochs: int | None = None
    trainable_layers: int | None = None
    extra: tuple[str, ...] = field(default_factory=tuple)
    weights: dict[str, float] = field(default_factory=dict)
    units_per_epoch: int | None = None
    augment: dict[str, float] = field(default_factory=dict)
    pair_features: bool = False
    segment_tokens: int = 0
    mask_absent_labels: bool = False
    batch_units: int | None = None
    tune: bool = False
    save_models: str | None = None
    quantize: bool = False
    seed: int = 0
    device: str = "cpu"
    threads: int | None = None
    max_docs: int | None = None
    repeats: int | None = None
    warmup: int | None = None
    units: int | None = None
    batch_sizes: tuple[int, ...] | None = None
    lengths: tuple[int, ...] | None = None
    doc_counts: tuple[int, ...] | None = None
    doc_size: int | None = None
    gemm_size: int | None = None
    time_limit: float | None = None
    smoke: bool = False

    def resolved(self) -> BenchOptions:
        """Return a copy with every ``None`` setting taken from the full or smoke defaults.

        Examples:
            >>> BenchOptions(smoke=True).resolved().repeats
            1
            >>> BenchOptions(smoke=True, repeats=7).resolved().repeats
            7
        """
        defaults = {**FULL, **SMOKE} if self.smoke else FULL
        changes = {k: v for k, v in defaults.items() if getattr(self, k) is None}
        out = replace(self, **changes)
        out.check()
        return out

    def check(self) -> None:
        """Refuse settings no suite can run with.

        Raises:
            InputError: E301 naming the setting.
        """
        positive = ("iterations", "max_splits", "epochs", "max_docs", "repeats", "units",
                    "doc_size", "gemm_size", "threads", "units_per_epoch", "batch_units")
        for name in positive:
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InputError("E301", param=name, owner="argmine bench",
                                 expected="a positive number", value=value)
        if self.iterations is not None and self.iterations > 10:
            raise InputError("E301", param="iterations", owner="argmine bench",
                             expected="1 to 10 (the microtexts have 10 iterations of 5 folds)",
                             value=self.iterations)
        for name in ("batch_sizes", "lengths", "doc_counts"):
            value = getattr(self, name)
            if value is not None and (not value or min(value) < 1):
                raise InputError("E301", param=name, owner="argmine bench",
                                 expected="one or more positive numbers", value=value)
        if self.device not in ("cpu", "cuda"):
            raise InputError("E301", param="device", owner="argmine bench",
                             expected="'cpu' or 'cuda'", value=self.device)
        if self.level not in (None, "unit", "sentence"):
            raise InputError("E301", param="level", owner="argmine bench",
                             expected="'unit' or 'sentence'", value=self.level)

    def corpus_spec(self, kind: str, split: str | None = None, level: str | None = None):
        """The ``CorpusSpec`` a suite reads: ``--corpus`` if given, else ``kind`` by default.

        Args:
            kind: The suite's default corpus kind.
            split: The suite's default split.
            level: The suite's default level (``None``: the corpus's own).

        Returns:
            A ``CorpusSpec`` whose path is filled in from ``corpora`` where given.
        """
        spec = CorpusSpec.parse(self.corpus) if self.corpus else CorpusSpec(kind, split=split)
        path = spec.path
        if path is None and self.corpora is not None:
            path = str(corpus_path(spec.kind, self.corpora))
        return CorpusSpec(spec.kind, path, spec.split, self.level or spec.level or level)

    def to_dict(self) -> dict:
        """Return a JSON-ready dict of the settings."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def corpus_root(self, kind: str) -> Path:
        """The folder of corpus ``kind``: from ``--corpus`` (if of that kind) or the default."""
        if self.corpus:
            spec = CorpusSpec.parse(self.corpus)
            if spec.kind == kind and spec.path:
                return Path(spec.path)
        return corpus_path(kind, self.corpora)
