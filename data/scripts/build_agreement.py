"""Build annotator_b.jsonl of the double-annotated sample from its markup source.

Source: data/agreement/annotator_b.md (markup of data/scripts/hand_written/*.md, one post per
"- " line, in the order of data/agreement/raw.txt). The build refuses to write anything if a
post's text is not exactly its line of raw.txt (both annotators must label the same text) or
breaks an annotation rule (course.annotations.validate with the course labels).

Usage:
    python data/scripts/build_agreement.py           # write data/agreement/annotator_b.jsonl
    python data/scripts/build_agreement.py --check   # validate only
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import spacy

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parents[1]))  # the course package of this checkout

from build import parse_line  # type: ignore[import-not-found]  # data/scripts/build.py

from course.annotations import validate
from course.formats import write_jsonl
from course.settings import LABELS

AGREEMENT = SCRIPTS.parent / "agreement"


def build(check_only: bool = False) -> int:
    raw = (AGREEMENT / "raw.txt").read_text(encoding="utf-8").splitlines()
    source = AGREEMENT / "annotator_b.md"
    posts = [
        parse_line(line[2:].rstrip("\n"), f"{source.name}:{n}")
        for n, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1)
        if line.startswith("- ")
    ]
    errors = [f"{source.name}: {len(posts)} posts, raw.txt has {len(raw)}"] if len(posts) != len(raw) else []
    errors += [
        f"{source.name}: post {i} is not line {i} of raw.txt: {text!r}"
        for i, ((text, _), want) in enumerate(zip(posts, raw), 1)
        if text != want
    ]
    records = [
        {"id": f"agree-{i:04d}", "text": text, "entities": ents, "source": "annotator_b"}
        for i, (text, ents) in enumerate(posts, 1)
    ]
    report = validate(records, spacy.blank("en"), LABELS, source="annotator_b.jsonl")
    errors += report.lines() + report.warning_lines()
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        return 1
    n_ents = sum(len(r["entities"]) for r in records)
    print(f"{len(records)} posts, {n_ents} entities: valid")
    if not check_only:
        write_jsonl(records, AGREEMENT / "annotator_b.jsonl")
        print(f"wrote {AGREEMENT / 'annotator_b.jsonl'}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    sys.exit(build(parser.parse_args().check))
