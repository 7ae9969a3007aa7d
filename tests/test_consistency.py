"""course/consistency.py and `python -m course consistency`: forms, verdicts, exceptions, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_support import assert_clean_exit, write_lines
from course import consistency
from course.consistency import check_files, read_exceptions
from course.errors import FormatError

ROOT = Path(__file__).resolve().parents[1]


def rec(text: str, *pieces: tuple[str, str]) -> dict:
    """A record; each (piece, label) marks the first occurrence of piece after the previous one."""
    entities, pos = [], 0
    for piece, label in pieces:
        start = text.index(piece, pos)
        entities.append([start, start + len(piece), label])
        pos = start + len(piece)
    return {"text": text, "entities": entities}


CORPUS = [
    rec("RTX 3070, used, $300", ("RTX 3070", "PRODUCT"), ("used", "CONDITION"), ("$300", "PRICE")),  # line 1
    rec("Ryzen 5 5600X used [W] PayPal", ("Ryzen 5 5600X", "PRODUCT"), ("used", "CONDITION")),  # 2
    rec("I used it for a year, RTX 3070 $250", ("RTX 3070", "PRODUCT"), ("$250", "PRICE")),  # 3: verb
    rec("used RTX 3080 for sale", ("used RTX 3080", "PRODUCT")),  # 4: condition swallowed
    rec("EVGA RTX 3070 FTW3, mint condition", ("EVGA RTX 3070 FTW3", "PRODUCT"), ("mint condition", "CONDITION")),
    rec("Pixel 7, mint condition", ("Pixel 7", "PRODUCT"), ("mint", "CONDITION")),  # 6: boundary differs
]


@pytest.fixture
def corpus(tmp_path) -> Path:
    return write_lines(tmp_path / "posts.jsonl", *CORPUS)


def by_text(report) -> dict:
    return {form.text: form for form in report.forms}


def test_each_occurrence_gets_its_verdict_and_line(corpus):
    report = check_files([corpus])
    forms = by_text(report)
    used = forms["used"]
    assert dict(used.counts) == {"CONDITION": 2, "unlabelled": 1, "inside PRODUCT": 1}
    assert used.majority == "CONDITION" and used.disagree == 2
    assert [o.line for o in used.places["unlabelled"]] == [3]
    assert [o.line for o in used.places["inside PRODUCT"]] == [4]
    assert "«used» it for" in used.places["unlabelled"][0].context
    # 'mint condition' is one CONDITION in line 5; line 6 labels only 'mint'
    assert dict(forms["mint condition"].counts) == {"CONDITION": 1, "boundary": 1}
    assert not report


def test_a_part_of_a_longer_span_of_the_same_label_is_not_counted(corpus):
    forms = by_text(check_files([corpus]))
    # 'RTX 3070' inside 'EVGA RTX 3070 FTW3' (PRODUCT) is part of a longer name, not a disagreement
    assert "RTX 3070" not in forms
    # 'mint' inside 'mint condition' (CONDITION) neither
    assert "mint" not in forms


def test_the_majority_prefers_a_label_on_a_tie(tmp_path):
    path = write_lines(tmp_path / "p.jsonl", rec("mint GPU", ("mint", "CONDITION")), rec("mint green case"))
    form = by_text(check_files([path]))["mint"]
    assert form.majority == "CONDITION" and form.disagree == 1


def test_ignore_case_merges_forms(tmp_path):
    path = write_lines(tmp_path / "p.jsonl", rec("BNIB 4090", ("BNIB", "CONDITION")), rec("bnib 4080"))
    assert check_files([path])  # consistent when case-sensitive: 'bnib' is another word
    assert dict(by_text(check_files([path], ignore_case=True))["BNIB"].counts) == {"CONDITION": 1, "unlabelled": 1}


def test_several_files_are_one_corpus_and_lines_name_their_file(tmp_path):
    a = write_lines(tmp_path / "a.jsonl", rec("Atlanta, GA pickup", ("Atlanta, GA", "LOCATION")))
    b = write_lines(tmp_path / "b.jsonl", rec("x"), rec("Atlanta, GA only", ("Atlanta", "LOCATION")))
    form = by_text(check_files([a, b]))["Atlanta, GA"]
    assert [(o.source, o.line) for o in form.places["boundary"]] == [(str(b), 2)]


def test_an_exception_excuses_only_the_place_it_names(tmp_path, corpus):
    allow = tmp_path / "allow.txt"
    allow.write_text("# reviewed\nused | I used it | a verb here, not the state of the item\n", encoding="utf-8")
    report = check_files([corpus], exceptions=read_exceptions(str(allow)))
    used = by_text(report)["used"]
    assert dict(used.counts) == {"CONDITION": 2, "inside PRODUCT": 1}  # the swallowed one is still reported
    assert [o.line for o in used.excused] == [3] and report.n_excused == 1
    assert not report.notes


def test_an_exception_that_excuses_nothing_is_reported(tmp_path, corpus):
    allow = tmp_path / "allow.txt"
    allow.write_text("mint | mint green | a colour, not a condition of the item\n", encoding="utf-8")
    report = check_files([corpus], exceptions=read_exceptions(str(allow)))
    assert [p.code for p in report.notes] == ["N245"] and report.notes[0].line == 1


@pytest.mark.parametrize(
    "line, why",
    [
        ("used | I used it", "three parts"),
        ("used | I bought it | a verb not a state", "does not contain the form"),
        ("used | I used it | verb", "a few words"),
    ],
)
def test_a_malformed_exception_names_its_line(tmp_path, line, why):
    allow = tmp_path / "allow.txt"
    allow.write_text(f"# header\n{line}\n", encoding="utf-8")
    with pytest.raises(FormatError) as err:
        read_exceptions(str(allow))
    assert err.value.code == "N244" and f"{allow}:2" in str(err.value) and why in str(err.value)


def test_cli_exit_codes_and_coded_lines(cli, tmp_path, corpus):
    result = cli(["consistency", corpus], tmp_path)
    assert_clean_exit(result, 1)
    assert result.stdout.splitlines()[0].startswith("N240 ")
    assert f"{corpus}:3: unlabelled" in result.stdout
    assert "surface form(s) labelled in more than one way" in result.stderr
    clean = write_lines(tmp_path / "clean.jsonl", CORPUS[0], CORPUS[1])
    result = cli(["consistency", clean], tmp_path)
    assert_clean_exit(result, 0)
    assert "labelled consistently" in result.stderr


def test_cli_json(cli, tmp_path, corpus):
    result = cli(["consistency", corpus, "--json", "--max-occurrences", "1"], tmp_path)
    assert_clean_exit(result, 1)
    data = json.loads(result.stdout)
    used = next(f for f in data["forms"] if f["form"] == "used")
    assert used["counts"] == {"CONDITION": 2, "inside PRODUCT": 1, "unlabelled": 1}
    assert len([o for o in used["occurrences"] if o["verdict"] == "CONDITION"]) == 1  # capped, still counted


@pytest.mark.parametrize(
    "row, code",
    [
        ('{"text": "RTX 3080", "entities": [[0, 8, "PRODUCT"]', "N203"),  # broken JSON
        ('["not", "an", "object"]', "N242"),
        ({"text": "RTX 3080", "entities": [[0, "8", "PRODUCT"]]}, "N242"),
        ({"text": "RTX 3080", "entities": [[0, 7, "PRODUCT"]]}, "N243"),  # cuts '3080'
        ({"text": "RTX 3080", "entities": [[0, 80, "PRODUCT"]]}, "N243"),  # outside the text
    ],
)
def test_bad_input_names_file_and_line_and_exits_2(cli, tmp_path, row, code):
    path = write_lines(tmp_path / "bad.jsonl", CORPUS[0], row)
    result = cli(["consistency", path], tmp_path)
    assert_clean_exit(result, 2)
    assert f"{path}:2: {code} " in result.stderr and " — " in result.stderr
    assert not result.stdout  # no partial report


def test_missing_file_and_bad_exceptions_exit_2(cli, tmp_path, corpus):
    result = cli(["consistency", corpus, tmp_path / "nope.jsonl"], tmp_path)
    assert_clean_exit(result, 2)
    assert "N201" in result.stderr
    allow = tmp_path / "allow.txt"
    allow.write_text("used\n", encoding="utf-8")
    result = cli(["consistency", corpus, "--exceptions", allow], tmp_path)
    assert_clean_exit(result, 2)
    assert f"{allow}:1: N244" in result.stderr


def test_a_huge_line_is_skipped_unread(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(consistency, "MAX_LINE_BYTES", 200)
    path = write_lines(tmp_path / "big.jsonl", CORPUS[0], {"text": "x " * 500, "entities": []}, CORPUS[1])
    problems: list = []
    assert [n for n, _ in consistency._records(str(path), problems)] == [1, 3]  # reading goes on after it
    assert [(p.code, p.line) for p in problems] == [("N241", 2)]
    assert_clean_exit(cli(["consistency", path], tmp_path), 2)


def test_the_number_of_forms_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(consistency, "MAX_FORMS", 1)
    path = write_lines(tmp_path / "p.jsonl", *CORPUS)
    report = check_files([path])
    assert report.n_forms == 1 and [p.code for p in report.notes] == ["N246"]


def test_the_course_data_is_consistent_with_its_reviewed_exceptions():
    splits = [
        ROOT / "data" / "hardware_posts" / f"{s}.jsonl" for s in ("train", "dev", "test", "dev_shift", "test_shift")
    ]
    allow = str(ROOT / "data" / "consistency_exceptions.txt")
    report = check_files(splits, ignore_case=True, exceptions=read_exceptions(allow, ignore_case=True))
    assert not report.forms, "\n".join(report.lines(5))
    assert not report.notes, [p.format() for p in report.notes]  # no stale exception either


@pytest.mark.slow
def test_consistency_and_agreement_start_without_torch(tmp_path):
    from test_module_homes import loaded_after

    post = write_lines(tmp_path / "one.jsonl", CORPUS[0])
    loaded = loaded_after(
        "from course.cli.light import start_light\n"
        f"assert start_light(['consistency', {str(post)!r}])\n"
        "from course.cli import main\n"
        f"assert main(['consistency', {str(post)!r}]) == 0\n"
        f"assert main(['agreement', {str(post)!r}, {str(post)!r}]) == 0"
    )
    assert "course.consistency" in loaded and "course.agreement" in loaded and "course.tokenizer" in loaded
    assert {"torch", "spacy_transformers", "transformers", "pandas"}.isdisjoint(loaded)
