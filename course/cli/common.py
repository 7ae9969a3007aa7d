"""What every command shares: exit codes, reading + validating input, refusing to act."""

from __future__ import annotations

import argparse
import sys
from typing import Any

OK, PROBLEMS, UNUSABLE = 0, 1, 2


def parse_labels(value: str | None) -> list[str] | None:
    """RETURNS (list[str] | None): the labels of a comma-separated `--labels` value."""
    return [label.strip() for label in value.split(",") if label.strip()] if value else None


def blank():
    """The tokenizer of spacy.blank("en"), which defines the token boundaries every command checks.

    RETURNS (BlankTokenizer): built without a `Language`, so a command that only reads data
        does not import every pipeline factory (and the transformer stack); see course/tokenizer.py.
    """
    from ..tokenizer import blank_english

    return blank_english()


def add_input_options(p: argparse.ArgumentParser, *, format_flag: str = "--format", dest: str = "format") -> None:
    """--format (or --from) plus the options of the readers: --scheme, --tag-column, --accept-binary."""
    from ..formats import FORMATS, SCHEMES

    p.add_argument(
        format_flag,
        dest=dest,
        choices=FORMATS,
        help="input format (default: from the file name and, for .jsonl, its content)",
    )
    p.add_argument(
        "--scheme", type=str.upper, choices=SCHEMES, help="CoNLL tagging scheme (default: detected from the whole file)"
    )
    p.add_argument(
        "--tag-column",
        type=int,
        default=-1,
        metavar="N",
        help="CoNLL column that holds the tag, counted from 0 (default: -1, the last)",
    )
    p.add_argument(
        "--accept-binary",
        action="store_true",
        help="Prodigy: import binary accept/reject tasks (e.g. ner.teach) as complete gold",
    )


def reader_options(args: argparse.Namespace) -> dict[str, Any]:
    """RETURNS (dict): the keyword arguments for formats.load / iter_records."""
    return {
        "scheme": getattr(args, "scheme", None),
        "tag_column": getattr(args, "tag_column", -1),
        "accept_binary": getattr(args, "accept_binary", False),
    }


def report_side_notes(path: str, loaded_or_result: Any, warnings: list | None = None) -> None:
    """Print skipped records, notes and warnings on stderr: nothing is left out silently."""
    for line, why in loaded_or_result.skipped:
        print(f"{path}:{line}: skipped ({why})", file=sys.stderr)
    for note in loaded_or_result.notes:
        print(f"note: {note}", file=sys.stderr)
    for p in warnings or []:
        print(p.format().replace(f": {p.code} ", f": warning {p.code} ", 1), file=sys.stderr)


def load_checked(path: str, fmt: str | None = None, nlp=None, labels: list[str] | None = None, **options: Any):
    """Read annotations in any format and validate them; report skipped items, notes and warnings on stderr.

    options: scheme, tag_column, accept_binary (see formats.load).
    RETURNS (tuple[Loaded, list[Problem]]): the records and every problem, by line.
    RAISES FormatError: if the file cannot be read at all.
    """
    from ..annotations import validate
    from ..formats import load

    nlp = nlp or blank()
    loaded = load(path, fmt, nlp, **options)
    report = validate(loaded.records, nlp, labels, source=path, lines=loaded.lines, entity_lines=loaded.entity_lines)
    report_side_notes(path, loaded, report.warnings)
    return loaded, sorted(loaded.problems + report.problems, key=lambda p: p.line)


def refuse(problems: list, what: str, path: str | None = None, stream: Any = None) -> int:
    """Print every problem (on `stream`, default stdout) and why nothing happened (stderr).

    RETURNS (int): PROBLEMS.

    The advice names the file(s) with problems and offers --fix only when it would help.
    """
    for problem in problems:
        print(problem.format(), file=stream or sys.stdout)
    files = sorted({p.source for p in problems if p.source != "<records>"}) or ([path] if path else [])
    fixable = sum(1 for p in problems if p.fix is not None)
    target = " ".join(files) if files else "FILE"
    if fixable:
        advice = (
            f"{fixable} can be fixed safely: python -m course validate {files[0] if files else target} "
            "--fix FIXED.jsonl; the rest need your decision"
        )
    else:
        advice = f"none can be fixed automatically: correct them in {target} (each line above names where)"
    print(f"✗ {what}: {len(problems)} problem(s) — {advice}", file=sys.stderr)
    return PROBLEMS
