"""Evaluation: label scores, argument-structure scores (cc/ro/fu/at), baselines, protocols."""

from argmine.evaluation.labels import average_reports, label_report
from argmine.evaluation.structure import (
    baseline_first_claim_all_support,
    baseline_first_claim_chain,
    structure_scores,
)

__all__ = [
    "average_reports",
    "baseline_first_claim_all_support",
    "baseline_first_claim_chain",
    "label_report",
    "structure_scores",
]
