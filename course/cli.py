"""Command line: `python -m course validate|convert|stats|train|evaluate ...`.

Problems print as `FILE:LINE: CODE message — hint`. Exit codes: 0 all good,
1 problems found in the data, 2 unreadable input or bad usage. Never a traceback
(set COURSE_DEBUG=1 to see one); outputs are written atomically or not at all.
"""
from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections import Counter
from collections.abc import Callable, Sequence

from .errors import CourseError

OK, PROBLEMS, UNUSABLE = 0, 1, 2


def _labels(value: str | None) -> list[str] | None:
    return [label.strip() for label in value.split(",") if label.strip()] if value else None


def _blank():
    import spacy

    return spacy.blank("en")


def load_checked(path: str, fmt: str | None = None, nlp=None, labels: list[str] | None = None):
    """Read annotations in any format and validate them; report skipped items on stderr.

    RETURNS (tuple[Loaded, list[Problem]]): the records and every problem, by line.
    RAISES FormatError: if the file cannot be read at all.
    """
    from .annotations import validate
    from .formats import load

    nlp = nlp or _blank()
    loaded = load(path, fmt, nlp)
    for line, why in loaded.skipped:
        print(f"{path}:{line}: skipped ({why})", file=sys.stderr)
    report = validate(loaded.records, nlp, labels, source=path, lines=loaded.lines)
    return loaded, sorted(loaded.problems + report.problems, key=lambda p: p.line)


def refuse(problems: list, what: str, path: str = "FILE") -> int:
    """Print every problem (stdout) and why nothing happened (stderr). RETURNS (int): PROBLEMS."""
    for problem in problems:
        print(problem.format())
    print(f"✗ {what}: {len(problems)} problem(s) — fix them first "
          f"(python -m course validate {path} --fix FIXED.jsonl)", file=sys.stderr)
    return PROBLEMS


def cmd_validate(args: argparse.Namespace) -> int:
    from .annotations import fix
    from .files import atomic_write_text

    nlp = _blank()
    loaded, problems = load_checked(args.file, args.format, nlp, _labels(args.labels))
    for problem in problems:
        print(problem.format())
    if args.fix:
        if loaded.problems:
            print(f"nothing written to {args.fix}: fix the unreadable line(s) first", file=sys.stderr)
            return PROBLEMS
        import json

        fixed = fix(loaded.records, nlp, _labels(args.labels), source=args.file, lines=loaded.lines)
        for change in fixed.changes:
            print(change.format())
        atomic_write_text(args.fix, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in fixed.records))
        left = len(fixed.remaining)
        print(f"wrote {len(fixed.records)} record(s) to {args.fix}: {len(fixed.changes)} change(s), "
              f"{left} problem(s) still need a decision", file=sys.stderr)
        return PROBLEMS if left else OK
    n = len(loaded.records) + len(loaded.problems)
    status = "✓ no problems" if not problems else f"✗ {len(problems)} problem(s)"
    print(f"{args.file}: {n} record(s), {status}", file=sys.stderr)
    return PROBLEMS if problems else OK


def cmd_convert(args: argparse.Namespace) -> int:
    from .formats import dump, guess_format

    nlp = _blank()
    out_format = args.to_format or guess_format(args.output, reading=False)
    loaded, problems = load_checked(args.input, args.from_format, nlp)
    if problems:
        return refuse(problems, f"nothing written to {args.output}", args.input)
    dump(loaded.records, args.output, out_format, nlp)
    print(f"wrote {len(loaded.records)} record(s) to {args.output} ({out_format})", file=sys.stderr)
    return OK


def cmd_stats(args: argparse.Namespace) -> int:
    from .annotations import validate
    from .formats import load

    loaded = load(args.file, args.format)
    nlp = _blank()
    report = validate(loaded.records, nlp, source=args.file, lines=loaded.lines)
    records = [r for r in loaded.records if isinstance(r, dict) and isinstance(r.get("text"), str)]
    n_tokens = sum(len(nlp.make_doc(r["text"])) for r in records)
    ents = [r["entities"] if isinstance(r.get("entities"), list) else [] for r in records]  # E110 is reported
    labels = Counter(e[2] for es in ents for e in es
                     if isinstance(e, (list, tuple)) and len(e) == 3 and isinstance(e[2], str))
    n_ents = sum(labels.values())
    rows = [("docs", str(len(records))), ("tokens", str(n_tokens)), ("entities", str(n_ents)),
            ("entities/doc", f"{n_ents / max(len(records), 1):.2f}"),
            ("docs without entities", str(sum(1 for es in ents if not es)))]
    rows += [(f"  {label}", str(count)) for label, count in sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))]
    width = max(len(k) for k, _ in rows)
    print(f"{'':{width}}  {os.path.basename(args.file)}")
    for key, value in rows:
        print(f"{key:<{width}}  {value:>8}")
    problems = len(report) + len(loaded.problems)
    if problems:
        print(f"✗ {problems} problem(s): run `python -m course validate {args.file}`", file=sys.stderr)
    return PROBLEMS if problems else OK


def build_parser() -> argparse.ArgumentParser:
    from .formats import FORMATS

    parser = argparse.ArgumentParser(prog="python -m course", description="Helpers for the spaCy NER course.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check annotations and report every problem")
    p.add_argument("file")
    p.add_argument("--labels", help="comma-separated allowed labels, e.g. PRODUCT,PRICE")
    p.add_argument("--fix", metavar="OUT", help="write a copy with the safe fixes applied (canonical JSONL)")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from the file name)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("convert", help="convert between annotation formats")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--from", dest="from_format", choices=FORMATS, help="input format (default: from the name)")
    p.add_argument("--to", dest="to_format", choices=FORMATS, help="output format (default: from the name)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("stats", help="documents, tokens and entities per label")
    p.add_argument("file")
    p.add_argument("--format", choices=FORMATS, help="input format (default: from the file name)")
    p.set_defaults(func=cmd_stats)

    for register in _extra_commands():
        register(sub)
    return parser


def _extra_commands() -> list[Callable[[argparse._SubParsersAction], None]]:
    """Commands that live with their logic (training, evaluation)."""
    registers = []
    for module in ("train", "evaluate"):
        try:
            mod = __import__(f"course.{module}", fromlist=["register_cli"])
        except ImportError:
            continue
        if hasattr(mod, "register_cli"):
            registers.append(mod.register_cli)
    return registers


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI. RETURNS (int): the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CourseError as err:
        print(f"error: {err.line()}", file=sys.stderr)
        return UNUSABLE if err.code.startswith(("E2", "E3", "E4")) else PROBLEMS
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - a bug in the course: say so plainly, without a traceback
        if os.environ.get("COURSE_DEBUG"):
            traceback.print_exc()
        print(f"error: E999 unexpected {type(err).__name__}: {err} — this is a bug in the course "
              "helpers; rerun with COURSE_DEBUG=1 and report the output", file=sys.stderr)
        return UNUSABLE
