"""The annotator's memory: posts, spans, suggestions, undo, and crash-safe saving.

`Session` is everything `course.annotator.Annotator` does without the buttons, so it
can be tested and scripted. Each post is one canonical record with a few extra keys:

    {"text": "...", "entities": [[start, end, "LABEL"]], "status": "todo" | "done" | "skipped",
     "suggestions": [[start, end, "LABEL", confidence]]}

`entities` are the decisions a person made; `suggestions` are the model's proposals
waiting to be accepted or rejected. Every change is validated with
`course.annotations.validate` first (a rejected change leaves a message, never an
exception) and then the whole file is rewritten atomically with `course.files`
(temp file, fsync, `os.replace`), so a crash mid-save leaves the previous version.
The current position lives in a small sidecar `<name>.state.json`, written the same
way; without it the session resumes at the first post still "todo".
"""
from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from .annotations import Record, validate
from .errors import CourseError, FormatError, Problem
from .files import atomic_write_text
from .formats import load
from .settings import LABELS

STATUSES = ("todo", "done", "skipped")


class AnnotatorError(CourseError, ValueError):
    """An annotation file or request the annotator cannot work with."""


def _note(code: str, **fields: Any) -> str:
    """RETURNS (str): '✗ CODE message — hint' for the status line."""
    return "✗ " + CourseError(code, **fields).line()


def _problem_line(problem: Problem) -> str:
    """RETURNS (str): a validation problem as a status line, without file and line."""
    return f"✗ {problem.code} {problem.message} — {problem.hint}"


class Session:
    """Annotate posts one at a time; every change is validated and saved at once.

    path (str | PathLike): the JSONL file. If it exists, the session resumes from it and
        `posts` is ignored; otherwise it is created from `posts`.
    posts (Sequence[str | Record] | None): texts, or records (e.g. from
        `course.active.pre_annotate`) with optional "entities" and "suggestions".
    labels (Iterable[str]): the labels a span may have.
    nlp (Language | None): tokenizer that defines token boundaries (blank English if None).
    RAISES AnnotatorError: E456 if the file has annotation problems, E457 if there is nothing to annotate.
    RAISES FormatError: E203 if a line of the file is not JSON.
    """

    def __init__(self, path: str | os.PathLike, posts: Sequence[str | Record] | None = None, *,
                 labels: Iterable[str] = LABELS, nlp: Language | None = None) -> None:
        self.path = Path(path)
        self.state_path = self.path.with_suffix(".state.json")
        self.labels = tuple(labels)
        self.nlp = nlp or spacy.blank("en")
        self.message = ""
        self.saved = True
        self._undo: list[tuple[int, Record]] = []
        if self.path.exists():
            loaded = load(self.path, "jsonl")
            if loaded.problems:
                raise FormatError("E203", where=f"{self.path.name}:{loaded.problems[0].line}",
                                  reason=loaded.problems[0].message)
            self.records = [self._normalise(r) for r in loaded.records]
            self._check(self.records, loaded.lines)
            self.position = self._resume_position()
            self.message = f"resumed {self.path.name}: {self.progress_text()}"
        else:
            if not posts:
                raise AnnotatorError("E457", path=self.path.name)
            self.records = [self._normalise(p) for p in posts]
            self._check(self.records, None)
            self.position = 0
            self._save()
            self.message = f"new file {self.path.name}: {len(self.records)} post(s) to annotate"

    # --- reading -----------------------------------------------------------------------
    @property
    def record(self) -> Record:
        """RETURNS (Record): the post being annotated (do not change it directly)."""
        return self.records[self.position]

    def tokens(self) -> list[tuple[str, int, int]]:
        """RETURNS (list[tuple[str, int, int]]): (text, start char, end char) of each token."""
        return [(t.text, t.idx, t.idx + len(t)) for t in self.nlp.make_doc(self.record["text"])]

    def token_span(self, start: int, end: int) -> tuple[int, int] | None:
        """RETURNS (tuple | None): the token range [first, last + 1) of chars [start, end)."""
        span = self.nlp.make_doc(self.record["text"]).char_span(start, end)
        return None if span is None else (span.start, span.end)

    def progress(self) -> tuple[int, int]:
        """RETURNS (tuple[int, int]): (posts not "todo" any more, all posts)."""
        return sum(r["status"] != "todo" for r in self.records), len(self.records)

    def progress_text(self) -> str:
        done, total = self.progress()
        return f"post {self.position + 1} of {total} · {done} of {total} done"

    def annotated(self) -> list[Record]:
        """RETURNS (list[Record]): {"text", "entities"} of every post marked done, for training."""
        return [{"text": r["text"], "entities": [list(e) for e in r["entities"]]}
                for r in self.records if r["status"] == "done"]

    # --- changes -----------------------------------------------------------------------
    def add(self, start: int, end: int, label: str) -> bool:
        """Add the span over tokens [start, end) with `label`.

        RETURNS (bool): whether it was added; otherwise `message` says why (E450-E452,
            E101-E104 from validation, e.g. E103 for an overlap).
        """
        if label not in self.labels:
            return self.refuse("E451", label=label, choices=", ".join(self.labels))
        toks = self.tokens()
        if not 0 <= start < end <= len(toks):
            return self.refuse("E452", start=start, end=end, n=len(toks))
        span = [toks[start][1], toks[end - 1][2], label]
        new = {**self.record, "entities": self.record["entities"] + [span]}
        if not self._valid(new):
            return False
        new["suggestions"] = [s for s in new["suggestions"] if s[:2] != span[:2]]
        return self._apply(new, f"✓ added '{self._text(span)}' as {label}")

    def delete(self, index: int) -> bool:
        """Delete entity #index of the current post. RETURNS (bool): whether it was deleted."""
        ents = self.record["entities"]
        if not 0 <= index < len(ents):
            return self.refuse("E454", what="span", index=index, n=len(ents))
        span = ents[index]
        new = {**self.record, "entities": ents[:index] + ents[index + 1:]}
        return self._apply(new, f"✓ deleted '{self._text(span)}' ({span[2]})")

    def accept(self, index: int | None = None) -> bool:
        """Turn suggestion #index (None: every suggestion, in order) into an entity.

        A suggestion that would overlap an entity stays, and `message` says which.
        RETURNS (bool): whether anything was accepted.
        """
        sugg = self.record["suggestions"]
        if index is not None and not 0 <= index < len(sugg):
            return self.refuse("E454", what="suggestion", index=index, n=len(sugg))
        chosen = range(len(sugg)) if index is None else [index]
        new, kept, notes = {**self.record, "entities": list(self.record["entities"])}, [], []
        for i, s in enumerate(sugg):
            trial = {**new, "entities": new["entities"] + [list(s[:3])]}
            report = validate([trial], self.nlp, self.labels) if i in chosen else None
            if report is not None and report.ok:
                new = trial
            else:
                kept.append(s)
                if report is not None:
                    notes.append(_problem_line(report.problems[0]))
        new["suggestions"] = kept
        n = len(new["entities"]) - len(self.record["entities"])
        if not n:
            self.message = " ".join(notes) or "nothing to accept"
            return False
        ok = self._apply(new, f"✓ accepted {n} suggestion(s)")
        self.message = " ".join([self.message, *notes])
        return ok

    def reject(self, index: int | None = None) -> bool:
        """Drop suggestion #index (None: all of them). RETURNS (bool): whether any was dropped."""
        sugg = self.record["suggestions"]
        if index is not None and not 0 <= index < len(sugg):
            return self.refuse("E454", what="suggestion", index=index, n=len(sugg))
        kept = [] if index is None else sugg[:index] + sugg[index + 1:]
        if len(kept) == len(sugg):
            self.message = "no suggestions to reject"
            return False
        return self._apply({**self.record, "suggestions": kept}, f"✓ rejected {len(sugg) - len(kept)} suggestion(s)")

    def set_status(self, status: str) -> bool:
        """Mark the current post "done", "skipped" or "todo" again. RETURNS (bool)."""
        if status not in STATUSES:
            return self.refuse("E459", name=status, choices=", ".join(STATUSES))
        pending = len(self.record["suggestions"])
        extra = f" ({pending} suggestion(s) not accepted, kept aside)" if pending and status == "done" else ""
        return self._apply({**self.record, "status": status},
                           f"✓ post {self.position + 1} marked {status} with {len(self.record['entities'])} span(s){extra}")

    def undo(self) -> bool:
        """Revert the last change (and go back to its post). RETURNS (bool): whether one was undone."""
        if not self._undo:
            return self.refuse("E455")
        self.position, before = self._undo.pop()
        self.records[self.position] = before
        self._save()
        if self.saved:
            self.message = f"✓ undone (post {self.position + 1})"
        return True

    # --- moving ------------------------------------------------------------------------
    def goto(self, index: int) -> bool:
        """Show post #index (0-based). RETURNS (bool): whether it exists."""
        if not 0 <= index < len(self.records):
            return self.refuse("E454", what="post", index=index, n=len(self.records))
        self.position = index
        self._save_state()
        self.message = self.progress_text()
        return True

    def next_todo(self) -> int:
        """RETURNS (int): the next post still "todo" after the current one (wrapping), or the next post."""
        n = len(self.records)
        for step in range(1, n + 1):
            if self.records[(self.position + step) % n]["status"] == "todo":
                return (self.position + step) % n
        return min(self.position + 1, n - 1)

    # --- internals ---------------------------------------------------------------------
    def _normalise(self, post: str | Record) -> Record:
        post = {"text": post} if isinstance(post, str) else post
        rec = {"text": post.get("text"), "entities": post.get("entities", []), "status": post.get("status", "todo"),
               "suggestions": post.get("suggestions", []), **post}
        if rec["status"] not in STATUSES:
            raise AnnotatorError("E459", name=rec["status"], choices=", ".join(STATUSES))
        return rec

    def _check(self, records: list[Record], lines: list[int] | None) -> None:
        report = validate(records, self.nlp, self.labels, source=self.path.name, lines=lines)
        if not report.ok:
            raise AnnotatorError("E456", path=self.path.name, count=len({p.index for p in report.problems}),
                                 first=report.problems[0].format())

    def _text(self, span: Sequence) -> str:
        return self.record["text"][span[0]:span[1]]

    def _valid(self, record: Record) -> bool:
        report = validate([record], self.nlp, self.labels)
        if report.ok:
            return True
        self.message = _problem_line(report.problems[0])
        return False

    def refuse(self, code: str, **fields: Any) -> bool:
        """Refuse an action: set `message` to the coded error. RETURNS (bool): False."""
        self.message = _note(code, **fields)
        return False

    def _apply(self, new: Record, message: str) -> bool:
        new["entities"] = sorted(new["entities"], key=lambda e: (e[0], e[1]))  # reading order, as in data/
        self._undo.append((self.position, copy.deepcopy(self.record)))
        self.records[self.position] = new
        self.message = message
        self._save()
        return True

    def _resume_position(self) -> int:
        try:
            position = json.loads(self.state_path.read_text(encoding="utf-8"))["position"]
            if isinstance(position, int) and 0 <= position < len(self.records):
                return position
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return next((i for i, r in enumerate(self.records) if r["status"] == "todo"), 0)

    def _save_state(self) -> None:
        try:
            atomic_write_text(self.state_path, json.dumps({"position": self.position}) + "\n")
        except FormatError:
            pass  # the position is a convenience: resuming falls back to the first "todo" post

    def _save(self) -> bool:
        """Write every record, then the position. RETURNS (bool): whether the records were saved."""
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records)
        try:
            atomic_write_text(self.path, text)
        except FormatError as err:
            self.saved = False
            self.message = _note("E458", reason=err.fields.get("reason", err.code))
            return False
        self.saved = True
        self._save_state()
        return True

    def save(self) -> bool:
        """Write everything now (changes are saved automatically; use this after a failed save)."""
        ok = self._save()
        if ok:
            self.message = f"✓ saved {self.path.name}"
        return ok
