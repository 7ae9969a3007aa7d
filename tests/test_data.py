"""Checks on the course dataset in data/.

These tests use their own small checks (spacy.blank("en") plus plain Python) so they
do not depend on course/ while it is being written; one extra test runs the
`python -m course validate` CLI once it exists.
"""
from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import spacy

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
POSTS = DATA / "hardware_posts"
SCRIPTS = DATA / "scripts"
LABELS = ("PRODUCT", "PRICE", "LOCATION", "ZIP", "CONDITION", "URL", "USERNAME")
SPLITS = ("train", "dev", "test")
MIN_POSTS = {"train": 400, "dev": 100, "test": 100}
MIN_MENTIONS = {"train": 40, "test": 10}
PROBLEM_TAGS = (
    "misaligned", "overlap", "whitespace", "off_by_one", "label_case", "unknown_label",
    "out_of_range", "empty_span", "duplicate", "missing_key", "wrong_type", "empty_text",
)
EDGE_PUNCT = ",.;:!?()[]"
MARKUP = re.compile(r"\{\{(.+?)\|[A-Z]+\}\}")

NLP = spacy.blank("en")


# --- helpers ----------------------------------------------------------------------
def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load(split: str) -> list[dict]:
    return read_jsonl(POSTS / f"{split}.jsonl")


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


def unlabeled() -> list[str]:
    return (POSTS / "unlabeled.txt").read_text(encoding="utf-8").splitlines()


def find_problems(record: dict) -> list[tuple[str, str]]:
    """Return (tag, message) pairs for everything wrong with one record.

    The tags are the same as the `problem` field of broken_annotations.jsonl.
    """
    if "text" not in record or "entities" not in record:
        return [("missing_key", f"keys are {sorted(record)}")]
    text, entities = record["text"], record["entities"]
    if not isinstance(text, str) or not isinstance(entities, list):
        return [("wrong_type", f"text is {type(text).__name__}, entities {type(entities).__name__}")]
    if not text.strip():
        return [("empty_text", "text is empty")]
    problems: list[tuple[str, str]] = []
    doc = NLP(text)
    clean: list[tuple[int, int, str]] = []
    for span in entities:
        if not (isinstance(span, list) and len(span) == 3 and isinstance(span[0], int)
                and isinstance(span[1], int) and isinstance(span[2], str)):
            problems.append(("wrong_type", f"span {span!r} is not [int, int, str]"))
            continue
        start, end, label = span
        if label not in LABELS:
            tag = "label_case" if label.upper() in LABELS else "unknown_label"
            problems.append((tag, f"label {label!r}"))
        if start < 0 or end > len(text):
            problems.append(("out_of_range", f"[{start}, {end}) outside text of length {len(text)}"))
            continue
        if start >= end:
            problems.append(("empty_span", f"start {start} >= end {end}"))
            continue
        surface = text[start:end]
        if surface != surface.strip():
            problems.append(("whitespace", f"{surface!r} has whitespace at an edge"))
            continue
        if doc.char_span(start, end) is None:
            problems.append(("misaligned", f"[{start}, {end}) {surface!r} cuts a token"))
            continue
        if surface[0] in EDGE_PUNCT or surface[-1] in EDGE_PUNCT:
            problems.append(("off_by_one", f"{surface!r} starts or ends with punctuation"))
        clean.append((start, end, label))
    counts = Counter(clean)
    for span, n in sorted(counts.items()):
        if n > 1:
            problems.append(("duplicate", f"{span} appears {n} times"))
    unique = sorted(counts)
    for (s1, e1, l1), (s2, e2, l2) in itertools.pairwise(unique):
        if s2 < e1:
            problems.append(("overlap", f"[{s1}, {e1}) {l1} overlaps [{s2}, {e2}) {l2}"))
    return problems


# --- the helper itself must catch what it claims to catch -----------------------------
def test_find_problems_accepts_a_clean_record() -> None:
    text = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] PayPal"
    record = {"text": text, "entities": [[1, 7, "LOCATION"], [13, 37, "PRODUCT"],
                                         [39, 47, "CONDITION"]]}
    assert find_problems(record) == []


def test_find_problems_flags_a_cut_token() -> None:
    record = {"text": "RTX 3080 for $450", "entities": [[0, 7, "PRODUCT"]]}
    assert [tag for tag, _ in find_problems(record)] == ["misaligned"]


# --- splits --------------------------------------------------------------------------
@pytest.mark.parametrize("split", SPLITS)
def test_split_has_no_format_or_alignment_problems(split: str) -> None:
    bad = {r.get("id", i): find_problems(r) for i, r in enumerate(load(split))}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"{len(bad)} bad records in {split}, e.g. {list(bad.items())[:3]}"


@pytest.mark.parametrize("split", SPLITS)
def test_spans_are_sorted_and_records_well_formed(split: str) -> None:
    records = load(split)
    assert len(records) >= MIN_POSTS[split]
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids), "ids must be unique"
    for r in records:
        starts = [s for s, _, _ in r["entities"]]
        assert starts == sorted(starts), f"{r['id']}: spans not sorted by start"
        assert r["source"] in ("hand", "generated"), r["id"]
        assert "\n" not in r["text"] and r["text"] == r["text"].strip(), r["id"]
        if split != "train":
            assert r["source"] == "hand", f"{r['id']}: dev and test are hand-written only"


def test_no_post_is_shared_between_splits_or_with_unlabeled() -> None:
    owners_exact: dict[str, str] = {}
    owners_norm: dict[str, str] = {}
    clashes = []
    sources = [(s, [r["text"] for r in load(s)]) for s in SPLITS]
    sources.append(("unlabeled", unlabeled()))
    for name, texts in sources:
        for text in texts:
            for owners, key in ((owners_exact, text), (owners_norm, normalise(text))):
                if key in owners:
                    clashes.append((owners[key], name, text))
                owners[key] = name
    assert not clashes, f"{len(clashes)} repeated posts, e.g. {clashes[:3]}"


def test_unlabeled_posts() -> None:
    lines = unlabeled()
    assert len(lines) >= 300
    assert all(line.strip() == line and line for line in lines), "empty or padded line"
    assert not any("{{" in line or "}}" in line for line in lines), "markup left in text"


# --- label counts ----------------------------------------------------------------------
def label_counts(split: str) -> Counter:
    return Counter(label for r in load(split) for _, _, label in r["entities"])


@pytest.mark.parametrize("split", sorted(MIN_MENTIONS))
def test_every_label_has_enough_mentions(split: str) -> None:
    counts = label_counts(split)
    low = {label: counts[label] for label in LABELS if counts[label] < MIN_MENTIONS[split]}
    assert not low, f"labels below {MIN_MENTIONS[split]} mentions in {split}: {low}"


def test_readme_label_table_matches_files() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    table: dict[str, list[int]] = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in LABELS:
            table[cells[0]] = [int(c) for c in cells[1:]]
    assert sorted(table) == sorted(LABELS), "README must have one row per label"
    actual = {label: [label_counts(s)[label] for s in SPLITS] for label in LABELS}
    assert table == actual


def test_readme_split_table_matches_files() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    rows = {}
    for line in readme.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in SPLITS:
            rows[cells[0]] = [int(c) for c in cells[1:]]
    for split in SPLITS:
        records = load(split)
        src = Counter(r["source"] for r in records)
        empty = sum(1 for r in records if not r["entities"])
        assert rows[split] == [len(records), src["hand"], src["generated"], empty], split


# --- hand-written vs generated, unseen products ------------------------------------------
def generated_texts() -> set[str]:
    texts = set()
    for line in (SCRIPTS / "generated" / "train.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            texts.add(MARKUP.sub(r"\1", line[2:].strip()))
    return texts


def test_source_field_matches_the_generator_output() -> None:
    generated = generated_texts()
    for r in load("train"):
        assert (r["text"] in generated) == (r["source"] == "generated"), r["id"]


def test_at_least_half_of_train_is_hand_written() -> None:
    sources = Counter(r["source"] for r in load("train"))
    assert sources["hand"] >= sources["generated"], sources


def test_test_split_has_enough_unseen_products() -> None:
    seen = {r["text"][s:e] for r in load("train") for s, e, lab in r["entities"] if lab == "PRODUCT"}
    mentions = [r["text"][s:e] for r in load("test") for s, e, lab in r["entities"]
                if lab == "PRODUCT"]
    unseen = sum(1 for m in mentions if m not in seen)
    share = unseen / len(mentions)
    assert share >= 0.30, f"only {share:.1%} of test PRODUCT mentions are unseen in train"
    assert share <= 0.70, f"{share:.1%} unseen: too few known products, task not learnable"
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert f"{unseen} of {len(mentions)}" in readme, "README unseen share is stale"


# --- reproducibility -----------------------------------------------------------------------
def run_script(name: str, *args: str) -> None:
    result = subprocess.run([sys.executable, str(SCRIPTS / name), *args], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow  # a real process
def test_generator_reproduces_committed_output(tmp_path: Path) -> None:
    run_script("generate.py", "--out", str(tmp_path))
    for name in ("train.md", "unlabeled.txt"):
        committed = (SCRIPTS / "generated" / name).read_bytes()
        assert (tmp_path / name).read_bytes() == committed, f"generated/{name} differs"


@pytest.mark.slow  # a real process that tokenizes every post (~50 s)
def test_build_reproduces_committed_jsonl(tmp_path: Path) -> None:
    run_script("build.py", "--out", str(tmp_path))
    for name in ("train.jsonl", "dev.jsonl", "test.jsonl", "unlabeled.txt"):
        assert (tmp_path / name).read_bytes() == (POSTS / name).read_bytes(), name


# --- broken annotations ------------------------------------------------------------------------
def test_broken_annotations_cover_every_problem_once() -> None:
    records = read_jsonl(DATA / "broken_annotations.jsonl")
    tags = [r["problem"] for r in records]
    assert sorted(tags) == sorted(PROBLEM_TAGS), tags
    for r in records:
        assert isinstance(r["comment"], str) and len(r["comment"]) > 20, r["id"]


def test_each_broken_record_has_exactly_its_own_mistake() -> None:
    for r in read_jsonl(DATA / "broken_annotations.jsonl"):
        found = {tag for tag, _ in find_problems(r)}
        assert found == {r["problem"]}, f"{r['id']}: declared {r['problem']}, found {found}"


# --- the course CLI (written elsewhere; skipped until it exists) --------------------------------
@pytest.mark.parametrize("split", SPLITS)
def test_course_cli_validates_split(cli, split: str) -> None:
    result = cli(["validate", POSTS / f"{split}.jsonl", "--labels", ",".join(LABELS)], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
