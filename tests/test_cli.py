"""`python -m course`: one line per problem, exit 0/1/2, never a traceback, never half a file.

A `python -m course` process costs several seconds here (importing spaCy imports
thinc and torch), so most scenarios
call `course.cli.main` in-process with captured output and a temporary working
directory - the same code path minus the interpreter start. A handful of real
subprocesses, started together by one module fixture, check the end-to-end
contract: exit codes through `sys.exit`, output on the right stream, no traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cli_support import ENV, Result, assert_clean_exit, run_python, write_lines
from course.annotations import to_docs, validate
from course.formats import FORMATS, dump, load

ROOT = Path(__file__).resolve().parents[1]

SELL = "Selling RTX 3080 FTW3 Ultra, $450 shipped from 94110"
POST = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra [W] $450 shipped"
VALID = {"text": POST, "entities": [[1, 7, "LOCATION"], [13, 37, "PRODUCT"], [42, 46, "PRICE"]]}
RECORDS = [
    VALID,
    {"text": SELL, "entities": [[8, 21, "PRODUCT"], [29, 33, "PRICE"], [47, 52, "ZIP"]]},
    {"text": "Anyone selling a cheap PSU?", "entities": []},
]
EXTENSION = {
    "jsonl": "jsonl",
    "prodigy": "jsonl",
    "doccano": "jsonl",
    "labelstudio": "json",
    "conll": "conll",
    "spacy": "spacy",
}


def sell(*entities) -> dict:
    return {"text": SELL, "entities": [list(e) for e in entities]}


def run(args, cwd) -> Result:
    """A real `python -m course ARGS` process."""
    return run_python(["-m", "course", *args], cwd)


def run_all(jobs: dict[str, tuple[list, Path]]) -> dict[str, Result]:
    """Start independent processes together: their cost is mostly importing spaCy."""
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(run, args, cwd) for name, (args, cwd) in jobs.items()}
    return {name: future.result() for name, future in futures.items()}


# --- one defect per file: exactly one line, FILE:LINE: CODE -----------------------------------

# code -> (line 2 of the file, extra arguments, text the line must show); line 1 is VALID
DEFECTS = {
    "N100": ('["Selling RTX 3080", []]', [], "record is a list, not a JSON object"),
    "N101": (
        sell((8, 15, "PRODUCT")),
        [],
        "span [8, 15) 'RTX 308' (PRODUCT) does not align with token boundaries "
        "— nearest aligned span: [8, 16) 'RTX 3080'",
    ),
    "N102": (sell((7, 16, "PRODUCT")), [], "has leading whitespace inside it — strip it to [8, 16) 'RTX 3080'"),
    "N103": (
        sell((8, 16, "PRODUCT"), (8, 21, "PRODUCT")),
        [],
        "spans overlap: [8, 16) 'RTX 3080' (PRODUCT) and [8, 21) 'RTX 3080 FTW3' (PRODUCT)",
    ),
    "N104": (sell((29, 33, "PRICE"), (29, 33, "PRICE")), [], "span [29, 33) '$450' (PRICE) is listed twice"),
    "N105": (sell((47, 60, "ZIP")), [], "span [47, 60) (ZIP) is outside the text, which has 52 characters"),
    "N106": (sell((16, 8, "PRODUCT")), [], "span [16, 8) (PRODUCT) is empty or reversed"),
    "N107": (
        sell((8, 16, "GPU")),
        ["--labels", "LOCATION, PRODUCT,PRICE"],
        "unknown label 'GPU' on span [8, 16) 'RTX 3080' — allowed labels: LOCATION, PRICE, PRODUCT",
    ),
    "N108": (sell((29, 33, "price")), [], "label 'price' on span [29, 33) '$450' differs only in case from 'PRICE'"),
    "N109": ({"text": SELL}, [], "record has no 'entities' key"),
    "N110": ({"text": SELL, "entities": [[8.0, 16, "PRODUCT"]]}, [], 'entity #0 must be [start, end, "LABEL"]'),
    "N111": ({"text": "", "entities": []}, [], "text is empty"),
    "N113": (
        {"text": "Selling (RTX 3080 FTW3 Ultra", "entities": [[8, 17, "PRODUCT"]]},
        [],
        "span [8, 17) '(RTX 3080' (PRODUCT) starts with the punctuation token '('",
    ),
    "N130": (sell((8, 16, "GPU MODEL")), [], "label 'GPU MODEL' contains whitespace ' '"),
    "N131": ('{"text": "RTX \\ud83d 3080", "entities": []}', [], "unpaired surrogate '\\ud83d' at character 4"),
    "N112": (sell((16, 17, "PRODUCT")), [], "span [16, 17) (PRODUCT) covers only whitespace"),
    "N203": ('{"text": "WTB 3090", "entities": [}', [], "line is not valid JSON"),
}


def check_one_defect(result: Result, code: str) -> None:
    assert_clean_exit(result, 1)
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"{code}.jsonl:2: {code} "), line
    assert DEFECTS[code][2] in line
    assert f"{code}.jsonl: 2 record(s), ✗ 1 problem(s)" in result.stderr


@pytest.mark.parametrize("code", sorted(DEFECTS))
def test_validate_prints_one_line_for_one_defect(cli, tmp_path, code):
    line2, extra, _ = DEFECTS[code]
    write_lines(tmp_path / f"{code}.jsonl", VALID, line2)
    check_one_defect(cli(["validate", f"{code}.jsonl", *extra], tmp_path), code)


# --- real processes, started together ---------------------------------------------------------


@pytest.fixture(scope="module")
def processes(tmp_path_factory):
    d = tmp_path_factory.mktemp("processes")
    write_lines(d / "valid.jsonl", *RECORDS)
    write_lines(d / "N101.jsonl", VALID, DEFECTS["N101"][0])
    return d, run_all(
        {
            "valid": (["validate", "valid.jsonl"], d),
            "N101": (["validate", "N101.jsonl"], d),
            "missing": (["convert", "nope.jsonl", "out.spacy"], d),
        }
    )


@pytest.mark.slow
def test_process_valid_file_exits_0(processes):
    _, r = processes
    assert_clean_exit(r["valid"], 0)
    assert r["valid"].stdout == "" and "valid.jsonl: 3 record(s), ✓ no problems" in r["valid"].stderr


@pytest.mark.slow
def test_process_problem_exits_1_with_the_line_on_stdout(processes):
    _, r = processes
    check_one_defect(r["N101"], "N101")


@pytest.mark.slow
def test_process_unusable_input_exits_2_without_traceback(processes):
    d, r = processes
    assert_clean_exit(r["missing"], 2)
    assert r["missing"].stdout == ""
    assert r["missing"].stderr.startswith("error: N201 file not found: nope.jsonl — check the path")
    assert not (d / "out.spacy").exists()


# --- validate ---------------------------------------------------------------------------------


def test_valid_file_exits_0_and_prints_no_problem(cli, tmp_path):
    write_lines(tmp_path / "valid.jsonl", *RECORDS)
    result = cli(["validate", "valid.jsonl", "--labels", "PRODUCT,PRICE,ZIP,LOCATION"], tmp_path)
    assert_clean_exit(result, 0)
    assert result.stdout == "" and "valid.jsonl: 3 record(s), ✓ no problems" in result.stderr


def test_whitespace_only_text_without_entities_is_a_warning_and_converts(cli, tmp_path):
    write_lines(tmp_path / "blank.jsonl", VALID, {"text": " ", "entities": []})
    result = cli(["convert", "blank.jsonl", "out.spacy"], tmp_path)
    assert_clean_exit(result, 0)
    assert "blank.jsonl:2: warning N135 text is only whitespace" in result.stderr
    assert "wrote 2 record(s) to out.spacy (spacy)" in result.stderr


def test_validate_reads_other_formats(cli, tmp_path, nlp):
    dump(RECORDS, tmp_path / "posts.conll", "conll", nlp)
    assert_clean_exit(cli(["validate", "posts.conll"], tmp_path), 0)
    (tmp_path / "bad.conll").write_text("EVGA\tB-PRODUCT\n450\tI-PRICE\n", encoding="utf-8")
    result = cli(["validate", "bad.conll", "--scheme", "iob2"], tmp_path)
    assert_clean_exit(result, 1)  # one bad sentence is a problem with its line; the rest is read
    assert result.stdout.startswith("bad.conll:2: N209 'I-PRICE' continues an entity")
    result = cli(["validate", "bad.conll"], tmp_path)  # I- after another label starts an entity in IOB1
    assert_clean_exit(result, 0)
    assert "read as CoNLL with IOB1 tags" in result.stderr


def test_validate_lists_every_problem_in_line_order(cli, tmp_path):
    write_lines(tmp_path / "posts.jsonl", sell((8, 15, "PRODUCT"), (47, 60, "ZIP")), VALID, "{oops", {"text": SELL})
    result = cli(["validate", "posts.jsonl"], tmp_path)
    assert_clean_exit(result, 1)
    assert [line.split(" ")[0:2] for line in result.stdout.splitlines()] == [
        ["posts.jsonl:1:", "N101"],
        ["posts.jsonl:1:", "N105"],
        ["posts.jsonl:3:", "N203"],
        ["posts.jsonl:4:", "N109"],
    ]
    assert "posts.jsonl: 4 record(s), ✗ 4 problem(s)" in result.stderr


def test_fix_writes_a_fixed_copy_and_reports_each_change(cli, tmp_path):
    write_lines(
        tmp_path / "fixable.jsonl",
        VALID,
        sell((7, 15, "PRODUCT"), (8, 16, "PRODUCT"), (29, 33, "PRICE"), (29, 33, "PRICE"), (47, 52, "zip")),
        sell((47, 52, "ZIP")),
    )
    original = (tmp_path / "fixable.jsonl").read_bytes()
    result = cli(["validate", "fixable.jsonl", "--fix", "fixed.jsonl"], tmp_path)
    assert_clean_exit(result, 0)
    out = result.stdout.splitlines()
    problems = [line for line in out if " fixed " not in line]
    assert [line.split(" ")[1] for line in problems] == ["N102", "N101", "N108", "N103", "N104"]
    assert all(line.startswith("fixable.jsonl:2: ") for line in problems)
    assert [line for line in out if " fixed " in line] == [
        "fixable.jsonl:2: fixed N102: [7, 15) ' RTX 308' PRODUCT → [8, 15) 'RTX 308' PRODUCT",
        "fixable.jsonl:2: fixed N101: [8, 15) 'RTX 308' PRODUCT → [8, 16) 'RTX 3080' PRODUCT",
        "fixable.jsonl:2: fixed N104: [29, 33) '$450' PRICE → removed",
        "fixable.jsonl:2: fixed N108: [47, 52) '94110' zip → [47, 52) '94110' ZIP",
        "fixable.jsonl:2: fixed N104: [8, 16) 'RTX 3080' PRODUCT → removed",
    ]
    assert "wrote 3 record(s) to fixed.jsonl: 5 change(s), 0 problem(s) still need a decision" in result.stderr
    assert load(tmp_path / "fixed.jsonl").records == [
        VALID,
        sell((8, 16, "PRODUCT"), (29, 33, "PRICE"), (47, 52, "ZIP")),
        sell((47, 52, "ZIP")),
    ]
    assert (tmp_path / "fixable.jsonl").read_bytes() == original
    again = cli(["validate", "fixed.jsonl"], tmp_path)
    assert_clean_exit(again, 0)
    assert again.stdout == ""


def test_fix_applies_the_label_set(cli, tmp_path):
    write_lines(tmp_path / "posts.jsonl", sell((8, 16, "Product")))
    result = cli(["validate", "posts.jsonl", "--labels", "PRODUCT", "--fix", "fixed.jsonl"], tmp_path)
    assert_clean_exit(result, 0)
    assert "posts.jsonl:1: fixed N108: [8, 16) 'RTX 3080' Product → [8, 16) 'RTX 3080' PRODUCT" in result.stdout
    assert load(tmp_path / "fixed.jsonl").records == [sell((8, 16, "PRODUCT"))]


def test_fix_with_unfixable_problems_still_writes_and_exits_1(cli, tmp_path, nlp):
    write_lines(tmp_path / "mixed.jsonl", sell((8, 15, "PRODUCT"), (8, 21, "PRODUCT")), sell((47, 52, "ZIP")))
    result = cli(["validate", "mixed.jsonl", "--fix", "mixed_fixed.jsonl"], tmp_path)
    assert_clean_exit(result, 1)
    assert "mixed.jsonl:1: fixed N101: [8, 15) 'RTX 308' PRODUCT → [8, 16) 'RTX 3080' PRODUCT" in result.stdout
    assert "1 change(s), 1 problem(s) still need a decision" in result.stderr
    fixed = load(tmp_path / "mixed_fixed.jsonl").records
    assert fixed == [sell((8, 16, "PRODUCT"), (8, 21, "PRODUCT")), sell((47, 52, "ZIP"))]
    assert [(p.line, p.code) for p in validate(fixed, nlp).problems] == [(1, "N103")]


def test_fix_refuses_when_a_line_is_not_json(cli, tmp_path):
    write_lines(tmp_path / "notjson.jsonl", sell((8, 15, "PRODUCT")), "{oops")
    (tmp_path / "fixed.jsonl").write_text("previous\n")
    result = cli(["validate", "notjson.jsonl", "--fix", "fixed.jsonl"], tmp_path)
    assert_clean_exit(result, 1)
    first, second = result.stdout.splitlines()
    assert first.startswith("notjson.jsonl:1: N101 span [8, 15) 'RTX 308'")
    assert second.startswith("notjson.jsonl:2: N203 line is not valid JSON")
    assert "nothing written to fixed.jsonl: fix the unreadable line(s) first" in result.stderr
    assert (tmp_path / "fixed.jsonl").read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fixed.jsonl", "notjson.jsonl"]


def test_fix_into_a_missing_folder_exits_2_with_e210(cli, tmp_path):
    write_lines(tmp_path / "posts.jsonl", sell((8, 15, "PRODUCT")))
    result = cli(["validate", "posts.jsonl", "--fix", "missing/fixed.jsonl"], tmp_path)
    assert_clean_exit(result, 2)
    assert "error: N210 cannot write missing/fixed.jsonl" in result.stderr


def test_missing_file_exits_2_with_e201(cli, tmp_path):
    for command in ("validate", "stats"):
        result = cli([command, "nope.jsonl"], tmp_path)
        assert_clean_exit(result, 2)
        assert result.stderr.startswith("error: N201 file not found: nope.jsonl — check the path")
        assert result.stdout == ""


def test_non_utf8_file_exits_2_with_e202(cli, tmp_path):
    (tmp_path / "posts.jsonl").write_bytes('{"text": "für 250 €", "entities": []}\n'.encode("cp1252"))
    result = cli(["validate", "posts.jsonl"], tmp_path)
    assert_clean_exit(result, 2)
    assert "N202 cannot read posts.jsonl: not UTF-8 text" in result.stderr


@pytest.mark.parametrize(
    "args, shown",
    [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate", "valid.jsonl"], "invalid choice: 'frobnicate'"),
        (["validate"], "the following arguments are required: file"),
        (["convert", "valid.jsonl", "out.spacy", "--from", "brat"], "invalid choice: 'brat'"),
        (["validate", "valid.jsonl", "--format", "csv"], "invalid choice: 'csv'"),
        (["convert", "valid.jsonl"], "the following arguments are required: output"),
    ],
)
def test_bad_usage_exits_2_with_usage(cli, tmp_path, args, shown):
    result = cli(args, tmp_path)
    assert_clean_exit(result, 2)
    assert "usage: python -m course" in result.stderr and shown in result.stderr
    assert result.stdout == "" and list(tmp_path.iterdir()) == []


def test_unknown_extension_exits_2_with_e205(cli, tmp_path):
    (tmp_path / "posts.txt").write_text(json.dumps(VALID) + "\n", encoding="utf-8")
    result = cli(["validate", "posts.txt"], tmp_path)
    assert_clean_exit(result, 2)
    assert "N205 cannot tell the format of 'posts.txt'" in result.stderr
    assert_clean_exit(cli(["validate", "posts.txt", "--format", "jsonl"], tmp_path), 0)


# --- convert ----------------------------------------------------------------------------------


def test_convert_invalid_input_exits_1_and_writes_nothing(cli, tmp_path):
    write_lines(tmp_path / "invalid.jsonl", VALID, sell((8, 15, "PRODUCT")))
    (tmp_path / "old.spacy").write_bytes(b"previous content")
    result = cli(["convert", "invalid.jsonl", "invalid.spacy"], tmp_path)
    assert_clean_exit(result, 1)
    (line,) = result.stdout.splitlines()
    assert line.startswith("invalid.jsonl:2: N101 span [8, 15) 'RTX 308'")
    assert "nothing written to invalid.spacy: 1 problem(s)" in result.stderr
    assert not (tmp_path / "invalid.spacy").exists()
    assert_clean_exit(cli(["convert", "invalid.jsonl", "old.spacy"], tmp_path), 1)
    assert (tmp_path / "old.spacy").read_bytes() == b"previous content"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["invalid.jsonl", "old.spacy"]


def test_convert_reports_skipped_prodigy_answers(cli, tmp_path):
    write_lines(
        tmp_path / "db.jsonl",
        {"text": SELL, "spans": [{"start": 8, "end": 16, "label": "PRODUCT"}]},
        {"text": POST, "spans": [], "answer": "reject"},
    )
    result = cli(["convert", "db.jsonl", "out.jsonl", "--to", "jsonl"], tmp_path)
    assert_clean_exit(result, 0)
    assert "db.jsonl:2: skipped (prodigy answer is 'reject')" in result.stderr
    assert load(tmp_path / "out.jsonl").records == [sell((8, 16, "PRODUCT"))]


def test_convert_into_a_missing_folder_exits_2_with_e210(cli, tmp_path):
    write_lines(tmp_path / "valid.jsonl", *RECORDS)
    result = cli(["convert", "valid.jsonl", "no/such/dir/out.spacy"], tmp_path)
    assert_clean_exit(result, 2)
    assert "error: N210 cannot write no/such/dir/out.spacy" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["valid.jsonl"]


def test_convert_corrupt_docbin_exits_2_with_e211(cli, tmp_path):
    (tmp_path / "train.spacy").write_bytes(b"not a docbin")
    result = cli(["convert", "train.spacy", "out.jsonl"], tmp_path)
    assert_clean_exit(result, 2)
    assert "N211 train.spacy is not a spaCy DocBin file" in result.stderr
    assert not (tmp_path / "out.jsonl").exists()


def test_convert_guesses_formats_from_names(cli, tmp_path, nlp):
    write_lines(tmp_path / "valid.jsonl", *RECORDS)
    result = cli(["convert", "valid.jsonl", "posts.spacy"], tmp_path)
    assert_clean_exit(result, 0)
    assert "wrote 3 record(s) to posts.spacy (spacy)" in result.stderr
    assert load(tmp_path / "posts.spacy", nlp=nlp).records == RECORDS


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    import spacy

    folder = tmp_path_factory.mktemp("sources")
    nlp = spacy.blank("en")
    return {fmt: dump(RECORDS, folder / f"posts-{fmt}.{EXTENSION[fmt]}", fmt, nlp) for fmt in FORMATS}


def entity_tokens(nlp, records):
    return [[(tuple(t.text for t in e), e.label_) for e in doc.ents] for doc in to_docs(nlp, records)]


@pytest.mark.parametrize("src", FORMATS)
@pytest.mark.parametrize("dst", FORMATS)
def test_convert_every_pair_of_formats(cli, sources, tmp_path, nlp, src, dst):
    result = cli(["convert", sources[src], f"out.{EXTENSION[dst]}", "--from", src, "--to", dst], tmp_path)
    assert_clean_exit(result, 0)
    assert result.stdout == "" and f"wrote 3 record(s) to out.{EXTENSION[dst]} ({dst})" in result.stderr
    back = load(tmp_path / f"out.{EXTENSION[dst]}", dst, nlp).records
    if "conll" in (src, dst):  # CoNLL keeps tokens and tags, not the spacing
        assert entity_tokens(nlp, back) == entity_tokens(nlp, RECORDS)
    else:
        assert back == RECORDS


# --- stats ------------------------------------------------------------------------------------


def test_stats_counts_docs_tokens_entities_and_labels(cli, tmp_path, nlp):
    write_lines(tmp_path / "valid.jsonl", *RECORDS)
    result = cli(["stats", "valid.jsonl"], tmp_path)
    assert_clean_exit(result, 0)
    header, *body = result.stdout.splitlines()
    assert header.strip() == "valid.jsonl"
    rows = {k.strip(): v for k, v in (line.rsplit(None, 1) for line in body)}
    n_tokens = sum(len(nlp.make_doc(rec["text"])) for rec in RECORDS)
    assert rows == {
        "docs": "3",
        "tokens": str(n_tokens),
        "entities": "6",
        "entities/doc": "2.00",
        "docs without entities": "1",
        "PRICE": "2",
        "PRODUCT": "2",
        "LOCATION": "1",
        "ZIP": "1",
    }
    labels = [line.split()[0] for line in body if line.startswith("  ")]
    assert labels == ["PRICE", "PRODUCT", "LOCATION", "ZIP"], "most frequent first, then by name"
    assert result.stderr == ""


def test_stats_on_broken_records_reports_instead_of_crashing(cli, tmp_path):
    """Regression: `"entities": 5` used to end in N999 (a TypeError inside stats)."""
    write_lines(tmp_path / "broken.jsonl", {"text": SELL, "entities": 5}, VALID, "{oops")
    result = cli(["stats", "broken.jsonl"], tmp_path)
    assert_clean_exit(result, 1)
    assert "✗ 2 problem(s): run `python -m course validate broken.jsonl`" in result.stderr
    rows = {k.strip(): v for k, v in (line.rsplit(None, 1) for line in result.stdout.splitlines()[1:])}
    assert (rows["docs"], rows["entities"], rows["docs without entities"]) == ("2", "3", "1")


# --- the command set: every command always there, a broken module never hidden ----------------


def test_help_lists_every_command(cli, tmp_path):
    result = cli(["--help"], tmp_path)
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines() if re.match(r"    \S", line)]
    assert listed == [
        "validate",
        "convert",
        "stats",
        "consistency",
        "agreement",
        "train",
        "evaluate",
        "listings",
        "class-report",
    ]


@pytest.mark.parametrize("module", ["course.train", "course.evaluate"])
def test_a_module_that_cannot_be_imported_fails_loudly(cli, tmp_path, monkeypatch, module):
    """Regression: an ImportError in course/train.py used to make `train` vanish from the CLI."""
    import sys

    monkeypatch.setitem(sys.modules, module, None)  # `import course.train` now raises ImportError
    write_lines(tmp_path / "valid.jsonl", *RECORDS)
    command = {
        "course.train": ["train", "--train", "valid.jsonl", "--dev", "valid.jsonl", "--output", "out"],
        "course.evaluate": ["evaluate", "model", "valid.jsonl"],
    }[module]
    result = cli(command, tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("error: N999 unexpected ModuleNotFoundError: import of " + module)
    assert not (tmp_path / "out").exists()


# --- Ctrl-C (issue 14.9) ----------------------------------------------------------------------


class _Interrupting:
    """A stand-in for course.cli whose import is interrupted by Ctrl-C, as while spaCy loads."""

    def __getattr__(self, name):
        raise KeyboardInterrupt


def test_ctrl_c_during_start_up_is_one_line_and_exit_130(monkeypatch, capsys):
    import runpy
    import sys

    monkeypatch.setitem(sys.modules, "course.cli", _Interrupting())
    with pytest.raises(SystemExit) as stop:
        runpy.run_module("course", run_name="__main__")
    err = capsys.readouterr().err
    assert stop.value.code == 130
    assert err.splitlines() == [err.strip()] and err.startswith("error: N480 interrupted")


def test_ctrl_c_while_a_command_runs_is_one_coded_line(cli, tmp_path, monkeypatch):
    from course.cli import data

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(data, "cmd_stats", interrupted)
    write_lines(tmp_path / "a.jsonl", {"text": "RTX", "entities": []})
    result = cli(["stats", "a.jsonl"], tmp_path)
    assert_clean_exit(result, 130)
    assert result.stderr.startswith("error: N480 interrupted") and len(result.stderr.splitlines()) == 1


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """`python -m course listings ... --json | head -1` must not print N999 when head stops reading."""
    posts = tmp_path / "many.jsonl"
    record = {"text": "Selling RTX 3080 $450 and RX 6800 $300", "entities": [[8, 16, "PRODUCT"], [17, 21, "PRICE"]]}
    posts.write_text((json.dumps(record) + "\n") * 5000, encoding="utf-8")
    command = [sys.executable, "-m", "course", "listings", "--from-annotations", str(posts), "--json"]
    env = {**ENV, "PYTHONPATH": str(ROOT)}
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # what `head -1` does after one line
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert json.loads(first)["listings"][0]["product"] == "RTX 3080"
    assert "N999" not in err and "Traceback" not in err, err
    assert code == 141
