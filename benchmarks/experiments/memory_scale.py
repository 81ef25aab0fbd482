"""Peak memory and wall time of ``argmine label`` and ``argmine tree`` against document length.

A synthetic document of N sentences (the seed op-ed's sentences cycled, a paragraph break
every five) is written to a text file, and each command runs on it through the CLI with
the shipped default model, in a fresh process. Peak RSS is the child's own maximum
resident set (``wait4``'s ``ru_maxrss``), wall time includes start-up and model loading.
Writes ``benchmarks/results/memory-scale.json`` and prints a markdown table::

    python benchmarks/experiments/memory_scale.py                       # 1,000 / 5,000 / 20,000
    python benchmarks/experiments/memory_scale.py --sizes 1000 --commands label

Documents up to ``argmine.trees.FULL_LINK_UNITS`` sentences score every pair of units;
longer ones score and decode links within paragraph-aligned blocks, so both columns should
grow linearly.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "results" / "memory-scale.json"
SIZES = (1_000, 5_000, 20_000)
COMMANDS = ("label", "tree")


def synthetic_text(n: int) -> str:
    """``n`` sentences of the seed op-ed, cycled, five to a paragraph (one per line)."""
    from argmine.text.segmentation import to_units

    _, units = to_units((ROOT / "seeds" / "track-ii-talks.txt").read_text(encoding="utf-8"))
    sentences = [u.text.replace("\n", " ") for u in units]
    picked = [sentences[i % len(sentences)] for i in range(n)]
    return "".join(s + ("\n" if (i + 1) % 5 == 0 else " ") for i, s in enumerate(picked))


def run(argv: list[str]) -> dict:
    """Run a command in a fresh process; its peak RSS (MiB), wall time (s), exit status."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 reports this child's own rusage: RUSAGE_CHILDREN would keep the maximum over
    # every child waited for so far, hiding a smaller run behind a larger earlier one.
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "wall_s": round(wall, 1),
            "exit": proc.returncode, "stderr_tail": err[-400:] if proc.returncode else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--commands", nargs="+", choices=COMMANDS, default=list(COMMANDS))
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    from argmine.text.segmentation import to_units

    exe = str(Path(sys.executable).parent / "argmine")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            text = synthetic_text(n)
            path = Path(tmp) / f"synthetic-{n}.txt"
            path.write_text(text, encoding="utf-8")
            sentences = len(to_units(text)[1])
            for command in args.commands:
                # --max-chars well above the file: the default (1,000,000) would refuse
                # documents much past 25,000 sentences.
                argv = [exe, command, str(path), "--format", "jsonl", "--output",
                        str(Path(tmp) / f"{command}-{n}.jsonl"), "--no-progress",
                        "--max-chars", str(max(len(text) + 1, 1_000_000))]
                result = run(argv)
                row = {"command": command, "sentences": sentences, "bytes": len(text.encode()),
                       **result}
                rows.append(row)
                print(f"{command} {sentences} sentences: {result['peak_rss_mib']} MiB, "
                      f"{result['wall_s']} s, exit {result['exit']}", file=sys.stderr,
                      flush=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "processor": platform.machine(),
                    "cpus": os.cpu_count(), "python": platform.python_version()},
        "commit": commit,
        "command": "python benchmarks/experiments/memory_scale.py " + " ".join(sys.argv[1:]),
        "cli": "argmine {label,tree} FILE --format jsonl --output OUT --no-progress",
        "rows": rows,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print("| command | sentences | file | peak RSS | wall time |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        status = "" if r["exit"] == 0 else f" (exit {r['exit']})"
        print(f"| {r['command']} | {r['sentences']:,} | {r['bytes'] / 1000:,.0f} kB | "
              f"{r['peak_rss_mib'] / 1024:.2f} GiB | {r['wall_s']:.0f} s{status} |")


if __name__ == "__main__":
    main()
