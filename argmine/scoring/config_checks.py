"""Checks of a saved model's config.json, before a network is built from it.

A config.json is data from wherever the model folder came from: every setting the loader
relies on is checked for type and range, so a bad folder gets a coded error naming the file
and the field, never a bare ``TypeError`` deep inside torch.
"""

from __future__ import annotations

from pathlib import Path

from argmine.errors import ModelFormatError
from argmine.schema import LABELS
from argmine.scoring.modelcard import MAX_LINEAGE
from argmine.scoring.network import NetworkConfig

_INT_TRAINING = {"trainable_layers": 0, "max_length": 8, "batch_units": 1}
"""Training settings loading relies on, with their least valid value."""


def check_config(config: dict, path: Path) -> None:
    """Refuse a config.json whose settings could not have been written by save_pretrained.

    Raises:
        ModelFormatError: E212 for a setting of the wrong type or range, E215 for a labels
            list that is not argmine's labels in their order.
    """
    # The output head's columns are read in the order of schema.LABELS whatever the file
    # says, so a permuted, short or duplicated list would silently mislabel: refuse it.
    expected = [label.value for label in LABELS]
    if config.get("labels") != expected:
        raise ModelFormatError("E215", path=path, found=config.get("labels"), expected=expected)
    problem = NetworkConfig.problem(config.get("network"))
    if problem is not None:
        field, value, what = problem
        raise ModelFormatError("E212", path=path, field=field, value=value, expected=what)
    encoder = config.get("encoder")
    if encoder is not None and (not isinstance(encoder, str) or not encoder.strip()):
        raise ModelFormatError("E212", path=path, field="encoder", value=encoder,
                               expected="a Hugging Face model id or a folder, as a string")
    fingerprint = config.get("encoder_fingerprint", 0.0)
    if isinstance(fingerprint, bool) or not isinstance(fingerprint, (int, float)):
        raise ModelFormatError("E212", path=path, field="encoder_fingerprint",
                               value=fingerprint, expected="a number")
    check_lineage(config, path)
    training = config.get("training")
    if not isinstance(training, dict):
        raise ModelFormatError("E212", path=path, field="training", value=training,
                               expected="an object of training settings")
    for name, low in _INT_TRAINING.items():
        value = training.get(name, low)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ModelFormatError("E212", path=path, field=f"training.{name}", value=value,
                                   expected=f"an integer of at least {low}")


def check_lineage(config: dict, path: Path, field: str = "") -> None:
    """Refuse ``training_corpora`` / ``base_model`` entries that are not plain records.

    Raises:
        ModelFormatError: E212 naming the field, for anything but corpus names with document
            counts and a chain of at most ``MAX_LINEAGE`` base models.
    """
    # Only ever read into a model card, but a card is Markdown a person trusts.
    corpora = config.get("training_corpora", {})
    if not isinstance(corpora, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in corpora.items()):
        raise ModelFormatError("E212", path=path, field=f"{field}training_corpora",
                               value=corpora, expected="an object of corpus: document count")
    base = config.get("base_model")
    if base is None:
        return
    if (not isinstance(base, dict) or not isinstance(base.get("model"), str)
            or not isinstance(base.get("path"), str)
            or field.count("base_model.") >= MAX_LINEAGE):
        raise ModelFormatError("E212", path=path, field=f"{field}base_model", value=base,
                               expected="an object naming the model it was adapted from "
                               "(model, path, training_corpora, base_model), at most "
                               f"{MAX_LINEAGE} deep")
    check_lineage(base, path, f"{field}base_model.")
