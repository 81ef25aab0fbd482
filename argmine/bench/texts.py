"""The texts the speed and scale suites run on: a corpus's texts, or the seed op-ed."""

from __future__ import annotations

import itertools
from pathlib import Path

from argmine.bench.options import BenchOptions
from argmine.corpora import read_corpus
from argmine.document import Document
from argmine.pipeline import ArgumentMiner
from argmine.text.paragraphs import paragraph_spans

# Used only where the seed file is missing (an installed wheel has no seeds/ folder).
_FALLBACK = (
    "Cities should ban cars from their centres. Exhaust fumes make the air unhealthy, and "
    "noise keeps residents awake. Some say that shops would lose customers. But people on "
    "foot spend more money in town than drivers do, as studies in several cities show.\n"
    "A ban would also free space for trees and benches. Of course, deliveries still need "
    "access. Yet that is easily solved with time windows in the early morning."
)


def seed_text() -> str:
    """The seed op-ed of the repository (``seeds/track-ii-talks.txt``), or a short fallback."""
    path = Path(__file__).resolve().parents[2] / "seeds" / "track-ii-talks.txt"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return _FALLBACK


def source_texts(options: BenchOptions) -> tuple[list[str], str]:
    """Raw texts to time, and a description of where they came from.

    With ``--corpus`` the raw texts of that corpus (its split if named); otherwise the
    paragraphs of the seed op-ed, each a document.
    """
    if options.corpus:
        spec = options.corpus_spec("microtexts")
        extra = {"split": spec.split} if spec.split else {}
        docs = read_corpus(spec.kind, spec.path, **extra)
        texts = [d.text for d in docs if d.text.strip()]
        return texts, f"{spec.kind}{'@' + spec.split if spec.split else ''} raw texts"
    text = seed_text()
    texts = [text[a:b] for a, b in paragraph_spans(text)]
    return texts, "paragraphs of seeds/track-ii-talks.txt"


def benchmark_documents(texts: list[str], units: int) -> tuple[list[str], list[Document]]:
    """Segment texts into documents, cycling through them until about ``units`` units.

    Returns:
        The texts used (repeats included) and their segmented documents, ids ``doc0`` …
    """
    chosen, docs, total = [], [], 0
    for i, text in enumerate(itertools.cycle(texts)):
        if total >= units or i >= 100 * max(len(texts), 1) + units:
            break
        doc = ArgumentMiner.to_document(text, f"doc{i}")
        chosen.append(text)
        docs.append(doc)
        total += len(doc.units)
    return chosen, docs


def synthetic_document(sentences: list[str], n: int, doc_id: str = "synthetic") -> Document:
    """A document of ``n`` sentences, cycling through ``sentences`` (paragraphs of five).

    Examples:
        >>> len(synthetic_document(["A b.", "C d."], 7).units)
        7
    """
    picked = [s for s, _ in zip(itertools.cycle(sentences), range(n))]
    # Paragraph breaks every five sentences keep the position features realistic.
    pieces = [s + ("\n" if (i + 1) % 5 == 0 else " ") for i, s in enumerate(picked)]
    return ArgumentMiner.to_document(pieces, doc_id)
