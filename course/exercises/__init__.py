"""Coding exercises in plain spaCy: a registry, behavioural checks with hints, hidden solutions.

A notebook exercise is three things:

- an **exercise cell** (tagged ``exercise``) whose first line is ``# Exercise <id>``: code with
  ``____`` blanks, usually a small function, written in plain spaCy;
- a **check cell**: ``exercises.check("<id>", answer)``. It runs the learner's answer on inputs
  of its own, recognises the common wrong answers by what they *do*, and answers each with its
  own hint. It also shows a *Show solution* button; the solution text is fetched from this
  package only when the button is pressed, so no committed notebook contains it, and nothing
  ever writes into the learner's cell;
- an entry in this registry (one module per notebook, ``course/exercises/nbNN.py``): the check,
  the solution code, the wrong answers the check must recognise, and the names the exercise
  cell needs (``setup``).

``tests/test_exercises.py`` proves for every registered exercise that the blank cell from the
notebook gets the generic hint, each listed wrong answer gets its own hint, and the solution
passes. With ``COURSE_INSTRUCTOR=1`` the check also prints the solution (the answer key).
"""

from __future__ import annotations

import html
import importlib
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..check import BLANK_MESSAGE, CheckResult, contains_blank

__all__ = ["Exercise", "WrongAnswer", "answer_key", "check", "get", "has_blank", "register", "registry", "run_safely"]


@dataclass(frozen=True)
class WrongAnswer:
    """A common wrong answer and the hint the check must give for it.

    code (str): the learner's cell as they would write it wrongly (replaces the exercise cell).
    hint (str): a substring of the hint the check must answer it with.
    why (str): what the mistake is, for contributors and the answer key.
    """

    code: str
    hint: str
    why: str = ""


@dataclass(frozen=True)
class Exercise:
    """One exercise.

    id (str): e.g. "03.2"; notebook number, then position.
    notebook (str): e.g. "03_training".
    title (str): short, shown above the check result.
    answer (str): the name the exercise cell defines and the check receives.
    judge (Callable): (answer) -> CheckResult; must never raise on a wrong answer.
    solution (str): code of a correct exercise cell.
    wrong (tuple[WrongAnswer, ...]): at least two common wrong answers.
    setup (Callable): () -> dict of the names the exercise cell may use (what the notebook
        has defined by then); the tests run every cell variant in a fresh copy.
    """

    id: str
    notebook: str
    title: str
    answer: str
    judge: Callable[[Any], CheckResult]
    solution: str
    wrong: tuple[WrongAnswer, ...] = ()
    setup: Callable[[], dict[str, Any]] = field(default=lambda: {})


_REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry. RETURNS (Exercise): the same exercise."""
    if exercise.id in _REGISTRY:
        raise ValueError(f"exercise {exercise.id} is registered twice")
    _REGISTRY[exercise.id] = exercise
    return exercise


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("nb"):
            importlib.import_module(f"{__name__}.{info.name}")


def registry() -> dict[str, Exercise]:
    """RETURNS (dict[str, Exercise]): every exercise, by id, in id order."""
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def get(exercise_id: str) -> Exercise:
    """RETURNS (Exercise): the exercise. RAISES KeyError: with the known ids."""
    exercises = registry()
    if exercise_id not in exercises:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(exercises)}")
    return exercises[exercise_id]


def has_blank(value: Any) -> bool:
    """RETURNS (bool): whether `value` is or holds `____`; for a function, whether its code uses it."""
    code = getattr(value, "__code__", None)
    if code is not None:
        stack = [code]
        while stack:
            current = stack.pop()
            if "____" in current.co_names:
                return True
            stack.extend(c for c in current.co_consts if hasattr(c, "co_names"))
        return False
    return contains_blank(value)


def run_safely(func: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, CheckResult | None]:
    """Call the learner's code; turn a blank or an exception into a failing CheckResult.

    RETURNS (tuple): (value, None) when it ran, or (None, CheckResult) when it did not. Test the
        second item with `is not None`: a failing CheckResult is falsy, so `if failed:` never fires.
    """
    if has_blank(func):
        return None, CheckResult(False, BLANK_MESSAGE)
    try:
        value = func(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - the learner's code may raise anything
        if "____" in str(err) or "_Blank" in str(err):
            return None, CheckResult(False, BLANK_MESSAGE)
        return None, CheckResult(
            False,
            f"your code raised {type(err).__name__}: {str(err)[:200]}",
            "Read the last line of the error: it names the call that failed.",
        )
    if contains_blank(value):
        return None, CheckResult(False, BLANK_MESSAGE)
    return value, None


def answer_key() -> bool:
    """RETURNS (bool): whether the answer key is on (COURSE_INSTRUCTOR=1, or quiz instructor mode)."""
    from .. import quiz

    return quiz.instructor_mode() or os.environ.get("COURSE_INSTRUCTOR", "") in {"1", "true", "yes"}


@dataclass(frozen=True)
class Shown:
    """What `check` displays: the result, and a button that reveals the solution on request."""

    exercise: Exercise
    result: CheckResult

    def __bool__(self) -> bool:
        return self.result.passed

    def __repr__(self) -> str:
        text = f"Exercise {self.exercise.id} · {self.exercise.title}\n{self.result!r}"
        if answer_key():
            text += "\n--- answer key ---\n" + self.exercise.solution.strip()
        return text

    def _repr_html_(self) -> str:
        body = f"<b>Exercise {self.exercise.id} · {html.escape(self.exercise.title)}</b>{self.result._repr_html_()}"
        if answer_key():
            body += f"<details open><summary>Answer key</summary><pre>{html.escape(self.exercise.solution.strip())}</pre></details>"
        return body

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(HTML(self._repr_html_()))
        if not self.result.passed or answer_key():
            display(_solution_button(self.exercise))

    def require(self) -> Shown:
        """RETURNS (Shown): self if passed. RAISES CheckFailed: with the hint."""
        self.result.require()
        return self


def _solution_button(exercise: Exercise) -> Any:
    import ipywidgets as widgets

    button = widgets.Button(description="Show solution", icon="eye", layout=widgets.Layout(width="auto"))
    out = widgets.Output()

    def reveal(_: Any) -> None:
        button.disabled = True
        with out:
            from IPython.display import Markdown, display

            display(
                Markdown(
                    f"```python\n{exercise.solution.strip()}\n```\n"
                    "Type it into your cell (or copy it) and run the cell and the check again."
                )
            )

    button.on_click(reveal)
    return widgets.VBox([button, out])


def check(exercise_id: str, answer: Any) -> Shown:
    """Check the learner's answer to an exercise and show a hint, or well done.

    exercise_id (str): e.g. "03.2".
    answer (Any): what the exercise cell defined (usually a function).
    RETURNS (Shown): displays the result and a *Show solution* button; `bool(...)` is passed.
    """
    exercise = get(exercise_id)
    if has_blank(answer):
        return Shown(exercise, CheckResult(False, BLANK_MESSAGE))
    try:
        result = exercise.judge(answer)
    except Exception as err:  # noqa: BLE001 - a check must answer, not crash
        result = CheckResult(
            False,
            f"the check could not run your answer ({type(err).__name__}: {str(err)[:200]})",
            "Compare your code with the instructions above the cell.",
        )
    if result.message != BLANK_MESSAGE:  # Run All over untouched blanks is not an attempt
        _track(exercise.id, result.passed)
    return Shown(exercise, result)


def _track(exercise_id: str, passed: bool) -> None:
    """Count the check in the learner's progress file; tracking never breaks a check."""
    try:
        from ..quiz_progress import progress

        progress().record_exercise(exercise_id, passed)  # a failed save is a note the next quiz shows
    except Exception:  # noqa: BLE001 - progress is never worth a failed check
        pass
