"""Per-label precision, recall, F1, macro-F1 and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence

from argmine.errors import InputError
from argmine.schema import ARGUMENTATIVE_LABELS, LABELS, Label


def class_report(gold: Sequence, pred: Sequence, classes: Sequence) -> dict:
    """Score any classes: the engine behind every report in argmine.

    Per-class precision/recall/F1 (keyed by ``str(class)``), macro-F1 over ``classes``,
    accuracy and the confusion matrix over ``classes``.

    Examples:
        >>> class_report(["a", "b"], ["a", "a"], ["a", "b"])["per_label"]["a"]["precision"]
        0.5
    """
    per_class = {}
    for c in classes:
        tp = sum(1 for g, p in zip(gold, pred) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, pred) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, pred) if g == c and p != c)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[str(c)] = {"precision": precision, "recall": recall, "f1": f1,
                             "support": tp + fn}
    index = {c: i for i, c in enumerate(classes)}
    confusion = [[0] * len(classes) for _ in classes]
    for g, p in zip(gold, pred):
        if g in index and p in index:
            confusion[index[g]][index[p]] += 1
    return {
        "per_label": per_class,
        "macro_f1": sum(v["f1"] for v in per_class.values()) / len(per_class) if per_class
        else 0.0,
        "accuracy": sum(1 for g, p in zip(gold, pred) if g == p) / len(gold) if gold else 0.0,
        "confusion_labels": [str(c) for c in classes],
        "confusion": confusion,
    }


def label_report(
    gold: Sequence[Label], pred: Sequence[Label], labels: Sequence[Label] | None = None
) -> dict:
    """Score predicted labels against gold ones.

    Args:
        gold: Gold label per unit.
        pred: Predicted label per unit (same length).
        labels: The labels that enter the macro average; by default the four argumentative
            labels if ``none`` never occurs in ``gold``, otherwise all five.

    Returns:
        ``{"labels", "per_label": {label: {precision, recall, f1, support}}, "macro_f1",
        "accuracy", "confusion"}``; ``confusion[i][j]`` counts gold ``labels[i]`` predicted
        as ``labels[j]`` over all five labels.

    Examples:
        >>> r = label_report([Label.CLAIM, Label.PREMISE], [Label.CLAIM, Label.CLAIM])
        >>> round(r["per_label"]["claim"]["f1"], 3), r["accuracy"]
        (0.667, 0.5)
    """
    if len(gold) != len(pred):
        raise InputError("E301", param="pred", owner="label_report",
                         expected=f"{len(gold)} labels like gold", value=len(pred))
    if labels is None:
        labels = LABELS if Label.NONE in gold else ARGUMENTATIVE_LABELS
    scored = class_report(gold, pred, labels)
    full = class_report(gold, pred, LABELS)  # the confusion matrix always shows all five
    return {
        "labels": [label.value for label in labels],
        "per_label": scored["per_label"],
        "macro_f1": scored["macro_f1"],
        "accuracy": scored["accuracy"],
        "confusion_labels": full["confusion_labels"],
        "confusion": full["confusion"],
    }


def average_reports(reports: Sequence[dict]) -> dict:
    """Average per-split reports (macro-F1 and per-label scores); sum confusion matrices."""
    if not reports:
        return {}
    out = {"splits": len(reports), "labels": reports[0]["labels"]}
    out["macro_f1"] = sum(r["macro_f1"] for r in reports) / len(reports)
    out["accuracy"] = sum(r["accuracy"] for r in reports) / len(reports)
    out["per_label"] = {
        label: {
            key: sum(r["per_label"][label][key] for r in reports) / len(reports)
            for key in ("precision", "recall", "f1")
        }
        for label in reports[0]["per_label"]
    }
    size = len(reports[0]["confusion"])
    out["confusion_labels"] = reports[0]["confusion_labels"]
    out["confusion"] = [
        [sum(r["confusion"][i][j] for r in reports) for j in range(size)] for i in range(size)
    ]
    return out
