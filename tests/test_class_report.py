"""course/class_report.py and `python -m course class-report`: the shipped samples give the
hand-computed figures below, every kind of bad file is left out with its own code, the inputs
are never changed, and nothing the course did not write is ever overwritten."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course import __version__, class_report, class_report_out
from course.quiz_progress import Progress, ProgressError

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples" / "progress"


def fingerprint(folder: Path) -> dict[str, tuple[str, int, float]]:
    """RETURNS (dict): relative path → (sha256, size, mtime) of every file under `folder`."""
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            p.stat().st_size,
            p.stat().st_mtime,
        )
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def items_in_course() -> int:
    course = class_report.catalogue()
    return sum(course.items(nb) for nb in course.notebooks)


# --- the shipped samples, figures computed by hand from data/scripts/sample_progress.py ----------


@pytest.fixture(scope="module")
def report():
    return class_report.build(SAMPLES, label="progress")


def test_samples_are_what_the_script_writes_with_the_real_api():
    done = subprocess.run(
        [sys.executable, str(REPO / "data" / "scripts" / "sample_progress.py"), "--check"],
        capture_output=True,
        encoding="utf-8",
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def test_sample_learners_rows_by_hand(report):
    rows = {r["learner"]: r for r in report.learners.to_dict("records")}
    assert list(report.learners["learner"]) == [
        "Ada Lovelace",
        "Ben Okafor",
        "Chloé Martin",
        "dmitri.k",
        "emma.w",
        "farid.s",
    ]
    # 00_welcome has 4 questions and no exercise; 01_what_is_ner 7 questions and 6 exercises (13 items)
    expected = {
        #               00     01    correct first attempts hints ex_passed ex_attempts solved
        "Ada Lovelace": (100.0, 100.0, 11, 10, 12, 0, 6, 8, 17),
        "Ben Okafor": (100.0, 46.2, 8, 3, 14, 1, 2, 5, 10),  # 01: 4 questions + 01.1, 01.3 = 6/13
        "Chloé Martin": (100.0, 0.0, 4, 4, 4, 0, 0, 0, 4),
        "dmitri.k": (25.0, 0.0, 1, 1, 2, 2, 0, 0, 1),  # 00-offline tried once, wrong: not solved
        "emma.w": (100.0, 100.0, 11, 11, 11, 0, 6, 6, 17),
        "farid.s": (100.0, 7.7, 4, 3, 5, 0, 1, 1, 5),  # 01: only 01.1 = 1/13
    }
    for name, (s00, s01, correct, first, attempts, hints, passed, ex_attempts, solved) in expected.items():
        row = rows[name]
        assert (row["score_00_welcome"], row["score_01_what_is_ner"]) == (s00, s01), name
        assert [row[c] for c in class_report.COUNTS] == [correct, first, attempts, hints, passed, ex_attempts], name
        assert row["score_total"] == round(100 * solved / items_in_course(), 1), name
        assert row["score_02_annotation_and_validation"] == 0.0
    assert rows["farid.s"]["file"] == "farid/.course_progress.json"  # a hidden JSON file in a learner's folder


def test_sample_question_difficulty_by_hand(report):
    q = report.questions.set_index("question")
    assert list(q.index[:4]) == ["00-blank-cells", "00-offline", "00-what-ner-does", "00-how-the-course-works"]
    assert len(q) == 11  # every question of 00 and 01 was tried by someone; no other question
    assert q.loc["00-blank-cells", ["learners", "first_try", "hints", "most_wrong_learners"]].tolist() == [
        6,
        0.833,
        0.0,
        1,
    ]
    assert q.loc["00-blank-cells", "most_wrong"].startswith("C. Press Show solution")
    # 00-offline: Ada, Chloé, emma, farid right at once; Ben (A, B) and dmitri (A) wrong; both pressed Hint
    assert q.loc["00-offline", ["learners", "first_try", "hints", "most_wrong_learners"]].tolist() == [
        6,
        0.667,
        0.333,
        2,
    ]
    assert q.loc["00-offline", "most_wrong"].startswith("A. Loading en_core_web_sm")
    assert q.loc["00-what-ner-does", ["learners", "first_try", "most_wrong"]].tolist() == [5, 1.0, ""]
    # select-all: Ben chose A+B, farid A+B+C+D, one learner each: the tie goes to the earlier choice
    assert q.loc["00-how-the-course-works", ["learners", "first_try", "most_wrong_learners"]].tolist() == [5, 0.6, 1]
    assert (
        q.loc["00-how-the-course-works", "most_wrong"].startswith("A. ")
        and " + B. " in q.loc["00-how-the-course-works", "most_wrong"]
    )
    assert q.loc["01-ner-definition", ["learners", "first_try"]].tolist() == [3, 0.667]
    assert q.loc["01-misconceptions", ["learners", "first_try", "most_wrong_learners"]].tolist() == [2, 0.5, 1]


def test_sample_problems_name_the_files(report):
    assert report.files_read == 8
    lines = report.lines()
    assert len(lines) == 2
    assert lines[0].startswith("progress/ada_second_laptop.json: N612 holds learner 'ada lovelace' again")
    assert "first read from ada.json" in lines[0]
    assert lines[1].startswith(f"progress/gus.json: N611 comes from course version 0.0.9; this course is {__version__}")


def test_csv_and_html_on_the_samples(cli, tmp_path):
    before = fingerprint(SAMPLES)
    result = cli(["class-report", SAMPLES, "--out", tmp_path / "out"], tmp_path)
    assert result.returncode == 1, result.stderr  # two files were left out
    assert "N612" in result.stderr and "N611" in result.stderr
    assert "6 learner(s), 11 question(s) tried, 2 of 8 file(s) left out" in result.stderr
    assert fingerprint(SAMPLES) == before  # the input files are never changed
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "class.csv").read_text(encoding="utf-8"))))
    assert [r["learner"] for r in rows][:2] == ["Ada Lovelace", "Ben Okafor"]
    assert rows[1]["score_01_what_is_ner"] == "46.2" and rows[1]["hints_used"] == "1"
    page = (tmp_path / "out" / "class.html").read_text(encoding="utf-8")
    assert '<table id="learners">' in page and '<svg id="difficulty-plot"' in page
    assert page.count('<rect class="bar"') == 11
    assert "Ben Okafor" in page and "N612" in page
    # self-contained: no script, stylesheet, image or font fetched from anywhere
    assert not re.search(r"<(script|link|img|iframe)\b|url\(|https?://(?!www\.w3\.org/2000/svg)", page)


# --- each bad input ------------------------------------------------------------------------


def write_progress(path: Path, learner: str | None = "x", version: str | None = None, **answers: bool) -> None:
    """A progress file written through the API; `answers`: question id → right on the first try."""
    path.parent.mkdir(parents=True, exist_ok=True)
    store = Progress(path, course_version=version)
    if learner:
        store.set_learner(learner)
    for qid, right in answers.items():
        store.record("00_welcome", qid.replace("_", "-"), right, choice=None if right else "A")
    store.save()


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "uploads"
    write_progress(d / "good.json", "good", **{"00_offline": True})
    return d


BAD = {
    "broken.json": ('{"format": "ner-course-progress", "results": {', "N606", "broken JSON"),
    "structure.json": (
        '{"results": {"00_welcome": {"00-offline": {"attempts": "two"}}}}',
        "N606",
        "unexpected structure",
    ),
    "notes.txt": ("bring snacks on Friday", "N607", "not JSON"),
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\xff", "N607", "not UTF-8"),
    "package.json": ('{"name": "left-pad", "version": "1.3.0"}', "N607", "no quiz results"),
    "old.json": (
        '{"version": 1, "results": {"00_welcome": {"00-offline": {"attempts": 1, "correct": true, "first_try_correct": true}}}}',
        "N608",
        "old progress format",
    ),
    "future.json": ('{"format": "ner-course-progress", "version": 7, "results": {}}', "N609", "format version 7"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_each_bad_file_is_left_out_with_its_code(cli, folder, tmp_path, name):
    content, code, words = BAD[name]
    target = folder / name
    target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = fingerprint(folder)
    result = cli(["class-report", folder, "--out", tmp_path / "out"], tmp_path)
    assert result.returncode == 1
    line = next(line for line in result.stderr.splitlines() if f"{name}: " in line)
    assert f"{folder / name}: {code} " in line and words in line, line
    assert fingerprint(folder) == before
    assert "good" in (tmp_path / "out" / "class.csv").read_text(encoding="utf-8")  # the rest is reported


def test_unknown_ids_no_learner_other_version_and_duplicates(cli, folder, tmp_path):
    write_progress(folder / "alien.json", "alien", **{"00_not_a_question": True})
    write_progress(folder / "anon.json", None, **{"00_offline": True})
    write_progress(folder / "older.json", "older", version="0.0.1", **{"00_offline": True})
    write_progress(folder / "sub" / "GOOD.json", " Good ", **{"00_offline": False})  # same learner, other case
    result = cli(["class-report", folder, "--out", tmp_path / "out"], tmp_path)
    assert result.returncode == 1
    err = result.stderr
    assert re.search(r"alien\.json: N607 .*00_welcome/00-not-a-question", err)
    assert "anon.json: N610 has no learner name" in err
    assert "older.json: N611 comes from course version 0.0.1" in err
    assert re.search(r"sub/GOOD\.json: N612 holds learner ' ?Good ?' again \(first read from good\.json\)", err)
    assert "1 learner(s)" in err


def test_a_clean_folder_exits_0(cli, folder, tmp_path):
    result = cli(["class-report", folder, "--out", tmp_path / "out"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 of 1 file(s) left out" in result.stderr


def test_unusable_arguments_exit_2_and_write_nothing(cli, folder, tmp_path):
    missing = cli(["class-report", tmp_path / "nope", "--out", tmp_path / "out"], tmp_path)
    assert missing.returncode == 2 and "N602" in missing.stderr and not (tmp_path / "out").exists()
    (tmp_path / "empty").mkdir()
    empty = cli(["class-report", tmp_path / "empty", "--out", tmp_path / "out"], tmp_path)
    assert empty.returncode == 2 and "N603 no files in" in empty.stderr and not (tmp_path / "out").exists()
    (tmp_path / "afile").write_text("mine")
    onfile = cli(["class-report", folder, "--out", tmp_path / "afile"], tmp_path)
    assert onfile.returncode == 2 and "N604" in onfile.stderr and (tmp_path / "afile").read_text() == "mine"
    assert "Traceback" not in missing.stderr + empty.stderr + onfile.stderr


@pytest.mark.parametrize("name", ["class.csv", "class.html", class_report.MANIFEST])
def test_never_overwrites_a_file_the_course_did_not_write(cli, folder, tmp_path, name):
    out = tmp_path / "out"
    out.mkdir()
    (out / name).write_text("the instructor's own gradebook\n")
    result = cli(["class-report", folder, "--out", out], tmp_path)
    assert result.returncode == 2 and "N605 refusing to overwrite" in result.stderr and name in result.stderr
    assert (out / name).read_text() == "the instructor's own gradebook\n"
    assert sorted(p.name for p in out.iterdir()) == [name]  # nothing else written either


def test_rewrites_its_own_report_but_not_an_edited_one(cli, folder, tmp_path):
    out = tmp_path / "out"
    assert cli(["class-report", folder, "--out", out], tmp_path).returncode == 0
    write_progress(folder / "second.json", "second", **{"00_offline": True})
    again = cli(["class-report", folder, "--out", out], tmp_path)
    assert again.returncode == 0 and "second" in (out / "class.csv").read_text()
    (out / "class.csv").write_text((out / "class.csv").read_text() + "edited by hand,,,\n")
    refused = cli(["class-report", folder, "--out", out], tmp_path)
    assert refused.returncode == 2 and "N605" in refused.stderr
    assert (out / "class.csv").read_text().endswith("edited by hand,,,\n")


def test_report_inside_the_input_folder_is_not_read_back(cli, folder, tmp_path):
    assert cli(["class-report", folder, "--out", folder], tmp_path).returncode == 0
    again = cli(["class-report", folder, "--out", folder], tmp_path)
    assert again.returncode == 0 and "0 of 1 file(s) left out" in again.stderr, again.stderr


def test_a_failed_write_leaves_whole_files_and_does_not_lock_the_folder(cli, folder, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert cli(["class-report", folder, "--out", out], tmp_path).returncode == 0
    old_html = (out / "class.html").read_text()
    write_progress(folder / "second.json", "second", **{"00_offline": True})
    real = class_report_out.atomic_write_text

    def fail_on_html(path, text):
        if Path(path).name == "class.html":
            raise class_report_out.FormatError("N210", path=str(path), reason="No space left on device")
        return real(path, text)

    monkeypatch.setattr(class_report_out, "atomic_write_text", fail_on_html)
    failed = cli(["class-report", folder, "--out", out], tmp_path)
    assert failed.returncode == 2 and "N604" in failed.stderr and "No space left" in failed.stderr
    assert (out / "class.html").read_text() == old_html  # the old page, whole
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    monkeypatch.setattr(class_report_out, "atomic_write_text", real)
    assert cli(["class-report", folder, "--out", out], tmp_path).returncode == 0  # not locked out


def test_csv_names_cannot_run_as_spreadsheet_formulas(tmp_path):
    write_progress(tmp_path / "d" / "evil.json", "=HYPERLINK(1)", **{"00_offline": True})
    text = class_report.build(tmp_path / "d").to_csv()
    assert "\n'=HYPERLINK(1)," in text
    page = class_report.build(tmp_path / "d").to_html()
    write_progress(tmp_path / "e" / "tag.json", "<script>alert(1)</script>", **{"00_offline": True})
    assert "<script>" not in class_report.build(tmp_path / "e").to_html() and "=HYPERLINK(1)" in page


def test_folder_that_is_not_a_folder_raises_n602(tmp_path):
    with pytest.raises(ProgressError, match="N602"):
        class_report.build(tmp_path / "missing")


def test_plot_draws_one_bar_per_question(report):
    import matplotlib

    matplotlib.use("Agg")
    ax = report.plot()
    assert len(ax.patches) == len(report.questions) == 11
    assert [round(p.get_width(), 3) for p in ax.patches][-1] == 0.833  # course order, top to bottom


def test_the_readme_example_is_what_the_command_prints():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## For instructors") :]
    report = class_report.build(SAMPLES, label="data/samples/progress")
    for line in report.lines():
        assert line in section, line
    header = "| learner | score_00_welcome | score_01_what_is_ner | quiz_first_try | hints_used | exercises_passed |"
    rows = section[section.index(header) :].split("\n\n")[0].splitlines()[2:]
    table = report.learners[[c.strip() for c in header.strip("|").split("|")]]
    expected = ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    assert rows == expected
    q = report.questions.set_index("question")
    assert q["first_try"].idxmin() == "01-misconceptions" and q.loc["01-misconceptions", "learners"] == 2
    assert q.loc["00-offline", ["most_wrong_learners", "learners"]].tolist() == [2, 6]
    assert q.loc["00-offline", "most_wrong"].startswith("A. ")


def test_a_file_far_too_large_is_not_read(folder, monkeypatch):
    small = (folder / "good.json").stat().st_size
    monkeypatch.setattr(class_report, "MAX_BYTES", small + 10)
    (folder / "video.json").write_text("{" + " " * (small + 20) + "}")
    lines = class_report.build(folder, label="uploads").lines()
    assert lines == [
        f"uploads/video.json: N607 is not a progress file of this course ({small + 22} bytes, far larger "
        "than a progress file) — only the files the notebooks write (.course_progress.json) belong "
        "here; it is left out of the report"
    ]


@pytest.mark.slow
def test_the_real_command_runs_without_the_heavy_imports(tmp_path):
    """`class-report` is one of the tokenizer-only commands (course/cli/light.py): no torch."""
    from cli_support import run_python

    result = run_python(["-m", "course", "class-report", SAMPLES, "--out", tmp_path / "out"], tmp_path)
    assert result.returncode == 1, result.stderr
    assert "2 of 8 file(s) left out" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "out" / "class.csv").is_file() and (tmp_path / "out" / "class.html").is_file()
