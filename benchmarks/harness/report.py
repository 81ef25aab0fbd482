"""The Markdown tables of ``benchmarks/README.md``, made from ``results/*.json``.

    python benchmarks/harness/report.py benchmarks/results --readme benchmarks/README.md

Each ``argmine bench`` suite writes one JSON result (``<suite>-<model>.json``) holding its
table rows and full details with their provenance. The tables are always regenerated from
those files, so the figures in ``benchmarks/README.md`` match the committed JSON: this
script rewrites ``results.md`` in the folder and the block of the README between the
``argmine-bench`` markers. Published figures live in :data:`PUBLISHED`, each with its
citation; they get rows of their own, marked published, and are never mixed into measured
rows.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from argmine.bench import load_results
from argmine.bench.adapt import GENRES, SYSTEMS
from argmine.errors import InputError

OWNER = "benchmarks/harness/report.py"
MARK_START = "<!-- argmine-bench:start -->"
MARK_END = "<!-- argmine-bench:end -->"
ADAPT_START = "<!-- argmine-bench:adapt:start -->"
ADAPT_END = "<!-- argmine-bench:adapt:end -->"
"""Optional markers of a second generated block: the learning curves of ``bench adapt``."""

CITATIONS = {
    "peldszus2015": "Peldszus, A. & Stede, M. (2015). Joint prediction in MST-style discourse "
    "parsing for argumentation mining. EMNLP 2015, 938–948.",
    "stab2017": "Stab, C. & Gurevych, I. (2017). Parsing Argumentation Structures in "
    "Persuasive Essays. Computational Linguistics 43(3), 619–659.",
}

PUBLISHED: tuple[dict, ...] = (
    {"table": "quality", "corpus": "microtexts",
     "split": "fixed 10x5 folds: 50 splits, gold units (English)",
     "task": "4-label units + structure (evidence graph)", "system": "evidence graph",
     "cite": "peldszus2015",
     "note": "approximate figures (two decimals rounded as reported); check the paper's "
     "results table before quoting",
     "metrics": {"cc": 0.870, "ro": 0.765, "fu": 0.724, "at": 0.714}},
    {"table": "quality", "corpus": "aae2",
     "split": "official test split (80 essays), gold components",
     "task": "component types MajorClaim/Claim/Premise (joint ILP)",
     "system": "ILP joint model", "cite": "stab2017",
     "metrics": {"macro_f1": 0.826}},
)
"""Published results beside which ours are set (Eger et al. 2017 left out: no figure we can
quote reliably for the same task)."""

_CORPUS_ORDER = ("microtexts", "aae2", "abstrct", "cdcp", "web-discourse")
_QUALITY = (("macro_f1", "Macro-F1"), ("accuracy", "Acc."), ("cc", "cc"), ("ro", "ro"),
            ("fu", "fu"), ("at", "at"))


def _num(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if isinstance(value, str):
        return value
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def _source(result: dict) -> str:
    if result.get("smoke"):
        return "smoke run (not a benchmark)"
    commit = (result.get("commit") or "no git")[:7]
    dirty = "+" if result.get("dirty") else ""
    return f"measured `{commit}{dirty}` {str(result.get('date', ''))[:10]}"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return lines


def _group(row: dict) -> tuple:
    corpus = row["corpus"]
    rank = _CORPUS_ORDER.index(corpus) if corpus in _CORPUS_ORDER else len(_CORPUS_ORDER)
    return rank, corpus, row["task"].split(" (", 1)[0]


def quality_table(results: Sequence[dict], published: Sequence[dict] = PUBLISHED) -> list[str]:
    """Markdown lines of the quality table: measured rows, then published ones, per task.

    Examples:
        >>> lines = quality_table([])
        >>> lines[0].startswith("| Corpus") and "published" in lines[2]
        True
    """
    measured = [(row, _source(r)) for r in results for row in r.get("rows", ())
                if row.get("table") == "quality"]
    cited = [(row, f"**published**: {row['system']} [{row['cite']}]") for row in published
             if row.get("table") == "quality"]
    order = sorted(measured, key=lambda x: _group(x[0])) + cited
    order.sort(key=lambda x: (_group(x[0]), x in cited))  # stable: measured first per group
    header = ["Corpus", "Split / protocol", "Task", "System", "Source",
              *(title for _, title in _QUALITY)]
    body = [[row["corpus"], row["split"], row["task"],
             row["system"] if "cite" not in row else "–", source,
             *(_num(row["metrics"].get(key)) for key, _ in _QUALITY)]
            for row, source in order]
    return _table(header, body)


def _peak_source(peak: dict) -> str:
    """Which GEMM gave the peak, and what each measurement of it read."""
    shapes = peak.get("per_shape")
    if not shapes:
        return f"{peak.get('size')}² fp32 GEMM"
    best = max(shapes, key=lambda x: x["gflops"])
    where = "×".join(str(d) for d in best["shape"])
    text = f"fastest fp32 GEMM of {len(shapes)} shapes: {where}"
    readings = peak.get("measurements_gflops")
    if readings and len(readings) > 1:
        text += "; measured before/after the timings: " + " / ".join(
            _num(x) for x in readings)
    return text


def speed_table(results: Sequence[dict]) -> list[str]:
    """Markdown lines of the speed table, each run preceded by its machine and bound."""
    lines: list[str] = []
    for r in results:
        rows = [row for row in r.get("rows", ()) if row.get("table") == "speed"]
        if not rows:
            continue
        m, details = r.get("machine", {}), r.get("results", {})
        peak, flops = details.get("cpu_peak", {}), details.get("flops", {})
        lines += [f"`{r['name']}` ({_source(r)}): {m.get('cpu')}, {m.get('cores_usable')} "
                  f"usable cores, torch threads: {m.get('torch_threads')}; texts: "
                  f"{r.get('corpus')} ({r.get('split')}). Peak {_num(peak.get('gflops'))} "
                  f"GFLOP/s ({_peak_source(peak)}); encoder "
                  f"{_num(flops.get('mean_tokens'), 1)} tokens/unit, padding overhead "
                  f"×{_num(flops.get('padding_overhead'), 2)}."
                  + (f" `argmine` is the default backend ({details['default_backend']}), as "
                     "`argmine label` runs it." if details.get("default_backend") else ""), ""]
        body = []
        for row in rows:
            x = row["metrics"]
            system = _with_batch(row["system"], x.get("batch_size"))
            body.append([row["stage"], system, _num(x["units_per_s"], 1),
                         f"{_num(x['units_per_s_min'], 1)}–{_num(x['units_per_s_max'], 1)}",
                         _ratio(x.get("ratio_to_pipeline_default")), _ratio(x["ratio"]),
                         _num(x.get("rss_growth_mib"), 1), _num(x.get("gflop_per_unit"), 3),
                         _num(None if x.get("peak_fraction") is None
                              else 100 * x["peak_fraction"], 1),
                         _num(x.get("bound_units_per_s"), 0)])
        if any("ratio_to_pipeline_default" in row["metrics"] for row in rows):
            lines += ["Ratios are units/s over those of the transformers pipeline called as "
                      "users call it (`pipeline(...)(texts)`, its default batch size of 1), "
                      "and over those of argmine label.", ""]
        lines += _table(["Stage", "System", "Units/s (median)", "Spread (min–max)",
                         "× transformers pipeline (default batch size)", "× argmine label",
                         "Peak RSS growth (MiB)", "GFLOP/unit", "% of peak FLOP/s",
                         "Bound (units/s)"], body)
        lines.append("")
    return lines


def _with_batch(system: str, batch: int | None) -> str:
    """Name the batch size a system was timed at inside its name.

    Examples:
        >>> _with_batch("pipeline (best batch size)", 32)
        'pipeline (best batch size: 32)'
        >>> _with_batch("pipeline", 8)
        'pipeline (batch size 8)'
    """
    if batch is None:
        return system
    if system.endswith(")"):
        return f"{system[:-1]}: {batch})"
    return f"{system} (batch size {batch})"


def _ratio(value) -> str:
    return "–" if value is None else f"×{_num(value, 2)}"


def scale_table(results: Sequence[dict]) -> list[str]:
    """Markdown lines of the scale table: growth per stage, then the skipped sizes."""
    lines: list[str] = []
    for r in results:
        rows = [row for row in r.get("rows", ()) if row.get("table") == "scale"]
        if not rows:
            continue
        lines += [f"`{r['name']}` ({_source(r)}): {r.get('corpus')}; "
                  f"{r.get('protocol')}.", ""]
        body = [[row["stage"], row["varies"], row["sizes"],
                 _num(row["metrics"].get("seconds_at_max")), _num(row["metrics"].get("slope"), 2),
                 row.get("growth") or "–"] for row in rows]
        lines += _table(["Stage", "Varies", "Sizes", "Time at largest (s)", "Log-log slope",
                         "Growth"], body)
        for skip in r.get("results", {}).get("skipped", ()):
            what = f"{skip['size']} sentences" if "size" in skip else \
                f"{skip.get('documents')} documents"
            lines.append(f"- skipped {what}: {skip['reason']}")
        lines.append("")
    return lines


def _curve_cell(metrics: dict | None) -> str:
    """``macro-F1 / at``, each ± its standard deviation over the draws when there are several.

    Examples:
        >>> _curve_cell({"macro_f1": 0.4561, "at": 0.5632, "macro_f1_std": 0.0181,
        ...              "at_std": None, "draws": 2})
        '0.456 ±0.018 / 0.563'
        >>> _curve_cell(None)
        '–'
    """
    if metrics is None:
        return "–"
    parts = []
    for key in ("macro_f1", "at"):
        text = _num(metrics.get(key))
        if metrics.get(f"{key}_std") is not None:
            text += f" ±{_num(metrics[f'{key}_std'])}"
        parts.append(text)
    return " / ".join(parts)


def _order(names: Iterable[str], known: Sequence[str]) -> list[str]:
    """``names`` once each, those in ``known`` first and in its order, then the others."""
    return sorted(dict.fromkeys(names), key=lambda x: known.index(x) if x in known else len(known))


def _size(row: dict) -> int:
    # Rows written before bench adapt recorded "size" name it only in the task.
    return int(row["size"]) if "size" in row else int(row["task"].split()[0])


def adapt_table(results: Sequence[dict]) -> list[str]:
    """Markdown lines of the learning curves of ``argmine bench adapt`` results.

    A row per genre and number of documents, a column per system.
    """
    lines: list[str] = []
    for r in results:
        rows = [row for row in r.get("rows", ()) if row.get("table") == "adapt"]
        if not rows:
            continue
        systems = _order((row["system"] for row in rows), SYSTEMS)
        genres = _order((row["corpus"] for row in rows), list(GENRES))
        cells = {(row["corpus"], _size(row), row["system"]): row["metrics"] for row in rows}
        points = sorted({(genre, n) for genre, n, _ in cells},
                        key=lambda k: (genres.index(k[0]), k[1]))
        lines += [f"`{r['name']}` ({_source(r)}): decoded macro-F1 over the labels the genre's "
                  "gold has / `at`, mean over the draws ± their standard deviation (none "
                  "from one draw); seconds per fit.", ""]
        body = []
        for genre, n in points:
            here = [cells.get((genre, n, system)) for system in systems]
            seconds = " / ".join(f"{m['fit_seconds']:,.0f}" if m and m.get("fit_seconds")
                                 is not None else "–" for m in here)
            draws = max((m.get("draws") or 0) for m in here if m)
            body.append([genre, str(n), *(_curve_cell(m) for m in here), seconds, str(draws)])
        lines += _table(["Genre", "Documents", *systems,
                         f"s per fit ({' / '.join(systems)})", "Draws (most)"], body)
        lines.append("")
    return lines


def runs_table(results: Sequence[dict]) -> list[str]:
    """Markdown lines listing every result file with its provenance and exact command."""
    body = [[f"`{r['name']}.json`", str(r.get("date", ""))[:19], f"`{(r.get('commit') or '')[:7]}`"
             + ("+" if r.get("dirty") else ""),
             f"{r.get('machine', {}).get('cpu')} ({r.get('machine', {}).get('torch_threads')} "
             "threads)", f"`{r.get('command')}`"] for r in results]
    return _table(["Result", "Date (UTC)", "Commit", "Machine", "Command"], body)


def render(results: Sequence[dict], published: Sequence[dict] = PUBLISHED, *,
           adapt: bool = False) -> str:
    """The Markdown block of all tables (quality, speed, scale, runs, references).

    ``adapt`` adds the learning curves of ``bench adapt`` before the runs; the README shows
    them in a block of their own, beside the text that reads them.
    """
    lines = ["### Quality", "", *quality_table(results, published), ""]
    notes = [f"- [{row['cite']}] {row['note']}" for row in published if row.get("note")]
    if notes:
        lines += ["Notes on published rows:", "", *notes, ""]
    speed, scale = speed_table(results), scale_table(results)
    lines += ["### Speed", "", *(speed or ["No speed results yet.", ""])]
    lines += ["### Scale", "", *(scale or ["No scale results yet.", ""])]
    if adapt:
        lines += ["### Adapting to a genre", "", *adapt_table(results)]
    lines += ["### Runs", "", *runs_table(results), ""]
    lines += ["### References", ""]
    lines += [f"- [{key}] {text}" for key, text in CITATIONS.items()]
    return "\n".join(lines) + "\n"


def write_report(folder: str | Path, readme: str | Path | None = None) -> list[Path]:
    """Regenerate ``results.md`` in ``folder`` (and the marked block of ``readme``) from its JSON.

    Args:
        folder: The folder of result files.
        readme: A Markdown file holding the :data:`MARK_START` … :data:`MARK_END` block
            (and, if it has them, the :data:`ADAPT_START` … :data:`ADAPT_END` block of the
            learning curves).

    Returns:
        The files written.

    Raises:
        InputError: E301 if ``readme`` lacks the markers.
    """
    folder = Path(folder)
    results = load_results(folder)
    block = render(results)
    adapt = "\n".join(adapt_table(results))
    written = [folder / "results.md"]
    written[0].write_text("# argmine benchmark results\n\nGenerated by "
                          "`benchmarks/harness/report.py` from the JSON files in this "
                          "folder.\n\n" + render(results, adapt=True), encoding="utf-8")
    if readme is not None:
        readme = Path(readme)
        text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
        if MARK_START not in text or MARK_END not in text:
            raise InputError("E301", param="--readme", owner=OWNER,
                             expected=f"a Markdown file with the lines {MARK_START} and "
                             f"{MARK_END} around the generated tables", value=str(readme))
        text = _replace_block(text, MARK_START, MARK_END, block)
        if (ADAPT_START in text) != (ADAPT_END in text):
            raise InputError("E301", param="--readme", owner=OWNER, value=str(readme),
                             expected=f"both or neither of the lines {ADAPT_START} and "
                             f"{ADAPT_END}")
        if ADAPT_START in text and adapt:  # no adapt result here: the block stays as it is
            text = _replace_block(text, ADAPT_START, ADAPT_END, adapt)
        readme.write_text(text, encoding="utf-8")
        written.append(readme)
    return written


def _replace_block(text: str, start: str, end: str, block: str) -> str:
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{block}{end}{tail}"


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate the tables from a results folder; print the files written."""
    parser = argparse.ArgumentParser(description="Regenerate results.md in FOLDER (and the "
                                     "argmine-bench block of --readme) from its JSON results.")
    parser.add_argument("folder", help="folder of argmine bench results (*.json)")
    parser.add_argument("--readme", help="Markdown file whose block between the "
                        "argmine-bench markers is replaced by the tables (and the block "
                        "between the argmine-bench:adapt markers, if any, by the learning "
                        "curves)")
    args = parser.parse_args(argv)
    try:
        for path in write_report(args.folder, args.readme):
            print(path)
    except InputError as error:
        print(f"{OWNER}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
