"""Writing a batch output durably: column names, sibling files, coded write errors."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from argmine.errors import ArgmineError, OutputError
from argmine.schema import LABELS


def columns(task: str) -> list[str]:
    """The CSV/Parquet columns of a task's records."""
    if task == "label":
        return ["doc", "index", "start", "end", "text", "label", "label_source", "score",
                *(f"p_{label.value}" for label in LABELS)]
    return ["doc", "index", "start", "end", "text", "label", "role", "parent", "relation",
            "score", "tree"]


def sibling(path: Path, suffix: str) -> Path:
    """``path`` with ``suffix`` appended to its name (``out.csv`` → ``out.csv.lock``)."""
    return path.with_name(path.name + suffix)


# --------------------------------------------------------------------------- writing
def write_error(exc: OSError, path: Path | str) -> OutputError:
    """The coded error of a failed write: what happened, to which file, and what to do."""
    full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
    error = OutputError("E402" if full else "E403", path=path, file=path,
                        detail=exc.strerror or str(exc) or type(exc).__name__)
    error.errno = exc.errno
    return error


@contextmanager
def writing(path: Path | str | None) -> Iterator[None]:
    """Turn an OSError of the operations inside into :class:`OutputError` naming ``path``."""
    try:
        yield
    except (ArgmineError, BrokenPipeError):  # coded already / a closed pipe: the CLI's business
        raise
    except OSError as exc:
        raise write_error(exc, path) from exc


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path``'s folder durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
