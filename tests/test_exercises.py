"""Every exercise: the notebook's blank cell gets the generic hint, each listed wrong answer its
own hint, and the solution passes. The blank cell is read from the notebook's text source, so
the test runs exactly what a learner sees."""

from __future__ import annotations

import re
from pathlib import Path

import jupytext
import pytest

from course import exercises
from course.check import BLANK_MESSAGE, ____

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
ALL = exercises.registry()


def _cells(notebook: str) -> list[str]:
    nb = jupytext.read(NOTEBOOKS / f"{notebook}.py")
    return [c.source for c in nb.cells if c.cell_type == "code"]


def _run(exercise: exercises.Exercise, code: str):
    namespace = {"____": ____, **exercise.setup()}
    exec(compile(code, f"<exercise {exercise.id}>", "exec"), namespace)  # noqa: S102 - our own cells
    return exercises.check(exercise.id, namespace[exercise.answer]).result


def _blank_cell(exercise: exercises.Exercise) -> str:
    found = [s for s in _cells(exercise.notebook) if s.startswith(f"# Exercise {exercise.id}\n")]
    assert len(found) == 1, f"{exercise.notebook} needs one cell starting '# Exercise {exercise.id}'"
    return found[0]


def test_there_are_exercises():
    assert ALL


@pytest.mark.parametrize("exercise", ALL.values(), ids=list(ALL))
def test_blank_cell_gets_the_generic_hint(exercise):
    result = _run(exercise, _blank_cell(exercise))
    assert not result.passed and result.message == BLANK_MESSAGE


@pytest.mark.parametrize("exercise", ALL.values(), ids=list(ALL))
def test_notebook_checks_the_exercise(exercise):
    pattern = re.compile(rf"exercises\.check\(\s*[\"']{re.escape(exercise.id)}[\"']\s*,\s*{exercise.answer}\s*\)")
    assert any(pattern.search(s) for s in _cells(exercise.notebook)), f"no check cell for {exercise.id}"


@pytest.mark.parametrize("exercise", ALL.values(), ids=list(ALL))
def test_solution_passes(exercise):
    result = _run(exercise, exercise.solution)
    assert result.passed, repr(result)


@pytest.mark.parametrize("exercise", ALL.values(), ids=list(ALL))
def test_each_wrong_answer_gets_its_own_hint(exercise):
    assert len(exercise.wrong) >= 2, f"{exercise.id}: list at least two common wrong answers"
    seen = set()
    for wrong in exercise.wrong:
        result = _run(exercise, wrong.code)
        text = f"{result.message} {result.hint}"
        assert not result.passed, f"{exercise.id}: a wrong answer passed ({wrong.why})"
        assert result.message != BLANK_MESSAGE
        assert wrong.hint in text, f"{exercise.id}: expected hint {wrong.hint!r}, got {text!r}"
        seen.add(text)
    assert len(seen) == len(exercise.wrong), f"{exercise.id}: two wrong answers got the same hint"
