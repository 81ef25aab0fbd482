"""The ``argmine`` console script: one sub-command per module in this package.

Each command module exposes ``register(subparsers)`` and a ``run(args) -> int``; the work
itself happens in importable, directly tested functions.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from argmine.errors import ArgmineError

COMMANDS = ("segment", "corpus", "label", "tree", "train", "evaluate", "bench", "info")
QUIET_LOADING = ("label", "tree", "evaluate", "bench")
"""Commands that load a model without downloading one: no 'Loading weights' bar for them."""


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
    _add_debug(sub)
    return parser


def _add_debug(sub) -> None:
    """Accept ``--debug`` after a command too (``argmine label --debug ...``)."""
    for command in dict.fromkeys(sub.choices.values()):
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show tracebacks on errors")
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _add_debug(action)


class _Stderr(logging.StreamHandler):
    """A handler writing to the ``sys.stderr`` of the moment (tests replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _log_to_stderr() -> None:
    """Show argmine's warnings (e.g. the one-off ONNX export) as ``argmine: MESSAGE``."""
    logger = logging.getLogger("argmine")
    if not any(isinstance(h, _Stderr) for h in logger.handlers):
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("argmine: %(message)s"))
        handler.setLevel(logging.WARNING)
        logger.addHandler(handler)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def quiet_model_loading() -> None:
    """No 'Loading weights' progress bar from transformers here or in worker processes."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # read at import, inherited
    hf_logging = sys.modules.get("transformers.utils.logging")
    if hf_logging is not None:  # imported already (a second command in one process)
        hf_logging.disable_progress_bar()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    _log_to_stderr()
    if args.command in QUIET_LOADING:
        quiet_model_loading()
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
