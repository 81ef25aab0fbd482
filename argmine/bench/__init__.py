"""Benchmarks: how good a model is on a corpus, how fast it runs, and how cost grows.

``argmine bench SUITE... --out DIR`` (see :mod:`argmine.cli.bench`) runs suites by name and
writes, per suite, a JSON result with its provenance (corpus, split, protocol, model,
machine, commit, date, exact command) and PNG plots, then ``results.md`` with the tables,
published figures in rows of their own. Modules, one per concern:

* :mod:`~argmine.bench.quality`: the quality suites (``mtc``, ``aae2``, ``cross``,
  ``abstrct``, ``cdcp``, ``web-discourse``, ``user``); scoring itself lives in
  :mod:`argmine.evaluation`.
* :mod:`~argmine.bench.components`: AAE2 MajorClaim/Claim/Premise classification.
* :mod:`~argmine.bench.speed` and :mod:`~argmine.bench.scale`: throughput, memory, the
  compute bound; growth with document length and number of documents.
* :mod:`~argmine.bench.measure`: warm-up, repeats, spread, peak memory.
* :mod:`~argmine.bench.report`: result files, tables and the published figures.
* :mod:`~argmine.bench.provenance`, :mod:`~argmine.bench.options`,
  :mod:`~argmine.bench.texts`, :mod:`~argmine.bench.plots`, :mod:`~argmine.bench.runner`.

Benchmarks are not tests: CI runs only the smoke configuration (``--smoke``).
"""

from argmine.bench.options import BenchOptions
from argmine.bench.report import PUBLISHED, load_results, write_report
from argmine.bench.runner import SUITES, run_bench

__all__ = ["PUBLISHED", "SUITES", "BenchOptions", "load_results", "run_bench", "write_report"]
