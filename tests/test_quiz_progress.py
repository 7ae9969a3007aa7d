"""course/quiz_progress.py: what a learner's progress file records (learner, quiz attempts,
hints, wrong choices, exercise checks, course version), how old and newer files are treated,
and that the learner's own views never show an answer key."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from course import __version__, exercises, quiz, quiz_progress
from course.check import ____
from course.quiz_progress import FORMAT_VERSION, Progress, ProgressError

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser, from the `tomli` package (test extra)
    import tomli as tomllib


@pytest.fixture
def path(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(p))
    monkeypatch.delenv("COURSE_INSTRUCTOR", raising=False)
    monkeypatch.setattr(quiz, "_INSTRUCTOR", None)
    monkeypatch.setattr(quiz_progress, "_PROGRESS", None)
    return p


def saved(path):
    return json.loads(path.read_text(encoding="utf-8"))


def widget(qid: str) -> quiz.QuizWidget:
    return quiz.build(qid.split("-")[0], qid)[0]


def test_learner_hints_wrong_choices_and_version_are_saved(path):
    quiz_progress.set_learner("  ada.l  ")
    w = widget("00-offline")  # single; D is right
    w.show_hint()
    w.answer("A")
    w.answer("B")
    w.answer("A")
    w.answer("D")
    w.show_hint()  # after solving: not counted
    many = widget("00-how-the-course-works")  # multiple; A+B+C is right
    many.answer("C", "A")
    many.answer("A", "B", "C")
    data = saved(path)
    assert (data["format"], data["version"], data["course_version"], data["learner"]) == (
        "ner-course-progress",
        FORMAT_VERSION,
        __version__,
        "ada.l",
    )
    assert data["results"]["00_welcome"]["00-offline"] == {
        "attempts": 4,
        "correct": True,
        "first_try_correct": False,
        "hints": 1,
        "wrong_choices": {"A": 2, "B": 1},
    }
    assert data["results"]["00_welcome"]["00-how-the-course-works"]["wrong_choices"] == {"A+C": 1}
    assert sorted(p.name for p in path.parent.iterdir()) == ["progress.json"]  # nothing written elsewhere


def test_numeric_wrong_values_are_stored_as_typed(path):
    w = quiz.build("05_evaluation")[0]
    w.answer(0.75)
    entry = next(iter(saved(path)["results"]["05_evaluation"].values()))
    assert entry["wrong_choices"] == {"0.75": 1}


def test_exercise_checks_are_counted_blanks_are_not_and_a_pass_is_final(path):
    def blank(docs):
        return ____

    def wrong(docs):
        return {}

    def right(docs):
        from collections import Counter

        return Counter(ent.label_ for doc in docs for ent in doc.ents)

    exercises.check("01.3", blank)  # Run All over an untouched exercise
    assert not path.exists()
    exercises.check("01.3", wrong)
    exercises.check("01.3", right)
    exercises.check("01.3", right)  # run again after passing
    assert saved(path)["exercises"] == {"01.3": {"attempts": 2, "passed": True}}
    assert quiz_progress.exercise_summary().values.tolist() == [["01.3", 2, True]]


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, "ada\nlovelace", 42])
def test_unusable_learner_names_raise_n600(path, name):
    with pytest.raises(ProgressError, match="N600"):
        quiz_progress.set_learner(name)
    assert not path.exists()


def test_course_learner_fills_an_unset_name_only(path, monkeypatch):
    monkeypatch.setenv("COURSE_LEARNER", "s1234567")
    widget("00-offline").answer("D")
    assert saved(path)["learner"] == "s1234567"
    quiz_progress.set_learner("Ada")
    monkeypatch.setenv("COURSE_LEARNER", "someone else")
    widget("00-blank-cells").answer("B")
    assert saved(path)["learner"] == "Ada"
    assert "learner 'Ada'" in quiz_progress.status() and "2 quiz question(s) tried" in quiz_progress.status()


def test_old_format_still_loads_and_is_saved_in_the_new_one(path):
    old = {
        "version": 1,
        "results": {"00_welcome": {"00-offline": {"attempts": 2, "correct": True, "first_try_correct": False}}},
    }
    path.write_text(json.dumps(old))
    assert quiz.summary("00_welcome").set_index("question").loc["00-offline"].tolist() == [2, True, False]
    quiz_progress.set_learner("ada")
    data = saved(path)
    assert data["version"] == 2 and data["learner"] == "ada"
    assert data["results"]["00_welcome"]["00-offline"]["hints"] == 0
    assert not list(path.parent.glob("*.bak"))


def test_a_newer_format_is_left_untouched_and_saving_turns_off(path):
    newer = json.dumps({"format": "ner-course-progress", "version": FORMAT_VERSION + 1, "results": {}})
    path.write_text(newer)
    shown = widget("00-offline").answer("D")
    assert "N601" in shown and "newer version of the course" in shown and "✓ Correct!" in shown
    assert path.read_text() == newer and not list(path.parent.glob("*.bak"))
    assert quiz.summary("00_welcome")["attempts"].sum() == 1  # still counted in memory


def test_a_learners_own_views_never_show_an_answer_key(path, monkeypatch):
    """summary, exercise_summary and status: attempts and outcomes, never the right answers."""
    for qid, tries in {"00-offline": ["A", "D"], "00-how-the-course-works": [("A", "B", "C")]}.items():
        w = widget(qid)
        for t in tries:
            w.answer(*t) if isinstance(t, tuple) else w.answer(t)
    exercises.check("01.3", lambda docs: {})
    banned = []
    for q in quiz.load_quiz("00_welcome"):
        banned += [q.explanation, q.common_mistake, quiz.answer_text(q)]
        banned += [o.text for o in q.options if o.correct]
    banned += [exercises.get("01.3").solution.strip(), "Counter(ent.label_"]
    for instructor in ("", "1"):
        monkeypatch.setenv("COURSE_INSTRUCTOR", instructor)
        views = [quiz.summary(), quiz.summary("00_welcome"), quiz_progress.exercise_summary()]
        shown = " ".join(v.to_string() + v.to_html() for v in views) + quiz_progress.status()
        leaked = [b[:40] for b in banned if b[:40] in shown]
        assert not leaked, leaked
        assert "wrong_choices" not in shown and "A+B+C" not in shown


def test_memory_only_progress_writes_nothing(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_PROGRESS_FILE", "")
    store = Progress(None)
    store.set_learner("ada")
    store.record("00_welcome", "00-offline", True)
    store.record_exercise("01.3", True)
    assert os.listdir(tmp_path) == []
    assert store.payload()["learner"] == "ada"


def test_the_course_version_has_one_source():
    """Progress files and the class report compare course versions: pyproject reads course.__version__."""
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"] and "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "course.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_an_unusable_course_learner_is_ignored_with_a_note(path, monkeypatch):
    monkeypatch.setenv("COURSE_LEARNER", "x" * 200)
    shown = widget("00-offline").answer("D")
    assert "COURSE_LEARNER is ignored: N600" in shown and "✓ Correct!" in shown
    assert saved(path)["learner"] is None
