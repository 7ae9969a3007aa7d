"""Surface forms labelled differently across a corpus: the same tokens, another label.

The guideline's first rule is that the same words in the same role get the same label
and the same boundaries everywhere. This module finds where a corpus breaks it.

Conventions:

* A **form** is the token sequence of a labelled span (tokens of `spacy.blank("en")`, via
  course.tokenizer; casefolded with `ignore_case`). Every occurrence of a form's tokens in
  any post is classified as one **verdict**: its label when a span covers exactly those
  tokens; `unlabelled` when no span touches them; `inside LABEL` when a longer span of
  *another* label contains them (`used` swallowed by a PRODUCT span); `boundary` when spans
  cover part of them or cross their edges. An occurrence inside a longer span of the *same*
  label is not counted: `RTX 3080` inside `EVGA RTX 3080 FTW3` is a part of a name.
* A form is **inconsistent** when its occurrences have more than one verdict. The
  **majority** verdict (ties: a label before `unlabelled`, then alphabetical) is shown as
  the likely intent, not as the truth: the human decides.
* **Numbers** alone (`120`, `6000`: a form of digits and separators) name nothing by
  themselves: the guideline lets context decide ("asking 180 shipped" is a PRICE, the 6000 of
  "DDR5 6000" is part of a name, "weighs 20 lbs" is nothing). For them only the labelled
  occurrences are compared (a PRICE in one post and a ZIP in another is still reported), unless
  `numbers=True` (`--numbers`) lists their unlabelled and inside occurrences too.
* **Exceptions** are reviewed, written down and need a reason: one line
  `FORM | CONTEXT | REASON` in a text file (`#` starts a comment). An occurrence of FORM is
  excused when CONTEXT (a literal piece of the post text that contains the occurrence)
  surrounds it. Excused occurrences are counted apart; an exception that excuses nothing
  is reported (N245) so the list cannot rot.
* Bounded cost: files are read twice, streaming (first the forms, then the occurrences);
  a line longer than MAX_LINE_BYTES is skipped unread (N241); forms longer than
  MAX_FORM_TOKENS tokens are not searched for; at most MAX_FORMS distinct forms are kept
  (N246); per form and verdict only `max_occurrences` places are kept, the rest counted.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from spacy.tokens import Doc

from .errors import FormatError, Problem
from .formats._base import check_path, parse_json
from .tokenizer import BlankTokenizer, blank_english

MAX_LINE_BYTES = 1_000_000  # also keeps every text under the tokenizer's max_length
MAX_FORM_TOKENS = 16
MAX_FORMS = 200_000
MAX_BAD_LINES = 50  # bad input lines listed; the rest are counted
CONTEXT_CHARS = 30
NUMBER = re.compile(r"\d[\d.,]*")
UNLABELLED = "unlabelled"
BOUNDARY = "boundary"

Key = tuple[str, ...]


@dataclass(frozen=True)
class Exception_:
    """One reviewed exception: FORM inside CONTEXT is allowed to differ, because REASON."""

    form: str
    context: str
    reason: str
    source: str
    line: int


@dataclass(frozen=True)
class Occurrence:
    """One place where a form's tokens occur, and how they were labelled there."""

    source: str
    line: int
    verdict: str  # a label, "unlabelled", "inside LABEL" or "boundary"
    context: str  # the post around the occurrence, the occurrence in «»
    excused: str | None = None  # the reason of the exception that excuses it


@dataclass
class Form:
    """A labelled surface form and every verdict its occurrences got."""

    text: str
    labels: set[str] = field(default_factory=set)  # every label an exact span of it carries
    number: bool = False  # digits and separators only: compared only where it is labelled
    counts: Counter = field(default_factory=Counter)  # verdict -> occurrences (excused left out)
    places: dict[str, list[Occurrence]] = field(default_factory=dict)  # at most max_occurrences each
    excused: list[Occurrence] = field(default_factory=list)

    @property
    def majority(self) -> str:
        """RETURNS (str): the most common verdict (ties: a label first, then alphabetical)."""
        return min(self.counts, key=lambda v: (-self.counts[v], v in (UNLABELLED, BOUNDARY) or " " in v, v))

    @property
    def disagree(self) -> int:
        """RETURNS (int): occurrences whose verdict is not the majority."""
        return sum(self.counts.values()) - self.counts[self.majority]

    def add(self, occurrence: Occurrence, excuse: Exception_ | None, cap: int) -> None:
        """Count one occurrence (keep its place if fewer than `cap` are kept), or file it as excused."""
        if excuse is not None:
            self.excused.append(replace(occurrence, excused=excuse.reason))
            return
        self.counts[occurrence.verdict] += 1
        places = self.places.setdefault(occurrence.verdict, [])
        if len(places) < cap:
            places.append(occurrence)

    def summary(self) -> str:
        """RETURNS (str): e.g. 'CONDITION ×14, unlabelled ×2'."""
        return ", ".join(f"{v} ×{n}" for v, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass
class ConsistencyReport:
    """What `check_files` found. Truthy when the corpus is consistent and fully readable."""

    sources: list[str]
    n_posts: int
    n_forms: int
    forms: list[Form]  # inconsistent forms, most disagreeing first
    bad: list[Problem]  # lines that could not be used (bad input)
    n_bad: int
    notes: list[Problem]  # unused exceptions (N245), caps reached (N246)
    n_excused: int = 0  # occurrences excused by a reviewed exception, in all forms

    def __bool__(self) -> bool:
        return not self.forms and not self.n_bad

    def lines(self, max_forms: int = 100) -> list[str]:
        """RETURNS (list[str]): per inconsistent form one N240 line, then one line per place."""
        out = []
        for form in self.forms[:max_forms]:
            head = Problem.make("N240", (0, 0, ""), form=form.text, counts=form.summary(), majority=form.majority)
            out.append(f"N240 {head.message} — {head.hint}")
            for verdict in sorted(form.places, key=lambda v: (v == form.majority, -form.counts[v], v)):
                places = form.places[verdict]
                for occ in places:
                    out.append(f"  {occ.source}:{occ.line}: {verdict:<14} {occ.context}")
                if form.counts[verdict] > len(places):
                    out.append(f"  … and {form.counts[verdict] - len(places)} more {verdict}")
        return out

    def to_dict(self, max_forms: int = 100) -> dict[str, Any]:
        """RETURNS (dict): the report as plain JSON-ready data."""

        def occ(o: Occurrence) -> dict[str, Any]:
            return {"file": o.source, "line": o.line, "verdict": o.verdict, "context": o.context, "excused": o.excused}

        return {
            "files": self.sources,
            "posts": self.n_posts,
            "forms_checked": self.n_forms,
            "inconsistent": len(self.forms),
            "excused": self.n_excused,
            "forms": [
                {
                    "form": f.text,
                    "counts": dict(sorted(f.counts.items())),
                    "majority": f.majority,
                    "disagree": f.disagree,
                    "excused": len(f.excused),
                    "occurrences": [occ(o) for places in f.places.values() for o in places],
                }
                for f in self.forms[:max_forms]
            ],
            "bad_lines": [p.format() for p in self.bad],
            "notes": [p.format() for p in self.notes],
        }


def _records(path: str, problems: list[Problem]) -> Iterator[tuple[int, dict]]:
    """(line, record) of every usable line, streaming; bad lines go to `problems` (N203, N241, N242)."""
    p = check_path(path)
    with open(p, "rb") as handle:
        n = 0
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            n += 1
            at = (n - 1, n, path)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line without holding it
                    raw = handle.readline(1 << 20)
                problems.append(Problem.make("N241", at, limit=MAX_LINE_BYTES))
                continue
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8").rstrip("\n").rstrip("\r")
            except UnicodeDecodeError:
                raise FormatError("N202", where=f"{path}:{n}", path=path, reason="not UTF-8 text") from None
            if not text.strip():
                continue
            value, reason, _ = parse_json(text)
            if reason is not None:
                problems.append(Problem.make("N203", at, reason=reason))
                continue
            ok = (
                isinstance(value, dict)
                and isinstance(value.get("text"), str)
                and isinstance(value.get("entities"), list)
            )
            if not ok:
                problems.append(Problem.make("N242", at, what="not an object with 'text' and 'entities'"))
                continue
            yield n, value


def _spans(
    nlp: BlankTokenizer, record: dict, at: tuple[int, int, str], problems: list[Problem]
) -> tuple[Doc, list[tuple[int, int, str]]] | None:
    """RETURNS (tuple | None): (doc, [(start_token, end_token, label)]), or None with an N242/N243 problem."""
    text = record["text"]
    doc = nlp.make_doc(text)
    spans = []
    for ent in record["entities"]:
        if not (
            isinstance(ent, (list, tuple))
            and len(ent) == 3
            and all(isinstance(x, int) and not isinstance(x, bool) for x in ent[:2])
            and isinstance(ent[2], str)
        ):
            problems.append(Problem.make("N242", at, what=f"entity {str(ent)[:40]!r} is not [start, end, label]"))
            return None
        span = doc.char_span(ent[0], ent[1]) if 0 <= ent[0] < ent[1] <= len(text) else None
        if span is None:
            problems.append(Problem.make("N243", at, start=ent[0], end=ent[1], label=ent[2]))
            return None
        spans.append((span.start, span.end, ent[2]))
    return doc, spans


def _key(tokens: Sequence[str], ignore_case: bool) -> Key:
    return tuple(t.casefold() for t in tokens) if ignore_case else tuple(tokens)


def read_exceptions(path: str, nlp: BlankTokenizer | None = None, ignore_case: bool = False) -> list[Exception_]:
    """Read `FORM | CONTEXT | REASON` lines.

    RETURNS (list[Exception_]): in file order.
    RAISES FormatError: N244 naming the line of a malformed entry (N201… if unreadable).
    """
    check_path(path)
    entries = []
    with open(path, encoding="utf-8") as handle:
        for n, raw in enumerate(handle, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = [part.strip() for part in line.split(" | ")]
            fold = (lambda s: s.casefold()) if ignore_case else (lambda s: s)
            if len(parts) != 3 or not all(parts):
                why = "it needs three parts, FORM | CONTEXT | REASON, none empty"
            elif fold(parts[0]) not in fold(parts[1]):
                why = f"the context {parts[1]!r} does not contain the form {parts[0]!r}"
            elif len(parts[2].split()) < 3:
                why = "the reason must say why in a few words (the guideline rule, the role of the words)"
            else:
                entries.append(Exception_(parts[0], parts[1], parts[2], path, n))
                continue
            raise FormatError("N244", where=f"{path}:{n}", why=why)
    return entries


def _context(text: str, start: int, end: int) -> str:
    left = text[max(0, start - CONTEXT_CHARS) : start]
    right = text[end : end + CONTEXT_CHARS]
    snippet = f"{'…' if start > CONTEXT_CHARS else ''}{left}«{text[start:end][:80]}»{right}"
    return " ".join((snippet + ("…" if end + CONTEXT_CHARS < len(text) else "")).split())


def _verdict(i: int, j: int, spans: list[tuple[int, int, str]], owner: list[int]) -> str | None:
    """How tokens [i, j) are labelled; None when they sit inside a longer span of the same label."""
    touched = {owner[t] for t in range(i, j) if owner[t] >= 0}
    if not touched:
        return UNLABELLED
    if len(touched) == 1:
        s, e, label = spans[touched.pop()]
        if (s, e) == (i, j):
            return label
        if s <= i and j <= e:
            return None  # caller decides: same label (a part of a longer name) or another label
    return BOUNDARY


def check_files(
    paths: Sequence[str | os.PathLike],
    *,
    ignore_case: bool = False,
    numbers: bool = False,
    exceptions: Sequence[Exception_] = (),
    max_occurrences: int = 20,
) -> ConsistencyReport:
    """Find every labelled surface form whose occurrences are labelled differently.

    paths (Sequence): canonical JSONL files, read together as one corpus.
    ignore_case (bool): match tokens casefolded ('BNIB' and 'bnib' are one form).
    numbers (bool): also count unlabelled and inside occurrences of forms that are numbers alone.
    exceptions (Sequence[Exception_]): reviewed exceptions (`read_exceptions`).
    max_occurrences (int): places kept per form and verdict; the rest are counted.
    RETURNS (ConsistencyReport): inconsistent forms, bad lines and notes. If any line is bad,
        the forms are not searched (the counts would be incomplete).
    RAISES FormatError: N201/N202/N220-N222 if a file cannot be read at all.
    """
    nlp = blank_english()
    sources = [str(p) for p in paths]
    for source in sources:
        check_path(source)  # every missing file is reported before any work is done
    bad: list[Problem] = []
    notes: list[Problem] = []
    forms: dict[Key, Form] = {}
    n_posts = 0
    for source in sources:  # pass 1: the labelled forms
        for n, record in _records(source, bad):
            n_posts += 1
            found = _spans(nlp, record, (n - 1, n, source), bad)
            if found is None:
                continue
            doc, spans = found
            for s, e, label in spans:
                key = _key([t.text for t in doc[s:e]], ignore_case)
                if key not in forms and len(forms) >= MAX_FORMS:
                    if not any(p.code == "N246" for p in notes):
                        notes.append(Problem.make("N246", (0, n, source), what=f"{MAX_FORMS} distinct forms"))
                    continue
                text = doc[s:e].text
                forms.setdefault(key, Form(text, number=bool(NUMBER.fullmatch(text)))).labels.add(label)
    if bad:
        return ConsistencyReport(sources, n_posts, len(forms), [], bad[:MAX_BAD_LINES], len(bad), notes)
    lengths: dict[str, set[int]] = {}
    for key in forms:
        if len(key) <= MAX_FORM_TOKENS:
            lengths.setdefault(key[0], set()).add(len(key))
    by_form: dict[Key, list[Exception_]] = {}
    for entry in exceptions:
        by_form.setdefault(_key([t.text for t in nlp.make_doc(entry.form)], ignore_case), []).append(entry)
    used: set[Exception_] = set()
    for source in sources:  # pass 2: every occurrence of every form
        for n, record in _records(source, bad):
            found = _spans(nlp, record, (n - 1, n, source), bad)
            if found is None:  # cannot happen: pass 1 read the same lines without a problem
                continue
            doc, spans = found
            keys = _key([t.text for t in doc], ignore_case)
            owner = [-1] * len(doc)
            for k, (s, e, _) in enumerate(spans):
                owner[s:e] = [k] * (e - s)
            for i, first in enumerate(keys):
                for size in lengths.get(first, ()):
                    key = keys[i : i + size]
                    if len(key) != size or key not in forms:
                        continue
                    verdict = _verdict(i, i + size, spans, owner)
                    if not numbers and forms[key].number and verdict not in forms[key].labels:
                        continue  # a number's role is decided by its context (see the module docstring)
                    if verdict is None:
                        label = spans[owner[i]][2]
                        if label in forms[key].labels:
                            continue  # a part of a longer name of the same kind
                        verdict = f"inside {label}"
                    start, end = doc[i].idx, doc[i + size - 1].idx + len(doc[i + size - 1])
                    occ = Occurrence(source, n, verdict, _context(record["text"], start, end))
                    excuse = _excuse(by_form.get(key, ()), record["text"], start, end, ignore_case)
                    if excuse is not None:
                        used.add(excuse)
                    forms[key].add(occ, excuse, max_occurrences)
    inconsistent = [f for f in forms.values() if len(f.counts) > 1]
    inconsistent.sort(key=lambda f: (-f.disagree, -sum(f.counts.values()), f.text))
    for entry in exceptions:
        if entry not in used:
            notes.append(Problem.make("N245", (0, entry.line, entry.source), form=entry.form, context=entry.context))
    n_excused = sum(len(f.excused) for f in forms.values())
    return ConsistencyReport(sources, n_posts, len(forms), inconsistent, [], 0, notes, n_excused)


def _excuse(entries: Sequence[Exception_], text: str, start: int, end: int, ignore_case: bool) -> Exception_ | None:
    """RETURNS (Exception_ | None): the first entry whose context surrounds text[start:end]."""
    haystack = text.casefold() if ignore_case else text
    for entry in entries:
        needle = entry.context.casefold() if ignore_case else entry.context
        at = haystack.find(needle)
        while at >= 0 and at <= start:
            if end <= at + len(needle):
                return entry
            at = haystack.find(needle, at + 1)
    return None


def dumps(report: ConsistencyReport, max_forms: int = 100) -> str:
    """RETURNS (str): the report as indented JSON."""
    return json.dumps(report.to_dict(max_forms), ensure_ascii=False, indent=1)
