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
The current position lives in a small sidecar (`posts.jsonl` → `posts.state.json`; any
other name gets `NAME.state.json`, so `a.jsonl` and `a.json` never share one), written
the same way; without it the session resumes at the first post still "todo".

One writer per file: the session remembers the content (SHA-256) of the file as it last
read or wrote it, and before every save checks that the file still holds exactly that.
If another writer changed it (a re-run annotator cell, a second session, an edit by
hand), nothing is written (N474): the changes stay in memory and `save_as(new_path)`
writes them to a new file, so a confirmed annotation is never lost and never overwrites
someone else's.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
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
    RAISES AnnotatorError: N456 if the file has annotation problems, N457 if there is nothing
        to annotate, N475 a malformed suggestion, N476 `posts` or `labels` of the wrong kind,
        N477 a path reserved for position files, N478 the new file cannot be created.
    RAISES FormatError: N203 if a line of the file is not JSON.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        posts: Sequence[str | Record] | None = None,
        *,
        labels: Iterable[str] = LABELS,
        nlp: Language | None = None,
    ) -> None:
        self.path = Path(path)
        if self.path.name.endswith(".state.json"):
            raise AnnotatorError("N477", path=self.path.name)
        self.state_path = state_path_for(self.path)
        self.labels = _check_labels(labels)
        self.nlp = nlp or spacy.blank("en")
        self.message = ""
        self.saved = True
        self._undo: list[tuple[int, Record]] = []
        self._digest: str | None = None  # the file's content as this session last read or wrote it
        if self.path.exists():
            raw = _read_bytes(self.path)
            loaded = load(self.path, "jsonl")
            if loaded.problems:
                raise FormatError(
                    "N203", where=f"{self.path.name}:{loaded.problems[0].line}", reason=loaded.problems[0].message
                )
            self.records = [
                self._normalise(r, f"{self.path.name}:{line}") for r, line in zip(loaded.records, loaded.lines)
            ]
            self._check(self.records, loaded.lines)
            self._digest = _digest(raw)
            self.position = self._resume_position()
            self.message = f"resumed {self.path.name}: {self.progress_text()}"
        else:
            posts = _check_posts(posts, self.path.name)
            self.records = [self._normalise(p, f"post #{i}") for i, p in enumerate(posts)]
            self._check(self.records, None)
            self.position = 0
            if not self._save(new_file=True):
                raise AnnotatorError("N478", path=self.path.name, reason=self._last_reason)
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
        return [
            {"text": r["text"], "entities": [list(e) for e in r["entities"]]}
            for r in self.records
            if r["status"] == "done"
        ]

    # --- changes -----------------------------------------------------------------------
    def add(self, start: int, end: int, label: str) -> bool:
        """Add the span over tokens [start, end) with `label`.

        RETURNS (bool): whether it was added; otherwise `message` says why (N450-N452,
            N101-N104 from validation, e.g. N103 for an overlap).
        """
        if label not in self.labels:
            return self.refuse("N451", label=label, choices=", ".join(self.labels))
        toks = self.tokens()
        if not 0 <= start < end <= len(toks):
            return self.refuse("N452", start=start, end=end, n=len(toks))
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
            return self.refuse("N454", what="span", index=index, n=len(ents))
        span = ents[index]
        new = {**self.record, "entities": ents[:index] + ents[index + 1 :]}
        return self._apply(new, f"✓ deleted '{self._text(span)}' ({span[2]})")

    def accept(self, index: int | None = None) -> bool:
        """Turn suggestion #index (None: every suggestion, in order) into an entity.

        A suggestion that would overlap an entity stays, and `message` says which.
        RETURNS (bool): whether anything was accepted.
        """
        sugg = self.record["suggestions"]
        if index is not None and not 0 <= index < len(sugg):
            return self.refuse("N454", what="suggestion", index=index, n=len(sugg))
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
            return self.refuse("N454", what="suggestion", index=index, n=len(sugg))
        kept = [] if index is None else sugg[:index] + sugg[index + 1 :]
        if len(kept) == len(sugg):
            self.message = "no suggestions to reject"
            return False
        return self._apply({**self.record, "suggestions": kept}, f"✓ rejected {len(sugg) - len(kept)} suggestion(s)")

    def set_status(self, status: str) -> bool:
        """Mark the current post "done", "skipped" or "todo" again. RETURNS (bool)."""
        if status not in STATUSES:
            return self.refuse("N459", name=status, choices=", ".join(STATUSES))
        pending = len(self.record["suggestions"])
        extra = f" ({pending} suggestion(s) not accepted, kept aside)" if pending and status == "done" else ""
        return self._apply(
            {**self.record, "status": status},
            f"✓ post {self.position + 1} marked {status} with {len(self.record['entities'])} span(s){extra}",
        )

    def undo(self) -> bool:
        """Revert the last change (and go back to its post). RETURNS (bool): whether one was undone."""
        if not self._undo:
            return self.refuse("N455")
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
            return self.refuse("N454", what="post", index=index, n=len(self.records))
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
    def _normalise(self, post: str | Record, where: str) -> Record:
        if not isinstance(post, (str, dict)):
            raise AnnotatorError(
                "N476",
                where=where,
                what="a post",
                expected="a text or a record (dict)",
                got=_kind(post),
                hint='pass a list of strings, or records with a "text" key',
            )
        post = {"text": post} if isinstance(post, str) else post
        rec = {
            "text": post.get("text"),
            "entities": post.get("entities", []),
            "status": post.get("status", "todo"),
            "suggestions": post.get("suggestions", []),
            **post,
        }
        if not isinstance(rec["status"], str) or rec["status"] not in STATUSES:
            raise AnnotatorError("N459", where=where, name=str(rec["status"]), choices=", ".join(STATUSES))
        _check_suggestions(rec, where)
        return rec

    def _check(self, records: list[Record], lines: list[int] | None) -> None:
        report = validate(records, self.nlp, self.labels, source=self.path.name, lines=lines)
        if not report.ok:
            raise AnnotatorError(
                "N456",
                path=self.path.name,
                count=len({p.index for p in report.problems}),
                first=report.problems[0].format(),
            )

    def _text(self, span: Sequence) -> str:
        return self.record["text"][span[0] : span[1]]

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
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
            position = state["position"]
            mine = state.get("file", self.path.name) == self.path.name
            if mine and isinstance(position, int) and 0 <= position < len(self.records):
                return position
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            pass
        return next((i for i, r in enumerate(self.records) if r["status"] == "todo"), 0)

    def _save_state(self) -> None:
        try:
            atomic_write_text(self.state_path, json.dumps({"position": self.position, "file": self.path.name}) + "\n")
        except FormatError:
            pass  # the position is a convenience: resuming falls back to the first "todo" post

    def changed_on_disk(self) -> bool:
        """RETURNS (bool): whether the file no longer holds what this session last read or wrote."""
        try:
            current = _digest(self.path.read_bytes())
        except FileNotFoundError:
            current = None
        except OSError:
            return False  # unreadable: the write itself will report why
        return current != self._digest

    def _save(self, new_file: bool = False) -> bool:
        """Write every record, then the position. RETURNS (bool): whether the records were saved.

        Nothing is written if another writer changed the file since this session last
        read or wrote it (N474); the records stay in memory for `save_as`.
        """
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in self.records)
        self._last_reason = ""
        if new_file and (self.path.exists() or self.path.is_symlink()):
            self.saved = False
            self._last_reason = "another writer created it at the same moment"
            self.message = _note("N479", path=self.path.name)
            return False
        if not new_file and self.changed_on_disk():
            self.saved = False
            self.message = _note("N474", path=self.path.name)
            return False
        try:
            atomic_write_text(self.path, text)
        except FormatError as err:
            self.saved = False
            self._last_reason = str(err.fields.get("reason", err.code))
            self.message = _note("N458", reason=self._last_reason)
            return False
        self._digest = _digest(text.encode("utf-8"))
        self.saved = True
        self._save_state()
        return True

    def save(self) -> bool:
        """Write everything now (changes are saved automatically; use this after a failed save)."""
        ok = self._save()
        if ok:
            self.message = f"✓ saved {self.path.name}"
        return ok

    def save_as(self, path: str | os.PathLike) -> bool:
        """Write every record to a new file and continue there (e.g. after N474).

        path (str | PathLike): a file that does not exist yet (N479 otherwise).
        RETURNS (bool): whether it was written; `message` says why not.
        """
        new = Path(path)
        if new.name.endswith(".state.json"):
            return self.refuse("N477", path=new.name)
        if new.exists() or new.is_symlink():
            return self.refuse("N479", path=new.name)
        old = (self.path, self.state_path, self._digest)
        self.path, self.state_path, self._digest = new, state_path_for(new), None
        if not self._save(new_file=True):
            self.path, self.state_path, self._digest = old
            return False
        self.message = f"✓ saved {len(self.records)} post(s) to {new.name}; this session now writes there"
        return True


def state_path_for(path: Path) -> Path:
    """RETURNS (Path): the position file of an annotation file (`a.jsonl` → `a.state.json`, else `NAME.state.json`)."""
    return path.with_suffix(".state.json") if path.suffix == ".jsonl" else path.with_name(path.name + ".state.json")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise FormatError("N202", path=str(path), reason=err.strerror or str(err)) from None


def _kind(value: Any) -> str:
    """RETURNS (str): a short description of a wrong value, e.g. "the string 'RTX'" or "int 3"."""
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return f"{type(value).__name__} {str(value)[:40]}" if value is not None else "None"


def _check_labels(labels: Any) -> tuple[str, ...]:
    """RETURNS (tuple[str, ...]): the labels. RAISES AnnotatorError: N476 unless a non-empty list of names."""
    hint = 'pass a list of label names, e.g. labels=["PRODUCT", "PRICE"]'
    if isinstance(labels, (str, bytes)) or not isinstance(labels, Iterable):
        raise AnnotatorError("N476", what="labels", expected="a list of label names", got=_kind(labels), hint=hint)
    labels = tuple(labels)
    bad = [x for x in labels if not isinstance(x, str) or not x.strip() or x != x.strip()][:1]
    if not labels or bad:
        got = "an empty list" if not labels else f"the label {bad[0]!r}"
        raise AnnotatorError(
            "N476", what="labels", expected="a non-empty list of names without spaces at the ends", got=got, hint=hint
        )
    return tuple(dict.fromkeys(labels))


def _check_posts(posts: Any, name: str) -> list:
    """RETURNS (list): the posts. RAISES AnnotatorError: N457 none given, N476 not a list of posts."""
    if posts is None:
        raise AnnotatorError("N457", path=name)
    if isinstance(posts, (str, bytes, dict)) or not isinstance(posts, Iterable):
        raise AnnotatorError(
            "N476",
            what="posts",
            expected="a list of texts or records",
            got=_kind(posts),
            hint='wrap a single post in a list: posts=["..."]',
        )
    posts = list(posts)
    if not posts:
        raise AnnotatorError("N457", path=name)
    return posts


def _check_suggestions(rec: Record, where: str) -> None:
    """RAISES AnnotatorError: N475 unless every suggestion is [start, end, label(, confidence)] inside the text."""
    sugg, text = rec["suggestions"], rec["text"]
    if not isinstance(sugg, list):
        raise AnnotatorError("N475", where=where, index=0, problem=f"list is {_kind(sugg)}, not a list")
    for i, s in enumerate(sugg):
        problem = None
        if not isinstance(s, list) or len(s) not in (3, 4):
            problem = f"is {_kind(s)}"
        elif not all(isinstance(x, int) and not isinstance(x, bool) for x in s[:2]):
            problem = f"has offsets {s[0]!r}, {s[1]!r} that are not whole numbers"
        elif not isinstance(s[2], str) or not s[2]:
            problem = f"has the label {s[2]!r}"
        elif isinstance(text, str) and not 0 <= s[0] < s[1] <= len(text):
            problem = f"[{s[0]}, {s[1]}) is not a span inside the text ({len(text)} characters)"
        elif len(s) == 4 and (
            isinstance(s[3], bool)
            or not isinstance(s[3], (int, float))
            or not math.isfinite(s[3])
            or not 0 <= s[3] <= 1
        ):
            problem = f"has the confidence {s[3]!r} (a number from 0 to 1 is expected)"
        if problem:
            raise AnnotatorError("N475", where=where, index=i, problem=problem)
