"""The model card (README.md) written beside every saved model."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from argmine._version import __version__
from argmine.document import Document

LICENCES = {
    "microtexts": "CC BY-NC-SA 4.0",
    "aae2": "UKP research-only licence (no redistribution)",
    "cdcp": "ODbL / DbCL",
    "abstrct": "CC BY-NC-SA 4.0",
    "web-discourse": "Apache-2.0",
}


def corpus_of(doc: Document) -> str:
    """The corpus a document came from (its ``meta["corpus"]``, else ``"user"``)."""
    return str(doc.meta.get("corpus", "user"))


def training_corpora(documents: Sequence[Document]) -> dict[str, int]:
    """Documents per corpus (a document's ``meta["corpus"]``, else ``"user"``), for the card.

    Examples:
        >>> training_corpora([Document("a", "", meta={"corpus": "microtexts"}), Document("b", "")])
        {'microtexts': 1, 'user': 1}
    """
    return dict(sorted(Counter(corpus_of(d) for d in documents).items()))


MAX_LINEAGE = 16
"""Base models a config.json may name in a chain; older links are dropped when saving."""


def code(text: object, limit: int = 200) -> str:
    r"""``text`` as inline Markdown code on one line: no backticks or line breaks, bounded.

    Names in a card come from config.json files and corpus metadata, wherever a model folder
    came from; a name must not add headings, links or markup to a card a person trusts.

    Examples:
        >>> code("mine")
        '`mine`'
        >>> code("x`\n## Scores")
        "`x' ## Scores`"
    """
    flat = " ".join(str(text).replace("`", "'").split())
    return f"`{flat[:limit] + ('…' if len(flat) > limit else '')}`"


def cut_lineage(record: dict | None, depth: int = MAX_LINEAGE) -> dict | None:
    """A chain of base models without the links older than ``depth``."""
    if record is None or depth <= 0:
        return None
    return {**record, "base_model": cut_lineage(record.get("base_model"), depth - 1)}


def base_record(path, base) -> dict:
    """What an adapted model records about the model it started from (``init_from``).

    The base's own training corpora and base travel with it, so the card of a model adapted
    from an adapted model names the whole chain.

    Examples:
        >>> class Base:
        ...     training_corpora_ = {"microtexts": 112}
        >>> record = base_record("models/default", Base())
        >>> record["model"], record["training_corpora"], record["base_model"]
        ('default', {'microtexts': 112}, None)
    """
    return {"model": Path(str(path)).name, "path": str(path),
            "training_corpora": dict(getattr(base, "training_corpora_", None) or {}),
            # One link is this record, so the base's chain keeps MAX_LINEAGE - 1.
            "base_model": cut_lineage(getattr(base, "base_model_", None), MAX_LINEAGE - 1)}


def _kind(spec: str) -> str:
    # The corpus kind of a spec KIND[@SPLIT][:PATH].
    return spec.split("@")[0].split(":")[0]


def _base_lines(record: dict | None) -> list[str]:
    lines, depth = [], 0
    while record:
        indent = "  " * depth
        corpora = record.get("training_corpora") or {}
        trained = ", ".join(f"{code(k)} ({n} documents)" for k, n in corpora.items()) \
            or "not recorded in its config.json (see its own card)"
        verb = "Adapted from" if depth == 0 else "which was adapted from"
        lines.append(f"{indent}- {verb} {code(record.get('model'))} "
                     f"({code(record.get('path'))}), trained on: {trained}")
        record, depth = record.get("base_model"), depth + 1
    return lines


def write_card(model, *, corpora: Sequence[str] = (), scores: str | None = None) -> str:
    """Return a Markdown model card for a fitted model.

    Args:
        model: A fitted :class:`~argmine.scoring.model.ArgumentModel` or
            :class:`~argmine.scoring.baseline.BaselineModel`.
        corpora: Corpus specs it was trained on (``KIND[@SPLIT][:PATH]``); by default the
            corpora of the documents ``fit`` saw (``training_corpora_``).
        scores: Measured figures to add (Markdown), e.g. a benchmark table.

    Returns:
        The card: what the model is, its training data with each corpus's licence, its
        settings, and what was measured (the dev score per epoch, any ``scores``).
    """
    cfg = getattr(model, "config", None)
    if cfg is not None:
        what = (f"Base encoder: `{model.encoder_name_}` (top {cfg.trainable_layers} layers "
                "fine-tuned; only those and the heads are stored, in fp16).")
        settings = cfg.to_dict()
    else:
        what = "The classical baseline: TF-IDF n-grams and discourse markers, logistic regression."
        settings = getattr(model, "get_params", dict)()
    lines = ["# argmine model", "", f"Written by argmine {__version__}. {what}", ""]
    base = getattr(model, "base_model_", None)
    if base:
        lines += ["## Base model", "",
                  "Fine-tuned from a saved argmine model; what that model learnt from its own "
                  "training data is the starting point, the data below is what this model "
                  "was adapted on.", "", *_base_lines(base), ""]
    lines += ["## Training data" if not base else "## Adaptation data", ""]
    counted = getattr(model, "training_corpora_", None) or {}
    kinds = Counter(map(_kind, corpora))
    for spec in corpora or counted:
        kind = _kind(spec)
        # Documents are counted by the corpus they name (a jsonl file's are "jsonl"), so
        # a spec gets its kind's count when no other spec shares the kind.
        number = counted.get(spec, counted.get(kind) if kinds[kind] == 1 else None)
        size = f" ({number} documents)" if number is not None else ""
        lines.append(f"- {code(spec)}{size} — licence: {LICENCES.get(kind, 'see the corpus')}")
    if not (corpora or counted):
        lines.append("- not recorded")
    lines += ["", "## Training settings", "", "```json"]
    lines += [json.dumps(settings, indent=1, sort_keys=True, default=str), "```", ""]
    history = getattr(model, "history_", None)
    if history:
        best = max(history, key=lambda h: h["dev"])
        lines += ["## Measured while training", "",
                  f"Best dev score {best['dev']:.4f} at epoch {best['epoch']} (mean of label "
                  "macro-F1 and parent accuracy on the held-out dev documents; not a test "
                  "figure).", ""]
        lines += [f"- epoch {h['epoch']}: loss {h['loss']:.4f}, dev {h['dev']:.4f}"
                  for h in history]
        lines.append("")
    if scores:
        lines += ["## Scores", "", scores, ""]
    return "\n".join(lines)
