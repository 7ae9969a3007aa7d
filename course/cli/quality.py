"""`consistency` and `agreement`: commands that compare annotations with each other (tokenizer only)."""

from __future__ import annotations

import argparse
import sys

from .common import OK, PROBLEMS, UNUSABLE


def cmd_consistency(args: argparse.Namespace) -> int:
    from ..consistency import check_files, dumps, read_exceptions

    exceptions = read_exceptions(args.exceptions, ignore_case=args.ignore_case) if args.exceptions else []
    report = check_files(
        args.files,
        ignore_case=args.ignore_case,
        numbers=args.numbers,
        exceptions=exceptions,
        max_occurrences=args.max_occurrences,
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


def cmd_agreement(args: argparse.Namespace) -> int:
    import json

    from ..agreement import compare
    from ..formats import load
    from .common import blank

    nlp = blank()
    loaded = [load(path, "jsonl", nlp) for path in (args.a, args.b)]
    problems = [p for one in loaded for p in one.problems]
    if problems:
        for problem in problems:
            print(problem.format(), file=sys.stderr)
        print(f"✗ {len(problems)} line(s) cannot be read: fix them first", file=sys.stderr)
        return UNUSABLE
    result = compare(nlp, loaded[0].records, loaded[1].records, args.a, args.b)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return OK
    print(f"{result.n_posts} posts, {result.n_tokens} tokens; A = {args.a}, B = {args.b}")
    print(f"span F1 (strict)  {result.f1:.3f}")
    for label, row in result.per_label().items():
        print(f"  {label:<10}      {row['f1']:.3f}  (A {row['a']}, B {row['b']}, both {row['matched']})")
    print(f"token kappa       {result.kappa:.3f}  (observed {result.observed:.3f}, by chance {result.expected:.3f})")
    kinds = ", ".join(f"{kind} {n}" for kind, n in result.kinds().most_common()) or "none"
    print(f"disagreements     {len(result.disagreements)}: {kinds}")
    for d in result.disagreements[: args.max_lines]:
        print(f"  {args.b}:{loaded[1].lines[d.index]}: {d.describe()}")
    if len(result.disagreements) > args.max_lines:
        print(f"  … and {len(result.disagreements) - args.max_lines} more (--max-lines, --json)")
    return OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add `consistency` and `agreement` to the CLI."""
    p = sub.add_parser("consistency", help="surface forms labelled differently across files")
    p.add_argument("files", nargs="+", metavar="FILE", help="canonical JSONL files, checked together")
    p.add_argument("--ignore-case", action="store_true", help="'BNIB' and 'bnib' are the same form")
    p.add_argument(
        "--numbers",
        action="store_true",
        help="also list unlabelled occurrences of forms that are numbers alone (by default context decides)",
    )
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

    p = sub.add_parser("agreement", help="span F1, token kappa and disagreements of two annotators")
    p.add_argument("a", metavar="A.jsonl", help="annotator A: canonical JSONL")
    p.add_argument("b", metavar="B.jsonl", help="annotator B: the same posts in the same order")
    p.add_argument("--json", action="store_true", help="print the figures and every disagreement as JSON")
    p.add_argument("--max-lines", type=int, default=50, metavar="N", help="disagreements listed (default 50)")
    p.set_defaults(func=cmd_agreement)
