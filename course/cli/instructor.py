"""`class-report`: the instructor's view of a class, from the learners' progress files."""

from __future__ import annotations

import argparse
import sys

from .common import OK, PROBLEMS, UNUSABLE


def cmd_class_report(args: argparse.Namespace) -> int:
    from ..class_report import build, write
    from ..quiz_progress import ProgressError

    try:
        report = build(args.folder)
        if report.files_read == 0:
            raise ProgressError("N603", path=args.folder)
        paths = write(report, args.out)
    except ProgressError as err:  # unusable arguments: nothing was written
        print(f"error: {err.line()}", file=sys.stderr)
        return UNUSABLE
    for line in report.lines():
        print(line, file=sys.stderr)
    print(
        f"wrote {' and '.join(str(p) for p in paths)}: {len(report.learners)} learner(s), "
        f"{len(report.questions)} question(s) tried, {len(report.problems)} of {report.files_read} file(s) left out",
        file=sys.stderr,
    )
    return PROBLEMS if report.problems else OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "class-report",
        help="instructors: one table of a class from the learners' progress files (class.csv, class.html)",
        description="Read every learner's progress file under FOLDER (never changed) and write class.csv "
        "(one row per learner: score per notebook, quiz and exercise counts) and class.html (the same table, "
        "question difficulty and a plot). Files left out get a coded line; exit 1 if any was left out, "
        "2 if nothing could be written.",
    )
    p.add_argument("folder", metavar="DIR", help="folder with the learners' progress files (subfolders are read too)")
    p.add_argument("--out", default=".", metavar="FOLDER", help="where to write class.csv and class.html (default: .)")
    p.set_defaults(func=cmd_class_report)
