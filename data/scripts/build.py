"""Build the hardware-posts NER dataset from its inline-markup sources.

Sources (all under data/scripts/):
    hand_written/train.md, dev.md, test.md   posts written one by one
    hand_written/test_shift.md               the independent-style second test set
    hand_written/dev_shift.md                development posts written in the same spirit
    generated/train.md                       output of generate.py (seeded)
    generated/unlabeled.txt                  output of generate.py (seeded)

Outputs (under data/hardware_posts/ unless --out is given):
    train.jsonl, dev.jsonl, test.jsonl       hand-written posts only, shuffled with fixed seeds
    generated.jsonl                          the template-generated posts (generated/train.md),
                                             ids generated-0001...; not a training split: the
                                             style-shift measurement (bench/style_shift.py,
                                             notebook 05) found they add nothing to training
                                             (issue 19), so they are kept apart for that lesson
                                             and for the active-learning pool of notebook 08
    unlabeled.txt                            copied from generated/unlabeled.txt
    test_shift.jsonl                         kept in file order, ids shift-0001...; its first
                                             64 posts are the double-annotated agreement sample
    dev_shift.jsonl                          kept in file order, ids devshift-0001...; posts
                                             written like test_shift by another writer, so that
                                             choices about other people's posts (epochs, recipes)
                                             are made without looking at test_shift

train.jsonl and generated.jsonl are cut from one shuffle of all their posts (seed 1301), so
each keeps the relative order the posts had when they shared the training split.

Markup: every post is one line starting with "- ". Entities are written as
{{surface text|LABEL}}, e.g.

    - [{{USA-TX|LOCATION}}] [H] {{EVGA RTX 3080 FTW3 Ultra|PRODUCT}} [W] PayPal

Lines that do not start with "- " (headings, notes, blank lines) are ignored.
The build refuses to write anything if a post breaks an annotation rule (the
rules of `python -m course validate`: course.annotations.validate with the course
labels and the tokens of spacy.blank("en")), if markup is left in a post, or if
two files share a post, or two splits a near-duplicate. For near-duplicates the generated
posts count as training material (train and generated.jsonl are one side: notebook 08 pools
them): they may share templates with each other and with hand-written train posts, never with
dev, test, dev_shift or test_shift.

Usage:
    python data/scripts/build.py             # rebuild data/hardware_posts/ and
                                             # the counts block in data/README.md
    python data/scripts/build.py --check     # validate and print stats only
    python data/scripts/build.py --out DIR   # write the JSONL files to DIR
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

import spacy

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parents[1]))  # the course package of this checkout

from course.annotations import validate
from course.settings import LABELS

SPLITS = ("train", "dev", "test")
SHUFFLE_SEED = {"train": 1301, "dev": 1302, "test": 1303}
SHIFT = "test_shift"  # second test set, written unlike the other splits; not shuffled
DEV_SHIFT = "dev_shift"  # development posts in the style of test_shift, by another writer; not shuffled
SHIFT_SETS = {DEV_SHIFT: "devshift", SHIFT: "shift"}  # output name -> id prefix
GEN = "generated"  # the template posts: out of train since issue 19, kept for notebooks 05 and 08

DATA = SCRIPTS.parent
HAND = SCRIPTS / "hand_written"
GENERATED = SCRIPTS / "generated"
OUT = DATA / "hardware_posts"
README = DATA / "README.md"
START_MARK = "<!-- stats:start (written by data/scripts/build.py, do not edit) -->"
END_MARK = "<!-- stats:end -->"
SHIFT_MARKS = ("<!-- shift-stats:start (written by data/scripts/build.py, do not edit) -->", "<!-- shift-stats:end -->")

MARKUP = re.compile(r"\{\{(.+?)\|([A-Za-z_]+)\}\}")

Record = dict


class BuildError(ValueError):
    """A problem in a source file that must be fixed by hand."""


def parse_line(line: str, where: str) -> tuple[str, list[list]]:
    """Turn one markup line (without the leading "- ") into text and entities.

    line (str): the post in {{text|LABEL}} markup.
    where (str): file:line, used in error messages.
    RETURNS (tuple): (text, [[start, end, label], ...]); labels are checked by `check`.
    RAISES BuildError: on stray markup.
    """
    text_parts: list[str] = []
    entities: list[list] = []
    pos = 0
    length = 0
    for match in MARKUP.finditer(line):
        before = line[pos : match.start()]
        text_parts.append(before)
        length += len(before)
        surface, label = match.group(1), match.group(2)
        entities.append([length, length + len(surface), label])
        text_parts.append(surface)
        length += len(surface)
        pos = match.end()
    text_parts.append(line[pos:])
    text = "".join(text_parts)
    if "{{" in text or "}}" in text:
        raise BuildError(f"{where}: stray markup left in {text!r}")
    return text, entities


def read_markup(path: Path) -> list[tuple[str, list[list], str]]:
    """Read every "- " line of a markup file.

    RETURNS (list): (text, entities, "file:line") triples in file order.
    """
    posts = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.startswith("- "):
            continue
        where = f"{path.relative_to(DATA)}:{number}"
        text, entities = parse_line(raw[2:].strip(), where)
        posts.append((text, entities, where))
    return posts


def span_problems(nlp, record: Record) -> list[str]:
    """RETURNS (list[str]): one 'FILE:LINE: CODE message — hint' line per annotation problem."""
    source, line = record["_where"].rsplit(":", 1)
    report = validate(
        [{"text": record["text"], "entities": record["entities"]}], nlp, LABELS, source=source, lines=[int(line)]
    )
    return report.lines() + [w.format() for w in report.warnings]  # course data carries no warnings either


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


WORD_RUN = re.compile(r"[^\w]+")


def near_duplicate_key(text: str) -> str:
    """The text lower-cased, with every run of punctuation and whitespace made one space.

    Digits are kept, so "RTX 3070 $300" and "rtx 3070, $300!" share a key but "$310" does not.
    """
    return " ".join(WORD_RUN.sub(" ", text.lower()).split())


def template_key(text: str, entities: list[list]) -> str:
    """The post with every entity replaced by its label, normalised like `near_duplicate_key`.

    "Confirmed u/ann" and "confirmed /u/bob." share the template "confirmed __username__".
    """
    parts, pos = [], 0
    for start, end, label in sorted(entities):
        parts += [text[pos:start], f" __{label.lower()}__ "]
        pos = end
    parts.append(text[pos:])
    return near_duplicate_key("".join(parts))


def cross_split_overlaps(splits: dict[str, list[Record]]) -> list[tuple[str, str, list[Record]]]:
    """Find posts in different splits that share their normalised text or their template.

    splits (dict): split name -> records with "text" and "entities".
    RETURNS (list): (kind, key, records) with kind "text" or "template", one entry per key
        that occurs in more than one split; records are all posts with that key, in split order.
    """
    found = []
    for kind in ("text", "template"):
        owners: dict[str, list[tuple[str, Record]]] = {}
        for name, records in splits.items():
            for record in records:
                if kind == "text":
                    key = near_duplicate_key(record["text"])
                else:
                    key = template_key(record["text"], record["entities"])
                owners.setdefault(key, []).append((name, record))
        for key, owned in owners.items():
            if len({name for name, _ in owned}) > 1:
                found.append((kind, key, [record for _, record in owned]))
    return found


def load_sources() -> dict[str, list[Record]]:
    """Read all sources and return unshuffled records per output file (SPLITS, SHIFT_SETS, GEN)."""
    splits: dict[str, list[Record]] = {}
    for split in (*SPLITS, *SHIFT_SETS):
        splits[split] = [
            {"text": t, "entities": e, "source": "hand", "_where": w} for t, e, w in read_markup(HAND / f"{split}.md")
        ]
    splits[GEN] = [
        {"text": t, "entities": e, "source": "generated", "_where": w}
        for t, e, w in read_markup(GENERATED / "train.md")
    ]
    return splits


def overlap_groups(splits: dict[str, list[Record]]) -> dict[str, list[Record]]:
    """The groups that may not share a near-duplicate: the splits, with GEN joined to train.

    RETURNS (dict): split name -> records, GEN's records appended to "train".
    """
    groups = {name: list(records) for name, records in splits.items() if name != GEN}
    groups["train"] = groups.get("train", []) + list(splits.get(GEN, []))
    return groups


def check(splits: dict[str, list[Record]], unlabeled: list[str]) -> list[str]:
    """Validate spans and look for posts shared between splits."""
    nlp = spacy.blank("en")
    errors = []
    seen: dict[str, str] = {}
    for split in splits:  # SPLITS, then SHIFT_SETS and GEN
        for record in splits[split]:
            errors += span_problems(nlp, record)
            key = normalise(record["text"])
            if key in seen:
                errors.append(f"{record['_where']}: same post as {seen[key]}")
            seen[key] = record["_where"]
    for number, line in enumerate(unlabeled, 1):
        if normalise(line) in seen:
            errors.append(f"unlabeled.txt:{number}: same post as {seen[normalise(line)]}")
    for kind, key, records in cross_split_overlaps(overlap_groups(splits)):
        places = ", ".join(r["_where"] for r in records)
        errors.append(f"{places}: near-duplicate posts in different splits (same {kind} {key!r})")
    return errors


def finalise(splits: dict[str, list[Record]]) -> dict[str, list[Record]]:
    """Shuffle each split with its fixed seed and assign ids.

    train and GEN are shuffled together, as when the generated posts were part of train, and then
    cut apart by source: each keeps the relative order it had in the old mixed split. The shift
    sets (SHIFT_SETS) are not shuffled.
    """
    final = {}
    for split in SPLITS:
        cut = split == "train" and GEN in splits
        records = list(splits[split]) + (list(splits[GEN]) if cut else [])
        random.Random(SHUFFLE_SEED[split]).shuffle(records)
        if cut:
            final[GEN] = [r for r in records if r["source"] == "generated"]
            records = [r for r in records if r["source"] == "hand"]
        final[split] = records
    final.update({name: list(splits[name]) for name in SHIFT_SETS if name in splits})  # kept in file order
    for name in list(final):
        prefix = SHIFT_SETS.get(name, name)  # 'shift-0001', 'devshift-0001'; the others by their name
        final[name] = [
            {"id": f"{prefix}-{i:04d}", "text": r["text"], "entities": r["entities"], "source": r["source"]}
            for i, r in enumerate(final[name], 1)
        ]
    return final


CONDITION_ABBREVIATIONS = {"bnib", "nib", "ln", "ob", "refurb", "vgc"}
USUAL_HOSTS = {"imgur.com", "i.imgur.com", "heatware.com", "www.heatware.com"}
PLAIN_AMOUNT = re.compile(r"[\d.,]+k?")
SCHEME = re.compile(r"https?://")

# (name, description) of each style `post_styles` recognises, in datasheet order
STYLES = (
    ("condition_before_product", "a CONDITION directly before a PRODUCT (`used RTX 3070`)"),
    ("condition_after_product", "a CONDITION after a PRODUCT, not directly before another one"),
    ("condition_abbreviation", "a CONDITION written as BNIB, NIB, LN, OB or refurb"),
    ("price_without_marker", "a PRICE that is a bare amount (`450 shipped`, `1.2k`)"),
    ("price_in_words", "a PRICE without digits (`four fifty`, `forty bucks`)"),
    ("several_products_and_prices", "two or more PRODUCTs and two or more PRICEs"),
    ("all_lower_case", "no upper-case letter anywhere"),
    ("no_tags", "no `[H]`/`[W]` title tags"),
    ("url_without_scheme", "a URL without `http://` or `https://`"),
    ("url_with_scheme", "a URL with `http://` or `https://`"),
    ("url_other_host", "a URL on a host other than imgur.com, i.imgur.com or heatware.com"),
    ("location_tag", "a LOCATION in a bracket tag (`[USA-TX]`)"),
    ("location_in_text", "a LOCATION in running text (`pickup in Austin`)"),
    ("zip", "a ZIP"),
    ("username_u", "a USERNAME written `u/name`"),
    ("username_slash_u", "a USERNAME written `/u/name`"),
    ("no_entities", "no entity at all"),
)

STYLES_BY_NAME = dict(STYLES)


def url_host(url: str) -> str:
    """RETURNS (str): the lower-cased host of a URL with or without a scheme."""
    return SCHEME.sub("", url.lower(), count=1).split("/", 1)[0]


def post_styles(text: str, entities: list[list]) -> set[str]:
    """Name the writing styles of one post (the names of `STYLES`), read off its text and spans.

    text (str): the post.
    entities (list): [[start, end, label], ...], sorted by start.
    RETURNS (set[str]): every style the post shows; a post usually shows several.
    """
    spans = sorted((start, end, label, text[start:end]) for start, end, label in entities)
    labels = [label for _, _, label, _ in spans]
    found = set()
    for i, (start, end, label, surface) in enumerate(spans):
        following = spans[i + 1] if i + 1 < len(spans) else None
        if label == "CONDITION":
            before = following is not None and following[2] == "PRODUCT" and not text[end : following[0]].strip()
            if before:
                found.add("condition_before_product")
            elif "PRODUCT" in labels[:i]:
                found.add("condition_after_product")
            if surface.lower() in CONDITION_ABBREVIATIONS:
                found.add("condition_abbreviation")
        elif label == "PRICE":
            if PLAIN_AMOUNT.fullmatch(surface):
                found.add("price_without_marker")
            if not any(ch.isdigit() for ch in surface):
                found.add("price_in_words")
        elif label == "URL":
            found.add("url_with_scheme" if SCHEME.match(surface.lower()) else "url_without_scheme")
            if url_host(surface) not in USUAL_HOSTS:
                found.add("url_other_host")
        elif label == "LOCATION":
            in_tag = text[start - 1 : start] == "[" and text[end : end + 1] == "]"
            found.add("location_tag" if in_tag else "location_in_text")
        elif label == "ZIP":
            found.add("zip")
        elif label == "USERNAME":
            found.add("username_slash_u" if surface.startswith("/") else "username_u")
    if labels.count("PRODUCT") >= 2 and labels.count("PRICE") >= 2:
        found.add("several_products_and_prices")
    if text == text.lower():
        found.add("all_lower_case")
    if "[H]" not in text and "[W]" not in text:
        found.add("no_tags")
    if not spans:
        found.add("no_entities")
    return found


def style_markdown(final: dict[str, list[Record]]) -> list[str]:
    """RETURNS (list[str]): the lines of the posts-per-style table of the datasheet."""
    counts = {s: Counter(style for r in final[s] for style in post_styles(r["text"], r["entities"])) for s in SPLITS}
    lines = ["| Style (posts showing it) | train | dev | test |", "|---|---:|---:|---:|"]
    for name, description in STYLES:
        lines.append(f"| `{name}`: {description} | " + " | ".join(str(counts[s][name]) for s in SPLITS) + " |")
    return lines


def unseen_product_share(final: dict[str, list[Record]]) -> tuple[int, int]:
    """Count test PRODUCT mentions whose exact string is never a train PRODUCT."""
    train_products = {r["text"][s:e] for r in final["train"] for s, e, lab in r["entities"] if lab == "PRODUCT"}
    mentions = [r["text"][s:e] for r in final["test"] for s, e, lab in r["entities"] if lab == "PRODUCT"]
    unseen = sum(1 for m in mentions if m not in train_products)
    return unseen, len(mentions)


def stats_markdown(final: dict[str, list[Record]]) -> str:
    """The tables written between the stats markers of data/README.md."""
    counts = {s: Counter(lab for r in final[s] for _, _, lab in r["entities"]) for s in SPLITS}
    lines = ["| Label | train | dev | test |", "|---|---:|---:|---:|"]
    for label in LABELS:
        lines.append(f"| {label} | " + " | ".join(str(counts[s][label]) for s in SPLITS) + " |")
    totals = " | ".join(str(sum(counts[s].values())) for s in SPLITS)
    lines.append(f"| **all entities** | {totals} |")
    lines += ["", "| Split | posts | hand-written | generated | posts without entities |", "|---|---:|---:|---:|---:|"]
    for split in SPLITS:
        src = Counter(r["source"] for r in final[split])
        empty = sum(1 for r in final[split] if not r["entities"])
        lines.append(f"| {split} | {len(final[split])} | {src['hand']} | {src['generated']} | {empty} |")
    if GEN in final:
        empty = sum(1 for r in final[GEN] if not r["entities"])
        lines.append(f"| {GEN}.jsonl (not a split) | {len(final[GEN])} | 0 | {len(final[GEN])} | {empty} |")
    lines += ["", *style_markdown(final)]
    unseen, total = unseen_product_share(final)
    lines += [
        "",
        f"Unseen PRODUCT mentions in test: {unseen} of {total} "
        f"({100 * unseen / total:.1f}%) never occur as a PRODUCT string in train.",
    ]
    return "\n".join(lines)


def shift_stats_markdown(final: dict[str, list[Record]]) -> str:
    """The table written between the shift-stats markers of data/README.md: one column per shift set."""
    names = [name for name in SHIFT_SETS if name in final]
    counts = {name: Counter(lab for r in final[name] for _, _, lab in r["entities"]) for name in names}
    lines = ["| Label | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    lines += [f"| {label} | " + " | ".join(str(counts[n][label]) for n in names) + " |" for label in LABELS]
    lines.append("| **all entities** | " + " | ".join(str(sum(counts[n].values())) for n in names) + " |")
    lines.append("")
    for name in names:
        empty = sum(1 for r in final[name] if not r["entities"])
        lines.append(f"{name}: {len(final[name])} posts, {empty} without entities.")
    return "\n".join(lines)


def write_jsonl(path: Path, records: list[Record]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def update_readme(block: str, marks: tuple[str, str] = (START_MARK, END_MARK)) -> None:
    start_mark, end_mark = marks
    text = README.read_text(encoding="utf-8")
    if start_mark not in text or end_mark not in text:
        raise BuildError(f"{README} lacks the markers {start_mark} ... {end_mark}")
    head, rest = text.split(start_mark, 1)
    _, tail = rest.split(end_mark, 1)
    README.write_text(f"{head}{start_mark}\n{block}\n{end_mark}{tail}", encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output directory")
    parser.add_argument("--check", action="store_true", help="validate and print stats only")
    args = parser.parse_args(argv)

    splits = load_sources()
    unlabeled_src = GENERATED / "unlabeled.txt"
    unlabeled = unlabeled_src.read_text(encoding="utf-8").splitlines()
    errors = check(splits, unlabeled)
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"{len(errors)} problem(s); nothing written.", file=sys.stderr)
        return 1
    final = finalise(splits)
    block = stats_markdown(final)
    print(block)
    if args.check:
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for split in final:
        write_jsonl(args.out / f"{split}.jsonl", final[split])
    (args.out / "unlabeled.txt").write_text("\n".join(unlabeled) + "\n", encoding="utf-8", newline="\n")
    if args.out.resolve() == OUT.resolve():
        update_readme(block)
        update_readme(shift_stats_markdown(final), SHIFT_MARKS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
