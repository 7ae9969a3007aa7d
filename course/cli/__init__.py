"""Command line: `python -m course validate|convert|stats|train|evaluate ...`.

Problems print as `FILE:LINE: CODE message — hint`. Exit codes: 0 all good,
1 problems found in the data, 2 unreadable input or bad usage. Never a traceback
(set COURSE_DEBUG=1 to see one); outputs are written atomically or not at all.

One module per group of commands, each with a `register(subparsers)`:
`course.cli.data` (validate, convert, stats), `course.cli.quality` (consistency,
agreement), `course.cli.models` (train, evaluate), `course.cli.listings` (listings) and
`course.cli.instructor` (class-report). The library modules never import this package. A
command imports what it needs when it runs, so `validate` does not pay for training or
evaluation code, and a broken import fails that command loudly instead of hiding it.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from ..errors import CourseError
from . import data, instructor, listings, models, quality
from .common import OK, PROBLEMS, UNUSABLE, load_checked, refuse

__all__ = ["OK", "PROBLEMS", "UNUSABLE", "build_parser", "load_checked", "main", "refuse"]

SIGPIPE_EXIT = 141  # what a shell reports for a process ended by SIGPIPE (128 + 13)
GROUPS = (data, quality, models, listings, instructor)  # in the order `python -m course --help` lists them


def build_parser() -> argparse.ArgumentParser:
    """RETURNS (ArgumentParser): the parser with every command of every group."""
    parser = argparse.ArgumentParser(prog="python -m course", description="Helpers for the spaCy NER course.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI. RETURNS (int): the exit code."""
    try:
        # inside the try: a module that fails to import is reported (N999), never skipped
        args = build_parser().parse_args(argv)
        return args.func(args)
    except CourseError as err:
        print(f"error: {err.line()}", file=sys.stderr)
        return UNUSABLE if err.code.startswith(("N2", "N3", "N4")) else PROBLEMS
    except BrokenPipeError:  # `python -m course listings ... --json | head`: the reader left; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush cannot fail again
        return SIGPIPE_EXIT
    except KeyboardInterrupt:  # outputs are written atomically: nothing is half-written
        print(f"error: {CourseError('N480').line()}", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - a bug in the course: say so plainly, without a traceback
        if os.environ.get("COURSE_DEBUG"):
            traceback.print_exc()
        print(
            f"error: N999 unexpected {type(err).__name__}: {err} — this is a bug in the course "
            "helpers; rerun with COURSE_DEBUG=1 and report the output",
            file=sys.stderr,
        )
        return UNUSABLE
