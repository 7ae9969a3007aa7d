"""Build the nested-span data set (data/nested/) from its markup sources.

Sources: data/scripts/nested/{train,dev,test}.md, one post per line starting with "- ",
spans written as {{text|LABEL}} and nested spans inside another's text:

    - [H] {{{{EVGA|BRAND}} RTX 3080 FTW3|PRODUCT}} [W] {{$450|PRICE}}

The build refuses to write anything if markup is unbalanced (N640), a record breaks a rule of
course.nested.validate (alignment, bounds, labels, crossing spans ...), a post repeats inside a
split, or a post of one split is a near-duplicate of a post of another (difflib ratio >= 0.85).

    python data/scripts/build_nested.py           # write data/nested/{train,dev,test}.jsonl
    python data/scripts/build_nested.py --check   # validate and print counts only
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections import Counter
from pathlib import Path

import spacy

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parents[1]))  # the course package of this checkout

from course.errors import CourseError
from course.nested import depth, from_markup, validate

SPLITS = ("train", "dev", "test")
SOURCES = SCRIPTS / "nested"
OUT = SCRIPTS.parent / "nested"
NEAR = 0.85


def read(split: str) -> list[dict]:
    path = SOURCES / f"{split}.md"
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("- "):
            try:
                records.append(from_markup(line[2:]))
            except CourseError as err:
                raise SystemExit(f"{path.name}:{number}: {err}") from None
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate and print counts, write nothing")
    args = parser.parse_args()
    nlp = spacy.blank("en")
    splits = {split: read(split) for split in SPLITS}
    failed = False
    for split, records in splits.items():
        report = validate(records, nlp, source=f"{split}.md")
        for line in report.lines():
            print(line)
        failed |= not report.ok
        repeated = [t for t, n in Counter(r["text"] for r in records).items() if n > 1]
        for text in repeated:
            print(f"{split}.md: post repeated inside the split: {text!r}")
        failed |= bool(repeated)
    for i, a in enumerate(SPLITS):
        for b in SPLITS[i + 1 :]:
            for ra in splits[a]:
                for rb in splits[b]:
                    ratio = difflib.SequenceMatcher(None, ra["text"].lower(), rb["text"].lower()).ratio()
                    if ratio >= NEAR:
                        print(f"near-duplicate across {a}/{b} ({ratio:.2f}): {ra['text']!r} ~ {rb['text']!r}")
                        failed = True
    if failed:
        print("nothing written: fix the problems above")
        return 1
    for split, records in splits.items():
        labels = Counter(s[2] for r in records for s in r["spans"])
        nested = sum(d > 0 for r in records for d in depth(r))
        print(
            f"{split}: {len(records)} posts, {sum(labels.values())} spans ({dict(sorted(labels.items()))}), "
            f"{nested} nested inside another span"
        )
    if args.check:
        return 0
    OUT.mkdir(exist_ok=True)
    for split, records in splits.items():
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        (OUT / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}/{{{','.join(SPLITS)}}}.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
