"""`validate`, `convert` and `stats`: commands that only read annotated data (and tokenize it)."""
from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

from .common import OK, PROBLEMS, blank, load_checked, parse_labels, refuse


def cmd_validate(args: argparse.Namespace) -> int:
    from ..annotations import fix
    from ..files import atomic_write_text

    nlp = blank()
    loaded, problems = load_checked(args.file, args.format, nlp, parse_labels(args.labels))
    for problem in problems:
        print(problem.format())
    if args.fix:
        if loaded.problems:
            print(f"nothing written to {args.fix}: fix the unreadable line(s) first", file=sys.stderr)
            return PROBLEMS
        import json

        fixed = fix(loaded.records, nlp, parse_labels(args.labels), source=args.file, lines=loaded.lines)
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
    from ..formats import dump, guess_format

    nlp = blank()
    out_format = args.to_format or guess_format(args.output, reading=False)
    loaded, problems = load_checked(args.input, args.from_format, nlp)
    if problems:
        return refuse(problems, f"nothing written to {args.output}", args.input)
    dump(loaded.records, args.output, out_format, nlp)
    print(f"wrote {len(loaded.records)} record(s) to {args.output} ({out_format})", file=sys.stderr)
    return OK


def cmd_stats(args: argparse.Namespace) -> int:
    from ..annotations import validate
    from ..formats import load

    loaded = load(args.file, args.format)
    nlp = blank()
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


def register(sub: argparse._SubParsersAction) -> None:
    """Add `validate`, `convert` and `stats` to the CLI."""
    from ..formats import FORMATS

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
