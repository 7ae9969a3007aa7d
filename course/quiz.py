"""Interactive quizzes: one YAML bank per notebook, rendered with ipywidgets.

`show("05_evaluation")` displays every question of a notebook as a small form
(Check and Hint buttons, feedback for every option). Outside a widget front end
the same questions print as plain text. Every check and hint is recorded; `summary()`
returns the results as a DataFrame, and progress is saved to a JSON file
(COURSE_PROGRESS_FILE, default ./.course_progress.json; "" turns saving off; see
course/quiz_progress.py for its format and `set_learner`).
COURSE_INSTRUCTOR=1 or `instructor_mode(True)` adds the answer key under each quiz.
"""

from __future__ import annotations

import html
import math
import os
import re
import textwrap
from typing import Any, cast

import ipywidgets as widgets

from .quiz_bank import (  # noqa: F401
    KINDS,
    MAX_TRIES,
    QUIZ_DIR,
    Option,
    Question,
    QuizError,
    WrongAnswer,
    available_quizzes,
    load_quiz,
    quiz_path,
)
from .quiz_progress import (  # noqa: F401
    Progress,
    exercise_summary,
    progress,
    reset_progress,
    set_learner,
    status,
    summary,
)

# --- modes and progress --------------------------------------------------------------

_INSTRUCTOR: bool | None = None


def instructor_mode(on: bool | None = None) -> bool:
    """Switch instructor mode (answer key under each quiz) on or off, or query it.

    on (bool | None): True/False to set; None to only ask. Unset, COURSE_INSTRUCTOR=1 decides.
    RETURNS (bool): whether instructor mode is on.
    """
    global _INSTRUCTOR
    if on is not None:
        _INSTRUCTOR = bool(on)
    if _INSTRUCTOR is not None:
        return _INSTRUCTOR
    return os.environ.get("COURSE_INSTRUCTOR", "").strip().lower() in {"1", "true", "yes", "on"}


# --- rendering -----------------------------------------------------------------------

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASK = {
    "single": "answer with one letter",
    "multiple": "select all that apply: answer with one or more letters, e.g. A, C",
    "numeric": "answer with a number",
}
_OK, _NO, _INFO = "color:#1a7f37", "color:#b3261e", "color:#555"


def _html(text: str) -> str:
    """Escape text for HTML; `code` becomes <code>, newlines become <br>."""
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))
    return escaped.replace("\n", "<br>")


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=88, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def _label(question: Question, i: int) -> str:
    return f"{LETTERS[i]}. {question.options[i].text}"


def answer_text(question: Question) -> str:
    """RETURNS (str): the correct option(s), e.g. 'B. 0.6', or the value, e.g. '0.6 (± 0.01)'."""
    if question.kind == "numeric":
        return f"{question.answer:g} (± {question.tolerance:g})"
    return "; ".join(_label(question, i).rstrip(".") for i in question.correct_indices)


def render_text(question: Question, instructor: bool | None = None, number: int | None = None) -> str:
    """Plain-text version of a question: prompt, lettered options, how to answer.

    instructor (bool | None): add the answer key; None follows instructor_mode().
    number (int | None): position shown in the title.
    RETURNS (str): the text, wrapped at 88 characters.
    """
    instructor = instructor_mode() if instructor is None else instructor
    lines = [f"Question {str(number) + ' ' if number else ''}[{question.id}]"]
    lines += [_wrap(line) for line in question.prompt.splitlines()]
    lines += [_wrap(f"  {_label(question, i)}", "     ") for i in range(len(question.options))]
    lines.append(f"({_ASK[question.kind]})")
    if instructor:
        lines += [
            _wrap(f"Answer key: {answer_text(question)}"),
            _wrap(f"Explanation: {question.explanation}"),
            _wrap(f"Common mistake: {question.common_mistake}"),
        ]
    return "\n".join(lines)


class QuizWidget(widgets.VBox):
    """One question as a form: options, Check and Hint buttons, and HTML feedback.

    question (Question): what to ask.
    number (int | None): position shown in the title.
    Headless use: `w.select("B")` or `w.set_answer(0.6)`, then `w.check_button.click()`,
    then read `w.feedback.value`. The text/plain repr is `render_text()` (deterministic).
    """

    _notes: list[str]
    number_input: Any  # widgets.FloatText for a numeric question, else None

    def __init__(self, question: Question, number: int | None = None) -> None:
        super().__init__()
        self.question, self.number, self.notebook = question, number, question.notebook
        self.wrong_tries, self.solved, self.revealed = 0, False, False
        self._result, self._hint, self._notes = "", "", []
        self.instructor = instructor_mode()
        self.prompt = widgets.HTML(value=self._prompt_html())
        letters = [(LETTERS[i], i) for i in range(len(question.options))]
        self.choices = self.checkboxes = self.number_input = None
        if question.kind == "single":
            self.choices = widgets.RadioButtons(options=letters, value=None, orientation="horizontal")
            self.input = self.choices
        elif question.kind == "multiple":
            self.checkboxes = [
                widgets.Checkbox(value=False, description=letter, indent=False, layout=widgets.Layout(width="auto"))
                for letter, _ in letters
            ]
            self.input = widgets.HBox(self.checkboxes)
        else:
            self.number_input = widgets.FloatText(value=0.0, description="Answer:")
            self.input = self.number_input
        self.check_button = widgets.Button(description="Check", button_style="primary")
        self.hint_button = widgets.Button(description="Hint")
        self.feedback = widgets.HTML(value="")
        self.answer_key = widgets.HTML(value=self._key_html() if self.instructor else "")
        self.check_button.on_click(lambda _button: self.check())
        self.hint_button.on_click(lambda _button: self.show_hint())
        buttons = widgets.HBox([self.check_button, self.hint_button])
        extra = [self.answer_key] if self.instructor else []
        self.children = tuple([self.prompt, self.input, buttons, self.feedback] + extra)
        for widget, name in (
            (self, "course-quiz"),
            (self.input, "course-quiz-input"),
            (self.check_button, "course-quiz-check"),
            (self.hint_button, "course-quiz-hint"),
            (self.feedback, "course-quiz-feedback"),
            (self.answer_key, "course-quiz-key"),
        ):
            widget.add_class(name)  # stable hooks for the browser test and for styling

    # -- headless API --
    def select(self, *choices: int | str | float) -> None:
        """Select option(s) by 0-based index, letter or exact text (numeric: the value)."""
        if self.question.kind == "numeric":
            self.set_answer(float(choices[0]))
            return
        chosen = {self._index(c) for c in choices}
        if self.choices is not None:
            if len(chosen) != 1:
                raise QuizError("N520", qid=self.question.id, choice=choices)
            self.choices.value = chosen.pop()
        else:
            for i, box in enumerate(self.checkboxes or []):
                box.value = i in chosen

    def set_answer(self, value: float) -> None:
        """Type a number into a numeric question."""
        self.number_input.value = float(value)

    def selected(self) -> tuple[int, ...]:
        """RETURNS (tuple[int, ...]): indices of the selected options."""
        if self.choices is not None:
            return () if self.choices.value is None else (self.choices.value,)
        return tuple(i for i, box in enumerate(self.checkboxes or []) if box.value)

    def answer(self, *choices: int | str | float) -> str:
        """Select, check and return the feedback as plain text (handy outside Jupyter)."""
        self.select(*choices)
        self.check()
        text = re.sub(r"<br>|</p>|</li>|</div>", "\n", self.feedback.value)
        return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()

    def render_text(self) -> str:
        """RETURNS (str): the question as plain text (see `render_text`)."""
        return render_text(self.question, self.instructor, self.number)

    def __str__(self) -> str:
        return self.render_text()

    def __repr__(self) -> str:
        return f"QuizWidget(question={self.question.id!r})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict | None:
        data = super()._repr_mimebundle_(**kwargs)
        if data is not None:
            data["text/plain"] = self.render_text()
        return data

    # -- behaviour --
    def check(self) -> bool | None:
        """Check the current answer, update `feedback` and record the attempt.

        RETURNS (bool | None): whether it is right; None if nothing was selected.
        """
        q = self.question
        if q.kind != "numeric" and not self.selected():
            self._result = f'<p style="{_INFO}">Select an answer first, then press Check.</p>'
            self._refresh()
            return None
        correct, self._result = self._judge()
        if correct:
            self.solved = self.revealed = True
        else:
            self.wrong_tries += 1
            self.revealed = self.revealed or self.wrong_tries >= MAX_TRIES
            if not self.revealed:
                left = MAX_TRIES - self.wrong_tries
                self._result += (
                    f'<p style="{_INFO}">Try again — the explanation appears after '
                    f"{left} more wrong {'try' if left == 1 else 'tries'}.</p>"
                )
        self._track(lambda store: store.record(self.notebook, q.id, correct, choice=self._choice()))
        self._refresh()
        return correct

    def show_hint(self) -> None:
        """Add the hint to the feedback area (and count it in the progress file)."""
        self._hint = f'<p style="{_INFO}">💡 <b>Hint:</b> {_html(self.question.hint)}</p>'
        self._track(lambda store: store.record_hint(self.notebook, self.question.id))
        self._refresh()

    def _choice(self) -> str:
        """RETURNS (str): the current answer as stored for a wrong try: 'B', 'A+C' or '0.75'."""
        if self.question.kind == "numeric":
            return f"{self.number_input.value:g}"
        return "+".join(LETTERS[i] for i in sorted(self.selected()))

    def _track(self, step: Any) -> None:
        try:
            store = progress()
            step(store)
            self._notes += store.pop_notes()
        except Exception as err:  # noqa: BLE001 - tracking must never break the quiz
            self._notes.append(f"Progress was not recorded ({err}).")

    def _judge(self) -> tuple[bool, str]:
        q = self.question
        if q.kind == "numeric":
            return self._judge_number(self.number_input.value)
        chosen = self.selected()
        right = set(q.correct_indices)
        if q.kind == "single":
            i = chosen[0]
            mark = f'<span style="{_OK}">✓ Correct!</span>' if i in right else f'<span style="{_NO}">✗ Not yet.</span>'
            return i in right, f"<p>{mark} <b>{_html(_label(q, i))}</b> — {_html(q.options[i].feedback)}</p>"
        correct = set(chosen) == right
        missing = sorted(right - set(chosen))
        hits = len(right & set(chosen))
        if correct:
            head = f'<span style="{_OK}">✓ Correct!</span> You found all {len(right)} right options.'
        elif hits:
            head = (
                f'<span style="{_NO}">✗ Not yet — partly right:</span> {hits} of {len(right)} right options selected.'
            )
        else:
            head = f'<span style="{_NO}">✗ Not yet.</span>'
        items = "".join(
            f'<li><span style="{_OK if i in right else _NO}">{"✓" if i in right else "✗"}</span> '
            f"<b>{_html(_label(q, i))}</b> — {_html(q.options[i].feedback)}</li>"
            for i in chosen
        )
        tail = ""
        if missing:
            tail = f"<p>{len(missing)} right option{'s are' if len(missing) > 1 else ' is'} still missing.</p>"
        return correct, f"<p>{head}</p><ul>{items}</ul>{tail}"

    def _judge_number(self, value: float) -> tuple[bool, str]:
        q = self.question
        if math.isnan(value):
            return False, f'<p><span style="{_NO}">✗ Not yet.</span> Enter a number.</p>'
        if abs(value - cast(float, q.answer)) <= q.tolerance + 1e-9:  # load_quiz requires an answer here
            return True, f'<p><span style="{_OK}">✓ Correct!</span> {value:g} is right.</p>'
        for wrong in q.wrong_answers:
            if abs(value - wrong.value) <= q.tolerance + 1e-9:
                return False, f'<p><span style="{_NO}">✗ Not yet.</span> {_html(wrong.feedback)}</p>'
        extra = ""
        if q.answer and abs(value - q.answer * 100) <= q.tolerance * 100 + 1e-9:
            extra = " It looks like a percentage: give it as a fraction between 0 and 1."
        return False, (
            f'<p><span style="{_NO}">✗ Not yet.</span> {value:g} is not within '
            f"± {q.tolerance:g} of the answer.{extra}</p>"
        )

    def _refresh(self) -> None:
        parts = [self._result, self._hint]
        if self.revealed:
            q = self.question
            if not self.solved:
                parts.append(f"<p><b>Answer:</b> {_html(answer_text(q))}</p>")
            parts.append(
                f"<p><b>Explanation:</b> {_html(q.explanation)}</p>"
                f"<p><b>Common mistake:</b> {_html(q.common_mistake)}</p>"
            )
        parts += [f'<p style="{_NO}">⚠ {_html(note)}</p>' for note in self._notes]
        body = "".join(parts)
        self.feedback.value = f'<div style="line-height:1.45">{body}</div>' if body else ""

    def _index(self, choice: int | str | float) -> int:
        options = self.question.options
        if isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(options):
            return choice
        if isinstance(choice, str):
            texts = [o.text.strip().casefold() for o in options]
            if choice.strip().casefold() in texts:
                return texts.index(choice.strip().casefold())
            if len(choice.strip()) == 1 and choice.strip().upper() in LETTERS[: len(options)]:
                return LETTERS.index(choice.strip().upper())
        raise QuizError("N520", qid=self.question.id, choice=choice)

    def _prompt_html(self) -> str:
        q = self.question
        title = f"Question {self.number}" if self.number else "Question"
        ask = {"single": "", "multiple": " <i>(select all that apply)</i>", "numeric": " <i>(enter a number)</i>"}[
            q.kind
        ]
        options = "".join(f"<div><b>{LETTERS[i]}.</b> {_html(o.text)}</div>" for i, o in enumerate(q.options))
        return (
            f'<div><b>{title}</b> <span style="{_INFO}">({_html(q.id)})</span></div>'
            f"<div>{_html(q.prompt)}{ask}</div>{options}"
        )

    def _key_html(self) -> str:
        q = self.question
        return (
            f'<div style="border-left:3px solid #888;padding-left:8px">'
            f"<b>Answer key:</b> {_html(answer_text(q))}<br>"
            f"<b>Explanation:</b> {_html(q.explanation)}<br>"
            f"<b>Common mistake:</b> {_html(q.common_mistake)}</div>"
        )


def build(notebook: str, question_id: str | None = None) -> list[QuizWidget]:
    """Build the widgets for a notebook's quiz (or one question) without displaying them.

    RETURNS (list[QuizWidget]). RAISES QuizError: N510 (no quiz), N521 (no such question).
    """
    questions = load_quiz(notebook)
    numbered = list(enumerate(questions, 1))
    if question_id is not None:
        numbered = [(n, q) for n, q in numbered if q.id == question_id]
        if not numbered:
            raise QuizError("N521", notebook=notebook, qid=question_id, choices=", ".join(q.id for q in questions))
    return [QuizWidget(q, number=n) for n, q in numbered]


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def show(notebook: str, question_id: str | None = None) -> None:
    """Display a notebook's quiz (or one question): widgets in Jupyter, plain text elsewhere.

    notebook (str): e.g. "05_evaluation".
    question_id (str | None): show only this question.
    """
    quizzes = build(notebook, question_id)
    if _in_kernel():
        from IPython.display import display

        display(*quizzes)
    else:
        print("\n\n".join(w.render_text() for w in quizzes))


def quiz(notebook: str, question_id: str | None = None) -> None:
    """Alias of `show`: `quiz("05_evaluation")` at the end of a notebook."""
    show(notebook, question_id)
