"""``argmine train``: fine-tune a model on annotated corpora and save it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from argmine.cli._io import parse_weights

if TYPE_CHECKING:
    from argmine.scoring.config import TrainingConfig


def register(sub) -> None:
    """Add the sub-command."""
    from argmine.scoring.augment import REWRITES

    parser = sub.add_parser(
        "train", help="fine-tune a model on annotated corpora",
        description="Fine-tune the labeller and linker on one or more corpora and save the "
        "model folder. Corpora are given as KIND[@SPLIT][:PATH], e.g. 'aae2@train' or "
        "'microtexts:/data/arg-microtexts/corpus'. Never train on a test split you report.",
    )
    parser.add_argument("--corpus", action="append", required=True, metavar="SPEC",
                        help="a corpus to train on (repeatable)")
    parser.add_argument("--dev", action="append", metavar="SPEC",
                        help="dev corpora for early stopping (default: hold out a fraction)")
    parser.add_argument("--weight", action="append", default=[], metavar="KIND=W",
                        help="sampling weight of a corpus (default 1)")
    parser.add_argument("--augment", action="append", default=[], metavar="NAME=P",
                        help="rewrite sampled training documents with this probability: "
                        f"{', '.join(REWRITES)} (repeatable; see argmine.scoring.augment)")
    parser.add_argument("--output", "-o", required=True, help="model folder to write")
    parser.add_argument("--init", metavar="MODEL", help="start from this saved model: a "
                        "folder, or 'default' for the shipped model (to adapt it)")
    parser.add_argument("--baseline", action="store_true",
                        help="train the classical baseline (TF-IDF + position features + "
                        "logistic regression) instead of the transformer")
    parser.add_argument("--encoder", help="base encoder: hub id or folder "
                        "(default: the packaged all-MiniLM-L6-v2)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--units-per-epoch", type=int, default=None)
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="of the fine-tuned encoder layers (default 1e-4; with --init a "
                        "third of that, which measured best on the new genre when adapting, "
                        "though it keeps less of the base's genres: docs/adapt.md)")
    parser.add_argument("--head-learning-rate", type=float, default=None,
                        help="of the heads on top of the encoder (default 1e-3; with --init "
                        "a third of that)")
    parser.add_argument("--trainable-layers", type=int, default=4,
                        help="top encoder layers to fine-tune (default %(default)s)")
    parser.add_argument("--batch-units", type=int, default=16,
                        help="units per optimisation step (default %(default)s)")
    parser.add_argument("--patience", type=int, default=100,
                        help="stop after this many epochs without dev improvement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu",
                        help="torch device to train on: cpu, cuda, cuda:1 … (default %(default)s)")
    parser.add_argument("--no-context", action="store_true", help="no BiGRU over the units")
    parser.add_argument("--segment-tokens", type=int, default=0, metavar="N",
                        help="read consecutive units together, packed by paragraph into "
                        "encoder inputs of at most N tokens (default 0: each unit alone)")
    parser.add_argument("--pair-features", action="store_true",
                        help="give the link head pair features (same paragraph, ordinal lists)")
    parser.add_argument("--mask-absent-labels", action="store_true",
                        help="leave a label out of a corpus's label loss when its gold never "
                        "uses it, instead of teaching its absence")
    parser.add_argument("--checkpoint-dir", help="write a checkpoint here after every epoch")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint-dir")
    parser.add_argument("--force", action="store_true", help="overwrite --output")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def _rate(given: float | None, name: str, init: str | None) -> float:
    """The learning rate asked for, else TrainingConfig's, lowered when adapting a saved model."""
    if given is not None:
        return given
    from argmine.scoring.config import ADAPT_RATE_FACTOR, TrainingConfig

    default = getattr(TrainingConfig, name)
    return default * ADAPT_RATE_FACTOR if init else default


def training_config(args) -> TrainingConfig:
    """The :class:`~argmine.scoring.config.TrainingConfig` that ``args`` ask for."""
    from argmine.scoring.config import TrainingConfig

    return TrainingConfig(
        encoder=args.encoder, epochs=args.epochs, units_per_epoch=args.units_per_epoch,
        learning_rate=_rate(args.learning_rate, "learning_rate", args.init),
        head_learning_rate=_rate(args.head_learning_rate, "head_learning_rate", args.init),
        trainable_layers=args.trainable_layers,
        seed=args.seed, context=not args.no_context, corpus_weights=parse_weights(args.weight),
        segment_tokens=args.segment_tokens,
        batch_units=args.batch_units, patience=args.patience,
        augment=parse_weights(args.augment, "--augment"),
        pair_features=args.pair_features, mask_absent_labels=args.mask_absent_labels,
    )


def run(args) -> int:
    """Run the sub-command."""
    from argmine.errors import InputError
    from argmine.scoring.model import ArgumentModel
    from argmine.training.data import CorpusSpec, load_documents

    output = Path(args.output)
    if output.exists() and any(output.iterdir()) and not args.force:
        raise InputError("E301", param="--output", owner="argmine train",
                         expected="a new or empty folder (or pass --force)", value=str(output))
    config = training_config(args)
    docs = [d for spec in args.corpus for d in load_documents(CorpusSpec.parse(spec))]
    dev = None
    if args.dev:
        dev = [d for spec in args.dev for d in load_documents(CorpusSpec.parse(spec))]
    if args.baseline:
        from argmine.scoring.baseline import BaselineModel

        model = BaselineModel(seed=args.seed).fit(docs)
        model.save_pretrained(output)
        print(json.dumps({"output": str(output)}))
        return 0
    init = args.init
    shipped = init == "default" and not Path(init).exists()  # a folder of that name wins
    if shipped:
        from argmine.pipeline import default_model_path

        init = default_model_path()
    model = ArgumentModel(config, device=args.device).fit(
        docs, dev, checkpoint_dir=args.checkpoint_dir, resume=args.resume,
        init_from=init, progress=not args.quiet,
    )
    if shipped:
        # Named as argmine.load names it, not by where this installation keeps it.
        model.base_model_ = {**model.base_model_, "path": "default"}
    from argmine.scoring.modelcard import write_card

    model.save_pretrained(output, card=write_card(model, corpora=args.corpus))
    print(json.dumps({"output": str(output), "history": model.history_}))
    return 0
