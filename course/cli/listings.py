"""`listings`: turn posts into listings (product, price, condition; location, zip, username)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import OK, PROBLEMS, UNUSABLE, blank, load_checked, refuse

DEFAULT_METHOD = "clause"  # the best on the held-out gold pairs, and it needs only the tokenizer


def _texts(path: str) -> tuple[list[str], list[int], list]:
    """The posts of FILE: a .jsonl file's "text" fields, or any other file's non-blank lines."""
    from ..errors import FormatError, Problem
    from ..formats._base import iter_json_lines, iter_lines

    if not Path(path).exists():
        raise FormatError("N201", path=path, cwd=Path.cwd())
    texts, lines, problems = [], [], []
    if path.endswith(".jsonl"):
        for index, (n, obj, reason) in enumerate(iter_json_lines(path)):
            at = (index, n, path)
            if reason is not None:
                problems.append(Problem.make("N203", at, reason=reason))
            elif not isinstance(obj, dict) or not isinstance(obj.get("text"), str) or not obj["text"].strip():
                what = "no 'text' string" if isinstance(obj, dict) else f"a {type(obj).__name__}, not an object"
                problems.append(Problem.make("N628", at, what=what))
            else:
                texts.append(obj["text"])
                lines.append(n)
    else:
        for n, raw in iter_lines(path):
            if raw.strip():
                texts.append(raw.rstrip("\n"))
                lines.append(n)
    return texts, lines, problems


def _show(post, line: int) -> str:
    rows = [f"line {line}: {post.text[:70]}{'…' if len(post.text) > 70 else ''}"]
    for item in post.listings:
        amount = f" = {item.amount:g} {item.currency or '(currency not stated)'}" if item.amount is not None else ""
        shared = f", shared with {item.shared_with} other(s)" if item.shared_with else ""
        price = f"{item.price}{amount}{shared}" if item.price else "no price"
        rows.append(f"  - {item.product} · {price} · {item.condition or 'condition not stated'}")
    if not post.listings:
        rows.append("  (no product found)")
    where = [f"{k} {v}" for k, v in (("location", post.location), ("zip", post.zip), ("user", post.username)) if v]
    if where:
        rows.append("  " + ", ".join(where))
    return "\n".join(rows)


def cmd_listings(args: argparse.Namespace) -> int:
    """Print the listings of every post: a readable block, or one JSON object per input line (--json)."""
    from ..errors import ListingError
    from ..listings import build, pair_doc

    if args.from_annotations and args.paths:
        print(
            f"error: {ListingError('N625', what='either a MODEL and a FILE or --from-annotations, not both').line()}",
            file=sys.stderr,
        )
        return UNUSABLE
    if not args.from_annotations and len(args.paths) != 2:
        print(f"error: {ListingError('N625', what='a MODEL and a FILE').line()}", file=sys.stderr)
        return UNUSABLE
    classifier = _classifier() if args.method == "learned" else None
    if args.from_annotations:
        from ..annotations import to_doc

        nlp = blank()
        loaded, problems = load_checked(args.from_annotations, None, nlp)
        if problems:
            return refuse(problems, f"no listings made from {args.from_annotations}", args.from_annotations)
        docs, lines = [to_doc(nlp, r) for r in loaded.records], loaded.lines
    else:
        from ..train import load_model

        model, path = args.paths
        texts, lines, problems = _texts(path)
        if problems:
            return refuse(problems, f"no listings made from {path}", path)
        docs = list(load_model(model).pipe(texts))
    if args.method == "dependency":
        from ..pairing import parse
        from ..resources import load_pretrained

        parser = load_pretrained("en_core_web_sm")
        docs = [parse(parser, doc) for doc in docs]
    for doc, line in zip(docs, lines):
        post = build(doc, pair_doc(doc, args.method, classifier))
        print(json.dumps(post.to_json(), ensure_ascii=False) if args.json else _show(post, line))
    if not docs:
        print(f"note: {args.from_annotations or args.paths[1]} holds no post", file=sys.stderr)
    return OK if docs else PROBLEMS


def _classifier():
    """The learned method: a PairClassifier fitted on the course's tuning pairs (a fraction of a second)."""
    from ..listings import load_pairs, train_classifier
    from ..settings import data_path

    nlp = blank()
    return train_classifier(nlp, load_pairs(data_path("listings", "pairs_tune.jsonl"), nlp))


def register(sub: argparse._SubParsersAction) -> None:
    """Add `listings` to the CLI."""
    from ..listings import METHODS

    p = sub.add_parser(
        "listings",
        help="pair products with their prices and conditions: one listing per product",
        description=(
            "python -m course listings MODEL FILE finds the entities with MODEL in FILE (one post per line, "
            "or a .jsonl file with a 'text' per line); python -m course listings --from-annotations FILE pairs "
            "the entities already annotated in FILE, so pairing can be judged apart from NER. "
            f"The default method, '{DEFAULT_METHOD}', needs only the tokenizer and starts fast; 'dependency' "
            "loads en_core_web_sm's parser."
        ),
    )
    p.add_argument("paths", nargs="*", metavar="MODEL FILE", help="a pipeline folder and a file of posts")
    p.add_argument(
        "--from-annotations", metavar="FILE", help="annotated posts (any supported format) instead of a model"
    )
    p.add_argument("--method", choices=METHODS, default=DEFAULT_METHOD, help=f"how to pair (default: {DEFAULT_METHOD})")
    p.add_argument("--json", action="store_true", help="print one JSON object per post")
    p.set_defaults(func=cmd_listings)
