"""The classical baseline: TF-IDF n-grams + position/marker features + logistic regression.

Same interface as :class:`argmine.scoring.model.ArgumentModel` (``fit``, ``predict_proba``,
``save_pretrained``, ``from_pretrained``) so it can stand in anywhere: for comparison, and
as a fast option. It scores labels only; its link scores are a plain "attach to the
nearest preceding unit" prior, so that trees can still be drawn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from argmine.decoding.blocks import FULL_LINK_UNITS, candidate_blocks
from argmine.document import Document
from argmine.errors import InputError, ModelFormatError, NotFittedError
from argmine.schema import LABELS, Label
from argmine.scoring import persistence
from argmine.scoring.features import n_features, unit_features
from argmine.scoring.modelcard import training_corpora, write_card
from argmine.scoring.protocol import Prediction

MODEL_TYPE = "argmine-baseline"


class BaselineModel:
    """TF-IDF + features + logistic regression over units.

    Args:
        C: Inverse regularisation strength of the logistic regression.
        max_features: Size of the TF-IDF vocabulary.
        neighbours: Add the previous and next units' TF-IDF vectors (context; off in the
            reference baseline, which sees each unit alone).
        markers: Add discourse-marker features (off in the reference baseline: "TF-IDF plus
            position features and logistic regression").
        seed: Random seed.

    Examples:
        >>> from argmine.document import Unit
        >>> docs = [Document("d", "A is B. So C.", (Unit(0, "A is B.", 0, 7, label=Label.PREMISE),
        ...         Unit(1, "So C.", 8, 13, label=Label.CLAIM)))] * 3
        >>> BaselineModel().fit(docs).predict(docs[:1])
        [[<Label.PREMISE: 'premise'>, <Label.CLAIM: 'claim'>]]
    """

    def __init__(self, C: float = 4.0, max_features: int = 20000, neighbours: bool = False,
                 markers: bool = False, seed: int = 0) -> None:
        self.C = C
        self.max_features = max_features
        self.neighbours = neighbours
        self.markers = markers
        self.seed = seed

    def _matrix(self, documents: Sequence[Document]):
        from scipy import sparse

        texts = [u.text for d in documents for u in d.units]
        words = self.vectorizer_.transform(texts)
        blocks = [words]
        if self.neighbours:
            prev_rows, next_rows, offset = [], [], 0
            empty = words.shape[0]
            for d in documents:
                n = len(d.units)
                prev_rows += [offset + i - 1 if i > 0 else empty for i in range(n)]
                next_rows += [offset + i + 1 if i < n - 1 else empty for i in range(n)]
                offset += n
            padded = sparse.vstack([words, sparse.csr_matrix((1, words.shape[1]))]).tocsr()
            blocks += [padded[prev_rows] * 0.5, padded[next_rows] * 0.5]
        feats = [row for d in documents for row in unit_features(d.units, markers=self.markers)]
        blocks.append(sparse.csr_matrix(np.asarray(feats, dtype=np.float64)))
        return sparse.hstack(blocks).tocsr()

    def fit(self, documents: Sequence[Document], dev_documents=None, **_ignored) -> BaselineModel:
        """Fit on gold documents (units with labels)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        docs = [d for d in documents if d.units]
        y = [u.label.value for d in docs for u in d.units if u.label is not None]
        if not y:
            raise InputError("E002", path="training documents")
        docs = [d.replace(units=tuple(u for u in d.units if u.label is not None)) for d in docs]
        self.vectorizer_ = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True,
                                           max_features=self.max_features, lowercase=True)
        self.vectorizer_.fit([u.text for d in docs for u in d.units])
        self.classifier_ = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced",
                                              random_state=self.seed)
        self.classifier_.fit(self._matrix(docs), y)
        self.labels_ = tuple(LABELS)
        self.training_corpora_ = training_corpora(documents)
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "classifier_"):
            raise NotFittedError("E205", estimator=type(self).__name__)

    def predict_proba(self, documents: Sequence[Document], *, links: bool = True,
                      link_block: int | None = FULL_LINK_UNITS, **_ignored):
        """Label probabilities (and a nearest-preceding-unit link prior) per document.

        Args:
            documents: Documents with units.
            links: ``False`` for labels only (``link_probs``, ``attack_probs`` ``None``).
            link_block: Documents longer than this get links block by block, as
                :meth:`argmine.scoring.model.ArgumentModel.predict_proba` does; ``None``: never.
        """
        self._check_fitted()
        docs = [d for d in documents if d.units]
        probs = self.classifier_.predict_proba(self._matrix(docs)) if docs else np.zeros((0, 5))
        columns = [LABELS.index(Label(c)) for c in self.classifier_.classes_]
        full = np.zeros((probs.shape[0], len(LABELS)))
        full[:, columns] = probs
        out, offset = [], 0
        for doc in documents:
            n = len(doc.units)
            labels = full[offset : offset + n]
            offset += n
            if not links:
                out.append(Prediction(labels, None, None))
                continue
            blocks = candidate_blocks([u.paragraph for u in doc.units], link_block) \
                if link_block is not None else [(0, n)]
            if len(blocks) <= 1:
                prior = np.zeros((n, n + 1))
                for i in range(n):
                    prior[i, i - 1 if i > 0 else n] = 1.0
                out.append(Prediction(labels, prior, np.full((n, n), 0.5)))
                continue
            # A long document: column c is the block's unit c, the last column no parent.
            k = max(e - s for s, e in blocks)
            prior, candidates = np.zeros((n, k + 1)), np.full((n, k), -1, dtype=np.int64)
            for s, e in blocks:
                candidates[s:e, : e - s] = np.arange(s, e)
                prior[s, k] = 1.0
                prior[np.arange(s + 1, e), np.arange(e - s - 1)] = 1.0
            out.append(Prediction(labels, prior, np.full((n, k), 0.5), candidates))
        return out

    def predict(self, documents: Sequence[Document]) -> list[list[Label]]:
        """The most probable label of every unit of every document."""
        return [p.labels for p in self.predict_proba(documents)]

    def save_pretrained(self, directory: str | Path, *, card: str | None = None) -> Path:
        """Write config.json (vocabulary, classes) and model.safetensors (weights, idf)."""
        import torch

        self._check_fitted()
        vocab = {k: int(v) for k, v in self.vectorizer_.vocabulary_.items()}
        config = {
            "model_type": MODEL_TYPE,
            "labels": [label.value for label in self.labels_],
            "classes": [str(c) for c in self.classifier_.classes_],
            "params": {"C": self.C, "max_features": self.max_features,
                       "neighbours": self.neighbours, "markers": self.markers,
                       "seed": self.seed},
            "vocabulary": vocab,
        }
        state = {
            "coef": torch.tensor(self.classifier_.coef_),
            "intercept": torch.tensor(self.classifier_.intercept_),
            "idf": torch.tensor(self.vectorizer_.idf_),
        }
        card = card or getattr(self, "card_", None) or write_card(self)
        return persistence.save_model(directory, config, state, card=card, dtype=torch.float64)

    @classmethod
    def from_pretrained(cls, directory: str | Path, *,
                        config: dict | None = None) -> BaselineModel:
        """Load a folder written by :meth:`save_pretrained`.

        ``config`` is the folder's config.json when the caller has read it already.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        directory = Path(directory)
        if config is None:
            config = persistence.read_config(directory)
        state = persistence.read_weights(directory)
        try:
            model = cls(**config["params"])
            vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True,
                                  max_features=model.max_features)
            vec.vocabulary_ = dict(config["vocabulary"])
            vec.idf_ = state["idf"].double().numpy()
            clf = LogisticRegression()
            clf.classes_ = np.array(config["classes"])
            clf.coef_ = state["coef"].double().numpy()
            clf.intercept_ = state["intercept"].double().numpy()
            model.vectorizer_, model.classifier_ = vec, clf
            model.labels_ = tuple(Label(x) for x in config["labels"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError("E203", path=directory / persistence.CONFIG_NAME,
                                   detail=json.dumps(repr(exc))) from None
        _check_folder(config, state, directory, model)
        model.card_ = _card(directory)
        return model


def _check_folder(config: dict, state: dict, directory: Path, model: BaselineModel) -> None:
    """Refuse settings and tensors that do not fit together (they fail only at predict).

    Raises:
        ModelFormatError: E215 for a labels list other than argmine's, E212 for a bad
            setting, class list or vocabulary, E211/E213/E214 for tensors of the wrong
            shape, non-finite values or the wrong dtype.
    """
    path = directory / persistence.CONFIG_NAME
    expected = [label.value for label in LABELS]
    if config["labels"] != expected:
        raise ModelFormatError("E215", path=path, found=config["labels"], expected=expected)
    params = config["params"]

    def integer(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    checks = {
        "C": lambda v: (integer(v) or isinstance(v, float)) and 0 < v < float("inf"),
        "max_features": lambda v: v is None or (integer(v) and v >= 1),
        "neighbours": lambda v: isinstance(v, bool),
        "markers": lambda v: isinstance(v, bool),
        "seed": lambda v: v is None or integer(v),
    }
    for name, ok in checks.items():
        if name in params and not ok(params[name]):
            raise ModelFormatError("E212", path=path, field=f"params.{name}",
                                   value=params[name],
                                   expected="a value BaselineModel accepts (see its docstring)")
    # The classifier's columns are mapped to labels by name at predict time, so any order
    # of known, distinct labels is fine; an unknown or repeated one is not.
    classes = config["classes"]
    if (not isinstance(classes, list) or not all(isinstance(c, str) for c in classes)
            or len(classes) < 2 or len(set(classes)) != len(classes)
            or not set(classes) <= set(expected)):
        raise ModelFormatError("E212", path=path, field="classes", value=classes,
                               expected=f"two or more distinct labels from {expected}")
    vocabulary = config["vocabulary"]
    if (not isinstance(vocabulary, dict)
            or not all(integer(i) for i in vocabulary.values())
            or sorted(vocabulary.values()) != list(range(len(vocabulary)))):
        raise ModelFormatError("E212", path=path, field="vocabulary", value="{...}",
                               expected="an object mapping each term to a distinct column "
                               "0, 1, ..., n-1")
    # The feature matrix: the words, the two neighbours' words, then the unit features.
    width = (len(vocabulary) * (3 if model.neighbours else 1)
             + n_features(markers=model.markers))
    rows = len(classes) if len(classes) > 2 else 1  # a binary problem has one row
    import torch

    persistence.check_tensors(state, {
        "idf": ((len(vocabulary),), torch.float64),
        "coef": ((rows, width), torch.float64),
        "intercept": ((rows,), torch.float64),
    }, directory / persistence.WEIGHTS_NAME)


def _card(directory: Path) -> str | None:
    """The model card of a folder, carried along when the model is saved again."""
    path = directory / persistence.CARD_NAME
    return path.read_text(encoding="utf-8") if path.is_file() else None
