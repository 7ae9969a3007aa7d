"""`validate`, `convert` and `stats`: commands that only read annotated data (and tokenize it)."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

from .common import (
    OK,
    PROBLEMS,
    add_input_options,
    blank,
    load_checked,
    parse_labels,
    reader_options,
    refuse,
    report_side_notes,
)


def cmd_validate(args: argparse.Namespace) -> int:
    from ..annotations import fix
    from ..files import atomic_write_text

    nlp = blank()
    loaded, problems = load_checked(args.file, args.format, nlp, parse_labels(args.labels), **reader_options(args))
    for problem in problems:
        print(problem.format())
    if args.fix:
        if loaded.problems:
            print(f"nothing written to {args.fix}: fix the unreadable line(s) first", file=sys.stderr)
            return PROBLEMS
        from ..formats.jsonl import jsonl_lines

        fixed = fix(loaded.records, nlp, parse_labels(args.labels), source=args.file, lines=loaded.lines)
        for change in fixed.changes:
            print(change.format())
        atomic_write_text(args.fix, "".join(jsonl_lines(fixed.records, args.file, loaded.lines)))
        left = len(fixed.remaining)
        print(
            f"wrote {len(fixed.records)} record(s) to {args.fix}: {len(fixed.changes)} change(s), "
            f"{left} problem(s) still need a decision",
            file=sys.stderr,
        )
        return PROBLEMS if left else OK
    n = len(loaded.records) + len(loaded.problems)
    status = "✓ no problems" if not problems else f"✗ {len(problems)} problem(s)"
    print(f"{args.file}: {n} record(s), {status}", file=sys.stderr)
    return PROBLEMS if problems else OK


def cmd_convert(args: argparse.Namespace) -> int:
    from ..formats import guess_format, iter_records
    from ..formats.stream import convert_file

    nlp = blank()
    out_format = args.to_format or guess_format(args.output, reading=False)
    in_format = args.from_format or guess_format(args.input, reading=True)
    options = reader_options(args)
    result = convert_file(
        lambda: iter_records(args.input, in_format, nlp, **options), args.output, out_format, nlp, source=args.input
    )
    report_side_notes(args.input, result, result.warnings)
    if result.problems:
        return refuse(sorted(result.problems, key=lambda p: p.line), f"nothing written to {args.output}", args.input)
    skipped = f", {len(result.skipped)} skipped (listed above)" if result.skipped else ""
    print(
        f"wrote {result.written} record(s) to {args.output} ({out_format}): {result.entities} entities{skipped}",
        file=sys.stderr,
    )
    return OK


def cmd_stats(args: argparse.Namespace) -> int:
    from ..annotations import make_doc

    nlp = blank()
    loaded, problems = load_checked(args.file, args.format, nlp, **reader_options(args))
    bad = {p.index for p in problems if p.source == args.file and p.code.startswith("N1")}
    records = [r for r in loaded.records if isinstance(r, dict) and isinstance(r.get("text"), str)]
    # tokens only of records that tokenize (a 2M-character text or broken "words" is reported instead)
    n_tokens = sum(
        len(make_doc(nlp, r))
        for i, r in enumerate(loaded.records)
        if isinstance(r, dict) and isinstance(r.get("text"), str) and i not in bad
    )
    ents = [r["entities"] if isinstance(r.get("entities"), list) else [] for r in records]  # N110 is reported
    labels = Counter(
        e[2] for es in ents for e in es if isinstance(e, (list, tuple)) and len(e) == 3 and isinstance(e[2], str)
    )
    n_ents = sum(labels.values())
    rows = [
        ("docs", str(len(records))),
        ("tokens", str(n_tokens)),
        ("entities", str(n_ents)),
        ("entities/doc", f"{n_ents / max(len(records), 1):.2f}"),
        ("docs without entities", str(sum(1 for es in ents if not es))),
    ]
    rows += [(f"  {label}", str(count)) for label, count in sorted(labels.items(), key=lambda kv: (-kv[1], kv[0]))]
    width = max(len(k) for k, _ in rows)
    print(f"{'':{width}}  {os.path.basename(args.file)}")
    for key, value in rows:
        print(f"{key:<{width}}  {value:>8}")
    if problems:
        print(f"✗ {len(problems)} problem(s): run `python -m course validate {args.file}` to see them", file=sys.stderr)
    return PROBLEMS if problems else OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add `validate`, `convert` and `stats` to the CLI."""
    from ..formats import FORMATS

    p = sub.add_parser("validate", help="check annotations and report every problem")
    p.add_argument("file")
    p.add_argument("--labels", help="comma-separated allowed labels, e.g. PRODUCT,PRICE")
    p.add_argument("--fix", metavar="OUT", help="write a copy with the safe fixes applied (canonical JSONL)")
    add_input_options(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("convert", help="convert between annotation formats")
    p.add_argument("input")
    p.add_argument("output")
    add_input_options(p, format_flag="--from", dest="from_format")
    p.add_argument("--to", dest="to_format", choices=FORMATS, help="output format (default: from the name)")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser("stats", help="documents, tokens and entities per label")
    p.add_argument("file")
    add_input_options(p)
    p.set_defaults(func=cmd_stats)
