"""Shared input handling of the commands that read documents (segment, label, tree)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

from argmine.errors import InputError

DEFAULT_MAX_CHARS = 1_000_000


def add_input_arguments(parser) -> None:
    """Add FILE... and --input-format / --max-chars to a sub-command."""
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="text files to read ('-' for standard input)")
    parser.add_argument("--input-format", choices=("text", "jsonl"), default="text",
                        help="'text': each file is one document; 'jsonl': each line is "
                        '{"id": ..., "text": ...} or {"id": ..., "units": [...]}')
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
                        help="refuse documents longer than this (default %(default)s)")


def read_inputs(files, input_format: str, max_chars: int) -> Iterator[tuple[str, object]]:
    """Yield ``(doc_id, text_or_units)`` from files or JSONL; errors name file and line."""
    from argmine.units import check_text

    for name in files:
        if name == "-":
            data = sys.stdin.buffer.read()
            source = "<stdin>"
        else:
            path = Path(name)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise InputError("E009", path=name, detail=exc.strerror or str(exc)) from None
            source = name
        if input_format == "text":
            yield (Path(source).stem if name != "-" else "stdin"), check_text(
                data, source=source, max_chars=max_chars
            )
            continue
        text = check_text(data, source=source, max_chars=max_chars * 1000)
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                doc_id = str(obj.get("id", f"{Path(source).stem}:{lineno}"))
                content = obj["units"] if "units" in obj else obj["text"]
            except (json.JSONDecodeError, KeyError, AttributeError) as exc:
                raise InputError("E010", path=source, line=lineno, detail=str(exc)) from None
            if isinstance(content, str):
                content = check_text(content, source=f"{source}:{lineno}", max_chars=max_chars)
            yield doc_id, content
