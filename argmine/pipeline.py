"""ArgumentMiner: text → units → labels → relations → trees, in one object.

Examples:
    >>> import argmine
    >>> miner = argmine.load()                                  # doctest: +SKIP
    >>> doc = miner.mine("We should ban cars. They pollute.")   # doctest: +SKIP
    >>> print(doc.trees[0].summary())                           # doctest: +SKIP
    We should ban cars. — 1 premise
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from argmine.decoding.build import build_document
from argmine.decoding.label_set import restrict_labels
from argmine.decoding.objective import DecodingConfig, decode
from argmine.document import Document, Unit
from argmine.errors import InputError, ModelFormatError
from argmine.schema import LABELS
from argmine.scoring.backends import check_backend
from argmine.scoring.features import coordinate_lists
from argmine.scoring.registry import load_scorer
from argmine.text.segmentation import split_text

DEFAULT_MODEL = "default"


def default_model_path() -> Path:
    """Locate the shipped default model (inside the wheel, or in a source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_models" / "default", here.parent / "models" / "default"):
        if (candidate / "config.json").is_file():
            return candidate
    raise ModelFormatError("E204", name=DEFAULT_MODEL)


class ArgumentMiner:
    """Label the units of a text and link them into argument trees.

    Args:
        model: A fitted :class:`~argmine.scoring.model.ArgumentModel` or
            :class:`~argmine.scoring.baseline.BaselineModel`.
        decoding: Settings of the tree decoder (see ``argmine.decoding.objective.DecodingConfig``).
    """

    def __init__(self, model, decoding=None) -> None:
        self.model = model
        self.decoding = decoding

    @classmethod
    def from_pretrained(
        cls, name_or_path: str | Path | None = None, *, quantize: bool = False,
        backend: str = "auto", **kwargs
    ) -> ArgumentMiner:
        """Load a saved model folder (``None`` or ``"default"`` for the shipped model).

        Args:
            name_or_path: ``None`` (or ``"default"``) for the shipped model, or a folder.
            quantize: Run the encoder with int8 dynamically quantized Linear layers (CPU
                only; see :mod:`argmine.scoring.runtimes.int8`): faster, with slightly different
                predictions; the miner cannot be trained or saved.
            backend: ``"auto"`` (ONNX Runtime where it runs: CPU, fp32; else torch),
                ``"torch"`` or ``"onnx"`` (the encoder in ONNX Runtime on the CPU; see
                :mod:`argmine.scoring.runtimes.onnx`).
            **kwargs: Passed to :class:`ArgumentMiner` (e.g. ``decoding=``).
        """
        check_backend(backend, owner="argmine.load")
        if quantize and backend == "onnx":
            raise InputError("E301", param="backend", owner="argmine.load", value=backend,
                             expected="'torch' with quantize=True (int8 runs in torch)")
        if name_or_path in (None, DEFAULT_MODEL):
            path = default_model_path()
        else:
            path = Path(name_or_path)
            if not path.is_dir():
                raise ModelFormatError("E204", name=str(name_or_path))
        scorer = load_scorer(path, quantize=quantize, backend=backend)
        if backend == "onnx" and not hasattr(scorer, "use_backend"):
            raise InputError("E301", param="backend", owner="argmine.load", value=backend,
                             expected=f"'torch' for {path}: the TF-IDF baseline has no "
                             "encoder to run elsewhere")
        return cls(scorer, **kwargs)

    def save_pretrained(self, directory: str | Path) -> Path:
        """Save the underlying model folder."""
        return self.model.save_pretrained(directory)

    # -- inputs --------------------------------------------------------------------------
    @staticmethod
    def to_document(text_or_units: str | Sequence[str] | Document, doc_id: str = "doc") -> Document:
        """Segment raw text (or accept pre-segmented units) into a Document."""
        if isinstance(text_or_units, Document):
            return text_or_units
        text, units, paragraphs = split_text(text_or_units)
        if not units:
            raise InputError("E002", path=doc_id)
        return Document(doc_id, text, tuple(units), paragraphs=paragraphs)

    # -- labels ------------------------------------------------------------------------------
    def label_documents(self, documents: Sequence[Document], *,
                        decoded: bool = True) -> list[Document]:
        """Label the given units of each document (segmentation taken as given).

        Args:
            documents: Documents with units.
            decoded: ``True`` (default): the labels of the decoded argument trees, the same
                as :meth:`mine_documents` gives, which score higher than the classifier's
                own on every corpus measured. ``False``: each unit's most probable label
                from the classifier alone; no link is scored, so time and memory grow
                linearly with the units of a document however long it is.

        Returns:
            The documents with labelled units and no relations or trees.
        """
        if decoded:
            return [doc.replace(relations=(), trees=()) for doc in self.mine_documents(documents)]
        out = []
        allowed = self.decoding.labels if self.decoding else None
        for doc, pred in zip(documents, self.model.predict_proba(documents, links=False)):
            units = []
            for unit, probs in zip(doc.units, restrict_labels(pred.label_probs, allowed)):
                best = int(probs.argmax())
                units.append(_with_scores(unit, probs, best))
            out.append(doc.replace(units=tuple(units), relations=(), trees=()))
        return out

    def label(self, text_or_units: str | Sequence[str], *, decoded: bool = True) -> list[Unit]:
        """Label every unit of a text.

        Args:
            text_or_units: Raw text, or a list of unit strings (pre-segmented).
            decoded: ``True`` (default): the labels of the decoded trees (what :meth:`mine`
                gives); ``False``: the classifier's own most probable label per unit.

        Returns:
            The units, each with ``label``, ``score`` and ``scores`` (all five labels).
        """
        doc = self.to_document(text_or_units)
        return list(self.label_documents([doc], decoded=decoded)[0].units)

    # -- trees ---------------------------------------------------------------------------------
    def mine_documents(self, documents: Sequence[Document]) -> list[Document]:
        """Label, link and decode each document into a forest of argument trees."""
        config = self.decoding or DecodingConfig()
        out = []
        for doc, pred in zip(documents, self.model.predict_proba(documents)):
            if not doc.units:
                out.append(doc)
                continue
            # Only the label scores here: build_document writes each unit's label, role and
            # score once, from the decoding (the score read back from these scores).
            label_probs = restrict_labels(pred.label_probs, config.labels)
            units = tuple(replace(u, scores=_scores(p)) for u, p in zip(doc.units, label_probs))
            doc = doc.replace(units=units)
            lists = coordinate_lists(doc.units) if config.coordinate_lists else ()
            # The last column is "no parent"; with candidates (a long document) the others
            # stand for each unit's candidate parents, not for all n units.
            candidates = getattr(pred, "candidates", None)
            decoding = decode(label_probs, pred.link_probs[:, :-1], pred.attack_probs,
                              config, coordinate=lists, paragraphs=[u.paragraph for u in doc.units],
                              candidates=candidates)
            out.append(build_document(doc, decoding))
        return out

    def mine(self, text_or_units: str | Sequence[str], *, doc_id: str = "doc") -> Document:
        """Find the arguments of a text.

        Returns:
            A Document whose units carry labels and roles, whose relations link them and
            whose ``trees`` hold one ArgumentTree per argument.
        """
        return self.mine_documents([self.to_document(text_or_units, doc_id)])[0]

    __call__ = mine

    def pipe(
        self, texts: Iterable[str | Sequence[str]], *, batch_size: int = 16
    ) -> Iterator[Document]:
        """Mine many texts, batching them for speed; yields Documents in input order."""
        batch: list[Document] = []
        for i, text in enumerate(texts):
            batch.append(self.to_document(text, f"doc{i}"))
            if len(batch) >= batch_size:
                yield from self.mine_documents(batch)
                batch = []
        if batch:
            yield from self.mine_documents(batch)


def _scores(probs) -> dict[str, float]:
    return {label.value: float(p) for label, p in zip(LABELS, probs)}


def _with_scores(unit: Unit, probs, best: int) -> Unit:
    return replace(unit, label=LABELS[best], score=float(probs[best]), scores=_scores(probs))


def load(
    name_or_path: str | Path | None = None, *, quantize: bool = False, backend: str = "auto",
    **kwargs
) -> ArgumentMiner:
    """Load an ArgumentMiner: the shipped default model, or a saved model folder.

    Args:
        name_or_path: ``None`` (or ``"default"``) for the shipped model; otherwise a folder
            written by ``save_pretrained``.
        quantize: Quantize the encoder to int8 on load (dynamic quantization, CPU only):
            faster labelling, slightly different predictions (see
            :mod:`argmine.scoring.runtimes.int8`). The folder is not changed; the loaded miner
            cannot be trained or saved.
        backend: ``"auto"`` (default): the encoder in ONNX Runtime where it runs (CPU,
            fp32; exported once per model and cached), else in torch; ``"torch"``; or
            ``"onnx"`` (an error where ONNX Runtime cannot run).
        **kwargs: Passed to :class:`ArgumentMiner` (e.g. ``decoding=``).

    Raises:
        ModelFormatError: If the model cannot be found or is invalid.
        InputError: E301 for ``quantize=True`` or ``backend="onnx"`` on a baseline model
            folder, for an unknown backend, or ``onnx`` without ONNX Runtime installed.

    Examples:
        >>> fast = load(quantize=True)          # doctest: +SKIP
        >>> fast.model.quantized_               # doctest: +SKIP
        True
    """
    return ArgumentMiner.from_pretrained(name_or_path, quantize=quantize, backend=backend,
                                         **kwargs)
