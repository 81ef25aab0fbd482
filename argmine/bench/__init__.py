"""Benchmarks: how good a model is on a labelled corpus, how fast it runs, how cost grows.

``argmine bench SUITE... --out DIR`` (see :mod:`argmine.cli.bench`) runs suites by name and
writes, per suite, a JSON result with where it came from (corpus, split, protocol, model,
machine, date, exact command) and PNG plots. Modules, one per concern:

* :mod:`~argmine.bench.quality`: the quality suites (``mtc``, ``aae2``, ``cross``,
  ``abstrct``, ``cdcp``, ``web-discourse``, ``user``); scoring itself lives in
  :mod:`argmine.evaluation`.
* :mod:`~argmine.bench.components`: AAE2 MajorClaim/Claim/Premise classification.
* :mod:`~argmine.bench.speed` and :mod:`~argmine.bench.scale`: throughput and memory;
  growth with document length and number of documents.
* :mod:`~argmine.bench.measure`: warm-up, repeats, spread, peak memory.
* :mod:`~argmine.bench.results`: writing and reading the result files.
* :mod:`~argmine.bench.provenance`, :mod:`~argmine.bench.options`,
  :mod:`~argmine.bench.texts`, :mod:`~argmine.bench.plots`, :mod:`~argmine.bench.runner`.

What makes this project's own benchmark page (its tables, git provenance, the compute
bound) lives outside the package, in ``benchmarks/harness/``. Benchmarks are not tests: CI
runs only the smoke configuration (``--smoke``).
"""

from argmine.bench.options import BenchOptions
from argmine.bench.results import load_results, write_result
from argmine.bench.runner import SUITES, run_bench

__all__ = ["SUITES", "BenchOptions", "load_results", "run_bench", "write_result"]
