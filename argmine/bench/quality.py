"""Quality suites: how well a model labels and links the gold units of a corpus.

All scoring goes through :mod:`argmine.evaluation` (``evaluate_documents``,
``microtext_cv``); this module only chooses corpus, split and model, and turns reports into
table rows and plots.

* ``mtc``: the microtexts' fixed 10×5 cross-validation on gold units (4 labels; structure
  levels cc/ro/fu/at), training one model per split.
* ``aae2``: a trained model on the official AAE2 test essays, at sentence level (5 labels)
  and at component level (see :mod:`argmine.bench.components`).
* ``cross``: a trained model on a corpus it was not trained on (default: every microtext).
* ``abstrct``, ``cdcp``, ``web-discourse``: sentence level; the test split where the corpus
  has one, every document otherwise.
* ``user``: a corpus in argmine's JSONL schema (``--corpus jsonl:PATH``), on its own units.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

from argmine.bench.components import component_plots, score_components
from argmine.bench.options import BenchOptions
from argmine.corpora import read_corpus
from argmine.corpora.microtexts import read_microtext_folds
from argmine.decoding.objective import DecodingConfig
from argmine.document import Document
from argmine.errors import InputError
from argmine.evaluation.estimators import BASELINE, start_model
from argmine.evaluation.plots import plot_confusion, plot_label_f1
from argmine.evaluation.protocols import cross_validate, evaluate_documents
from argmine.pipeline import DEFAULT_MODEL, default_model_path, load
from argmine.training.data import CorpusSpec, load_documents

# Test split per sentence-level corpus; None where the corpus has no official split.
CORPUS_SPLITS = {"abstrct": "test", "cdcp": "test", "web-discourse": None}
STRUCTURE_KEYS = ("cc", "ro", "fu", "at")


def _log(message: str) -> None:
    print(f"argmine bench: {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- models
def model_info(model: str | None) -> dict:
    """Describe a model argument: name, folder, type and the corpora it was trained on.

    The training corpora come from the model card's "Training data" list, which
    ``argmine train`` writes; they let the ``cross`` suite refuse an in-domain "test".

    Args:
        model: A model folder, or ``None``/``"default"`` for the shipped model.

    Returns:
        ``{"name", "path", "type", "trained_on"}``; ``trained_on`` lists corpus kinds.
    """
    from argmine.scoring import persistence  # torch: deferred (argmine bench --help)

    path = default_model_path() if model in (None, DEFAULT_MODEL) else Path(model)
    name = DEFAULT_MODEL if model in (None, DEFAULT_MODEL) else path.name
    config = persistence.read_config(path)
    card = path / persistence.CARD_NAME
    trained_on: list[str] = []
    if card.is_file():
        for spec in re.findall(r"^- `([^`]+)`", card.read_text(encoding="utf-8"), re.M):
            kind = spec.split(":", 1)[0].split("@", 1)[0]
            if kind not in trained_on:
                trained_on.append(kind)
    return {"name": name, "path": str(path), "type": config.get("model_type"),
            "trained_on": trained_on}


def load_miner(options: BenchOptions):
    """Load the ``--model`` as an ``ArgumentMiner`` on the requested device.

    Raises:
        InputError: E301 for ``--model baseline`` (only ``mtc`` trains one per split) or
            for ``--device cuda`` where it cannot be used.
    """
    if options.model == BASELINE:
        raise InputError("E301", param="--model", owner="argmine bench", value="baseline",
                         expected="a saved model folder here ('baseline' only applies to "
                         "mtc, which trains a baseline per split; save one with argmine "
                         "train and pass its folder)")
    # Quality is measured in torch: the default backend's ONNX graph agrees with it to ~1e-6.
    miner = load(options.model, backend="torch")
    to_device(miner.model, options.device)
    return miner, model_info(options.model)


def to_device(model, device: str) -> None:
    """Move a model to ``device``; argmine models without device support stay on the CPU.

    Raises:
        InputError: E301 if ``cuda`` is asked for but there is no GPU, or the model class
            cannot move (it needs a ``to(device)`` method).
    """
    if device == "cpu":
        return
    import torch  # heavy: deferred to the runs that ask for a GPU

    if not torch.cuda.is_available():
        raise InputError("E301", param="--device", owner="argmine bench",
                         expected="'cpu' on a machine without a CUDA GPU", value=device)
    if not hasattr(model, "to"):
        raise InputError("E301", param="--device", owner="argmine bench", value=device,
                         expected=f"'cpu': {type(model).__name__} has no to(device) method "
                         "yet, so it runs on the CPU only")
    model.to(device)


# ----------------------------------------------------------------------------- rows, plots
def score_rows(report: dict, *, corpus: str, split: str, system: str) -> list[dict]:
    """Table rows of an ``evaluate_documents`` report: classifier labels, decoded trees.

    Examples:
        >>> r = {"labels": {"macro_f1": .5, "accuracy": .6, "labels": ["claim"]}}
        >>> score_rows(r, corpus="c", split="s", system="m")[0]["metrics"]
        {'macro_f1': 0.5, 'accuracy': 0.6}
    """
    n = len(report["labels"]["labels"])
    rows = [{"table": "quality", "corpus": corpus, "split": split,
             "task": f"{n}-label units (classifier)", "system": system,
             "metrics": {"macro_f1": report["labels"]["macro_f1"],
                         "accuracy": report["labels"]["accuracy"]}}]
    if "decoded_labels" in report:
        metrics = {"macro_f1": report["decoded_labels"]["macro_f1"],
                   "accuracy": report["decoded_labels"]["accuracy"]}
        metrics.update({k: report["structure"][k] for k in STRUCTURE_KEYS})
        rows.append({"table": "quality", "corpus": corpus, "split": split,
                     "task": f"{n}-label units + structure (decoded trees)", "system": system,
                     "metrics": metrics})
    return rows


def quantized_rows(report: dict, *, corpus: str, split: str, system: str) -> list[dict]:
    """Rows of the fp32 model and of its int8 copy (``report["quantized"]``), fp32 first.

    Each int8 row also carries ``label_agreement``: the share of units whose classifier
    label quantization left unchanged.

    Examples:
        >>> fp32 = {"macro_f1": .70, "accuracy": .80, "labels": ["claim"]}
        >>> int8 = {"macro_f1": .69, "accuracy": .79, "labels": ["claim"]}
        >>> r = {"labels": fp32, "quantized": {"labels": int8, "label_agreement": .97}}
        >>> [(row["system"], row["metrics"]["macro_f1"])
        ...  for row in quantized_rows(r, corpus="c", split="s", system="m")]
        [('m (fp32)', 0.7), ('m (int8 dynamic quantization)', 0.69)]
    """
    rows = score_rows(report, corpus=corpus, split=split, system=f"{system} (fp32)")
    int8 = score_rows(report["quantized"], corpus=corpus, split=split,
                      system=f"{system} (int8 dynamic quantization)")
    for row in int8:
        row["metrics"]["label_agreement"] = report["quantized"].get("label_agreement")
    return rows + int8


def label_plots(report: dict, out: Path, stem: str, title: str) -> list[str]:
    """Confusion matrix of the classifier's labels and per-label F1 bars; returns file names."""
    plot_confusion(report["labels"], out / f"{stem}-confusion.png", f"{title}: confusion")
    bars = {"classifier": report["labels"]}
    if "decoded_labels" in report:
        bars["decoded trees"] = report["decoded_labels"]
    if "quantized" in report:
        bars["classifier, int8"] = report["quantized"]["labels"]
    plot_label_f1(bars, out / f"{stem}-f1.png", f"{title}: F1 per label")
    return [f"{stem}-confusion.png", f"{stem}-f1.png"]


def _limit(docs: Sequence[Document], options: BenchOptions) -> list[Document]:
    return list(docs[: options.max_docs] if options.max_docs else docs)


def _split_name(spec, options: BenchOptions) -> str:
    level = spec.level or ("unit" if spec.kind == "microtexts" else "sentence")
    first = f" (first {options.max_docs} documents)" if options.max_docs else ""
    return f"{spec.split or 'all documents'}{first}, gold {level}s"


# ----------------------------------------------------------------------------- suites
def _training(options: BenchOptions) -> dict:
    """The network's ``TrainingConfig`` settings per split (``None``: the default)."""
    return {"epochs": options.epochs, "corpus_weights": dict(options.weights),
            "units_per_epoch": options.units_per_epoch, "augment": dict(options.augment),
            "pair_features": options.pair_features, "segment_tokens": options.segment_tokens,
            "mask_absent_labels": options.mask_absent_labels,
            "trainable_layers": options.trainable_layers, "batch_units": options.batch_units}


def run_mtc(options: BenchOptions, out: Path, stem: str) -> dict:
    """The microtexts' fixed 10×5 folds: train per split, test on the held-out fold.

    Args:
        options: ``model`` (start point, ``"baseline"`` or ``None``), ``iterations``,
            ``max_splits``, ``epochs``, ``trainable_layers``, ``extra``, ``seed``.
        out: The output folder (plots go here).
        stem: The result's file stem.

    Returns:
        The result: ``corpus``, ``split``, ``protocol``, ``model``, ``rows``, ``results``
        (``microtext_cv``'s report) and ``plots``.
    """
    # Settings first: a usage error must not wait for, or depend on, the corpora.
    baseline = options.model == BASELINE
    if baseline and options.quantize:
        raise InputError("E301", param="--quantize", owner="argmine bench mtc", value=True,
                         expected="left out with --model baseline (the TF-IDF baseline has no "
                         "neural layers to quantize)")
    spec = options.corpus_spec("microtexts")
    if spec.kind != "microtexts":
        raise InputError("E301", param="--corpus", owner="argmine bench mtc",
                         expected="a microtexts corpus (microtexts[:PATH])", value=options.corpus)
    docs = load_documents(spec)
    folds = [f for f in read_microtext_folds(options.corpus_root("microtexts"))
             if f.iteration < options.iterations]
    if options.max_splits:
        folds = folds[: options.max_splits]
    extra = [d for s in options.extra for d in load_documents(CorpusSpec.parse(s))]
    if any(d.meta.get("corpus") == "microtexts" for d in extra):
        raise InputError("E301", param="--extra", owner="argmine bench mtc", value=options.extra,
                         expected="corpora other than the microtexts (they are the test set)")
    init = start_model(options.model)

    def show(result: dict) -> None:
        s = result.get("structure", {})
        _log(f"mtc split {result['split']}: macro-F1 {result['labels']['macro_f1']:.3f} "
             + " ".join(f"{k} {s[k]:.3f}" for k in STRUCTURE_KEYS if k in s))
        if "quantized" in result:
            q = result["quantized"]
            _log(f"mtc split {result['split']} int8: macro-F1 {q['labels']['macro_f1']:.3f}, "
                 f"{q['label_agreement']:.1%} of labels unchanged")

    # Every microtext holds exactly one argument, so its trees are decoded as one tree (the
    # evidence-graph papers decode one tree per text too).
    report = cross_validate(docs, folds, options.model, _training(options), seed=options.seed,
                            device=options.device, iterations=options.iterations,
                            extra_train=extra, structure=True, on_split=show,
                            decoding=DecodingConfig(single_root=True),
                            models_dir=options.save_models,
                            **({"tune": True} if options.tune else {}),
                            **({"quantize": True} if options.quantize else {}))
    if baseline:
        system = "baseline: TF-IDF + position features + logistic regression"
        model = {"name": "baseline", "path": None, "type": "argmine-baseline"}
    else:
        system = "argmine network" + (f" from {Path(init).name}" if init else "")
        model = {"name": Path(init).name if init else "argmine", "path": init,
                 "type": "argmine-network"}
    system += f", trained per split (+{', '.join(options.extra)})" if extra else \
        ", trained per split"
    n_splits = len(report["splits"])
    split = f"fixed 10x5 folds: {n_splits} split{'s' * (n_splits != 1)}, gold units"
    macro = [r["labels"]["macro_f1"] for r in report["splits"]]
    report["macro_f1_per_split"] = macro
    if "quantized" in report:
        report["quantized"]["macro_f1_per_split"] = [
            r["quantized"]["labels"]["macro_f1"] for r in report["splits"]]
    if options.quantize:
        rows = quantized_rows(report, corpus="microtexts", split=split, system=system)
    else:
        rows = score_rows(report, corpus="microtexts", split=split, system=system)
    return {"corpus": "microtexts", "split": split, "protocol": report.get("protocol"),
            "model": {**model, "quantized_copy_scored": options.quantize, "training": {
                "epochs": options.epochs, "trainable_layers": options.trainable_layers,
                "extra": list(options.extra), "weights": dict(options.weights),
                "units_per_epoch": options.units_per_epoch, "batch_units": options.batch_units,
                "augment": dict(options.augment), "pair_features": options.pair_features,
                "segment_tokens": options.segment_tokens,
                "mask_absent_labels": options.mask_absent_labels, "tune_decoding": options.tune,
                "single_root": True, "seed": options.seed}},
            "rows": rows, "results": report,
            "plots": label_plots(report, out, stem, f"microtexts, {system}")}


def _evaluate(options: BenchOptions, spec, out: Path, stem: str, *, check_unseen: bool = False,
              ) -> dict:
    miner, info = load_miner(options)
    if check_unseen and spec.kind in info["trained_on"]:
        raise InputError("E301", param="--corpus", owner="argmine bench cross",
                         value=spec.kind, expected=f"a corpus the model was not trained on "
                         f"(its card lists {', '.join(info['trained_on'])})")
    docs = _limit(load_documents(spec), options)
    _log(f"scoring {info['name']} on {spec.kind} ({len(docs)} documents)")
    report = evaluate_documents(miner, docs, structure=True)
    split = _split_name(spec, options)
    if check_unseen:
        seen = ", ".join(info["trained_on"]) or "no training corpora listed in its card"
        split += f"; cross-corpus (model trained on: {seen})"
    system = f"argmine model '{info['name']}'"
    return {"corpus": spec.kind, "split": split,
            "protocol": f"{spec.kind}, {split}; model applied as trained",
            "model": info, "rows": score_rows(report, corpus=spec.kind, split=split,
                                             system=system),
            "results": report, "plots": label_plots(report, out, stem, f"{spec.kind}, {system}")}


def run_cross(options: BenchOptions, out: Path, stem: str) -> dict:
    """A trained model on a corpus its model card does not list (default: the microtexts)."""
    return _evaluate(options, options.corpus_spec("microtexts"), out, stem, check_unseen=True)


def run_corpus(kind: str):
    """Return the suite that scores a model on corpus ``kind`` at sentence level."""

    def run(options: BenchOptions, out: Path, stem: str) -> dict:
        spec = options.corpus_spec(kind, CORPUS_SPLITS.get(kind), "sentence")
        return _evaluate(options, spec, out, stem)

    run.__doc__ = f"Score a trained model on {kind} (sentence level, its test split if any)."
    return run


def run_user(options: BenchOptions, out: Path, stem: str) -> dict:
    """A corpus in argmine's JSONL schema, scored on its own units (``--level`` to change)."""
    if not options.corpus:
        raise InputError("E301", param="--corpus", owner="argmine bench user", value=None,
                         expected="the user's corpus as jsonl:PATH (a .jsonl file or folder)")
    return _evaluate(options, options.corpus_spec("jsonl", level="unit"), out, stem)


def run_aae2(options: BenchOptions, out: Path, stem: str) -> dict:
    """AAE2 test essays: 5-label sentences, and MajorClaim/Claim/Premise on gold components."""
    spec = options.corpus_spec("aae2", "test", "sentence")
    if spec.kind != "aae2":
        raise InputError("E301", param="--corpus", owner="argmine bench aae2",
                         expected="an AAE2 corpus (aae2[@SPLIT][:PATH])", value=options.corpus)
    miner, info = load_miner(options)
    if spec.split in (None, "train") and "aae2" in info["trained_on"]:
        _log("warning: the model's card lists aae2 among its training corpora")
    root = options.corpus_root("aae2")
    docs = _limit(load_documents(CorpusSpec("aae2", str(root), spec.split, "sentence")), options)
    _log(f"scoring {info['name']} on aae2 sentences ({len(docs)} essays)")
    sentences = evaluate_documents(miner, docs, structure=True)
    essays = _limit(read_corpus("aae2", root, split=spec.split), options)
    _log(f"scoring {info['name']} on aae2 gold components ({len(essays)} essays)")
    components = score_components(miner, essays, root)
    first = " (first essays only)" if options.max_docs else ""
    split = f"official {spec.split or 'all'} split, {len(docs)} essays{first}"
    system = f"argmine model '{info['name']}'"
    rows = score_rows(sentences, corpus="aae2", split=f"{split}, gold sentences", system=system)
    for variant, report in (("classifier", components["classifier"]),
                            ("decoded trees", components["decoded"])):
        rows.append({"table": "quality", "corpus": "aae2",
                     "split": f"{split}, gold components",
                     "task": f"component types MajorClaim/Claim/Premise ({variant})",
                     "system": system,
                     "metrics": {"macro_f1": report["macro_f1"],
                                 "accuracy": report["accuracy"]}})
    plots = label_plots(sentences, out, f"{stem}-sentences", f"aae2 sentences, {system}")
    plots += component_plots(components, out, f"{stem}-components", f"aae2 components, {system}")
    return {"corpus": "aae2", "split": split,
            "protocol": "AAE2 official train/test split; sentence level (sentence view of "
            "the gold components) and component level (gold components as units)",
            "model": info, "rows": rows,
            "results": {"sentences": sentences, "components": components}, "plots": plots}
