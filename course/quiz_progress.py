"""Quiz results: attempts per question, kept in memory and saved atomically as JSON.

COURSE_PROGRESS_FILE names the file (default ./.course_progress.json; "" keeps results in
memory only). A corrupt file is moved aside to NAME.bak (NAME.2.bak, ... if that exists:
no backup is ever overwritten); a failed save becomes a note shown in the widget, never a crash.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .files import atomic_write_text
from .quiz_bank import COLUMNS, QuizError, _note, load_quiz, quiz_path


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
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as err:
            # RecursionError: json gives up on deeply nested input ([[[[...) instead of a ValueError
            backup: Path | str
            try:
                backup = _free_backup_name(self.path)
                os.replace(self.path, backup)
            except OSError:
                backup, self.path = "nowhere (it is left as it is; saving is off)", None
            self.notes.append(_note("N522", path=self.source, reason=type(err).__name__, backup=backup))

    def record(self, notebook: str, qid: str, correct: bool) -> dict[str, Any]:
        """Count one check. Once a question is answered correctly its record is final.

        RETURNS (dict): {"attempts", "correct", "first_try_correct"} for the question.
        """
        self.load()
        entry = self.results.setdefault(notebook, {}).setdefault(
            qid, {"attempts": 0, "correct": False, "first_try_correct": False}
        )
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
    rows = [[qid] + [store.results.get(nb, {}).get(qid, empty)[c] for c in COLUMNS[1:]] for nb, qid in ids]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"attempts": int, "correct": bool, "first_try_correct": bool})
