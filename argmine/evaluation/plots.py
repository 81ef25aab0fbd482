"""PNG plots of evaluation results (needs the optional ``matplotlib``: ``argmine[plot]``)."""

from __future__ import annotations

from pathlib import Path

from argmine.errors import InputError


def pyplot():
    """matplotlib.pyplot on the Agg backend; E301 naming the extra where it is missing."""
    try:  # matplotlib: heavy and optional, imported only when a plot is drawn
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("E301", param="plot", owner="argmine evaluate",
                         expected="matplotlib installed (pip install 'argmine[plot]')",
                         value="matplotlib missing") from None
    return plt


def plot_confusion(report: dict, path: str | Path, title: str = "Confusion matrix") -> Path:
    """Draw a label report's confusion matrix (rows gold, columns predicted) to a PNG."""
    plt = pyplot()
    labels = report["confusion_labels"]
    matrix = report["confusion"]
    keep = [i for i, row in enumerate(matrix)
            if sum(row) or sum(r[i] for r in matrix)]
    names = [labels[i] for i in keep]
    data = [[matrix[i][j] for j in keep] for i in keep]
    fig, ax = plt.subplots(figsize=(1.2 * len(names) + 2, 1.1 * len(names) + 1.5))
    ax.imshow(data, cmap="Blues")
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    peak = max(max(r) for r in data) or 1
    for i, row in enumerate(data):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center",
                    color="white" if value > peak / 2 else "black")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def plot_label_f1(reports: dict[str, dict], path: str | Path, title: str = "F1 per label") -> Path:
    """Bar chart of per-label F1 for several named reports side by side."""
    plt = pyplot()
    names = list(reports)
    labels = list(next(iter(reports.values()))["per_label"])
    fig, ax = plt.subplots(figsize=(2 + 1.5 * len(labels), 4))
    width = 0.8 / max(len(names), 1)
    for k, name in enumerate(names):
        values = [reports[name]["per_label"][label]["f1"] for label in labels]
        ax.bar([i + k * width for i in range(len(labels))], values, width, label=name)
    ax.set_xticks([i + width * (len(names) - 1) / 2 for i in range(len(labels))], labels)
    ax.set_ylim(0, 1)
    ax.set_ylabel("F1")
    ax.legend()
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
