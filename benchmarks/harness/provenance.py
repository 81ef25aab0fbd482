"""The git state this project's benchmark page records beside each result.

``argmine bench`` records machine, date, command and argmine version; the results behind
``benchmarks/README.md`` also name the commit they were measured at (and whether the
checkout had uncommitted changes), which :func:`git_state` reads.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The checkout holding this harness."""


def git_state(path: str | Path | None = None) -> dict:
    """Return ``{"commit", "dirty"}`` of the checkout holding ``path`` (this one by default).

    Both are ``None`` outside a git checkout: the result then names only the argmine
    version.

    Examples:
        >>> sorted(git_state())
        ['commit', 'dirty']
    """
    where = Path(path) if path is not None else ROOT

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True,
                                  timeout=10, check=False)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    # Tracked changes only: untracked files (e.g. fresh results) do not change the code run.
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}
