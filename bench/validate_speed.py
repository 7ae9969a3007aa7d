"""How much does full validation cost compared with spaCy's own offset check?

Validates 10,000 marketplace posts with `course.annotations.validate` and runs
spaCy's `offsets_to_biluo_tags` on the same posts (both tokenize every text), then
prints the time ratio. Goal: ≤ 1.2×.

    python bench/validate_speed.py [--n 10000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
import warnings
from pathlib import Path

import spacy
from spacy.training import offsets_to_biluo_tags

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.annotations import validate
from course.formats import read_jsonl


def load_posts(n: int) -> list[dict]:
    """`n` records, cycling through the course's labelled splits."""
    folder = ROOT / "data" / "hardware_posts"
    records = [r for split in ("train", "dev", "test") for r in read_jsonl(folder / f"{split}.jsonl")]
    return list(itertools.islice(itertools.cycle(records), n))


def spacy_check(nlp, records: list[dict]) -> int:
    """spaCy's path: tokenize, then map offsets to BILUO tags ('-' marks a misaligned span)."""
    misaligned = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rec in records:
            tags = offsets_to_biluo_tags(nlp.make_doc(rec["text"]), rec["entities"])
            misaligned += "-" in tags
    return misaligned


def best_of(repeat: int, fn, *args) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    nlp = spacy.blank("en")
    records = load_posts(args.n)
    assert validate(records, nlp).ok, "the benchmark data must be valid"
    ours = best_of(args.repeat, validate, records, nlp)
    theirs = best_of(args.repeat, spacy_check, nlp, records)
    result = {
        "docs": args.n,
        "validate_s": round(ours, 3),
        "offsets_to_biluo_tags_s": round(theirs, 3),
        "ratio": round(ours / theirs, 3),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{args.n} docs: validate {ours:.2f} s, offsets_to_biluo_tags {theirs:.2f} s, "
            f"ratio {result['ratio']:.2f}× (goal ≤ 1.2×)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
