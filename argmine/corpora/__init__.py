"""Readers for annotated argument-mining corpora; each yields gold ``Document``s.

The corpora's licences forbid redistribution, so argmine ships no corpus text: readers take
the path of a corpus folder (see :func:`corpora_dir` for the default location).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path

from argmine.document import Document
from argmine.errors import CorpusFormatError
from argmine.schema import LABELS

ENV_VAR = "ARGMINE_CORPORA"
"""Environment variable naming the folder that holds the corpus folders."""

DEFAULT_LOCATION = Path("..") / "shared" / "corpora"

# kind → (module, reader function, folder name under the corpora directory)
_READERS: dict[str, tuple[str, str, str]] = {
    "microtexts": ("argmine.corpora.microtexts", "read_microtexts", "microtexts-part1"),
    "aae2": ("argmine.corpora.aae2", "read_aae2", "aae2"),
    "aae2-tree": ("argmine.corpora.aae2", "read_aae2_tree", "aae2"),
    "cdcp": ("argmine.corpora.cdcp", "read_cdcp", "cdcp"),
    "abstrct": ("argmine.corpora.abstrct", "read_abstrct", "abstrct"),
    "jsonl": ("argmine.corpora.jsonl", "read_jsonl", "."),
    "brat": ("argmine.corpora.brat_argmine", "read_brat", "."),
    "web-discourse": (
        "argmine.corpora.web_discourse", "read_web_discourse", "web-discourse-toulmin"
    ),
}

CORPUS_KINDS: tuple[str, ...] = tuple(_READERS)


def corpora_dir(path: str | Path | None = None) -> Path:
    """Return the folder that holds the corpus folders.

    The first of: ``path``; the ``ARGMINE_CORPORA`` environment variable; ``../shared/corpora``
    relative to the working directory.

    Examples:
        >>> corpora_dir("/data/corpora").as_posix()
        '/data/corpora'
    """
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_LOCATION


def get_reader(kind: str) -> Callable[..., list[Document]]:
    """Return the reader function of a corpus kind.

    Raises:
        CorpusFormatError: E108 if ``kind`` is unknown.
    """
    if kind not in _READERS:
        raise CorpusFormatError("E108", kind=kind, options=", ".join(CORPUS_KINDS))
    module, name, _folder = _READERS[kind]
    return getattr(importlib.import_module(module), name)


def corpus_path(kind: str, root: str | Path | None = None) -> Path:
    """Return the default folder of corpus ``kind`` under the corpora directory."""
    if kind not in _READERS:
        raise CorpusFormatError("E108", kind=kind, options=", ".join(CORPUS_KINDS))
    return corpora_dir(root) / _READERS[kind][2]


def read_corpus(kind: str, path: str | Path | None = None, **options) -> list[Document]:
    """Read a corpus by kind.

    Args:
        kind: One of :data:`CORPUS_KINDS`.
        path: The corpus folder; defaults to its folder under :func:`corpora_dir`.
        **options: Passed to the reader (e.g. ``split="test"``).

    Returns:
        The gold documents.
    """
    folder = Path(path) if path is not None else corpus_path(kind)
    return get_reader(kind)(folder, **options)


def corpus_stats(kind: str, documents: list[Document]) -> dict:
    """Count documents, units and gold labels.

    Examples:
        >>> corpus_stats("x", [])["labels"]["claim"]
        0
    """
    labels = {label.value: 0 for label in LABELS}
    units = 0
    for doc in documents:
        for unit in doc.units:
            units += 1
            if unit.label is not None:
                labels[unit.label.value] += 1
    return {"corpus": kind, "documents": len(documents), "units": units, "labels": labels}


__all__ = [
    "CORPUS_KINDS",
    "ENV_VAR",
    "corpora_dir",
    "corpus_path",
    "corpus_stats",
    "get_reader",
    "read_corpus",
]
