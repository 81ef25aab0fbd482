"""Result files: one JSON per suite run, written atomically and read back.

Each suite's result is one JSON file (``<suite>-<model>.json``) holding its table rows and
full details with where they came from (machine, date, exact command): see
:func:`argmine.bench.runner.run_bench`.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from argmine.errors import InputError

BENCH_FORMAT = 1
"""Version of the result-file layout; files without ``bench_format`` are not bench results."""


def write_result(result: dict, path: str | Path) -> Path:
    """Write one result as JSON, atomically (a crash never leaves half a file).

    NaN scores (nothing to score) are written as ``null``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(_clean(result), indent=1, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    os.replace(tmp, path)
    return path


def _clean(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def load_results(folder: str | Path) -> list[dict]:
    """Read every bench result (``*.json`` with ``bench_format``) of a folder, by file name.

    Raises:
        InputError: E301 if the folder does not exist.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("E301", param="folder", owner="argmine.bench.load_results",
                         expected="a folder of bench results", value=str(folder))
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(data, dict) and "bench_format" in data:
            data.setdefault("name", path.stem)
            out.append(data)
    return out
