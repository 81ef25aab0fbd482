"""Run benchmark suites by name and store each result with where it came from."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from argmine.bench import quality
from argmine.bench.adapt import run_adapt
from argmine.bench.options import BenchOptions
from argmine.bench.provenance import provenance
from argmine.bench.results import BENCH_FORMAT, write_result
from argmine.bench.scale import run_scale
from argmine.bench.speed import run_speed
from argmine.errors import InputError

Suite = Callable[[BenchOptions, Path, str], dict]


SUITES: dict[str, Suite] = {
    "mtc": quality.run_mtc,
    "aae2": quality.run_aae2,
    "cross": quality.run_cross,
    "abstrct": quality.run_corpus("abstrct"),
    "cdcp": quality.run_corpus("cdcp"),
    "web-discourse": quality.run_corpus("web-discourse"),
    "user": quality.run_user,
    "speed": run_speed,
    "scale": run_scale,
    "adapt": run_adapt,
}
"""Suite name → function ``(options, out folder, file stem) -> result``."""

# Suites that read one corpus: a --corpus given to several of them would be ambiguous.
_ONE_CORPUS = ("mtc", "aae2", "cross", "abstrct", "cdcp", "web-discourse", "user")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.") or "x"


def result_name(suite: str, options: BenchOptions) -> str:
    """The file stem of a suite's result: suite, corpus where it varies, model.

    Examples:
        >>> result_name("mtc", BenchOptions(model="baseline"))
        'mtc-baseline'
        >>> result_name("cross", BenchOptions(corpus="cdcp@test"))
        'cross-cdcp-test-default'
    """
    model = options.model
    if suite == "mtc" and model is None:
        tag = "argmine"
    elif model in (None, "default"):
        tag = "default"
    else:
        tag = _slug(Path(model).name)
    parts = [suite]
    if suite == "cross" and options.corpus:
        parts.append(_slug(options.corpus.split(":", 1)[0]))
    elif suite == "user" and options.corpus:
        parts.append(_slug(Path(options.corpus.split(":", 1)[-1]).stem))
    return "-".join([*parts, tag] + (["smoke"] if options.smoke else []))


def run_bench(
    suites: Sequence[str], options: BenchOptions, out: str | Path, *, force: bool = False,
    command: str = "",
) -> list[Path]:
    """Run suites, write one JSON result and its plots per suite.

    Args:
        suites: Names from :data:`SUITES`, run in the order given.
        options: The settings (``None`` fields take the full or smoke defaults).
        out: The folder to write into (created if missing).
        force: Overwrite existing results of the same name.
        command: The exact command line, stored in every result.

    Returns:
        The result JSON files written.

    Raises:
        InputError: E301 for an unknown suite, an existing result without ``force``, or
            ``--corpus`` given to several corpus suites at once.
    """
    unknown = [s for s in suites if s not in SUITES]
    if unknown or not suites:
        raise InputError("E301", param="SUITE", owner="argmine bench", value=unknown or suites,
                         expected="one or more of " + ", ".join(SUITES))
    if options.corpus and len([s for s in suites if s in _ONE_CORPUS]) > 1:
        raise InputError("E301", param="--corpus", owner="argmine bench", value=list(suites),
                         expected="one corpus suite per command when --corpus is given")
    options = options.resolved()
    out = Path(out)
    names = {suite: result_name(suite, options) for suite in dict.fromkeys(suites)}
    for name in names.values():
        if (out / f"{name}.json").exists() and not force:
            raise InputError("E301", param="--out", owner="argmine bench", value=str(out),
                             expected=f"a folder without {name}.json (or pass --force)")
    out.mkdir(parents=True, exist_ok=True)
    if options.threads:
        import torch  # heavy: deferred to the runs that set threads

        torch.set_num_threads(options.threads)
    written = []
    for suite, name in names.items():
        print(f"argmine bench: running {suite} -> {out / (name + '.json')}", file=sys.stderr,
              flush=True)
        result = SUITES[suite](options, out, name)
        record = {"bench_format": BENCH_FORMAT, "suite": suite, "name": name,
                  "smoke": options.smoke, **result,
                  **provenance(command, options.device), "options": options.to_dict()}
        written.append(write_result(record, out / f"{name}.json"))
    return written
