"""ArgumentModel: the fine-tuned transformer that scores labels and links of units.

It follows scikit-learn (``fit`` returns self, fitted state in attributes ending in ``_``,
``predict`` refuses an unfitted model) and Hugging Face (``save_pretrained`` /
``from_pretrained`` with safetensors).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from argmine.decoding.blocks import FULL_LINK_UNITS, candidate_blocks
from argmine.document import Document
from argmine.errors import InputError, ModelFormatError, NotFittedError
from argmine.schema import LABELS, Label
from argmine.scoring import fit as T
from argmine.scoring import persistence
from argmine.scoring.backends import check_backend, onnx_installed
from argmine.scoring.batching import ENCODE_CHUNK, PREDICT_GROUP_UNITS, SEGMENT_CHUNK, batches
from argmine.scoring.config import TrainingConfig
from argmine.scoring.config_checks import check_config
from argmine.scoring.encoders import DEFAULT_ENCODER, load_encoder
from argmine.scoring.features import PAIR_FEATURES, n_features, pair_features, unit_features
from argmine.scoring.modelcard import cut_lineage, write_card
from argmine.scoring.network import (
    ArgumentNetwork,
    NetworkConfig,
    can_split,
    check_segment_tokens,
    freeze_lower_layers,
    mean_pool,
    pool_spans,
    run_layers,
)
from argmine.scoring.protocol import Prediction
from argmine.scoring.segments import Segment, chunks, document_segments, padded, units_of

logger = logging.getLogger(__name__)

MODEL_TYPE = "argmine-network"


def _device(device: str | torch.device) -> torch.device:
    """A torch device, refusing names torch does not know and CUDA where there is none."""
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError("E301", param="device", owner="ArgumentModel", value=device,
                         expected="a torch device such as 'cpu' or 'cuda'") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise InputError("E301", param="device", owner="ArgumentModel", value=device,
                         expected="'cpu' (torch sees no CUDA GPU here)")
    return resolved


class ArgumentModel:
    """Fine-tuned transformer scoring unit labels and links.

    Args:
        config: Training settings; defaults are the ones the shipped model uses.
        device: Where the network runs and trains (``"cpu"``, ``"cuda"``, ``"cuda:1"``…);
            :meth:`to` moves a fitted model. Predictions come back as NumPy arrays either way.

    Examples:
        >>> model = ArgumentModel(TrainingConfig(epochs=1))
        >>> model.config.epochs, model.device
        (1, device(type='cpu'))
    """

    def __init__(self, config: TrainingConfig | None = None, *,
                 device: str | torch.device = "cpu") -> None:
        self.config = config if config is not None else TrainingConfig()
        self.device = _device(device)

    def use_backend(self, backend: str = "torch", *, threads: int | None = None) -> ArgumentModel:
        """Run the encoder at inference on ``"torch"`` or ``"onnx"`` (ONNX Runtime, CPU).

        The ONNX graph is exported from the current weights (and cached, see
        :mod:`argmine.scoring.runtimes.onnx`); training always runs in torch and drops the backend.
        ``"auto"`` picks ONNX Runtime where it is installed and the model is on the CPU and
        not quantized, and falls back to torch (with a warning) if the encoder does not
        export.

        Raises:
            InputError: E301 for an unknown backend, ``onnx`` without ONNX Runtime, or
                ``onnx`` on a non-CPU device.
        """
        from argmine.scoring.runtimes.onnx import OnnxEncoder

        check_backend(backend, owner="ArgumentModel.use_backend")
        self._check_fitted()
        fallback = backend == "auto"
        if fallback:
            usable = (self.device.type == "cpu" and not getattr(self, "quantized_", False)
                      and onnx_installed())
            backend = "onnx" if usable else "torch"
        if backend == "torch":
            self.__dict__.pop("onnx_encoder_", None)
            return self
        if self.device.type != "cpu":
            raise InputError("E301", param="backend", owner="ArgumentModel.use_backend",
                             value=backend, expected="'torch' on a GPU (onnx runs on the CPU)")
        try:
            self.onnx_encoder_ = OnnxEncoder(self.network_, threads=threads)
        except Exception as exc:  # an encoder the exporter cannot handle
            if not fallback:
                raise
            import warnings

            warnings.warn(f"ONNX Runtime cannot run this encoder ({exc!r}); using torch",
                          stacklevel=2)
            self.__dict__.pop("onnx_encoder_", None)
        return self

    @property
    def backend(self) -> str:
        """``"onnx"`` if the encoder runs in ONNX Runtime at inference, else ``"torch"``."""
        return "onnx" if getattr(self, "onnx_encoder_", None) is not None else "torch"

    def to(self, device: str | torch.device) -> ArgumentModel:
        """Move the model to ``device`` (like ``nn.Module.to``) and return it.

        Off the CPU the encoder runs in torch: ONNX Runtime's backend here is CPU-only.
        """
        self.device = _device(device)
        if self.device.type != "cpu":
            self.__dict__.pop("onnx_encoder_", None)
        if hasattr(self, "network_"):
            self.network_.to(self.device)
        return self

    # -- construction -------------------------------------------------------------------
    def build(self, encoder_name: str | None, net_config: NetworkConfig,
              source: Path | None = None) -> None:
        """Load the encoder and put fresh heads of ``net_config`` on it.

        Raises:
            InputError: E301 if ``segment_tokens`` is more than the encoder's inputs hold.
            ModelFormatError: E212 for the same in the config.json at ``source``.
        """
        tokenizer, encoder = load_encoder(encoder_name)
        check_segment_tokens(net_config.segment_tokens, encoder, source)
        self.tokenizer_ = tokenizer
        self.encoder_name_ = str(encoder_name or DEFAULT_ENCODER)
        self.trainable_names_ = freeze_lower_layers(encoder, self.config.trainable_layers)
        self.fingerprint_ = persistence.fingerprint(encoder)
        self.network_ = ArgumentNetwork(encoder, net_config).to(self.device)
        self.labels_ = tuple(LABELS)

    def add_pair_features(self) -> None:
        """Widen the pair-feature weights to all of ``PAIR_FEATURES`` (new columns zero)."""
        # A model saved before (some of) the pair features existed, e.g. an earlier stage of
        # training: the same network with zero weights for the new columns, so it starts
        # where it was.
        old = self.network_
        config = NetworkConfig(**{**old.config.to_dict(), "n_pair_features": len(PAIR_FEATURES)})
        net = ArgumentNetwork(old.encoder, config).to(self.device)
        state = old.state_dict()
        previous = state.pop("pair_weight.weight", None)
        net.load_state_dict(state, strict=False)
        if previous is not None:
            with torch.no_grad():
                net.pair_weight.weight[:, : previous.shape[1]] = previous
        self.network_ = net

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """The tensors that training changes and ``save_pretrained`` stores."""
        keep = {f"encoder.{n}" for n in self.trainable_names_}
        return {
            name: t
            for name, t in self.network_.state_dict().items()
            if not name.startswith("encoder.") or name in keep
        }

    def _check_fitted(self) -> None:
        if not hasattr(self, "network_"):
            raise NotFittedError("E205", estimator=type(self).__name__)

    # -- inference ------------------------------------------------------------------------
    def _features(self, doc: Document) -> torch.Tensor:
        rows = unit_features(
            doc.units, position=self.config.position_features, markers=self.config.marker_features
        )
        width = n_features(
            position=self.config.position_features, markers=self.config.marker_features
        )
        return torch.tensor(rows, dtype=torch.float32,
                            device=self.device).reshape(len(doc.units), width)

    def _pairs(self, doc: Document, block: slice = slice(None)) -> torch.Tensor | None:
        if not self.network_.config.n_pair_features:
            return None
        # Columns are only ever appended: a model trained with fewer reads the first ones.
        return pair_features(doc.units[block])[..., : self.network_.config.n_pair_features].to(
            self.device)

    def _tokenize(self, texts: Sequence[str]):
        return self.tokenizer_(
            list(texts), padding=True, truncation=True, max_length=self.config.max_length,
            return_tensors="pt",
        ).to(self.device)

    def _encode(self, texts: Sequence[str], cache: dict | None = None) -> torch.Tensor:
        encoder = self.network_.encoder
        n_layers = encoder.config.num_hidden_layers
        split = n_layers - self.config.trainable_layers
        if cache is None or split <= 0 or not can_split(encoder):
            return self._encode_sorted(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            batch = self._tokenize(missing)
            lower = self._frozen(batch["input_ids"], batch["attention_mask"], split)
            lengths = batch["attention_mask"].sum(1).tolist()
            for i, text in enumerate(missing):
                cache[text] = lower[i, : lengths[i]].to(torch.float16)
        states = [cache[t] for t in texts]
        width = max(s.shape[0] for s in states)
        hidden = torch.zeros(len(states), width, states[0].shape[1], device=self.device)
        mask = torch.zeros(len(states), width, dtype=torch.long, device=self.device)
        for i, s in enumerate(states):
            hidden[i, : s.shape[0]] = s.float()
            mask[i, : s.shape[0]] = 1
        upper = run_layers(encoder, hidden, mask, split, n_layers)
        return mean_pool(upper, mask)

    def _segments(self, docs: Sequence[Document]) -> list[Segment]:
        texts = [u.text for d in docs for u in d.units]
        # Room for [CLS] and [SEP], as a unit read alone has.
        ids = self.tokenizer_(texts, add_special_tokens=False, truncation=True,
                              max_length=self.config.max_length - 2)["input_ids"]
        return document_segments(ids, [[u.paragraph for u in d.units] for d in docs],
                                 self.network_.config.segment_tokens,
                                 self.tokenizer_("")["input_ids"])

    def _encode_segments(self, docs: Sequence[Document], cache: dict | None = None
                         ) -> torch.Tensor:
        encoder = self.network_.encoder
        n_layers = encoder.config.num_hidden_layers
        split = n_layers - self.config.trainable_layers
        cached = cache is not None and 0 < split and can_split(encoder)
        tokens = getattr(self, "onnx_encoder_", None) or self.network_.encode_tokens
        out: list = [None] * sum(len(d.units) for d in docs)
        for chunk in chunks(self._segments(docs), SEGMENT_CHUNK):
            ids, mask = (torch.from_numpy(a).to(self.device) for a in padded(chunk))
            if cached:
                hidden = run_layers(encoder, self._lower(chunk, ids, mask, split, cache), mask,
                                    split, n_layers)
            else:
                hidden = tokens(ids, mask)
            rows, spans, targets = units_of(chunk)
            for target, vector in zip(targets, pool_spans(hidden, rows, spans)):
                out[target] = vector
        return torch.stack(out)

    def _lower(self, chunk: list[Segment], ids: torch.Tensor, mask: torch.Tensor, split: int,
               cache: dict) -> torch.Tensor:
        # The frozen lower layers of each segment, computed once per training run.
        encoder = self.network_.encoder
        missing = [r for r, seg in enumerate(chunk) if seg.ids not in cache]
        if missing:
            lower = self._frozen(ids[missing], mask[missing], split)
            for i, r in enumerate(missing):
                cache[chunk[r].ids] = lower[i, : len(chunk[r].ids)].to(torch.float16)
        hidden = torch.zeros(*ids.shape, encoder.config.hidden_size, device=self.device)
        for r, seg in enumerate(chunk):
            hidden[r, : len(seg.ids)] = cache[seg.ids].float()
        return hidden

    def _frozen(self, ids: torch.Tensor, mask: torch.Tensor, split: int) -> torch.Tensor:
        # The frozen layers run without dropout, so a cached state is what inference sees.
        encoder = self.network_.encoder
        frozen = [encoder.embeddings, *encoder.encoder.layer[:split]]
        modes = [m.training for m in frozen]
        for m in frozen:
            m.eval()
        with torch.no_grad():
            lower = run_layers(encoder, None, mask, 0, split, input_ids=ids)
        for m, mode in zip(frozen, modes):
            m.train(mode)
        return lower

    def _encode_sorted(self, texts: Sequence[str], chunk: int = ENCODE_CHUNK) -> torch.Tensor:
        # Padding every unit of a batch to its longest one wastes most of the encoder's work
        # on real text (2.5x the tokens on the essays): tokenize once, order the units by
        # their exact token count and encode them in chunks padded to their own longest unit.
        ids = self.tokenizer_(list(texts), truncation=True, max_length=self.config.max_length,
                              padding=False, return_attention_mask=False)["input_ids"]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        pieces = []
        encode = getattr(self, "onnx_encoder_", None) or self.network_.encode
        for start in range(0, len(order), chunk):
            idx = order[start : start + chunk]
            batch = self.tokenizer_.pad({"input_ids": [ids[i] for i in idx]},
                                        return_tensors="pt").to(self.device)
            pieces.append(encode(batch["input_ids"], batch["attention_mask"]))
        vectors = torch.cat(pieces)
        out = torch.empty_like(vectors)
        out[torch.tensor(order, device=vectors.device)] = vectors
        return out

    def forward(
        self, docs: Sequence[Document], cache: dict | None = None, *, links: bool = True,
        link_block: int | None = None,
    ) -> list[dict[str, torch.Tensor]]:
        """Run the network over whole documents; one dict of head logits per document."""
        texts = [u.text for d in docs for u in d.units]
        if not texts:
            vectors = None
        elif self.network_.config.segment_tokens:
            vectors = self._encode_segments(docs, cache)
        else:
            vectors = self._encode(texts, cache)
        out, offset = [], 0
        for doc in docs:
            n = len(doc.units)
            blocks = candidate_blocks([u.paragraph for u in doc.units], link_block) \
                if links and link_block is not None else [(0, n)]
            if not links:
                out.append(self.network_.heads(vectors[offset : offset + n],
                                               self._features(doc), links=False))
            elif len(blocks) > 1:
                out.append(self._block_heads(doc, vectors[offset : offset + n], blocks))
            else:
                out.append(self.network_.heads(vectors[offset : offset + n],
                                               self._features(doc), self._pairs(doc)))
            offset += n
        return out

    def _block_heads(self, doc: Document, vectors: torch.Tensor,
                     blocks: list[tuple[int, int]]) -> dict[str, torch.Tensor]:
        # A long document: the labels and the BiGRU context see the whole document, links
        # only the units of a unit's own block, so nothing n x n is ever built (see
        # argmine.decoding.objective.candidate_blocks). Column c of a row stands for the
        # block's unit c.
        net = self.network_
        state = net.states(vectors, self._features(doc))
        n, k = len(doc.units), max(e - s for s, e in blocks)
        # -inf: padding columns get probability 0 after the softmax
        links = state.new_full((n, k + 1), float("-inf"))
        kinds = state.new_zeros((n, k))
        candidates = torch.full((n, k), -1, dtype=torch.long)
        for s, e in blocks:
            m = e - s
            block_links, block_kinds = net.link_heads(state[s:e], self._pairs(doc, slice(s, e)))
            links[s:e, :m], links[s:e, k] = block_links[:, :m], block_links[:, m]
            kinds[s:e, :m] = block_kinds
            candidates[s:e, :m] = torch.arange(s, e)
        return {"labels": net.label_head(state), "links": links, "kinds": kinds,
                "candidates": candidates}

    def predict_proba(
        self, documents: Sequence[Document], *, batch_units: int = PREDICT_GROUP_UNITS,
        links: bool = True, link_block: int | None = FULL_LINK_UNITS,
    ) -> list[Prediction]:
        """Score the units of each document (their segmentation is taken as given).

        Args:
            documents: Documents with units.
            batch_units: Units encoded per forward pass.
            links: ``False`` to score labels only (``link_probs`` and ``attack_probs``
                ``None``): what labelling needs, at a cost linear in the units.
            link_block: Documents with more units than this score links block by block
                (see :attr:`Prediction.candidates`); ``None``: every pair, however long.

        Returns:
            One :class:`Prediction` per document.
        """
        self._check_fitted()
        self.network_.eval()
        results: list[Prediction | None] = [None] * len(documents)
        order = [i for i, d in enumerate(documents) if d.units]
        for i, doc in enumerate(documents):
            if not doc.units:
                results[i] = Prediction.empty(links=links)
        with torch.inference_mode():
            for group in batches([documents[i] for i in order], batch_units):
                outs = self.forward(group, links=links, link_block=link_block)
                for o in outs:
                    i = order.pop(0)
                    results[i] = Prediction(
                        torch.softmax(o["labels"], -1).float().cpu().numpy(),
                        torch.softmax(o["links"], -1).float().cpu().numpy() if links else None,
                        torch.sigmoid(o["kinds"]).float().cpu().numpy() if links else None,
                        o["candidates"].numpy() if "candidates" in o else None,
                    )
        return results  # type: ignore[return-value]

    def predict(self, documents: Sequence[Document]) -> list[list[Label]]:
        """Return the most probable label of every unit of every document."""
        return [p.labels for p in self.predict_proba(documents)]

    # -- training ---------------------------------------------------------------------------
    def fit(
        self,
        documents: Sequence[Document],
        dev_documents: Sequence[Document] | None = None,
        *,
        checkpoint_dir: str | Path | None = None,
        resume: bool = False,
        init_from: str | Path | None = None,
        progress: bool = True,
    ) -> ArgumentModel:
        """Fine-tune on gold documents (units with labels; relations where annotated).

        Args:
            documents: Training documents.
            dev_documents: Documents for early stopping; by default a ``dev_fraction`` of
                ``documents`` is held out. Never pass a test split here.
            checkpoint_dir: Where to write a checkpoint after every epoch.
            resume: Continue from the checkpoint in ``checkpoint_dir``.
            init_from: Start from a saved model instead of fresh heads (e.g. a model
                pre-trained on other corpora).
            progress: Show a progress bar.

        Returns:
            self
        """
        return T.fit_model(self, documents, dev_documents, checkpoint_dir=checkpoint_dir,
                           resume=resume, init_from=init_from, progress=progress)

    def score(self, documents: Sequence[Document]) -> float:
        """Dev score for early stopping: mean of label macro-F1 and parent accuracy."""
        gold, pred, right, total = [], [], 0, 0
        # Every pair, however long the document: the parent accuracy reads unit indices
        # off the columns of link_probs.
        for doc, p in zip(documents, self.predict_proba(documents, link_block=None)):
            labels, parents, _ = T.gold_targets(doc)
            guess = p.label_probs.argmax(1)
            for g, q in zip(labels, guess):
                if g >= 0:
                    gold.append(g)
                    pred.append(int(q))
            if doc.relations:
                right += int((p.link_probs.argmax(1) == np.array(parents)).sum())
                total += len(parents)
        f1 = T.macro_f1(gold, pred)
        return (f1 + right / total) / 2 if total else f1

    # -- persistence -------------------------------------------------------------------------
    def save_pretrained(self, directory: str | Path, *, card: str | None = None) -> Path:
        """Write config.json, model.safetensors (trainable weights, fp16) and a model card."""
        self._check_fitted()
        config = {
            "model_type": MODEL_TYPE,
            "labels": [label.value for label in self.labels_],
            "encoder": self.encoder_name_,
            "encoder_fingerprint": self.fingerprint_,
            "network": self.network_.config.to_dict(),
            "training": self.config.to_dict(),
            "trainable_parameters": self.trainable_names_,
        }
        # The lineage, so that a model adapted from this one can name what it started from.
        if getattr(self, "training_corpora_", None):
            config["training_corpora"] = self.training_corpora_
        if getattr(self, "base_model_", None):
            config["base_model"] = cut_lineage(self.base_model_)
        # A card always: the one given, the one this model was loaded with, or a new one.
        card = card or getattr(self, "card_", None) or write_card(self)
        return persistence.save_model(directory, config, self.trainable_state(), card=card)

    @classmethod
    def from_pretrained(cls, directory: str | Path, *, device: str | torch.device = "cpu",
                        config: dict | None = None) -> ArgumentModel:
        """Load a model folder written by :meth:`save_pretrained` onto ``device``.

        ``config`` is the folder's config.json when the caller has read it already.

        Raises:
            ModelFormatError: If files are missing, the config is invalid or too new, or the
                weights do not fit the network the config describes: E212 for a bad setting,
                E215 for a labels list other than argmine's, E211/E213/E214 for tensors of
                the wrong shape, non-finite values or the wrong dtype, E208-E210 for an
                encoder that would run code or unpickle.
        """
        directory = Path(directory)
        if config is None:
            config = persistence.read_config(directory)
        if config.get("model_type") != MODEL_TYPE:
            raise ModelFormatError("E203", path=directory / persistence.CONFIG_NAME,
                                   detail=f"model_type is {config.get('model_type')!r}, "
                                   f"expected {MODEL_TYPE!r}")
        check_config(config, directory / persistence.CONFIG_NAME)
        try:
            model = cls(TrainingConfig.from_dict(config["training"]), device=device)
            net_config = NetworkConfig(**config["network"])
            labels = tuple(Label(x) for x in config["labels"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError("E203", path=directory / persistence.CONFIG_NAME,
                                   detail=repr(exc)) from None
        model.build(config.get("encoder"), net_config,
                    source=directory / persistence.CONFIG_NAME)
        model.labels_ = labels
        expected_print = float(config.get("encoder_fingerprint", model.fingerprint_))
        if abs(model.fingerprint_ - expected_print) > 1e-2:
            import warnings

            warnings.warn(f"The base encoder {config.get('encoder')!r} differs from the one "
                          f"{directory} was trained on; predictions will be off.", stacklevel=2)
        state = persistence.read_weights(directory)
        expected = set(model.trainable_state())
        missing = expected - set(state)
        unexpected = set(state) - set(model.network_.state_dict())
        if missing or unexpected:
            raise ModelFormatError(
                "E203", path=directory / persistence.WEIGHTS_NAME,
                detail=f"weights do not fit the network (missing {sorted(missing)[:3]}, "
                f"unexpected {sorted(unexpected)[:3]})")
        persistence.check_tensors(state, model.network_.state_dict(),
                                  directory / persistence.WEIGHTS_NAME)
        model.network_.load_state_dict(state, strict=False)
        model.network_.to(model.device).eval()
        model.training_corpora_ = dict(config.get("training_corpora") or {})
        if config.get("base_model"):
            model.base_model_ = config["base_model"]
        card = directory / persistence.CARD_NAME
        # Carried along, so that saving a loaded model again keeps its measured figures.
        model.card_ = card.read_text(encoding="utf-8") if card.is_file() else None
        return model

    def __deepcopy__(self, memo):
        clone = type(self).__new__(type(self))
        for key, value in self.__dict__.items():
            if key != "onnx_encoder_":  # an ORT session cannot be copied; rebuilt below
                setattr(clone, key, copy.deepcopy(value, memo))
        if self.backend == "onnx":
            clone.use_backend("onnx")
        return clone

    def __getstate__(self) -> dict:
        # Worker processes receive models by pickling; an ORT session cannot be pickled,
        # so it travels as the name of the backend and is rebuilt from the cached graph.
        state = dict(self.__dict__)
        if state.pop("onnx_encoder_", None) is not None:
            state["_restore_backend"] = "onnx"
        return state

    def __setstate__(self, state: dict) -> None:
        backend = state.pop("_restore_backend", None)
        self.__dict__.update(state)
        if backend:
            self.use_backend(backend)
