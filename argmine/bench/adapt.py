"""Adaptation learning curves: how many documents of a new genre the model needs.

``argmine bench adapt`` fine-tunes the shipped model (``init_from=``, as ``argmine train
--init``) on 0, 10, 25, 50 and 100 documents of a genre it was not trained on in this
scheme, several seeded draws each, and scores every adapted model on the genre's test
documents: macro-F1 of the decoded labels on the labels the test documents have, and
attachment (``at``, :func:`argmine.evaluation.structure.structure_scores`). Systems, each on
the same drawn documents:

* ``adapt``: what ``argmine train --init`` does: the documents alone, both learning rates at
  :data:`~argmine.scoring.config.ADAPT_RATE_FACTOR` of the defaults (regularised);
* ``mixed``: the documents with a seeded sample of the base's original training corpora
  (microtexts and AAE2 train sentences; ``--extra`` replaces them) holding as many units, at
  the default rates: the other way to keep what the base knew;
* ``scratch``: the network trained from its base encoder;
* ``baseline``: the classical baseline.

Genres:

* ``cdcp`` (user comments): adapt on the train split, test on the test split;
* ``abstrct`` (RCT abstracts): adapt on the train split, test on the test split;
* ``web-discourse`` (web texts): no split, so a fixed seeded 30% of the documents is held
  out for testing (:func:`held_out`) and the rest is the pool.

Every (genre, size, draw, system) cell is one unit of work written to its own JSON under
``<out>/<stem>-cells/`` and skipped when present, so a long run can be stopped and continued
(the cells record their settings; a run with other settings refuses the folder).
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

from argmine.bench.options import BenchOptions
from argmine.bench.quality import model_info, to_device
from argmine.bench.results import write_result
from argmine.corpora import corpus_path
from argmine.document import Document
from argmine.errors import InputError
from argmine.evaluation.estimators import BASELINE, training_config
from argmine.evaluation.labels import class_report
from argmine.evaluation.plots import pyplot
from argmine.evaluation.protocols import evaluate_documents
from argmine.pipeline import DEFAULT_MODEL, ArgumentMiner, default_model_path, load
from argmine.scoring.config import ADAPT_RATE_FACTOR, TrainingConfig
from argmine.training.data import CorpusSpec, load_documents

# genre -> (split the adaptation documents come from, test split); None: a held-out part.
GENRES: dict[str, tuple[str | None, str | None]] = {
    "cdcp": ("train", "test"), "abstrct": ("train", "test"), "web-discourse": (None, None)}
SYSTEMS = ("adapt", "mixed", "scratch", "baseline")
MIX_CORPORA = ("microtexts", "aae2@train")
"""The shipped model's stage-2 corpora other than the genres measured here."""
MIX_RATIO = 1.0
"""``mixed``: units of original data per unit of adaptation documents."""
HOLDOUT_FRACTION = 0.3
HOLDOUT_SEED = 0
FULL_ADAPT = {"genres": tuple(GENRES), "sizes": (0, 10, 25, 50, 100), "draws": 3}
SMOKE_ADAPT = {"genres": tuple(GENRES), "sizes": (0, 2), "draws": 1}
METRICS = ("macro_f1", "at", "fit_seconds")


def _log(message: str) -> None:
    print(f"argmine bench adapt: {message}", file=sys.stderr, flush=True)


@dataclass
class AdaptOptions(BenchOptions):
    """:class:`BenchOptions` plus the settings of the ``adapt`` suite.

    Attributes:
        genres: Genres to measure (``None``: all of :data:`GENRES`).
        sizes: Numbers of adaptation documents (``None``: 0, 10, 25, 50, 100; smoke 0, 2).
        draws: Seeded draws of the documents per size (``None``: 3; smoke 1).
        systems: Which of ``adapt``, ``mixed``, ``scratch``, ``baseline`` to run.
        no_fit: Fit nothing: gather the cells done so far, and count the others as not run.
    """

    genres: tuple[str, ...] | None = None
    sizes: tuple[int, ...] | None = None
    draws: int | None = None
    systems: tuple[str, ...] = SYSTEMS
    no_fit: bool = False

    @classmethod
    def of(cls, options: BenchOptions) -> AdaptOptions:
        """``options`` itself if it is one, else the same settings with the suite's defaults."""
        if isinstance(options, cls):
            return options
        return cls(**{f.name: getattr(options, f.name) for f in fields(BenchOptions)})

    def resolved(self) -> AdaptOptions:
        """Fill every ``None`` setting from the full or smoke defaults, then check."""
        out = super().resolved()
        defaults = SMOKE_ADAPT if out.smoke else FULL_ADAPT
        for name, value in defaults.items():
            if getattr(out, name) is None:
                setattr(out, name, value)
        out.check()
        return out

    def check(self) -> None:
        """Refuse unknown genres or systems, and sizes or draws below their range.

        Raises:
            InputError: E301 naming the setting.
        """
        super().check()
        wrong = {
            "genres": (self.genres is not None and (not self.genres or not set(self.genres)
                                                    <= set(GENRES)), ", ".join(GENRES)),
            "systems": (not self.systems or not set(self.systems) <= set(SYSTEMS),
                        ", ".join(SYSTEMS)),
            "sizes": (self.sizes is not None and (not self.sizes or min(self.sizes) < 0),
                      "numbers of documents, 0 or more"),
            "draws": (self.draws is not None and self.draws < 1, "a positive number"),
        }
        for name, (bad, expected) in wrong.items():
            if bad:
                raise InputError("E301", param=name, owner="argmine bench adapt",
                                 expected=expected, value=getattr(self, name))


# ----------------------------------------------------------------------------- data
def held_out(docs: Sequence[Document], fraction: float = HOLDOUT_FRACTION,
             seed: int = HOLDOUT_SEED) -> tuple[list[Document], list[Document]]:
    """Split documents without an official split into ``(pool, test)``, fixed by ``seed``.

    Documents are ordered by id first, so the split does not depend on the reading order.

    Examples:
        >>> docs = [Document(str(i), "x", ()) for i in range(10)]
        >>> pool, test = held_out(docs)
        >>> len(pool), len(test), held_out(docs)[1] == test
        (7, 3, True)
    """
    ordered = sorted(docs, key=lambda d: d.id)
    random.Random(seed).shuffle(ordered)
    k = max(1, round(len(ordered) * fraction)) if len(ordered) > 1 else 0
    test_ids = {d.id for d in ordered[:k]}
    return ([d for d in docs if d.id not in test_ids], [d for d in docs if d.id in test_ids])


def _spec(text: str, options: BenchOptions) -> CorpusSpec:
    spec = CorpusSpec.parse(text)
    if spec.path is None and options.corpora is not None:
        spec = CorpusSpec(spec.kind, str(corpus_path(spec.kind, options.corpora)), spec.split)
    return spec


def genre_data(genre: str, options: BenchOptions) -> tuple[list[Document], list[Document], str]:
    """The adaptation pool, the test documents (``--limit``: the first N) and the split rule."""
    pool_split, test_split = GENRES[genre]
    if test_split is None:
        pool, test = held_out(load_documents(_spec(genre, options)))
        rule = (f"no official split: a fixed held-out {HOLDOUT_FRACTION:.0%} of the documents "
                f"(ordered by id, shuffled with seed {HOLDOUT_SEED}) is the test set, the rest "
                "the adaptation pool")
    else:
        pool = load_documents(_spec(f"{genre}@{pool_split}", options))
        test = load_documents(_spec(f"{genre}@{test_split}", options))
        rule = f"adaptation documents from the {pool_split} split, scored on the {test_split} split"
    test = [d for d in test if d.units]
    if options.max_docs:
        test = test[: options.max_docs]
        rule += f" (first {len(test)} test documents)"
    return [d for d in pool if d.units], test, rule + "; sentence level"


def draw_documents(pool: Sequence[Document], size: int, genre: str, draw: int,
                   seed: int) -> list[Document]:
    """The ``size`` adaptation documents of one draw; the sizes of a draw are nested.

    Examples:
        >>> pool = [Document(str(i), "x", ()) for i in range(20)]
        >>> a = draw_documents(pool, 5, "g", 0, 0)
        >>> a == draw_documents(pool, 10, "g", 0, 0)[:5], a == draw_documents(pool, 5, "g", 1, 0)
        (True, False)
    """
    order = sorted(pool, key=lambda d: d.id)
    random.Random(f"{seed}-{genre}-{draw}").shuffle(order)
    return order[:size]


def mix_sample(original: Sequence[Document], units: int, key: str) -> list[Document]:
    """A seeded sample of the original training documents holding about ``units`` units."""
    order = list(original)
    random.Random(key).shuffle(order)
    out, total = [], 0
    for doc in order:
        if total >= units:
            break
        out.append(doc)
        total += len(doc.units)
    return out


def original_documents(settings: dict, options: BenchOptions) -> list[Document]:
    """The base's own training documents that ``mixed`` draws from (``settings["mix"]``)."""
    return [d for s in settings["mix"] for d in load_documents(_spec(s, options)) if d.units]


def mix_for(original: Sequence[Document], train: Sequence[Document], settings: dict,
            genre: str, size: int, draw: int) -> list[Document]:
    """What ``mixed`` adds to one draw: ``mix_ratio`` times its units of the base's data."""
    units = round(sum(len(d.units) for d in train) * settings["mix_ratio"])
    return mix_sample(original, units, f"{settings['seed']}-mix-{genre}-{draw}-{size}")


# ----------------------------------------------------------------------------- scores
def scores(report: dict) -> dict:
    """Macro-F1 of the decoded labels on the labels the gold has, ``at``, and the rest.

    The labels scored are those with gold units in the test documents (from the decoded
    labels' confusion matrix, which counts all five labels).

    Examples:
        >>> conf = [[2, 0, 0, 0, 0], [1, 1, 0, 0, 0], [0] * 5, [0] * 5, [0] * 5]
        >>> r = {"decoded_labels": {"confusion": conf, "confusion_labels":
        ...      ["claim", "premise", "counterargument", "rebuttal", "none"],
        ...      "macro_f1": 0.0}, "labels": {"macro_f1": 0.0},
        ...      "structure": {"at": 0.5}, "documents": 1, "units": 4}
        >>> s = scores(r)
        >>> s["labels_scored"], round(s["macro_f1"], 3), s["at"]
        (['claim', 'premise'], 0.733, 0.5)
    """
    decoded = report["decoded_labels"]
    names, confusion = decoded["confusion_labels"], decoded["confusion"]
    gold, pred = [], []
    for i, row in enumerate(confusion):
        for j, count in enumerate(row):
            gold += [names[i]] * count
            pred += [names[j]] * count
    present = [names[i] for i, row in enumerate(confusion) if sum(row)]
    return {"macro_f1": class_report(gold, pred, present)["macro_f1"] if present else math.nan,
            "labels_scored": present, "at": report["structure"].get("at", math.nan),
            "structure": report["structure"], "decoded_macro_f1": decoded["macro_f1"],
            "classifier_macro_f1": report["labels"]["macro_f1"],
            "documents": report["documents"], "units": report["units"]}


# ----------------------------------------------------------------------------- one cell
def base_model(options: BenchOptions) -> str:
    """The folder every adaptation starts from (``--model``, default: the shipped model)."""
    if options.model == BASELINE:
        raise InputError("E301", param="--model", owner="argmine bench adapt", value=BASELINE,
                         expected="a saved network model folder to adapt (default: the "
                         "shipped model); the baseline is measured beside it anyway")
    if options.model in (None, DEFAULT_MODEL):
        return str(default_model_path())
    return str(options.model)


def adapt_settings(options: AdaptOptions, base: str) -> dict:
    """What makes a cell: a run with other settings must not reuse the cells."""
    return {"base": base, "epochs": options.epochs,
            "trainable_layers": options.trainable_layers, "batch_units": options.batch_units,
            "seed": options.seed, "limit": options.max_docs,
            "mix": list(options.extra or MIX_CORPORA), "mix_ratio": MIX_RATIO,
            "learning_rate": TrainingConfig.learning_rate,
            "head_learning_rate": TrainingConfig.head_learning_rate,
            "adapt_rate_factor": ADAPT_RATE_FACTOR}


def _network(settings: dict, draw: int, options: BenchOptions, *, system: str):
    from argmine.scoring.model import ArgumentModel  # torch: deferred

    chosen = {"epochs": settings["epochs"], "trainable_layers": settings["trainable_layers"],
              "batch_units": settings["batch_units"]}
    if system in ("adapt", "mixed"):
        factor = settings["adapt_rate_factor"] if system == "adapt" else 1.0
        chosen.update(learning_rate=settings["learning_rate"] * factor,
                      head_learning_rate=settings["head_learning_rate"] * factor)
    return ArgumentModel(training_config(chosen, settings["seed"] + draw),
                         device=options.device)


def fit_system(system: str, train: list[Document], extra: list[Document], settings: dict,
               draw: int, options: BenchOptions) -> tuple[ArgumentMiner, float]:
    """Fit one system on the drawn documents; returns its miner and the fit's seconds."""
    start = time.perf_counter()
    if system == "adapt" and not train:
        miner = load(settings["base"], backend="torch")
        to_device(miner.model, options.device)
        return miner, 0.0
    if system == "baseline":
        from argmine.scoring.baseline import BaselineModel  # sklearn: deferred

        model = BaselineModel(seed=settings["seed"] + draw).fit(train)
    elif system in ("adapt", "mixed"):
        # No dev documents: every drawn document is trained on; the epoch of lowest loss stays.
        model = _network(settings, draw, options, system=system).fit(
            train + extra, [], init_from=settings["base"], progress=False)
    else:
        model = _network(settings, draw, options, system=system).fit(train, [],
                                                                      progress=False)
    return ArgumentMiner(model), time.perf_counter() - start


def run_cell(system: str, train: list[Document], extra: list[Document],
             test: list[Document], settings: dict, draw: int, options: BenchOptions) -> dict:
    """Fit one system on one draw and score it on the test documents."""
    miner, seconds = fit_system(system, train, extra, settings, draw, options)
    result = scores(evaluate_documents(miner, test, structure=True))
    return {**result, "fit_seconds": seconds,
            "train_documents": [d.id for d in train], "train_units": sum(len(d.units)
                                                                         for d in train),
            "mix_documents": len(extra), "mix_units": sum(len(d.units) for d in extra)}


# ----------------------------------------------------------------------------- the suite
def _cell_path(folder: Path, genre: str, system: str, size: int, draw: int) -> Path:
    return folder / f"{genre}-{system}-n{size}-d{draw}.json"


def _plan(options: AdaptOptions) -> list[tuple[str, int, int, str]]:
    """Every cell to run: size 0 is the base model itself, once, and only for ``adapt``."""
    return [(genre, size, draw, system)
            for genre in options.genres for draw in range(options.draws)
            for size in sorted(set(options.sizes)) for system in options.systems
            if size > 0 or (system == "adapt" and draw == 0)]


def _done(path: Path, settings: dict) -> dict | None:
    if not path.is_file():
        return None
    cell = json.loads(path.read_text(encoding="utf-8"))
    if cell.get("settings") != settings:
        raise InputError("E301", param="--out", owner="argmine bench adapt", value=str(path),
                         expected=f"cells made with these settings {settings} (found "
                         f"{cell.get('settings')}): use another --out or delete the cells")
    return cell


class _Data:
    """Corpora read once, and only when a cell still needs them."""

    def __init__(self, options: AdaptOptions, settings: dict) -> None:
        self.options, self.settings, self.genres, self.original = options, settings, {}, None

    def genre(self, genre: str):
        if genre not in self.genres:
            self.genres[genre] = genre_data(genre, self.options)
        return self.genres[genre]

    def mix(self, genre: str, size: int, draw: int, train: list[Document]) -> list[Document]:
        if not train:
            return []
        if self.original is None:
            self.original = original_documents(self.settings, self.options)
        return mix_for(self.original, train, self.settings, genre, size, draw)


def restore_cells(result: Path, folder: Path, settings: dict) -> int:
    """Write back the cells an earlier result in ``--out`` holds and the folder lacks.

    Only cells made with the same settings; returns how many were restored.
    """
    if not result.is_file():
        return 0
    try:
        cells = json.loads(result.read_text(encoding="utf-8")).get("results", {}).get("cells")
    except (json.JSONDecodeError, AttributeError):
        return 0
    restored = 0
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("settings") != settings:
            continue
        path = _cell_path(folder, cell["genre"], cell["system"], cell["size"], cell["draw"])
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            write_result(cell, path)
            restored += 1
    if restored:
        _log(f"restored {restored} cells from {result}")
    return restored


def run_cells(options: AdaptOptions, folder: Path, settings: dict) -> tuple[list[dict], dict]:
    """Run the cells not done yet; return every cell and the split rule per genre."""
    folder.mkdir(parents=True, exist_ok=True)
    data, cells, rules = _Data(options, settings), [], {}
    plan = _plan(options)
    for number, (genre, size, draw, system) in enumerate(plan, 1):
        path = _cell_path(folder, genre, system, size, draw)
        cell = _done(path, settings)
        if cell is None and options.no_fit:
            # Reported as not run, never written: a later run without --no-fit fits it.
            cells.append({"genre": genre, "system": system, "size": size, "draw": draw,
                          "skipped": "not run yet (--no-fit)"})
            continue
        if cell is None:
            pool, test, rules[genre] = data.genre(genre)
            if size > len(pool):
                cell = {"skipped": f"the pool holds {len(pool)} documents, fewer than {size}"}
            else:
                train = draw_documents(pool, size, genre, draw, settings["seed"])
                extra = data.mix(genre, size, draw, train) if system == "mixed" else []
                _log(f"cell {number}/{len(plan)}: {genre} {system} on {size} documents, "
                     f"draw {draw}")
                cell = run_cell(system, train, extra, test, settings, draw, options)
                _log(f"  macro-F1 {cell['macro_f1']:.3f} at {cell['at']:.3f} "
                     f"fit {cell['fit_seconds']:.1f} s")
            cell.update(genre=genre, system=system, size=size, draw=draw, settings=settings,
                        split_rule=rules[genre])
            write_result(cell, path)
        rules.setdefault(genre, cell.get("split_rule"))
        cells.append(cell)
    return cells, rules


def _spread(values: list[float]) -> dict:
    values = [v for v in values if v is not None and not math.isnan(v)]
    if not values:
        return {"mean": None, "std": None, "min": None, "max": None}
    mean = sum(values) / len(values)
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)) \
        if len(values) > 1 else None
    return {"mean": mean, "std": std, "min": min(values), "max": max(values)}


def aggregate(cells: Sequence[dict]) -> dict:
    """``{genre: {system: [{size, draws, macro_f1, at, fit_seconds}]}}``, sizes ascending.

    Each metric is ``{mean, std, min, max}`` over the draws (sample standard deviation,
    ``None`` from a single draw); skipped cells are left out and counted under ``skipped``.
    """
    groups: dict[tuple[str, str, int], list[dict]] = {}
    for cell in cells:
        groups.setdefault((cell["genre"], cell["system"], cell["size"]), []).append(cell)
    curves: dict[str, dict[str, list[dict]]] = {}
    for (genre, system, size), members in sorted(groups.items()):
        done = [c for c in members if "skipped" not in c]
        point = {"size": size, "draws": len(done), "skipped": len(members) - len(done)}
        point.update({m: _spread([c.get(m) for c in done]) for m in METRICS})
        curves.setdefault(genre, {}).setdefault(system, []).append(point)
    return curves


def plot_curves(curves: dict, path: Path) -> Path:
    """Macro-F1 and ``at`` against documents, one column per genre, a line per system."""
    plt = pyplot()
    genres = list(curves)
    fig, axes = plt.subplots(2, len(genres), figsize=(4.5 * len(genres), 7), squeeze=False)
    for col, genre in enumerate(genres):
        for row, metric in enumerate(("macro_f1", "at")):
            ax = axes[row][col]
            for system, points in curves[genre].items():
                points = [p for p in points if p[metric]["mean"] is not None]
                if points:
                    ax.errorbar([p["size"] for p in points],
                                [p[metric]["mean"] for p in points],
                                yerr=[p[metric]["std"] or 0.0 for p in points], marker="o",
                                capsize=3, label=system)
            ax.set_title(f"{genre}: {'macro-F1 (decoded labels)' if row == 0 else 'at'}")
            ax.set_xlabel("adaptation documents")
            ax.set_ylim(0, 1)
            ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _rows(curves: dict, rules: dict) -> list[dict]:
    return [{"table": "adapt", "corpus": genre, "split": rules.get(genre),
             "task": f"{point['size']} adaptation documents", "size": point["size"],
             "system": system,
             "metrics": {"macro_f1": point["macro_f1"]["mean"], "at": point["at"]["mean"],
                         "macro_f1_std": point["macro_f1"]["std"], "at_std": point["at"]["std"],
                         "fit_seconds": point["fit_seconds"]["mean"], "draws": point["draws"]}}
            for genre, systems in curves.items() for system, points in systems.items()
            for point in points]


def run_adapt(options: BenchOptions, out: Path, stem: str) -> dict:
    """The suite: run (or resume) every cell, aggregate them and plot the curves.

    Args:
        options: An :class:`AdaptOptions` (plain ``BenchOptions`` get the suite's defaults).
        out: The output folder; cells go to ``out/<stem>-cells/``.
        stem: The result's file stem.

    Returns:
        The result: ``corpus``, ``split``, ``protocol``, ``model``, ``rows``, ``results``
        (``curves``, ``settings``, ``cells``) and ``plots``.
    """
    options = AdaptOptions.of(options).resolved()
    base = base_model(options)
    settings = adapt_settings(options, base)
    restore_cells(Path(out) / f"{stem}.json", Path(out) / f"{stem}-cells", settings)
    cells, rules = run_cells(options, Path(out) / f"{stem}-cells", settings)
    curves = aggregate(cells)
    protocol = (f"per genre and size N, {options.draws} seeded draws of N documents (nested "
                f"across sizes); adapt: fine-tune {Path(base).name} (init_from) on the N "
                f"documents alone at {ADAPT_RATE_FACTOR:.2g}x the default learning rates "
                "(argmine train --init); mixed: the same with a seeded sample of "
                f"{', '.join(settings['mix'])} holding {MIX_RATIO:g}x their units, at the "
                "default rates; scratch: the network from its base encoder on the N "
                "documents; baseline: TF-IDF + logistic regression on the N documents; "
                f"{options.epochs} epochs, no dev set (the lowest-loss epoch is kept); N=0 is "
                "the base model as shipped; scored on gold sentences: macro-F1 of the decoded "
                "labels on the labels the test documents have, and at")
    plot = plot_curves(curves, Path(out) / f"{stem}-curves.png")
    return {"corpus": ", ".join(options.genres),
            "split": "; ".join(f"{g}: {r}" for g, r in rules.items()),
            "protocol": protocol,
            "model": {**model_info(base), "adaptation": settings},
            "rows": _rows(curves, rules),
            # Every cell, so the committed result holds each draw's figures and a later run
            # given it in --out resumes instead of starting over (restore_cells).
            "results": {"curves": curves, "splits": rules, "settings": settings,
                        "cells": cells, "cells_folder": f"{stem}-cells"},
            "plots": [plot.name]}
