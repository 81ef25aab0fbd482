"""PNG plots of the speed and scale suites (needs matplotlib: ``argmine[plot]``).

Quality plots (confusion matrices, per-label F1 bars) come from
:mod:`argmine.evaluation.plots`; these add throughput against batch size and time against
document length or number of documents.
"""

from __future__ import annotations

from pathlib import Path

from argmine.evaluation.plots import pyplot


def plot_throughput(sweep: dict[str, dict[int, dict]], baseline_rate: float | None,
                    path: str | Path) -> Path:
    """Units per second against batch size, one line per system (median, min–max band).

    Args:
        sweep: ``{system: {batch size: measure() result}}``.
        baseline_rate: The baseline's units/s, drawn as a horizontal line (no batch size).
        path: The PNG to write.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for system, points in sweep.items():
        if not points:
            continue
        sizes = sorted(points)
        rates = [points[b]["units_per_second"] for b in sizes]
        ax.plot(sizes, [r["median"] for r in rates], marker="o", label=system)
        ax.fill_between(sizes, [r["min"] for r in rates], [r["max"] for r in rates], alpha=0.2)
    if baseline_rate:
        ax.axhline(baseline_rate, linestyle="--", color="grey", label="baseline (no batching)")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    _plain_ticks(ax, sorted({b for points in sweep.values() for b in points}))
    ax.set_xlabel("batch size (units; argmine keeps whole documents in a batch)")
    ax.set_ylabel("units per second")
    ax.set_title("Labelling throughput against batch size")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def _plain_ticks(ax, xs: list[float]) -> None:
    """Label the measured sizes themselves, not powers of the log base."""
    from matplotlib.ticker import NullFormatter  # heavy, optional: deferred to plotting

    ax.set_xticks(xs, [str(x) for x in xs])
    ax.xaxis.set_minor_formatter(NullFormatter())


def _reference_slopes(ax, xs: list[float], y0: float) -> None:
    """Dotted lines of slope 1 and 2 through the first point, to read growth off the plot."""
    for k, style in ((1, ":"), (2, "-.")):
        ax.plot(xs, [y0 * (x / xs[0]) ** k for x in xs], style, color="grey", linewidth=0.8,
                label=f"∝ n^{k}")


def plot_length(series: dict[str, dict[int, float]], path: str | Path) -> Path:
    """Median time against sentences per document, one line per stage, log-log."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    first = None
    for stage, points in series.items():
        if not points:
            continue
        sizes = sorted(points)
        ax.plot(sizes, [points[s] for s in sizes], marker="o", label=stage)
        if first is None or stage == "model total":
            first = (sizes, points[sizes[0]])
    if first is not None and len(first[0]) > 1:
        _reference_slopes(ax, first[0], first[1])
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_ticks(ax, sorted({n for points in series.values() for n in points}))
    ax.set_xlabel("sentences per document")
    ax.set_ylabel("seconds (median)")
    ax.set_title("Time against document length")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def plot_documents(points: dict[int, float], path: str | Path, doc_size: int) -> Path:
    """Median labelling time against the number of documents, log-log."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    sizes = sorted(points)
    if sizes:
        ax.plot(sizes, [points[k] for k in sizes], marker="o", label="label_documents")
        if len(sizes) > 1:
            _reference_slopes(ax, sizes, points[sizes[0]])
    ax.set_xscale("log")
    ax.set_yscale("log")
    if sizes:
        _plain_ticks(ax, sizes)
    ax.set_xlabel(f"documents ({doc_size} sentences each)")
    ax.set_ylabel("seconds (median)")
    ax.set_title("Batch labelling time against number of documents")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)
