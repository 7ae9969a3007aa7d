"""A learner's progress: quiz attempts and exercise checks, saved atomically as one JSON file.

COURSE_PROGRESS_FILE names the file (default ./.course_progress.json; "" keeps results in
memory only). Nothing is written anywhere else: saves go through a temp file beside it, and a
corrupt file is moved aside to NAME.bak (NAME.2.bak, ... if that exists: no backup is ever
overwritten). A failed save becomes a note shown in the widget, never a crash.

The file (format version 2; `FORMAT`, `FORMAT_VERSION`)::

    {"format": "ner-course-progress", "version": 2, "course_version": "0.1.0",
     "learner": "ada.l",                       # set_learner() or COURSE_LEARNER; null if unset
     "results": {"00_welcome": {"00-offline": {"attempts": 2, "correct": true,
                  "first_try_correct": false, "hints": 1, "wrong_choices": {"B": 1}}}},
     "exercises": {"01.1": {"attempts": 3, "passed": true}}}

`wrong_choices` counts the options of wrong tries ("B", "A+C" for select-all, the number for a
numeric question); the right answer is never stored. Once a question is answered correctly or
an exercise passes, its record is final. Format 1 files (`{"version": 1, "results": ...}`, no
learner, hints or exercises) still load and are saved as format 2; a file from a newer format
is left untouched and saving is turned off (N601).
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import __version__
from .errors import CourseError
from .files import atomic_write_text
from .quiz_bank import COLUMNS, QuizError, _note, load_quiz, quiz_path

FORMAT = "ner-course-progress"
FORMAT_VERSION = 2
MAX_LEARNER = 80  # characters of a learner name or id


class ProgressError(CourseError, ValueError):
    """A progress call or file that cannot be used as it is (N600-N612)."""


def _new_entry() -> dict[str, Any]:
    return {"attempts": 0, "correct": False, "first_try_correct": False, "hints": 0, "wrong_choices": {}}


@dataclass
class Snapshot:
    """What one progress file holds. format_version (int): 1 (old, no learner) or 2."""

    format_version: int
    course_version: str | None
    learner: str | None
    results: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    exercises: dict[str, dict[str, Any]] = field(default_factory=dict)


class NewerFormat(ProgressError):
    """A progress file written by a newer course (its format version is above ours): N609."""


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def parse(data: Any) -> Snapshot:
    """Check the structure of a decoded progress file.

    data (Any): the decoded JSON.
    RETURNS (Snapshot): its content, format 1 entries filled with zero hints and no choices.
    RAISES NewerFormat: for a format version above FORMAT_VERSION. RAISES ValueError (or
        KeyError, TypeError, AttributeError): naming what is wrong, for anything else.
    """
    if not isinstance(data, dict):
        raise ValueError(f"a JSON {type(data).__name__}, not an object")
    version = data.get("version", 1)
    if data.get("format", FORMAT) != FORMAT or not _is_count(version):
        raise ValueError("not a progress file of this course")
    if version > FORMAT_VERSION:
        raise NewerFormat("N609", found=f"progress format version {version}")
    results = data["results"]
    for entries in results.values():
        for entry in entries.values():
            if not all(_is_count(entry.get(key)) for key in ("attempts", *(("hints",) if version > 1 else ()))):
                raise ValueError("unexpected structure")
            entry.setdefault("hints", 0)
            choices = entry.setdefault("wrong_choices", {})
            if not all(isinstance(k, str) and _is_count(v) for k, v in choices.items()):
                raise ValueError("unexpected structure")
            if not isinstance(entry.get("correct"), bool) or not isinstance(entry.get("first_try_correct"), bool):
                raise ValueError("unexpected structure")
    exercises = data.get("exercises", {}) if version > 1 else {}
    if not all(_is_count(e.get("attempts")) and isinstance(e.get("passed"), bool) for e in exercises.values()):
        raise ValueError("unexpected structure")
    learner = data.get("learner") if version > 1 else None
    course_version = data.get("course_version") if version > 1 else None
    if not (learner is None or isinstance(learner, str)) or not (
        course_version is None or isinstance(course_version, str)
    ):
        raise ValueError("unexpected structure")
    return Snapshot(version, course_version, learner, results, exercises)


def check_learner(name: str) -> str:
    """RETURNS (str): the name without surrounding spaces. RAISES ProgressError: N600 if unusable."""
    cleaned = name.strip() if isinstance(name, str) else ""
    controls = any(unicodedata.category(ch).startswith("C") for ch in cleaned)
    if not cleaned or len(cleaned) > MAX_LEARNER or controls:
        raise ProgressError("N600", name=repr(name)[:100], limit=MAX_LEARNER)
    return cleaned


class Progress:
    """One learner's results, kept in memory and saved atomically as JSON.

    path (Path | None): the JSON file, or None to keep results in memory only.
    course_version (str | None): stored with every save; default: this course's version.
    """

    def __init__(self, path: Path | None, course_version: str | None = None) -> None:
        self.source, self.path = path, path
        self.course_version = course_version or __version__
        self.learner: str | None = None
        self.results: dict[str, dict[str, dict[str, Any]]] = {}
        self.exercises: dict[str, dict[str, Any]] = {}
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
            snapshot = parse(json.loads(self.path.read_text(encoding="utf-8")))
            self.results, self.exercises, self.learner = snapshot.results, snapshot.exercises, snapshot.learner
        except NewerFormat as err:
            self.notes.append(_note("N601", path=self.source, found=err.fields["found"]))
            self.path = None
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
            # RecursionError: json gives up on deeply nested input ([[[[...) instead of a ValueError
            backup: Path | str
            try:
                backup = _free_backup_name(self.path)
                os.replace(self.path, backup)
            except OSError:
                backup, self.path = "nowhere (it is left as it is; saving is off)", None
            self.notes.append(_note("N522", path=self.source, reason=type(err).__name__, backup=backup))

    def record(self, notebook: str, qid: str, correct: bool, choice: str | None = None) -> dict[str, Any]:
        """Count one check of a quiz question. Once it is answered correctly its record is final.

        choice (str | None): what a wrong try chose ("B", "A+C", "0.75"); right answers are not stored.
        RETURNS (dict): the question's record.
        """
        self.load()
        entry = self.results.setdefault(notebook, {}).setdefault(qid, _new_entry())
        if entry["correct"]:
            return entry
        entry["attempts"] += 1
        if correct:
            entry["correct"], entry["first_try_correct"] = True, entry["attempts"] == 1
        elif choice is not None:
            entry["wrong_choices"][choice] = entry["wrong_choices"].get(choice, 0) + 1
        self.save()
        return entry

    def record_hint(self, notebook: str, qid: str) -> None:
        """Count a press of a question's Hint button (before it is answered correctly)."""
        self.load()
        entry = self.results.setdefault(notebook, {}).setdefault(qid, _new_entry())
        if not entry["correct"]:
            entry["hints"] += 1
            self.save()

    def record_exercise(self, exercise_id: str, passed: bool) -> dict[str, Any]:
        """Count one check of an exercise; once it passed, its record is final.

        RETURNS (dict): {"attempts", "passed"} for the exercise.
        """
        self.load()
        entry = self.exercises.setdefault(exercise_id, {"attempts": 0, "passed": False})
        if not entry["passed"]:
            entry["attempts"] += 1
            entry["passed"] = bool(passed)
            self.save()
        return entry

    def set_learner(self, name: str) -> str:
        """Store the learner's name or id. RETURNS (str): it, stripped. RAISES ProgressError: N600."""
        self.load()
        self.learner = check_learner(name)
        self.save()
        return self.learner

    def who(self) -> str | None:
        """RETURNS (str | None): the stored learner, else COURSE_LEARNER (stored on the next save)."""
        self.load()
        if self.learner is None and os.environ.get("COURSE_LEARNER", "").strip():
            try:
                self.learner = check_learner(os.environ["COURSE_LEARNER"])
            except ProgressError as err:
                self.notes.append(f"COURSE_LEARNER is ignored: {err}")
        return self.learner

    def payload(self) -> dict[str, Any]:
        """RETURNS (dict): what `save` writes (format version 2)."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "course_version": self.course_version,
            "learner": self.who(),
            "results": self.results,
            "exercises": self.exercises,
        }

    def save(self) -> None:
        """Write everything (temp file + os.replace); failures become a note, not a crash."""
        if self.path is None:
            return
        text = json.dumps(self.payload(), indent=1, sort_keys=True, ensure_ascii=False)
        try:
            atomic_write_text(self.path, text + "\n")
        except Exception as err:  # noqa: BLE001 - a quiz must never crash on saving
            note = _note("N523", path=self.path, reason=getattr(err, "strerror", None) or err)
            if note not in self.notes:
                self.notes.append(note)

    def pop_notes(self) -> list[str]:
        """RETURNS (list[str]): warnings not shown yet (then forgets them)."""
        notes, self.notes = self.notes, []
        return notes


def _free_backup_name(path: Path, limit: int = 1000) -> Path:
    """RETURNS (Path): NAME.bak, else NAME.2.bak, NAME.3.bak ...: a backup never replaces an older one.

    RAISES OSError: if `limit` backups exist already.
    """
    for n in range(1, limit + 1):
        candidate = path.with_name(f"{path.name}.bak" if n == 1 else f"{path.name}.{n}.bak")
        if not os.path.lexists(candidate):
            return candidate
    raise OSError(f"{limit} backups of {path.name} exist already")


_PROGRESS: Progress | None = None


def progress() -> Progress:
    """RETURNS (Progress): the store for the current COURSE_PROGRESS_FILE setting."""
    global _PROGRESS
    setting = os.environ.get("COURSE_PROGRESS_FILE")
    path = None if setting == "" else Path(setting or ".course_progress.json").expanduser().absolute()
    if _PROGRESS is None or _PROGRESS.source != path:
        _PROGRESS = Progress(path)
    return _PROGRESS


def set_learner(name: str) -> str:
    """Store your name or id in your progress file, so an instructor's class report can list you.

    name (str): a name or id, at most 80 characters, e.g. "ada.l" or "s1234567".
    RETURNS (str): the stored name. RAISES ProgressError: N600 if it is empty or too long.
    """
    return progress().set_learner(name)


def status() -> str:
    """RETURNS (str): one line: who is recorded, in which file, and how much."""
    store = progress()
    who = store.who()
    answered = sum(len(nb) for nb in store.results.values())
    passed = sum(e["passed"] for e in store.exercises.values())
    where = f"saved in {store.path.name}" if store.path else "kept in memory only (not saved)"
    name = f"learner {who!r}" if who else "no learner name yet (set_learner or COURSE_LEARNER)"
    return f"Progress {where}; {name}; {answered} quiz question(s) tried, {passed} exercise(s) passed."


def reset_progress(notebook: str | None = None) -> None:
    """Forget the quiz results of one notebook (or all results, exercises included) and save."""
    store = progress()
    store.load()
    if notebook is None:
        store.results.clear()
        store.exercises.clear()
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
    """Your quiz results; shown as a table when it is the last line of a cell.

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
    empty = _new_entry()
    rows = [[qid] + [store.results.get(nb, {}).get(qid, empty)[c] for c in COLUMNS[1:]] for nb, qid in ids]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"attempts": int, "correct": bool, "first_try_correct": bool})


def exercise_summary() -> pd.DataFrame:
    """Your exercise checks, in id order.

    RETURNS (pd.DataFrame): columns exercise, attempts, passed (exercises you checked at least once).
    """
    store = progress()
    store.load()
    rows = [[eid, e["attempts"], e["passed"]] for eid, e in sorted(store.exercises.items())]
    return pd.DataFrame(rows, columns=["exercise", "attempts", "passed"]).astype({"attempts": int, "passed": bool})
