"""Interactive quizzes: one YAML bank per notebook, rendered with ipywidgets.

`show("04_evaluation")` displays every question of a notebook as a small form
(Check and Hint buttons, feedback for every option). Outside a widget front end
the same questions print as plain text. Every check is recorded; `summary()`
returns the results as a DataFrame, and progress is saved to a JSON file
(COURSE_PROGRESS_FILE, default ./.course_progress.json; "" turns saving off).
COURSE_INSTRUCTOR=1 or `instructor_mode(True)` adds the answer key under each quiz.
"""
from __future__ import annotations

import html
import json
import math
import os
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd
import yaml

from .files import atomic_write_text

QUIZ_DIR = Path(__file__).parent / "quizzes"
KINDS = ("single", "multiple", "numeric")
MAX_TRIES = 3  # wrong tries before the explanation is revealed
COLUMNS = ["question", "attempts", "correct", "first_try_correct"]
_COMMON = {"id", "kind", "prompt", "hint", "explanation", "common_mistake"}
_ALLOWED = {"single": _COMMON | {"options"}, "multiple": _COMMON | {"options"},
            "numeric": _COMMON | {"answer", "tolerance", "wrong_answers"}}

# (message, hint) templates, same shape as course.errors.Errors (to be folded into E5xx).
QUIZ_ERRORS = {
    "Q001": ("no quiz for notebook '{notebook}'", "available quizzes: {choices}"),
    "Q002": ("{problem}", "a quiz file is a mapping with a `questions:` list"),
    "Q003": ("question '{qid}': missing or empty field '{field}'",
             "every question needs id, kind, prompt, hint, explanation and common_mistake"),
    "Q004": ("question '{qid}': unknown kind '{kind}'", "use one of: single, multiple, numeric"),
    "Q005": ("question '{qid}': a 'single' question needs exactly one correct option, found {n}",
             "mark one option `correct: true`, or use kind 'multiple' for select-all-that-apply"),
    "Q006": ("question '{qid}': a 'multiple' question has no correct option",
             "mark at least one option `correct: true`"),
    "Q007": ("question '{qid}', option {n}: {problem}",
             "each option needs `text` and a `feedback` saying why it is right, or why it is "
             "tempting but wrong"),
    "Q008": ("question '{qid}': '{field}' must be a number, got {value!r}",
             "numeric questions need `answer` and `tolerance` (>= 0); wrong_answers need `value`"),
    "Q009": ("duplicate question id '{qid}'", "ids must be unique across the quiz bank"),
    "Q010": ("question '{qid}': unknown field(s) {fields} for kind '{kind}'", "allowed: {allowed}"),
    "Q011": ("question '{qid}' has no option {choice!r}",
             "choose by 0-based index, letter (A, B, ...) or the exact option text"),
    "Q012": ("quiz '{notebook}' has no question '{qid}'", "available: {choices}"),
    "Q101": ("the progress file {path} could not be read ({reason})",
             "it was moved to {backup}; progress starts fresh"),
    "Q102": ("progress could not be saved to {path} ({reason})",
             "answers still count in this session; set COURSE_PROGRESS_FILE to a writable "
             "file, or to '' to turn saving off"),
}


class QuizError(ValueError):
    """A quiz file or quiz call that can be fixed. `str(err)` is 'where: CODE message — hint'."""

    def __init__(self, code: str, *, where: str = "", **fields: Any) -> None:
        message, hint = QUIZ_ERRORS[code]
        self.code, self.where = code, where
        self.message, self.hint = message.format(**fields), hint.format(**fields)
        super().__init__(f"{where + ': ' if where else ''}{code} {self.message} — {self.hint}")


def _note(code: str, **fields: Any) -> str:
    """RETURNS (str): a one-line warning text for a Q1xx code."""
    message, hint = QUIZ_ERRORS[code]
    return f"{code} {message.format(**fields)} — {hint.format(**fields)}"


@dataclass(frozen=True)
class Option:
    """One answer option. feedback (str): why it is right, or why tempting but wrong."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class WrongAnswer:
    """A common wrong numeric answer and the feedback it deserves."""

    value: float
    feedback: str


@dataclass(frozen=True)
class Question:
    """One quiz question. kind (str): "single", "multiple" or "numeric".

    answer (float | None) and tolerance (float) are used by numeric questions only.
    """

    id: str
    kind: str
    prompt: str
    options: tuple[Option, ...] = ()
    hint: str = ""
    explanation: str = ""
    common_mistake: str = ""
    answer: float | None = None
    tolerance: float = 0.0
    wrong_answers: tuple[WrongAnswer, ...] = ()
    notebook: str = ""

    @property
    def correct_indices(self) -> tuple[int, ...]:
        """RETURNS (tuple[int, ...]): positions of the correct options."""
        return tuple(i for i, opt in enumerate(self.options) if opt.correct)


# --- loading -----------------------------------------------------------------------

def available_quizzes(directory: Path | str | None = None) -> list[str]:
    """RETURNS (list[str]): notebook names that have a quiz file, sorted."""
    return sorted(p.stem for p in Path(directory or QUIZ_DIR).glob("*.yaml"))


def quiz_path(notebook: str, directory: Path | str | None = None) -> Path:
    """Find the quiz file for a notebook: "04_evaluation", "04_evaluation.ipynb" or "04".

    RETURNS (Path): the YAML file. RAISES QuizError: Q001 if there is none.
    """
    folder = Path(directory or QUIZ_DIR)
    name = re.sub(r"\.(ipynb|ya?ml)$", "", Path(str(notebook)).name)
    if (folder / f"{name}.yaml").is_file():
        return folder / f"{name}.yaml"
    matches = [n for n in available_quizzes(folder) if n.startswith(f"{name}_")]
    if len(matches) == 1:
        return folder / f"{matches[0]}.yaml"
    raise QuizError("Q001", notebook=notebook, choices=", ".join(available_quizzes(folder)))


def load_quiz(notebook: str, directory: Path | str | None = None) -> list[Question]:
    """Read and validate the quiz bank of one notebook.

    notebook (str): notebook name, e.g. "04_evaluation".
    directory (Path | str | None): folder with the YAML files; default course/quizzes.
    RETURNS (list[Question]): the questions in file order.
    RAISES QuizError: Q001-Q010, naming the file and the question id.
    """
    path = quiz_path(notebook, directory)
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise QuizError("Q002", where=where, problem=f"cannot read YAML ({err})") from None
    if isinstance(data, dict) and data.get("notebook", path.stem) != path.stem:
        raise QuizError("Q002", where=where,
                        problem=f"`notebook: {data['notebook']}` does not match the file name")
    raw = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise QuizError("Q002", where=where, problem="no `questions:` list")
    questions, seen = [], set()
    for n, item in enumerate(raw, 1):
        question = _parse_question(item, n, where, path.stem)
        if question.id in seen:
            raise QuizError("Q009", where=where, qid=question.id)
        seen.add(question.id)
        questions.append(question)
    return questions


def _parse_question(item: Any, n: int, where: str, notebook: str) -> Question:
    """Validate one raw YAML question. RETURNS (Question)."""
    if not isinstance(item, dict):
        raise QuizError("Q002", where=where, problem=f"question {n} is not a mapping")
    qid = str(item.get("id") or f"#{n}")
    kind = item.get("kind")
    for name in ("id", "kind", "prompt", "hint", "explanation", "common_mistake"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            raise QuizError("Q003", where=where, qid=qid, field=name)
    if kind not in KINDS:
        raise QuizError("Q004", where=where, qid=qid, kind=kind)
    unknown = sorted(set(item) - _ALLOWED[kind])
    if unknown:
        raise QuizError("Q010", where=where, qid=qid, fields=", ".join(unknown), kind=kind,
                        allowed=", ".join(sorted(_ALLOWED[kind])))
    text = {k: item[k].strip() for k in ("prompt", "hint", "explanation", "common_mistake")}
    if kind == "numeric":
        answer = _number(item.get("answer"), "answer", where, qid)
        tolerance = _number(item.get("tolerance"), "tolerance", where, qid)
        if tolerance < 0:
            raise QuizError("Q008", where=where, qid=qid, field="tolerance", value=tolerance)
        wrong = []
        for entry in item.get("wrong_answers") or []:
            entry = entry if isinstance(entry, dict) else {}
            value = _number(entry.get("value"), "wrong_answers.value", where, qid)
            if not isinstance(entry.get("feedback"), str) or not entry["feedback"].strip():
                raise QuizError("Q003", where=where, qid=qid, field="wrong_answers.feedback")
            wrong.append(WrongAnswer(value, entry["feedback"].strip()))
        return Question(item["id"], kind, options=(), answer=answer, tolerance=tolerance,
                        wrong_answers=tuple(wrong), notebook=notebook, **text)
    options = []
    raw_options = item.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        raise QuizError("Q007", where=where, qid=qid, n="-", problem="needs a list of >= 2 options")
    for i, opt in enumerate(raw_options, 1):
        if not isinstance(opt, dict) or not str(opt.get("text") or "").strip():
            raise QuizError("Q007", where=where, qid=qid, n=i, problem="missing `text`")
        if not isinstance(opt.get("feedback"), str) or not opt["feedback"].strip():
            raise QuizError("Q007", where=where, qid=qid, n=i, problem="missing `feedback`")
        if not isinstance(opt.get("correct", False), bool) or set(opt) - {"text", "correct", "feedback"}:
            raise QuizError("Q007", where=where, qid=qid, n=i,
                            problem="`correct` must be true/false; keys are text, correct, feedback")
        options.append(Option(str(opt["text"]).strip(), opt.get("correct", False), opt["feedback"].strip()))
    n_correct = sum(o.correct for o in options)
    if kind == "single" and n_correct != 1:
        raise QuizError("Q005", where=where, qid=qid, n=n_correct)
    if kind == "multiple" and n_correct < 1:
        raise QuizError("Q006", where=where, qid=qid)
    return Question(item["id"], kind, options=tuple(options), notebook=notebook, **text)


def _number(value: Any, field: str, where: str, qid: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise QuizError("Q008", where=where, qid=qid, field=field, value=value)
    return float(value)


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


class Progress:
    """Results per (notebook, question), kept in memory and saved atomically as JSON.

    path (Path | None): the JSON file, or None to keep results in memory only.
    """

    def __init__(self, path: Path | None) -> None:
        self.source, self.path = path, path
        self.results: dict[str, dict[str, dict[str, Any]]] = {}
        self.notes: list[str] = []
        self._loaded = False

    def load(self) -> None:
        """Read the file once. A corrupt file is moved to *.bak (never overwritten)."""
        if self._loaded:
            return
        self._loaded = True
        if self.path is None or not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            results = data["results"]
            if not all(isinstance(e.get("attempts"), int) for nb in results.values() for e in nb.values()):
                raise ValueError("unexpected structure")
            self.results = results
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            backup = self.path.with_name(self.path.name + ".bak")
            try:
                os.replace(self.path, backup)
            except OSError:
                backup, self.path = "nowhere (it is left as it is; saving is off)", None
            self.notes.append(_note("Q101", path=self.source, reason=type(err).__name__, backup=backup))

    def record(self, notebook: str, qid: str, correct: bool) -> dict[str, Any]:
        """Count one check. Once a question is answered correctly its record is final.

        RETURNS (dict): {"attempts", "correct", "first_try_correct"} for the question.
        """
        self.load()
        entry = self.results.setdefault(notebook, {}).setdefault(
            qid, {"attempts": 0, "correct": False, "first_try_correct": False})
        if entry["correct"]:
            return entry
        entry["attempts"] += 1
        if correct:
            entry["correct"], entry["first_try_correct"] = True, entry["attempts"] == 1
        self.save()
        return entry

    def save(self) -> None:
        """Write all results (temp file + os.replace); failures become a note, not a crash."""
        if self.path is None:
            return
        payload = json.dumps({"version": 1, "results": self.results}, indent=1, sort_keys=True)
        try:
            atomic_write_text(self.path, payload + "\n")
        except Exception as err:  # noqa: BLE001 - a quiz must never crash on saving
            note = _note("Q102", path=self.path, reason=getattr(err, "strerror", None) or err)
            if note not in self.notes:
                self.notes.append(note)

    def pop_notes(self) -> list[str]:
        """RETURNS (list[str]): warnings not shown yet (then forgets them)."""
        notes, self.notes = self.notes, []
        return notes


_PROGRESS: Progress | None = None


def progress() -> Progress:
    """RETURNS (Progress): the store for the current COURSE_PROGRESS_FILE setting."""
    global _PROGRESS
    setting = os.environ.get("COURSE_PROGRESS_FILE")
    path = None if setting == "" else Path(setting or ".course_progress.json").expanduser().absolute()
    if _PROGRESS is None or _PROGRESS.source != path:
        _PROGRESS = Progress(path)
    return _PROGRESS


def reset_progress(notebook: str | None = None) -> None:
    """Forget the results of one notebook (or all) and save."""
    store = progress()
    store.load()
    if notebook is None:
        store.results.clear()
    else:
        store.results.pop(quiz_path(notebook).stem, None)
    store.save()


def _ordered(notebook: str, recorded: dict, unanswered: bool) -> list[str]:
    """RETURNS (list[str]): question ids in bank order, then ids only found in `recorded`."""
    try:
        bank = [q.id for q in load_quiz(notebook)]
    except QuizError:
        bank = []
    shown = bank if unanswered else [qid for qid in bank if qid in recorded]
    return shown + sorted(set(recorded) - set(bank))


def summary(notebook: str | None = None) -> pd.DataFrame:
    """Results table; shown as a table when it is the last line of a cell.

    notebook (str | None): one notebook (its unanswered questions included), or None for all.
    RETURNS (pd.DataFrame): columns question, attempts, correct, first_try_correct.
    """
    store = progress()
    store.load()
    if notebook is None:
        names, unanswered = sorted(store.results), False
    else:
        try:
            names = [quiz_path(notebook).stem]
        except QuizError:
            names = [re.sub(r"\.ipynb$", "", notebook)]
        unanswered = True
    ids = [(nb, qid) for nb in names for qid in _ordered(nb, store.results.get(nb, {}), unanswered)]
    empty = {"attempts": 0, "correct": False, "first_try_correct": False}
    rows = [[qid] + [store.results.get(nb, {}).get(qid, empty)[c] for c in COLUMNS[1:]]
            for nb, qid in ids]
    return pd.DataFrame(rows, columns=COLUMNS).astype(
        {"attempts": int, "correct": bool, "first_try_correct": bool})


# --- rendering -----------------------------------------------------------------------

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASK = {"single": "answer with one letter",
        "multiple": "select all that apply: answer with one or more letters, e.g. A, C",
        "numeric": "answer with a number"}
_OK, _NO, _INFO = "color:#1a7f37", "color:#b3261e", "color:#555"


def _html(text: str) -> str:
    """Escape text for HTML; `code` becomes <code>, newlines become <br>."""
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))
    return escaped.replace("\n", "<br>")


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, width=88, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False)


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
        lines += [_wrap(f"Answer key: {answer_text(question)}"),
                  _wrap(f"Explanation: {question.explanation}"),
                  _wrap(f"Common mistake: {question.common_mistake}")]
    return "\n".join(lines)


class QuizWidget(widgets.VBox):
    """One question as a form: options, Check and Hint buttons, and HTML feedback.

    question (Question): what to ask.
    number (int | None): position shown in the title.
    Headless use: `w.select("B")` or `w.set_answer(0.6)`, then `w.check_button.click()`,
    then read `w.feedback.value`. The text/plain repr is `render_text()` (deterministic).
    """

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
            self.checkboxes = [widgets.Checkbox(value=False, description=letter, indent=False,
                                                layout=widgets.Layout(width="auto"))
                               for letter, _ in letters]
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

    # -- headless API --
    def select(self, *choices: int | str) -> None:
        """Select option(s) by 0-based index, letter or exact text (numeric: the value)."""
        if self.question.kind == "numeric":
            self.set_answer(float(choices[0]))
            return
        chosen = {self._index(c) for c in choices}
        if self.choices is not None:
            if len(chosen) != 1:
                raise QuizError("Q011", qid=self.question.id, choice=choices)
            self.choices.value = chosen.pop()
        else:
            for i, box in enumerate(self.checkboxes):
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
                self._result += (f'<p style="{_INFO}">Try again — the explanation appears after '
                                 f'{left} more wrong {"try" if left == 1 else "tries"}.</p>')
        try:
            store = progress()
            store.record(self.notebook, q.id, correct)
            self._notes += store.pop_notes()
        except Exception as err:  # noqa: BLE001 - tracking must never break the quiz
            self._notes.append(f"Progress was not recorded ({err}).")
        self._refresh()
        return correct

    def show_hint(self) -> None:
        """Add the hint to the feedback area."""
        self._hint = f'<p style="{_INFO}">💡 <b>Hint:</b> {_html(self.question.hint)}</p>'
        self._refresh()

    def _judge(self) -> tuple[bool, str]:
        q = self.question
        if q.kind == "numeric":
            return self._judge_number(self.number_input.value)
        chosen = self.selected()
        right = set(q.correct_indices)
        if q.kind == "single":
            i = chosen[0]
            mark = f'<span style="{_OK}">✓ Correct!</span>' if i in right else \
                f'<span style="{_NO}">✗ Not yet.</span>'
            return i in right, f"<p>{mark} <b>{_html(_label(q, i))}</b> — {_html(q.options[i].feedback)}</p>"
        correct = set(chosen) == right
        missing = sorted(right - set(chosen))
        hits = len(right & set(chosen))
        if correct:
            head = f'<span style="{_OK}">✓ Correct!</span> You found all {len(right)} right options.'
        elif hits:
            head = (f'<span style="{_NO}">✗ Not yet — partly right:</span> {hits} of {len(right)} '
                    f"right options selected.")
        else:
            head = f'<span style="{_NO}">✗ Not yet.</span>'
        items = "".join(
            f'<li><span style="{_OK if i in right else _NO}">{"✓" if i in right else "✗"}</span> '
            f"<b>{_html(_label(q, i))}</b> — {_html(q.options[i].feedback)}</li>" for i in chosen)
        tail = ""
        if missing:
            tail = f"<p>{len(missing)} right option{'s are' if len(missing) > 1 else ' is'} still missing.</p>"
        return correct, f"<p>{head}</p><ul>{items}</ul>{tail}"

    def _judge_number(self, value: float) -> tuple[bool, str]:
        q = self.question
        if math.isnan(value):
            return False, f'<p><span style="{_NO}">✗ Not yet.</span> Enter a number.</p>'
        if abs(value - q.answer) <= q.tolerance + 1e-9:
            return True, f'<p><span style="{_OK}">✓ Correct!</span> {value:g} is right.</p>'
        for wrong in q.wrong_answers:
            if abs(value - wrong.value) <= q.tolerance + 1e-9:
                return False, f'<p><span style="{_NO}">✗ Not yet.</span> {_html(wrong.feedback)}</p>'
        extra = ""
        if q.answer and abs(value - q.answer * 100) <= q.tolerance * 100 + 1e-9:
            extra = " It looks like a percentage: give it as a fraction between 0 and 1."
        return False, (f'<p><span style="{_NO}">✗ Not yet.</span> {value:g} is not within '
                       f"± {q.tolerance:g} of the answer.{extra}</p>")

    def _refresh(self) -> None:
        parts = [self._result, self._hint]
        if self.revealed:
            q = self.question
            if not self.solved:
                parts.append(f"<p><b>Answer:</b> {_html(answer_text(q))}</p>")
            parts.append(f"<p><b>Explanation:</b> {_html(q.explanation)}</p>"
                         f"<p><b>Common mistake:</b> {_html(q.common_mistake)}</p>")
        parts += [f'<p style="{_NO}">⚠ {_html(note)}</p>' for note in self._notes]
        self.feedback.value = "".join(parts)

    def _index(self, choice: int | str) -> int:
        options = self.question.options
        if isinstance(choice, int) and not isinstance(choice, bool) and 0 <= choice < len(options):
            return choice
        if isinstance(choice, str):
            texts = [o.text.strip().casefold() for o in options]
            if choice.strip().casefold() in texts:
                return texts.index(choice.strip().casefold())
            if len(choice.strip()) == 1 and choice.strip().upper() in LETTERS[:len(options)]:
                return LETTERS.index(choice.strip().upper())
        raise QuizError("Q011", qid=self.question.id, choice=choice)

    def _prompt_html(self) -> str:
        q = self.question
        title = f"Question {self.number}" if self.number else "Question"
        ask = {"single": "", "multiple": " <i>(select all that apply)</i>",
               "numeric": " <i>(enter a number)</i>"}[q.kind]
        options = "".join(f"<div><b>{LETTERS[i]}.</b> {_html(o.text)}</div>"
                          for i, o in enumerate(q.options))
        return (f'<div><b>{title}</b> <span style="{_INFO}">({_html(q.id)})</span></div>'
                f"<div>{_html(q.prompt)}{ask}</div>{options}")

    def _key_html(self) -> str:
        q = self.question
        return (f'<div style="border-left:3px solid #888;padding-left:8px">'
                f"<b>Answer key:</b> {_html(answer_text(q))}<br>"
                f"<b>Explanation:</b> {_html(q.explanation)}<br>"
                f"<b>Common mistake:</b> {_html(q.common_mistake)}</div>")


def build(notebook: str, question_id: str | None = None) -> list[QuizWidget]:
    """Build the widgets for a notebook's quiz (or one question) without displaying them.

    RETURNS (list[QuizWidget]). RAISES QuizError: Q001 (no quiz), Q012 (no such question).
    """
    questions = load_quiz(notebook)
    numbered = list(enumerate(questions, 1))
    if question_id is not None:
        numbered = [(n, q) for n, q in numbered if q.id == question_id]
        if not numbered:
            raise QuizError("Q012", notebook=notebook, qid=question_id,
                            choices=", ".join(q.id for q in questions))
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

    notebook (str): e.g. "04_evaluation".
    question_id (str | None): show only this question.
    """
    quizzes = build(notebook, question_id)
    if _in_kernel():
        from IPython.display import display

        display(*quizzes)
    else:
        print("\n\n".join(w.render_text() for w in quizzes))


def quiz(notebook: str, question_id: str | None = None) -> None:
    """Alias of `show`: `quiz("04_evaluation")` at the end of a notebook."""
    show(notebook, question_id)
