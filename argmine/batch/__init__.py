"""Resumable batch runs: stream documents through an ArgumentMiner into JSONL, CSV or Parquet.

``options`` (:class:`BatchOptions`, checked once), ``sources`` (reading documents), ``run``
(:func:`run_batch`, :class:`BatchSummary`), ``work`` (mining and rendering a chunk),
``engines`` (local processes or Ray actors), and the output files: ``files``, ``dedupe``,
``locks`` and ``writing``. ``from argmine.batch import run_batch`` keeps working.
"""

from argmine.batch.options import ENGINES, FORMATS, RESUMABLE, BatchOptions, check_options
from argmine.batch.run import BatchSummary, run_batch
from argmine.batch.sources import DEFAULT_MAX_CHARS, INPUT_FORMATS, Content, iter_sources

__all__ = ["DEFAULT_MAX_CHARS", "ENGINES", "FORMATS", "INPUT_FORMATS", "RESUMABLE",
           "BatchOptions", "BatchSummary", "Content", "check_options", "iter_sources",
           "run_batch"]
