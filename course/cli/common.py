"""What every command shares: exit codes, reading + validating input, refusing to act."""
from __future__ import annotations

import sys

OK, PROBLEMS, UNUSABLE = 0, 1, 2


def parse_labels(value: str | None) -> list[str] | None:
    """RETURNS (list[str] | None): the labels of a comma-separated `--labels` value."""
    return [label.strip() for label in value.split(",") if label.strip()] if value else None


def blank():
    """RETURNS (Language): a blank English pipeline, whose tokenizer defines token boundaries."""
    import spacy

    return spacy.blank("en")


def load_checked(path: str, fmt: str | None = None, nlp=None, labels: list[str] | None = None):
    """Read annotations in any format and validate them; report skipped items on stderr.

    RETURNS (tuple[Loaded, list[Problem]]): the records and every problem, by line.
    RAISES FormatError: if the file cannot be read at all.
    """
    from ..annotations import validate
    from ..formats import load

    nlp = nlp or blank()
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
