"""`train` and `evaluate`: commands that build, load and score pipelines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import OK, PROBLEMS, add_input_options, load_checked, parse_labels, reader_options, refuse


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def cmd_train(args: argparse.Namespace) -> int:
    from ..errors import TrainingError
    from ..train import check_output, train_config
    from .common import blank

    nlp = blank()
    labels = parse_labels(args.labels)
    data: dict[str, list] = {}
    problems: list = []
    for name in ("train", "dev"):
        path = getattr(args, name)
        loaded, found = load_checked(path, args.format, nlp, labels, **reader_options(args))
        if not loaded.records and not loaded.problems:
            raise TrainingError("N403" if name == "train" else "N409", path=path)
        data[name], problems = loaded.records, problems + found
    if problems:
        return refuse(problems, "nothing trained")
    check_output(Path(args.output))
    print(
        f"training '{args.base}' on {len(data['train'])} record(s) for {args.epochs} epoch(s); "
        f"model-best is chosen on {len(data['dev'])} dev record(s)",
        file=sys.stderr,
    )
    out = train_config(
        args.base, data["train"], data["dev"], args.output, epochs=args.epochs, seed=args.seed, progress=True
    )
    print(f"✓ saved the best model to {out} — load it with spacy.load({str(out)!r})", file=sys.stderr)
    return OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Score a model. Problem lines go to stderr in both modes, so stdout holds only the
    table or the JSON; --skip-invalid scores the valid records (exit 1: the data has problems)."""
    from ..evaluate import evaluate, format_result
    from ..train import load_model

    nlp = load_model(args.model)
    labels = parse_labels(args.labels)
    loaded, problems = load_checked(args.file, args.format, nlp, labels, **reader_options(args))
    bad = {p.index for p in problems if p not in loaded.problems}  # unreadable lines are not in records
    keep = [i for i in range(len(loaded.records)) if i not in bad]
    skipped = len(bad) + len(loaded.problems)
    if problems and (not args.skip_invalid or not keep):
        why = (
            "no valid record is left"
            if args.skip_invalid
            else f"or pass --skip-invalid to score the {len(keep)} valid record(s)"
        )
        return refuse(problems, f"nothing evaluated on {args.file} ({why})", args.file, stream=sys.stderr)
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    records, lines = [loaded.records[i] for i in keep], [loaded.lines[i] for i in keep]
    result = evaluate(nlp, records, labels, source=args.file, lines=lines)
    if skipped:
        print(
            f"✗ skipped {skipped} invalid record(s) of {args.file} ({len(problems)} problem(s) above); "
            f"scored the other {len(records)}",
            file=sys.stderr,
        )
    if args.json:
        extra = {"skipped": skipped} if args.skip_invalid else {}  # plain --json stays EvalResult.to_json()
        print(json.dumps({**result.to_json(), **extra}, ensure_ascii=False))
    else:
        print(format_result(result))
    return PROBLEMS if skipped else OK


def register(sub: argparse._SubParsersAction) -> None:
    """Add `train` and `evaluate` to the CLI."""
    from ..train import BASES

    p = sub.add_parser("train", help="train an NER model from annotated files (spacy train + a course config)")
    p.add_argument("--train", required=True, help="training annotations (any supported format)")
    p.add_argument("--dev", required=True, help="development annotations, used to pick the best model")
    p.add_argument("--output", required=True, help="folder for the trained pipeline (loadable with spacy.load)")
    p.add_argument("--base", choices=list(BASES), default="blank", help="what to start from")
    p.add_argument("--epochs", type=_positive_int, default=20, help="passes over the training data")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--labels", help="comma-separated allowed labels, e.g. PRODUCT,PRICE (default: any)")
    add_input_options(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score a trained pipeline on annotated data")
    p.add_argument("model", help="pipeline folder saved with nlp.to_disk")
    p.add_argument("file", help="annotated data (JSONL, Prodigy, doccano, Label Studio, CoNLL, .spacy)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--labels", help="comma-separated labels to evaluate, e.g. PRODUCT,PRICE")
    add_input_options(p)
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="score the valid records and report the invalid ones (exit 1) instead of refusing",
    )
    p.set_defaults(func=cmd_evaluate)
