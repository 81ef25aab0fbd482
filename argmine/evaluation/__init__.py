"""Evaluation: label scores, argument-structure scores (cc/ro/fu/at) and baselines."""

from argmine.evaluation.structure import (
    baseline_first_claim_all_support,
    baseline_first_claim_chain,
    structure_scores,
)

__all__ = [
    "baseline_first_claim_all_support",
    "baseline_first_claim_chain",
    "structure_scores",
]
