"""Checks on the course dataset in data/.

The annotation rules are the course's own (`course.annotations.validate`, the checks
behind `python -m course validate`): the data builds, these tests and the learners'
tool apply one rule book. The dataset-level checks (split sizes, shared posts, counts
in the READMEs, reproducible builds) live here.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import spacy

from course import finetune
from course.annotations import validate
from course.settings import GENERAL_LABELS, LABELS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
POSTS = DATA / "hardware_posts"
SCRIPTS = DATA / "scripts"
SPLITS = ("train", "dev", "test")
GENERATED = "generated"  # generated.jsonl: the template posts, out of train since issue 19
MIN_POSTS = {"train": 400, "dev": 150, "test": 150, GENERATED: 200}
MIN_STYLE_POSTS = {"train": 10, "dev": 3, "test": 3}  # posts per writing style (issue 19)
MIN_MENTIONS = {"train": 40, "test": 10}
PROBLEM_TAGS = (
    "misaligned",
    "overlap",
    "whitespace",
    "off_by_one",
    "label_case",
    "unknown_label",
    "out_of_range",
    "empty_span",
    "duplicate",
    "missing_key",
    "wrong_type",
    "empty_text",
)
# the `problem` tag of broken_annotations.jsonl for each course error code
TAGS = {
    "N100": "wrong_type",
    "N101": "misaligned",
    "N102": "whitespace",
    "N103": "overlap",
    "N104": "duplicate",
    "N105": "out_of_range",
    "N106": "empty_span",
    "N107": "unknown_label",
    "N108": "label_case",
    "N109": "missing_key",
    "N110": "wrong_type",
    "N111": "empty_text",
    "N112": "whitespace",
    "N113": "off_by_one",
    "N130": "unknown_label",
    "N131": "wrong_type",
    "N132": "wrong_type",
    "N133": "overlap",
    "N134": "misaligned",
    "N135": "empty_text",
}
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


def find_problems(record: dict, labels=LABELS) -> list[tuple[str, str]]:
    """Return (tag, 'CODE message') pairs for everything wrong with one record.

    The tags are the same as the `problem` field of broken_annotations.jsonl.
    """
    report = validate([record], NLP, labels)
    return [(TAGS[p.code], f"{p.code} {p.message}") for p in report.problems + report.warnings]


def load_script(path: Path):
    """RETURNS (module): a data build script, imported without running it."""
    spec = importlib.util.spec_from_file_location(f"build_{path.parent.name}", path)
    assert spec is not None and spec.loader is not None  # a .py path always has a source loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the helper itself must catch what it claims to catch -----------------------------
def test_find_problems_accepts_a_clean_record() -> None:
    text = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] PayPal"
    record = {"text": text, "entities": [[1, 7, "LOCATION"], [13, 37, "PRODUCT"], [39, 47, "CONDITION"]]}
    assert find_problems(record) == []


def test_find_problems_flags_a_cut_token() -> None:
    record = {"text": "RTX 3080 for $450", "entities": [[0, 7, "PRODUCT"]]}
    assert [tag for tag, _ in find_problems(record)] == ["misaligned"]


def test_every_annotation_code_has_a_tag() -> None:
    from course.errors import Errors

    assert sorted(TAGS) == sorted(c for c in vars(Errors) if c.startswith("N1") and c != "N120")


# --- one rule book: the build, these tests and `python -m course validate` agree ---------------
EDGE_CASES = [  # (record, codes): `U.S.` is one token; balanced braces belong to the span; a comma does not
    ({"text": "Shipping to the U.S. only", "entities": [[16, 20, "LOCATION"]]}, []),
    ({"text": "Selling {RTX 3080} for $450", "entities": [[8, 18, "PRODUCT"]]}, []),
    ({"text": "Selling RTX 3080, for $450", "entities": [[8, 17, "PRODUCT"]]}, ["N113"]),
    ({"text": "Selling RTX 3080 for $450", "entities": [[8, 16, "GPU"]]}, ["N107"]),
]


@pytest.mark.parametrize("record, codes", EDGE_CASES)
def test_the_build_applies_the_course_rules(record, codes) -> None:
    build = load_script(SCRIPTS / "build.py")
    found = build.span_problems(NLP, {**record, "_where": "hand_written/train.md:7"})
    assert [line.split(" ")[1] for line in found] == codes
    assert all(line.startswith("hand_written/train.md:7: ") for line in found)
    report = validate([record], NLP, LABELS)
    assert [p.code for p in report.problems + report.warnings] == codes
    assert [tag for tag, _ in find_problems(record)] == [TAGS[c] for c in codes]


def test_the_news_build_applies_the_course_rules() -> None:
    build = load_script(DATA / "general_news" / "build.py")
    records = [
        {"text": "He moved to the U.S. in May", "entities": [[16, 20, "GPE"], [24, 27, "DATE"]]},
        {"text": "Siemens, ORG said", "entities": [[0, 8, "ORG"], [9, 12, "TIME"]]},
    ]
    report = validate(records, NLP, GENERAL_LABELS, source="sentence")
    assert build.problems(NLP, records, []) == report.lines() + [w.format() for w in report.warnings]
    assert [line.split(" ")[1] for line in build.problems(NLP, records, [])] == ["N107", "N113"]


def test_news_labels_are_the_fine_tuning_labels() -> None:
    records = read_jsonl(DATA / "general_news" / "eval.jsonl")
    used = {label for r in records for _, _, label in r["entities"]}
    assert finetune.GENERAL_LABELS is GENERAL_LABELS
    assert used == set(GENERAL_LABELS), (sorted(used - set(GENERAL_LABELS)), sorted(set(GENERAL_LABELS) - used))
    assert validate(records, NLP, GENERAL_LABELS).ok
    assert load_script(DATA / "general_news" / "build.py").LABELS == GENERAL_LABELS


# --- splits --------------------------------------------------------------------------
@pytest.mark.parametrize("split", [*SPLITS, GENERATED])
def test_split_has_no_format_or_alignment_problems(split: str) -> None:
    bad = {r.get("id", i): find_problems(r) for i, r in enumerate(load(split))}
    bad = {k: v for k, v in bad.items() if v}
    assert not bad, f"{len(bad)} bad records in {split}, e.g. {list(bad.items())[:3]}"


@pytest.mark.parametrize("split", [*SPLITS, GENERATED])
def test_spans_are_sorted_and_records_well_formed(split: str) -> None:
    records = load(split)
    assert len(records) >= MIN_POSTS[split]
    ids = [r["id"] for r in records]
    assert ids == [f"{split}-{i:04d}" for i in range(1, len(records) + 1)]
    for r in records:
        starts = [s for s, _, _ in r["entities"]]
        assert starts == sorted(starts), f"{r['id']}: spans not sorted by start"
        assert "\n" not in r["text"] and r["text"] == r["text"].strip(), r["id"]
    expected = "generated" if split == GENERATED else "hand"  # train, dev and test are hand-written only
    assert {r["source"] for r in records} == {expected}, split


def test_no_post_is_shared_between_splits_or_with_unlabeled() -> None:
    owners_exact: dict[str, str] = {}
    owners_norm: dict[str, str] = {}
    clashes = []
    sources = [(s, [r["text"] for r in load(s)]) for s in (*SPLITS, GENERATED, *SHIFT_SETS)]
    sources.append(("unlabeled", unlabeled()))
    for name, texts in sources:
        for text in texts:
            for owners, key in ((owners_exact, text), (owners_norm, normalise(text))):
                if key in owners:
                    clashes.append((owners[key], name, text))
                owners[key] = name
    assert not clashes, f"{len(clashes)} repeated posts, e.g. {clashes[:3]}"


def test_near_duplicate_check_catches_planted_duplicates() -> None:
    build = load_script(SCRIPTS / "build.py")
    post = {
        "text": "RTX 3070 for $300, pickup in Austin",
        "entities": [[0, 8, "PRODUCT"], [13, 17, "PRICE"], [29, 35, "LOCATION"]],
    }
    same_text = {"text": "rtx 3070 for $300 -- pickup in austin!", "entities": []}
    same_template = {
        "text": "Ryzen 5 5600 for 90 bucks, pickup in Denver, CO",
        "entities": [[0, 12, "PRODUCT"], [17, 25, "PRICE"], [37, 47, "LOCATION"]],
    }
    other_digits = {"text": "RTX 3070 for $310, pickup in Austin", "entities": []}
    assert build.near_duplicate_key(same_text["text"]) == build.near_duplicate_key(post["text"])
    assert (
        build.template_key(same_template["text"], same_template["entities"])
        == "__product__ for __price__ pickup in __location__"
    )
    found = build.cross_split_overlaps({"train": [post], "dev": [same_text], "test": [same_template, other_digits]})
    assert [(kind, [r["text"] for r in records]) for kind, _, records in found] == [
        ("text", [post["text"], same_text["text"]]),
        ("template", [post["text"], same_template["text"]]),
    ]
    # the same template inside one split is allowed: only overlaps between splits leak
    assert build.cross_split_overlaps({"train": [post, same_template], "dev": [other_digits]}) == []


def test_no_near_duplicates_across_splits() -> None:
    build = load_script(SCRIPTS / "build.py")
    found = build.cross_split_overlaps({split: load(split) for split in SPLITS})
    shown = [(kind, key, [r["id"] for r in records]) for kind, key, records in found]
    assert not found, f"{len(found)} near-duplicates across splits, e.g. {shown[:3]}"
    keys = {build.near_duplicate_key(r["text"]) for split in (*SPLITS, GENERATED) for r in load(split)}
    assert not [line for line in unlabeled() if build.near_duplicate_key(line) in keys]


def test_generated_posts_share_no_near_duplicate_with_an_evaluation_set() -> None:
    """generated.jsonl is training material (notebook 08 pools it with train): it may share
    templates with hand-written train posts, but no text or template with dev, test or test_shift."""
    build = load_script(SCRIPTS / "build.py")
    evaluation = ("dev", "test", "dev_shift", "test_shift")
    found = build.cross_split_overlaps({GENERATED: load(GENERATED), **{name: load(name) for name in evaluation}})
    shown = [(kind, key, [r["id"] for r in records]) for kind, key, records in found]
    assert not found, f"{len(found)} near-duplicates of generated posts, e.g. {shown[:3]}"
    groups = build.overlap_groups({"train": [], GENERATED: load(GENERATED), "dev": []})
    assert sorted(groups) == ["dev", "train"] and len(groups["train"]) == len(load(GENERATED))


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


def test_readme_statistics_block_is_what_the_build_computes() -> None:
    """Every table between the stats markers (labels, splits, styles, unseen share) is code output."""
    build = load_script(SCRIPTS / "build.py")
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    block = readme.split(build.START_MARK, 1)[1].split(build.END_MARK, 1)[0].strip()
    assert block == build.stats_markdown({split: load(split) for split in (*SPLITS, GENERATED)})
    assert f"| generated.jsonl (not a split) | {len(load(GENERATED))} | 0 | {len(load(GENERATED))} |" in block


def test_post_styles_reads_each_style_off_the_spans() -> None:
    build = load_script(SCRIPTS / "build.py")

    def styles(markup: str) -> set[str]:
        return build.post_styles(*build.parse_line(markup, "test"))

    assert {"condition_before_product", "price_without_marker", "all_lower_case", "location_in_text"} <= styles(
        "{{used|CONDITION}} {{rtx 3070|PRODUCT}} {{450|PRICE}} shipped, pickup in {{austin|LOCATION}}"
    )
    tagged = styles("[{{USA-TX|LOCATION}}] [H] {{RTX 3070|PRODUCT}} {{LN|CONDITION}} [W] {{four fifty|PRICE}}")
    assert {"location_tag", "condition_after_product", "condition_abbreviation", "price_in_words"} <= tagged
    assert not tagged & {"no_tags", "location_in_text", "condition_before_product", "price_without_marker"}
    links = styles("pics {{ibb.co/x1|URL}} and {{https://imgur.com/a/x2|URL}}, ask {{/u/ann|USERNAME}}")
    assert {"url_without_scheme", "url_with_scheme", "url_other_host", "username_slash_u", "no_tags"} <= links
    assert "username_u" not in links and "url_other_host" not in styles("{{imgur.com/a/x|URL}}")
    assert styles("Bump, still available") == {"no_tags", "no_entities"}
    several = styles("{{A|PRODUCT}} {{$1|PRICE}}, {{B|PRODUCT}} {{$2|PRICE}}")
    assert "several_products_and_prices" in several and several <= set(build.STYLES_BY_NAME)
    assert "several_products_and_prices" not in styles("{{A|PRODUCT}} {{$1|PRICE}}, {{B|PRODUCT}}")


@pytest.mark.parametrize("split", SPLITS)
def test_every_writing_style_is_in_every_split(split: str) -> None:
    build = load_script(SCRIPTS / "build.py")
    counts = Counter(style for r in load(split) for style in build.post_styles(r["text"], r["entities"]))
    thin = {name: counts[name] for name, _ in build.STYLES if counts[name] < MIN_STYLE_POSTS[split]}
    assert not thin, f"styles with fewer than {MIN_STYLE_POSTS[split]} posts in {split}: {thin}"


# --- hand-written vs generated, unseen products ------------------------------------------
def generated_texts() -> set[str]:
    texts = set()
    for line in (SCRIPTS / "generated" / "train.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            texts.add(MARKUP.sub(r"\1", line[2:].strip()))
    return texts


def test_train_holds_no_generated_post_and_generated_jsonl_only_generated_ones() -> None:
    """Issue 19: the style-shift measurement moved the template posts out of train."""
    generated = generated_texts()
    assert not [r["id"] for r in load("train") if r["text"] in generated or r["source"] != "hand"]
    records = load(GENERATED)
    assert [r["text"] for r in records if r["text"] not in generated or r["source"] != "generated"] == []
    assert sorted(r["text"] for r in records) == sorted(generated), "generated.jsonl is the generator's whole output"


def test_test_split_has_enough_unseen_products() -> None:
    seen = {r["text"][s:e] for r in load("train") for s, e, lab in r["entities"] if lab == "PRODUCT"}
    mentions = [r["text"][s:e] for r in load("test") for s, e, lab in r["entities"] if lab == "PRODUCT"]
    unseen = sum(1 for m in mentions if m not in seen)
    share = unseen / len(mentions)
    assert share >= 0.30, f"only {share:.1%} of test PRODUCT mentions are unseen in train"
    assert share <= 0.70, f"{share:.1%} unseen: too few known products, task not learnable"
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert f"{unseen} of {len(mentions)}" in readme, "README unseen share is stale"


# --- reproducibility -----------------------------------------------------------------------
def run_script(name: str, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPTS / name), *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
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
    for name in (
        "train.jsonl",
        "dev.jsonl",
        "test.jsonl",
        "generated.jsonl",
        "unlabeled.txt",
        "test_shift.jsonl",
        "dev_shift.jsonl",
    ):
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


# --- the course CLI ----------------------------------------------------------------------------
@pytest.mark.parametrize("split", [*SPLITS, "dev_shift", "test_shift", GENERATED])
def test_course_cli_validates_split(split: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "course", "validate", str(POSTS / f"{split}.jsonl"), "--labels", ",".join(LABELS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the second, independent-style test set (issue 19.3) --------------------------------------
SHIFT_MIN_POSTS = 100
SHIFT_SETS = {"dev_shift": "devshift", "test_shift": "shift"}  # file -> id prefix, as in build.py
NEAR_DUPLICATE = 0.85  # difflib ratio of normalised texts at or above which two posts count as one


def near_duplicates(texts: list[str], others: list[str], threshold: float = NEAR_DUPLICATE) -> list[tuple[str, str]]:
    """RETURNS (list): (text, other) pairs whose normalised texts are equal or nearly equal."""
    from difflib import SequenceMatcher

    pairs = []
    normalised_others = [(o, normalise(o)) for o in others]
    for text in texts:
        matcher = SequenceMatcher(None, b=normalise(text), autojunk=False)  # b is the cached side
        for other, key in normalised_others:
            matcher.set_seq1(key)
            # the cheap upper bounds first: ratio() is slow
            if all(bound() >= threshold for bound in (matcher.real_quick_ratio, matcher.quick_ratio, matcher.ratio)):
                pairs.append((text, other))
    return pairs


def test_near_duplicates_catches_an_edited_copy() -> None:
    post = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] PayPal, local cash"
    assert near_duplicates([post.lower()], [post])
    assert near_duplicates([post.replace("3080", "3090")], [post])
    assert not near_duplicates(["synology ds918+ with 4x wd red 4tb drives, $350 cash"], [post])


@pytest.mark.parametrize("name", SHIFT_SETS)
def test_shift_set_exists_validates_and_is_big_enough(name: str) -> None:
    records = load(name)
    assert len(records) >= SHIFT_MIN_POSTS
    bad = {r["id"]: find_problems(r) for r in records if find_problems(r)}
    assert not bad, f"{len(bad)} bad records in {name}, e.g. {list(bad.items())[:3]}"
    prefix = SHIFT_SETS[name]
    assert [r["id"] for r in records] == [f"{prefix}-{i:04d}" for i in range(1, len(records) + 1)]
    assert {r["source"] for r in records} == {"hand"}
    assert {label for r in records for _, _, label in r["entities"]} == set(LABELS)


@pytest.mark.parametrize("name", SHIFT_SETS)
def test_shift_set_has_no_near_duplicate_of_another_split(name: str) -> None:
    shift = [r["text"] for r in load(name)]
    other_sets = [*SPLITS, GENERATED, *(n for n in SHIFT_SETS if n != name)]
    others = [r["text"] for s in other_sets for r in load(s)] + unlabeled()
    clashes = near_duplicates(shift, others)
    assert not clashes, f"{len(clashes)} near-duplicates, e.g. {clashes[:3]}"
    assert len({normalise(t) for t in shift}) == len(shift), f"{name} repeats a post"


def test_readme_shift_table_matches_files() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- shift-stats:start", 1)[1].split("<!-- shift-stats:end -->", 1)[0]
    names = list(SHIFT_SETS)
    table: dict[str, dict[str, int]] = {name: {} for name in names}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 1 + len(names) and cells[0] in LABELS:
            for name, cell in zip(names, cells[1:]):
                table[name][cells[0]] = int(cell)
    for name in names:
        counts = Counter(label for r in load(name) for _, _, label in r["entities"])
        assert table[name] == {label: counts[label] for label in LABELS}, name
        assert f"{name}: {len(load(name))} posts" in block


def test_annotator_a_is_the_agreement_sample_of_test_shift() -> None:
    annotator_a = read_jsonl(DATA / "agreement" / "annotator_a.jsonl")
    shift = load("test_shift")
    assert len(annotator_a) >= 60
    assert [r["text"] for r in annotator_a] == [r["text"] for r in shift[: len(annotator_a)]]
    assert all(not find_problems(r) for r in annotator_a)
