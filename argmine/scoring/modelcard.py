"""The model card (README.md) written beside every saved model."""

from __future__ import annotations

import json
from collections.abc import Sequence

from argmine._version import __version__

LICENCES = {
    "microtexts": "CC BY-NC-SA 4.0",
    "aae2": "UKP research-only licence (no redistribution)",
    "cdcp": "ODbL / DbCL",
    "abstrct": "CC BY-NC-SA 4.0",
    "web-discourse": "Apache-2.0",
}


def write_card(model, *, corpora: Sequence[str] = (), scores: str | None = None) -> str:
    """Return a Markdown model card for a fitted model."""
    cfg = model.config
    lines = [
        "# argmine model",
        "",
        f"Written by argmine {__version__}. Base encoder: `{model.encoder_name_}` "
        f"(top {cfg.trainable_layers} layers fine-tuned; only those and the heads are stored, "
        "in fp16).",
        "",
        "## Training data",
        "",
    ]
    for spec in corpora:
        kind = spec.split("@")[0].split(":")[0]
        lines.append(f"- `{spec}` — licence: {LICENCES.get(kind, 'see the corpus')}")
    lines += ["", "## Training settings", "", "```json"]
    lines += [json.dumps(cfg.to_dict(), indent=1, sort_keys=True), "```", ""]
    if getattr(model, "history_", None):
        lines += ["## Training history (dev score per epoch)", ""]
        lines += [f"- epoch {h['epoch']}: loss {h['loss']:.4f}, dev {h['dev']:.4f}"
                  for h in model.history_]
        lines.append("")
    if scores:
        lines += ["## Scores", "", scores, ""]
    return "\n".join(lines)
