"""Training data from corpus specifications such as ``aae2:train`` or ``microtexts``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from argmine.document import Document
from argmine.errors import InputError

# Corpora whose gold units are the units to label: the microtexts (clause-size EDUs the task
# itself provides, and the microtext protocol evaluates on them) and user corpora in argmine's
# JSONL schema. Every other corpus is seen at sentence level, as argmine sees a user's text.
UNIT_LEVEL = frozenset({"microtexts", "jsonl", "brat"})


@dataclass(frozen=True)
class CorpusSpec:
    """Which corpus, where, which split, at which level.

    Attributes:
        kind: A corpus kind (see ``argmine.corpora.CORPUS_KINDS``).
        path: The corpus folder, or ``None`` for the default location.
        split: A split name (``train``, ``dev``, ``test``) or ``None`` for all documents.
        level: ``unit`` (gold units) or ``sentence`` (sentence view).
    """

    kind: str
    path: str | None = None
    split: str | None = None
    level: str | None = None

    @classmethod
    def parse(cls, spec: str) -> CorpusSpec:
        """Parse ``KIND[@SPLIT][:PATH]``.

        Examples:
            >>> CorpusSpec.parse("aae2@train:/data/aae2")
            CorpusSpec(kind='aae2', path='/data/aae2', split='train', level=None)
        """
        head, _, path = spec.partition(":")
        kind, _, split = head.partition("@")
        if not kind:
            raise InputError("E301", param="corpus", owner="argmine train",
                             expected="KIND[@SPLIT][:PATH]", value=spec)
        return cls(kind=kind, path=path or None, split=split or None)


def load_documents(spec: CorpusSpec) -> list[Document]:
    """Read the documents a spec names, at its level, tagged with ``meta["corpus"]``."""
    from argmine.corpora import read_corpus

    options = {"split": spec.split} if spec.split else {}
    docs = read_corpus(spec.kind, Path(spec.path) if spec.path else None, **options)
    level = spec.level or ("unit" if spec.kind in UNIT_LEVEL else "sentence")
    if level == "sentence":
        from argmine.corpora.views import sentence_documents

        docs = sentence_documents(docs)
    return [d if d.meta.get("corpus") == spec.kind else
            d.replace(meta={**d.meta, "corpus": spec.kind}) for d in docs]
