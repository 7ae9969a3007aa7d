"""The quiz bank: one YAML file per notebook, read and checked into Question objects.

Every malformed entry raises a QuizError (N510-N519, course/errors.py) naming the file,
the question id and the fix.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import CourseError, Errors

QUIZ_DIR = Path(__file__).parent / "quizzes"
KINDS = ("single", "multiple", "numeric")
MAX_TRIES = 3  # wrong tries before the explanation is revealed
COLUMNS = ["question", "attempts", "correct", "first_try_correct"]
_COMMON = {"id", "kind", "prompt", "hint", "explanation", "common_mistake"}
_ALLOWED = {
    "single": _COMMON | {"options"},
    "multiple": _COMMON | {"options"},
    "numeric": _COMMON | {"answer", "tolerance", "wrong_answers"},
}


class QuizError(CourseError, ValueError):
    """A quiz file or quiz call that can be fixed. `str(err)` is 'where: CODE message — hint'."""


def _note(code: str, **fields: Any) -> str:
    """RETURNS (str): a one-line warning text for a code that is reported, not raised (N522, N523)."""
    message, hint = getattr(Errors, code)
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
    """Find the quiz file for a notebook: "05_evaluation", "05_evaluation.ipynb" or "04".

    RETURNS (Path): the YAML file. RAISES QuizError: N510 if there is none.
    """
    folder = Path(directory or QUIZ_DIR)
    name = re.sub(r"\.(ipynb|ya?ml)$", "", Path(str(notebook)).name)
    if (folder / f"{name}.yaml").is_file():
        return folder / f"{name}.yaml"
    matches = [n for n in available_quizzes(folder) if n.startswith(f"{name}_")]
    if len(matches) == 1:
        return folder / f"{matches[0]}.yaml"
    raise QuizError("N510", notebook=notebook, choices=", ".join(available_quizzes(folder)))


def load_quiz(notebook: str, directory: Path | str | None = None) -> list[Question]:
    """Read and validate the quiz bank of one notebook.

    notebook (str): notebook name, e.g. "05_evaluation".
    directory (Path | str | None): folder with the YAML files; default course/quizzes.
    RETURNS (list[Question]): the questions in file order.
    RAISES QuizError: N510-N519, naming the file and the question id.
    """
    path = quiz_path(notebook, directory)
    where = str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise QuizError("N511", where=where, problem=f"cannot read YAML ({err})") from None
    if isinstance(data, dict) and data.get("notebook", path.stem) != path.stem:
        raise QuizError("N511", where=where, problem=f"`notebook: {data['notebook']}` does not match the file name")
    raw = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise QuizError("N511", where=where, problem="no `questions:` list")
    questions, seen = [], set()
    for n, item in enumerate(raw, 1):
        question = _parse_question(item, n, where, path.stem)
        if question.id in seen:
            raise QuizError("N518", where=where, qid=question.id)
        seen.add(question.id)
        questions.append(question)
    return questions


def _parse_question(item: Any, n: int, where: str, notebook: str) -> Question:
    """Validate one raw YAML question. RETURNS (Question)."""
    if not isinstance(item, dict):
        raise QuizError("N511", where=where, problem=f"question {n} is not a mapping")
    qid = str(item.get("id") or f"#{n}")
    kind = item.get("kind")
    for name in ("id", "kind", "prompt", "hint", "explanation", "common_mistake"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            raise QuizError("N512", where=where, qid=qid, field=name)
    if kind not in KINDS:
        raise QuizError("N513", where=where, qid=qid, kind=kind)
    unknown = sorted(set(item) - _ALLOWED[kind])
    if unknown:
        raise QuizError(
            "N519",
            where=where,
            qid=qid,
            fields=", ".join(unknown),
            kind=kind,
            allowed=", ".join(sorted(_ALLOWED[kind])),
        )
    text = {k: item[k].strip() for k in ("prompt", "hint", "explanation", "common_mistake")}
    if kind == "numeric":
        answer = _number(item.get("answer"), "answer", where, qid)
        tolerance = _number(item.get("tolerance"), "tolerance", where, qid)
        if tolerance < 0:
            raise QuizError("N517", where=where, qid=qid, field="tolerance", value=tolerance)
        wrong = []
        for entry in item.get("wrong_answers") or []:
            entry = entry if isinstance(entry, dict) else {}
            value = _number(entry.get("value"), "wrong_answers.value", where, qid)
            if not isinstance(entry.get("feedback"), str) or not entry["feedback"].strip():
                raise QuizError("N512", where=where, qid=qid, field="wrong_answers.feedback")
            wrong.append(WrongAnswer(value, entry["feedback"].strip()))
        return Question(
            item["id"],
            kind,
            options=(),
            answer=answer,
            tolerance=tolerance,
            wrong_answers=tuple(wrong),
            notebook=notebook,
            **text,
        )
    options = []
    raw_options = item.get("options")
    if not isinstance(raw_options, list) or len(raw_options) < 2:
        raise QuizError("N516", where=where, qid=qid, n="-", problem="needs a list of >= 2 options")
    for i, opt in enumerate(raw_options, 1):
        if not isinstance(opt, dict) or not str(opt.get("text") or "").strip():
            raise QuizError("N516", where=where, qid=qid, n=i, problem="missing `text`")
        if not isinstance(opt.get("feedback"), str) or not opt["feedback"].strip():
            raise QuizError("N516", where=where, qid=qid, n=i, problem="missing `feedback`")
        if not isinstance(opt.get("correct", False), bool) or set(opt) - {"text", "correct", "feedback"}:
            raise QuizError(
                "N516",
                where=where,
                qid=qid,
                n=i,
                problem="`correct` must be true/false; keys are text, correct, feedback",
            )
        options.append(Option(str(opt["text"]).strip(), opt.get("correct", False), opt["feedback"].strip()))
    n_correct = sum(o.correct for o in options)
    if kind == "single" and n_correct != 1:
        raise QuizError("N514", where=where, qid=qid, n=n_correct)
    if kind == "multiple" and n_correct < 1:
        raise QuizError("N515", where=where, qid=qid)
    return Question(item["id"], kind, options=tuple(options), notebook=notebook, **text)


def _number(value: Any, field: str, where: str, qid: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise QuizError("N517", where=where, qid=qid, field=field, value=value)
    return float(value)
