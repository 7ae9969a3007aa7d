"""Build the general-news evaluation set from its inline-markup source.

Sources (in data/general_news/):
    eval_markup.txt   annotated sentences, entities written as {{surface|LABEL}}
    rehearsal.txt     unlabelled sentences for rehearsal, one per line

Output:
    eval.jsonl        {"id", "text", "entities": [[start, end, label]], "source"} per sentence
    README.md         the counts block between the stats markers is rewritten

The build refuses to write anything if a sentence breaks an annotation rule (the rules
of `python -m course validate`: course.annotations.validate with the tokens of
spacy.blank("en") and the labels of course.settings.GENERAL_LABELS), markup is left in
a sentence, a sentence is repeated, or a rehearsal sentence also occurs in the
evaluation set.

Usage:
    python data/general_news/build.py           # write eval.jsonl and the README counts
    python data/general_news/build.py --check   # validate and print the counts only
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import spacy

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the course package of this checkout

from course.annotations import validate
from course.settings import GENERAL_LABELS as LABELS

MARKUP = re.compile(r"\{\{(.+?)\|([A-Z_]+)\}\}")
START_MARK = "<!-- stats:start (written by data/general_news/build.py, do not edit) -->"
END_MARK = "<!-- stats:end -->"


def source_lines(path: Path) -> list[str]:
    """Non-empty lines that are not comments."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def parse(line: str) -> dict:
    """One markup line → {"text", "entities"} with character offsets (end exclusive)."""
    text, entities, cursor = "", [], 0
    for match in MARKUP.finditer(line):
        text += line[cursor : match.start()]
        surface, label = match.group(1), match.group(2)
        entities.append([len(text), len(text) + len(surface), label])
        text += surface
        cursor = match.end()
    text += line[cursor:]
    return {"text": text, "entities": entities}


def problems(nlp, records: list[dict], rehearsal: list[str]) -> list[str]:
    """RETURNS (list[str]): every problem found; the build writes nothing unless it is empty."""
    found = [
        f"sentence {i}: unparsed markup"
        for i, rec in enumerate(records, 1)
        if "{{" in rec["text"] or "}}" in rec["text"]
    ]
    report = validate(records, nlp, LABELS, source="sentence")
    found += report.lines() + [w.format() for w in report.warnings]  # "sentence:N: CODE ...", warnings too
    seen = Counter(rec["text"] for rec in records)
    found += [f"sentence repeated: {text!r}" for text, n in seen.items() if n > 1]
    found += [f"rehearsal sentence is also in the evaluation set: {t!r}" for t in rehearsal if t in seen]
    found += [f"rehearsal sentence repeated: {t!r}" for t, n in Counter(rehearsal).items() if n > 1]
    return found


def stats(records: list[dict], rehearsal: list[str]) -> str:
    """RETURNS (str): the markdown counts block for the README."""
    counts = Counter(label for rec in records for _, _, label in rec["entities"])
    rows = [f"| {label} | {counts[label]} |" for label in LABELS if counts[label]]
    total = sum(counts.values())
    summary = (
        f"{len(records)} annotated sentences, {sum(not r['entities'] for r in records)} without "
        f"entities; {len(rehearsal)} unlabelled rehearsal sentences."
    )
    return "\n".join(["| Label | mentions |", "|---|---:|", *rows, f"| **all entities** | {total} |", "", summary])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="validate and print counts, write nothing")
    args = parser.parse_args(argv)
    records = [parse(line) for line in source_lines(HERE / "eval_markup.txt")]
    rehearsal = source_lines(HERE / "rehearsal.txt")
    found = problems(spacy.blank("en"), records, rehearsal)
    if found:
        print("\n".join(found), file=sys.stderr)
        print(f"nothing written: {len(found)} problem(s)", file=sys.stderr)
        return 1
    block = stats(records, rehearsal)
    print(block)
    if args.check:
        return 0
    with (HERE / "eval.jsonl").open("w", encoding="utf-8") as f:
        for i, rec in enumerate(records, 1):
            f.write(json.dumps({"id": f"news-{i:03d}", **rec, "source": "hand"}, ensure_ascii=False) + "\n")
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split(START_MARK)
    _, tail = rest.split(END_MARK)
    readme.write_text(f"{head}{START_MARK}\n{block}\n{END_MARK}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
