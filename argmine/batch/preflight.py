"""Checks of a batch run's inputs that cost next to nothing, made before a model loads.

A missing file, a glob or folder without a match, or a CSV file without the text column
would otherwise be found only after the model had loaded (seconds to minutes): the command
line checks them first with :func:`check_inputs`.
"""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterable
from fnmatch import fnmatch
from pathlib import Path

from argmine.batch.sources import (
    NotRegularError,
    glob_matches,
    no_match,
    open_regular,
    peek_head,
    walk_folders,
)
from argmine.errors import InputError


def check_inputs(inputs: Iterable[str | Path], *, input_format: str = "auto",
                 text_field: str = "text", units_field: str = "units",
                 pattern: str = "*.txt", dataset: str | None = None,
                 split: str = "train") -> None:
    """Check that each input can give documents, before a model is loaded for them.

    Cheap checks only: a named file or folder exists, a glob matches, a folder holds a file
    matching ``pattern``, a CSV file has the text (or units) column, a dataset folder has
    the split. Anything else is found by :func:`iter_sources` as it reads.

    Raises:
        InputError: E009 for a missing input, a glob or folder without a match; E011 for a
            CSV file without the column; E008 for an unknown split of a dataset folder.
    """
    for item in inputs:
        name = str(item)
        if name == "-":
            continue
        try:
            info = os.stat(name)
        except OSError as exc:
            if not any(c in name for c in "*?["):
                raise InputError("E009", path=name, detail=exc.strerror or str(exc)) from None
            if not glob_matches(name):
                raise InputError("E009", path=name, detail="no file matches the pattern "
                                 "(quote it so that the shell leaves it to argmine)") from None
            continue
        if stat.S_ISDIR(info.st_mode):
            if not any(fnmatch(f, pattern) for _folder, _subs, names in walk_folders(name)
                       for f in names):
                raise no_match(name, pattern)
        elif stat.S_ISREG(info.st_mode) and (input_format == "csv" or (
                input_format == "auto" and Path(name).suffix.lower() in (".csv", ".tsv"))):
            _check_columns(Path(name), text_field, units_field)
    if dataset is not None and Path(dataset).is_dir():
        import datasets

        data = datasets.load_from_disk(dataset)
        if isinstance(data, datasets.DatasetDict) and split not in data:
            raise InputError("E008", what="split", value=split, options=", ".join(data))


def _check_columns(path: Path, text_field: str, units_field: str) -> None:
    try:
        with open_regular(path) as stream:
            head = peek_head(stream, 1 << 16)
    except (OSError, NotRegularError):
        return  # reading it will say why
    line = head.split(b"\n", 1)[0].decode("utf-8-sig", "replace").rstrip("\r")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        columns = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return
    if text_field not in columns and units_field not in columns:
        raise InputError("E011", path=path, what="CSV file",
                         detail=f"no column {text_field!r} or {units_field!r} "
                         f"(columns: {', '.join(columns) or 'none'}): name the text column "
                         "with --text-column (text_field=)")
