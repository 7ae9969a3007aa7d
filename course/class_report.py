"""The instructor's class report: many learners' progress files in, one table and a difficulty view out.

`build(folder)` reads every file under `folder` (subfolders too: an LMS download often puts
each learner in a folder of their own; hidden folders and hidden files other than JSON, such as
.DS_Store, are skipped) and never writes to it. A file is
left out, with a coded line naming it, when it cannot be read (N606), is not a progress file of
this course (N607), is in the old format without a learner (N608), comes from a newer progress
format (N609), has no learner name (N610), comes from another course version (N611), or holds a
learner already read from another file (N612; files are read in path order, the first is kept).

Conventions:

- A notebook's score is the share of its items a learner has solved, in percent with one
  decimal: quiz questions answered correctly (on any try) plus exercises passed, over the
  questions in its quiz bank plus the exercises registered for it. `score_total` is the same
  over the whole course. Items never tried count as not solved.
- Per question: `learners` is how many tried it at least once; `first_try` is the share of
  those who were right on their first try; `hints` the share who pressed Hint before solving;
  `most_wrong` is the wrong choice the most learners made at least once (a tie goes to the
  earlier option), with `most_wrong_learners` how many. Questions nobody tried are left out.
- Learners are sorted by name (case-insensitive). Names are written as given, except that a
  leading = + - @ gets a ' in the CSV, so that no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .class_report_out import MANIFEST, OUTPUTS, is_ours, page, svg, write  # noqa: F401 - write is public here
from .errors import CourseError
from .quiz_bank import Question, available_quizzes, load_quiz
from .quiz_progress import FORMAT, NewerFormat, ProgressError, Snapshot, parse

MAX_BYTES = 5_000_000  # a progress file is a few KB; anything this large is not one
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
COUNTS = ["quiz_correct", "quiz_first_try", "quiz_attempts", "hints_used", "exercises_passed", "exercise_attempts"]
QUESTION_COLUMNS = ["notebook", "question", "learners", "first_try", "hints", "most_wrong", "most_wrong_learners"]


@dataclass(frozen=True)
class Catalogue:
    """What the course holds: quiz questions and exercises, per notebook, in course order."""

    notebooks: tuple[str, ...]
    questions: dict[str, tuple[Question, ...]]
    exercises: dict[str, tuple[str, ...]]

    def items(self, notebook: str) -> int:
        """RETURNS (int): quiz questions plus exercises of `notebook`."""
        return len(self.questions.get(notebook, ())) + len(self.exercises.get(notebook, ()))


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """RETURNS (Catalogue): this course's quiz banks and exercise registry."""
    from . import exercises

    questions = {nb: tuple(load_quiz(nb)) for nb in available_quizzes()}
    by_notebook: dict[str, list[str]] = {}
    for eid, exercise in exercises.registry().items():
        by_notebook.setdefault(exercise.notebook, []).append(eid)
    notebooks = tuple(sorted(set(questions) | set(by_notebook)))
    return Catalogue(notebooks, questions, {nb: tuple(ids) for nb, ids in by_notebook.items()})


@dataclass(frozen=True)
class Learner:
    """One learner's progress, as read from `file` (a path relative to the folder)."""

    file: str
    snapshot: Snapshot

    @property
    def name(self) -> str:
        return self.snapshot.learner or ""


@dataclass
class ClassReport:
    """The report: `learners` (one row each), `questions` (difficulty), `problems` (files left out).

    folder (str): the folder as the caller named it; problem lines start with folder/file.
    """

    folder: str
    learners: pd.DataFrame
    questions: pd.DataFrame
    problems: list[CourseError] = field(default_factory=list)
    files_read: int = 0

    def lines(self) -> list[str]:
        """RETURNS (list[str]): one 'FILE: CODE message — hint' line per file left out."""
        return [problem.line() for problem in self.problems]

    def to_csv(self) -> str:
        """RETURNS (str): the learners table as CSV (UTF-8 text, a header row, no index)."""
        table = self.learners.copy()
        table["learner"] = [("'" + n) if n[:1] in {"=", "+", "-", "@", "\t", "\r"} else n for n in table["learner"]]
        buffer = io.StringIO()
        table.to_csv(buffer, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        return buffer.getvalue()

    def to_html(self) -> str:
        """RETURNS (str): a self-contained page: learners table, difficulty table, an inline SVG plot."""
        return page(self)

    def svg(self) -> str:
        """RETURNS (str): the difficulty plot (share right on the first try per question) as inline SVG."""
        return svg(self.questions)

    def plot(self, ax: Any = None) -> Any:
        """Draw the difficulty plot with matplotlib. RETURNS (Axes)."""
        import matplotlib.pyplot as plt

        q = self.questions.iloc[::-1]
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.3 * max(len(q), 3) + 1))
        ax.barh(q["question"], q["first_try"], color="#4c72b0")
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of learners right on the first try")
        ax.set_title(f"Right on the first try, per question ({len(self.learners)} learners)")
        return ax

    def _repr_html_(self) -> str:
        return self.learners.to_html(index=False)


def _problem(code: str, file: str, folder: str, **fields: Any) -> CourseError:
    where = f"{folder.rstrip('/')}/{file}" if folder else file
    return ProgressError(code, where=where, **fields)


def _read(path: Path) -> Snapshot | tuple[str, dict[str, Any]]:
    """RETURNS (Snapshot | tuple): the file's content, or (code, fields) saying why it is left out."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return "N607", {"reason": f"{path.stat().st_size} bytes, far larger than a progress file"}
        raw = path.read_bytes()
    except OSError as err:
        return "N606", {"reason": err.strerror or type(err).__name__}
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "N607", {"reason": "not UTF-8 text"}
    except (ValueError, RecursionError):
        return (
            ("N606", {"reason": "broken JSON"})
            if raw.lstrip()[:1] in (b"{", b"[")
            else ("N607", {"reason": "not JSON"})
        )
    if not isinstance(data, dict) or ("results" not in data and data.get("format") != FORMAT):
        return "N607", {"reason": "no quiz results in it"}
    try:
        return parse(data)
    except NewerFormat as err:
        return "N609", {"found": err.fields["found"]}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        reason = str(err) if isinstance(err, ValueError) else "unexpected structure"
        return ("N607" if "not a progress file" in reason else "N606"), {"reason": reason}


def _wanted(rel: Path) -> bool:
    """RETURNS (bool): whether to read a file: not in a hidden folder, and not hidden unless it is
    JSON (the notebooks save `.course_progress.json`); never the report's own manifest."""
    *folders, name = rel.parts
    if any(part.startswith(".") for part in folders) or name == MANIFEST:
        return False
    return not name.startswith(".") or name.endswith(".json")


def _unknown(snapshot: Snapshot, course: Catalogue) -> list[str]:
    """RETURNS (list[str]): question and exercise ids this course does not have."""
    known = {nb: {q.id for q in qs} for nb, qs in course.questions.items()}
    exercise_ids = {e for ids in course.exercises.values() for e in ids}
    odd = [f"{nb}/{qid}" for nb, qs in snapshot.results.items() for qid in qs if qid not in known.get(nb, set())]
    return odd + [eid for eid in snapshot.exercises if eid not in exercise_ids]


def read_folder(folder: Path, label: str = "") -> tuple[list[Learner], list[CourseError], int]:
    """Read every progress file under `folder`; keep one per learner.

    label (str): how problem lines name the folder (default: none, paths relative to it).
    RETURNS (tuple): (learners kept, problems of the files left out, number of files read).
    """
    course = catalogue()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and _wanted(p.relative_to(folder)))
    files = [p for p in files if not is_ours(p)]  # a report written into the folder itself
    kept: list[Learner] = []
    first: dict[str, str] = {}
    problems: list[CourseError] = []
    for path in files:
        rel = path.relative_to(folder).as_posix()
        got = _read(path)
        if isinstance(got, tuple):
            problems.append(_problem(got[0], rel, label, **got[1]))
            continue
        unknown = _unknown(got, course)
        key = (got.learner or "").strip().casefold()
        if got.format_version == 1:
            problems.append(_problem("N608", rel, label))
        elif unknown:
            reason = f"ids this course does not have: {', '.join(unknown[:3])}{' ...' if len(unknown) > 3 else ''}"
            problems.append(_problem("N607", rel, label, reason=reason))
        elif got.course_version != __version__:
            problems.append(_problem("N611", rel, label, found=got.course_version, expected=__version__))
        elif not key:
            problems.append(_problem("N610", rel, label))
        elif key in first:
            problems.append(_problem("N612", rel, label, learner=repr(got.learner), first=first[key]))
        else:
            first[key] = rel
            kept.append(Learner(rel, got))
    return kept, problems, len(files)


def learner_row(learner: Learner, course: Catalogue) -> dict[str, Any]:
    """RETURNS (dict): one CSV row: learner, score_total, score_<notebook> ..., the counts, file."""
    snap = learner.snapshot
    row: dict[str, Any] = {"learner": learner.name.strip()}
    solved_total = items_total = 0
    scores = {}
    for nb in course.notebooks:
        quiz = snap.results.get(nb, {})
        solved = sum(1 for q in course.questions.get(nb, ()) if quiz.get(q.id, {}).get("correct"))
        solved += sum(1 for e in course.exercises.get(nb, ()) if snap.exercises.get(e, {}).get("passed"))
        items = course.items(nb)
        scores[f"score_{nb}"] = round(100 * solved / items, 1) if items else 0.0
        solved_total, items_total = solved_total + solved, items_total + items
    row["score_total"] = round(100 * solved_total / items_total, 1) if items_total else 0.0
    row.update(scores)
    entries = [e for nb in snap.results.values() for e in nb.values()]
    row["quiz_correct"] = sum(e["correct"] for e in entries)
    row["quiz_first_try"] = sum(e["first_try_correct"] for e in entries)
    row["quiz_attempts"] = sum(e["attempts"] for e in entries)
    row["hints_used"] = sum(e["hints"] for e in entries)
    row["exercises_passed"] = sum(e["passed"] for e in snap.exercises.values())
    row["exercise_attempts"] = sum(e["attempts"] for e in snap.exercises.values())
    row["file"] = learner.file
    return row


def choice_text(question: Question, choice: str) -> str:
    """RETURNS (str): a stored choice as the learner saw it: 'B. text', 'A. … + C. …', or the number."""
    if question.kind == "numeric":
        return choice
    parts = []
    for letter in choice.split("+"):
        i = LETTERS.find(letter)
        parts.append(f"{letter}. {question.options[i].text}" if 0 <= i < len(question.options) else letter)
    return " + ".join(parts)


def difficulty(learners: list[Learner], course: Catalogue) -> pd.DataFrame:
    """RETURNS (pd.DataFrame): one row per question some learner tried, in course order (QUESTION_COLUMNS)."""
    rows = []
    for nb in course.notebooks:
        for question in course.questions.get(nb, ()):
            entries = [ln.snapshot.results.get(nb, {}).get(question.id) for ln in learners]
            tried = [e for e in entries if e and e["attempts"] > 0]
            if not tried:
                continue
            wrong: dict[str, int] = {}
            for e in tried:
                for choice in e["wrong_choices"]:
                    wrong[choice] = wrong.get(choice, 0) + 1
            top = min(wrong, key=lambda c: (-wrong[c], c)) if wrong else None
            rows.append(
                [
                    nb,
                    question.id,
                    len(tried),
                    round(sum(e["first_try_correct"] for e in tried) / len(tried), 3),
                    round(sum(e["hints"] > 0 for e in tried) / len(tried), 3),
                    choice_text(question, top) if top else "",
                    wrong[top] if top else 0,
                ]
            )
    return pd.DataFrame(rows, columns=QUESTION_COLUMNS)


def build(folder: str | Path, label: str | None = None) -> ClassReport:
    """Read a folder of progress files into a class report (the folder is only read).

    folder (str | Path): holds the learners' progress files, in any names and subfolders.
    label (str | None): how problem lines name the folder; default: `folder` as given.
    RETURNS (ClassReport): learners, question difficulty, and the files left out.
    RAISES ProgressError: N602 if `folder` is not a folder.
    """
    path = Path(folder)
    if not path.is_dir():
        raise ProgressError("N602", path=str(folder))
    course = catalogue()
    learners, problems, n_files = read_folder(path, str(folder) if label is None else label)
    learners.sort(key=lambda ln: (ln.name.strip().casefold(), ln.file))
    rows = [learner_row(ln, course) for ln in learners]
    columns = ["learner", "score_total", *(f"score_{nb}" for nb in course.notebooks), *COUNTS, "file"]
    table = pd.DataFrame(rows, columns=columns)
    return ClassReport(str(folder), table, difficulty(learners, course), problems, n_files)
