"""The ``argmine`` console script: one sub-command per module in this package.

Each command module exposes ``register(subparsers)`` and a ``run(args) -> int``; the work
itself happens in importable, directly tested functions.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from argmine.errors import ArgmineError

COMMANDS = ("segment", "corpus", "label", "tree", "train", "evaluate", "bench", "info")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every sub-command."""
    from argmine import __version__

    parser = argparse.ArgumentParser(
        prog="argmine",
        description="Argument mining for ordinary prose: label sentences as claim, premise, "
        "counterargument, rebuttal or none, and link them into argument trees.",
        epilog="Run 'argmine COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"argmine {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"argmine.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"argmine.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.handler(args) or 0)
    except ArgmineError as exc:
        if args.debug:
            raise
        print(f"argmine {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # label/tree say what was kept themselves (cli/_io.py)
        print(f"argmine {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
