"""`consistency` and `agreement`: commands that compare annotations with each other (tokenizer only)."""

from __future__ import annotations

import argparse
import sys

from .common import OK, PROBLEMS, UNUSABLE


def cmd_consistency(args: argparse.Namespace) -> int:
    from ..consistency import check_files, dumps, read_exceptions

    exceptions = read_exceptions(args.exceptions, ignore_case=args.ignore_case) if args.exceptions else []
    report = check_files(
        args.files, ignore_case=args.ignore_case, exceptions=exceptions, max_occurrences=args.max_occurrences
    )
    for problem in report.bad:
        print(problem.format(), file=sys.stderr)
    if report.n_bad:
        more = f" ({report.n_bad - len(report.bad)} more not listed)" if report.n_bad > len(report.bad) else ""
        print(
            f"✗ {report.n_bad} line(s) cannot be checked{more}: fix them first, the counts would be incomplete",
            file=sys.stderr,
        )
        return UNUSABLE
    if args.json:
        print(dumps(report, args.max_forms))
    else:
        for line in report.lines(args.max_forms):
            print(line)
    for note in report.notes:
        print(note.format(), file=sys.stderr)
    shown = min(len(report.forms), args.max_forms)
    if report.forms:
        rest = f" (the first {shown} shown: --max-forms)" if shown < len(report.forms) else ""
        print(
            f"✗ {len(report.forms)} surface form(s) labelled in more than one way{rest}, "
            f"{sum(f.disagree for f in report.forms)} place(s) disagree with the majority "
            f"({report.n_posts} posts, {report.n_forms} labelled forms)",
            file=sys.stderr,
        )
        return PROBLEMS
    excused = f" ({report.n_excused} place(s) excused by {args.exceptions})" if report.n_excused else ""
    print(
        f"✓ {report.n_forms} labelled forms in {report.n_posts} posts are labelled consistently{excused}",
        file=sys.stderr,
    )
    return OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add `consistency` to the CLI."""
    p = sub.add_parser("consistency", help="surface forms labelled differently across files")
    p.add_argument("files", nargs="+", metavar="FILE", help="canonical JSONL files, checked together")
    p.add_argument("--ignore-case", action="store_true", help="'BNIB' and 'bnib' are the same form")
    p.add_argument("--exceptions", metavar="FILE", help="reviewed exceptions, one 'FORM | CONTEXT | REASON' a line")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--max-forms", type=int, default=100, metavar="N", help="forms shown (default 100)")
    p.add_argument(
        "--max-occurrences",
        type=int,
        default=20,
        metavar="N",
        help="places shown per form and label (default 20; the rest are counted)",
    )
    p.set_defaults(func=cmd_consistency)
