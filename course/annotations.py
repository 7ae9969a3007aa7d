"""Canonical annotation records: validate every problem, apply only safe fixes, build Docs.

A record is `{"text": str, "entities": [[start, end, label], ...]}` with character
offsets and an exclusive end, so `text[start:end]` is the entity. Nothing here drops
or changes a learner's span silently: `validate` reports, `fix` changes only what is
unambiguous and lists every change, and `to_doc` refuses invalid records.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from spacy.language import Language
from spacy.tokens import Doc

from .errors import AnnotationError, Problem

Span = tuple[int, int, str]
Record = dict[str, Any]
_KINDS = {list: "list", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


@dataclass
class ValidationReport:
    """Every problem found, in input order. Truthy when there are none."""

    problems: list[Problem]
    n_records: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        return self.ok

    def __len__(self) -> int:
        return len(self.problems)

    def counts(self) -> Counter:
        """RETURNS (Counter): number of problems per code."""
        return Counter(p.code for p in self.problems)

    def lines(self) -> list[str]:
        """RETURNS (list[str]): one 'FILE:LINE: CODE message — hint' line per problem."""
        return [p.format() for p in self.problems]

    def to_frame(self):
        """RETURNS (pandas.DataFrame): line, code, message and hint per problem."""
        import pandas as pd

        rows = [{"line": p.line, "code": p.code, "message": p.message, "hint": p.hint} for p in self.problems]
        return pd.DataFrame(rows, columns=["line", "code", "message", "hint"])

    def __str__(self) -> str:
        head = f"{self.n_records} record(s), {len(self.problems)} problem(s)"
        return "\n".join([head, *self.lines()])

    def _repr_html_(self) -> str:
        if self.ok:
            return f"<p>✓ {self.n_records} record(s), no problems.</p>"
        return f"<p>✗ {self.n_records} record(s), {len(self.problems)} problem(s)</p>" + self.to_frame().to_html(index=False)


@dataclass(frozen=True)
class Change:
    """One change made by `fix`: `before` became `after` (None: removed)."""

    index: int
    line: int
    source: str
    code: str
    before: Span
    after: Span | None
    text: str = field(repr=False, default="")

    def format(self) -> str:
        def show(span: Span | None) -> str:
            return "removed" if span is None else f"[{span[0]}, {span[1]}) {self.text[span[0]:span[1]]!r} {span[2]}"
        return f"{self.source}:{self.line}: fixed {self.code}: {show(self.before)} → {show(self.after)}"


@dataclass
class FixReport:
    """What `fix` did: the new records, each change, and what is left for a human."""

    records: list[Record]
    changes: list[Change]
    remaining: ValidationReport

    def __str__(self) -> str:
        lines = [f"{len(self.changes)} change(s); {len(self.remaining)} problem(s) need a decision"]
        return "\n".join(lines + [c.format() for c in self.changes] + self.remaining.lines())


def nearest_aligned(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """The token-aligned span closest to [start, end), trying expand and contract.

    doc (Doc): the tokenized text.
    start (int): start offset; end (int): exclusive end offset.
    RETURNS (tuple | None): (start, end) that moves the boundaries least, or None.
    """
    best: tuple[int, int] | None = None
    for mode in ("expand", "contract"):
        span = doc.char_span(start, end, alignment_mode=mode)
        if span is None or not span.text.strip() or all(t.text in _EDGE_PUNCT for t in span):
            continue
        cand = (span.start_char, span.end_char)
        if best is None or abs(cand[0] - start) + abs(cand[1] - end) < abs(best[0] - start) + abs(best[1] - end):
            best = cand
    return best


_ENTITY_HINT = 'entities are [start, end, "LABEL"] lists: integer offsets, a non-empty string label'
_EDGE_PUNCT = frozenset("[](){}<>,.;:!?")


def _edge_punctuation(span) -> dict | None:
    """Fields for E113 if the span starts or ends with a bracket or punctuation token."""
    tokens = list(span)
    inner = tokens[:]
    while inner and inner[0].text in _EDGE_PUNCT:
        inner.pop(0)
    while inner and inner[-1].text in _EDGE_PUNCT:
        inner.pop()
    if len(inner) == len(tokens):
        return None
    first = tokens[0].text in _EDGE_PUNCT
    fields = {"side": "starts" if first else "ends", "punct": (tokens[0] if first else tokens[-1]).text,
              "fix": None, "advice": "the span is nothing but punctuation: delete it"}
    if inner:
        start, end = inner[0].idx, inner[-1].idx + len(inner[-1])
        fields["fix"] = (start, end)
        fields["advice"] = (f"use [{start}, {end}) '{span.doc.text[start:end]}' "
                            "(course.annotations.fix does this)")
    return fields


def _label_case_map(records: Sequence[Any], labels: Iterable[str] | None) -> dict[str, str]:
    """Map casefolded labels to the spelling everyone should use."""
    if labels is not None:
        return {label.casefold(): label for label in labels}
    seen: Counter = Counter()
    for rec in records:
        ents = rec.get("entities") if isinstance(rec, dict) else None
        for ent in ents if isinstance(ents, list) else []:
            if isinstance(ent, (list, tuple)) and len(ent) == 3 and isinstance(ent[2], str):
                seen[ent[2]] += 1
    best: dict[str, str] = {}
    for label, n in seen.items():
        key, cur = label.casefold(), best.get(label.casefold())
        rank = (n, label.isupper(), label)
        if cur is None or rank > (seen[cur], cur.isupper(), cur):
            best[key] = label
    return best


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_spans(text: str, ents: list, at: tuple[int, int, str], nlp: Language,
                 allowed: set[str] | None, case_map: dict[str, str]) -> list[Problem]:
    """Problems of one record's spans, checked one by one and then against each other."""
    problems: list[Problem] = []
    good: list[tuple[int, Span]] = []
    doc: Doc | None = None
    for k, ent in enumerate(ents):
        if not (isinstance(ent, (list, tuple)) and len(ent) == 3 and _is_int(ent[0]) and _is_int(ent[1])
                and isinstance(ent[2], str) and ent[2]):  # spaCy drops a span whose label is ""
            problems.append(Problem.make("E110", at, entity=k, what=f"entity #{k}",
                                         expected='[start, end, "LABEL"] with integer offsets and a non-empty label',
                                         got=repr(ent), fix_hint=_ENTITY_HINT))
            continue
        start, end, label = ent[0], ent[1], ent[2]
        span, where = (start, end, label), dict(start=start, end=end, label=label)
        if start >= end:
            problems.append(Problem.make("E106", at, span=span, entity=k, **where))
            continue
        if start < 0 or end > len(text):
            problems.append(Problem.make("E105", at, span=span, entity=k, length=len(text), **where))
            continue
        good.append((k, span))
        sub = text[start:end]
        expected = case_map.get(label.casefold())
        if expected is not None and expected != label:
            problems.append(Problem.make("E108", at, span=span, fix=(start, end, expected), entity=k,
                                         text=sub, expected=expected, **where))
        elif allowed is not None and label not in allowed:
            problems.append(Problem.make("E107", at, span=span, entity=k, text=sub,
                                         allowed=", ".join(sorted(allowed)), **where))
        if not sub.strip():
            problems.append(Problem.make("E112", at, span=span, entity=k, **where))
            continue
        s, e = start + len(sub) - len(sub.lstrip()), end - (len(sub) - len(sub.rstrip()))
        if (s, e) != (start, end):
            side = " and ".join(w for w, moved in (("leading", s != start), ("trailing", e != end)) if moved)
            problems.append(Problem.make("E102", at, span=span, fix=(s, e, label), entity=k, text=sub,
                                         side=side, fix_start=s, fix_end=e, fix_text=text[s:e], **where))
        doc = doc if doc is not None else nlp.make_doc(text)
        aligned = doc.char_span(s, e)
        if aligned is not None:
            punct = _edge_punctuation(aligned)
            if punct is not None:
                inner = punct.pop("fix")
                problems.append(Problem.make("E113", at, span=span, entity=k, text=sub, **punct, **where,
                                             fix=(*inner, label) if inner else None))
            continue
        near = nearest_aligned(doc, s, e)
        tokens = doc.char_span(s, e, alignment_mode="expand")
        covered = " ".join(repr(t.text) for t in tokens) if tokens is not None else "?"
        if near is None:
            hint = (f"no token-aligned span is close (tokens here: {covered}); "
                    "annotate whole tokens or add a space to the text")
        else:
            hint = (f"nearest aligned span: [{near[0]}, {near[1]}) '{text[near[0]:near[1]]}'; "
                    "use course.annotations.fix() or correct the offsets")
        problems.append(Problem.make("E101", at, span=span, entity=k, text=sub, suggestion=hint,
                                     fix=(near[0], near[1], label) if near else None, **where))
    seen: set[Span] = set()
    open_spans: list[tuple[int, Span]] = []
    for k, span in sorted(good, key=lambda item: (item[1][0], item[1][1], item[0])):
        if span in seen:
            problems.append(Problem.make("E104", at, span=span, entity=k, text=text[span[0]:span[1]],
                                         start=span[0], end=span[1], label=span[2]))
            continue
        seen.add(span)
        open_spans = [(j, o) for j, o in open_spans if o[1] > span[0]]
        for _j, other in open_spans:
            problems.append(Problem.make(
                "E103", at, span=span, entity=k, start=other[0], end=other[1], label=other[2],
                text=text[other[0]:other[1]], other_start=span[0], other_end=span[1],
                other_label=span[2], other_text=text[span[0]:span[1]]))
        open_spans.append((k, span))
    return problems


def _check_record(rec: Any, at: tuple[int, int, str], nlp: Language, allowed: set[str] | None,
                  case_map: dict[str, str]) -> list[Problem]:
    if not isinstance(rec, dict):
        return [Problem.make("E100", at, kind=_KINDS.get(type(rec), type(rec).__name__))]
    missing = [key for key in ("text", "entities") if key not in rec]
    problems = [Problem.make("E109", at, key=key) for key in missing]
    text, ents = rec.get("text"), rec.get("entities", [])
    if "text" in rec and not isinstance(text, str):
        problems.append(Problem.make("E110", at, what="'text'", expected="a string", got=_KINDS.get(type(text), "?"),
                                     fix_hint="put the whole post in \"text\" as one string"))
    if not isinstance(ents, list):
        problems.append(Problem.make("E110", at, what="'entities'", expected="a list", got=_KINDS.get(type(ents), "?"),
                                     fix_hint=_ENTITY_HINT))
    if problems or not isinstance(text, str):  # a record without "text" has an E109 problem
        return problems
    if not text.strip():
        problems.append(Problem.make("E111", at))
    return problems + _check_spans(text, ents, at, nlp, allowed, case_map)


def validate(records: Iterable[Any], nlp: Language, labels: Iterable[str] | None = None, *,
             source: str = "<records>", lines: Sequence[int] | None = None) -> ValidationReport:
    """Check every record and report all problems, not just the first.

    records (Iterable): canonical records (anything else is reported, not raised).
    nlp (Language): pipeline whose tokenizer defines the token boundaries.
    labels (Iterable[str] | None): allowed labels; None accepts any but checks case consistency.
    source (str): file name used in messages.
    lines (Sequence[int] | None): 1-based line of each record in `source`.
    RETURNS (ValidationReport): the problems, in input order.
    """
    records = list(records)
    allowed = set(labels) if labels is not None else None
    case_map = _label_case_map(records, allowed)
    problems: list[Problem] = []
    for i, rec in enumerate(records):
        at = (i, lines[i] if lines is not None else i + 1, source)
        problems.extend(_check_record(rec, at, nlp, allowed, case_map))
    return ValidationReport(problems, len(records))


def fix(records: Iterable[Any], nlp: Language, labels: Iterable[str] | None = None, *,
        source: str = "<records>", lines: Sequence[int] | None = None) -> FixReport:
    """Apply only the safe fixes and report each one; leave the rest to a human.

    Safe: strip whitespace (E102), snap to the nearest token-aligned span (E101),
    move edge brackets and punctuation out of a span (E113), drop an exact duplicate
    (E104), and correct label case (E108). Overlaps, unknown
    labels and broken offsets need a decision, so they stay and are listed.
    RETURNS (FixReport): new records (inputs are not modified), changes, remaining problems.
    """
    fixed, changes = list(records), []
    report = validate(fixed, nlp, labels, source=source, lines=lines)
    for _ in range(3):  # a snap can turn two spans into duplicates: fix those on the next pass
        fixed, new_changes = _apply_fixes(fixed, report, source)
        report = validate(fixed, nlp, labels, source=source, lines=lines)
        changes.extend(new_changes)
        if not new_changes:
            break
    return FixReport(fixed, changes, report)


def _apply_fixes(records: list[Any], report: ValidationReport, source: str) -> tuple[list[Any], list[Change]]:
    by_entity: dict[tuple[int, int], dict[str, Problem]] = {}
    for problem in report.problems:
        if problem.entity is not None:
            by_entity.setdefault((problem.index, problem.entity), {})[problem.code] = problem
    fixed, changes = [], []
    for i, rec in enumerate(records):
        if not (isinstance(rec, dict) and isinstance(rec.get("text"), str) and isinstance(rec.get("entities"), list)):
            fixed.append(rec)  # record-level problems (E109/E110): spans were not checked, nothing to fix
            continue
        new_ents = []
        for k, ent in enumerate(rec["entities"]):
            found = by_entity.get((i, k), {})
            if "E104" in found:
                dup = found["E104"]
                changes.append(Change(i, dup.line, source, "E104", cast(Span, dup.span), None, rec["text"]))
                continue
            if "E110" in found:
                new_ents.append(ent)
                continue
            span = tuple(ent)
            for code in ("E102", "E101", "E113", "E108"):
                p = found.get(code)
                if p is None or p.fix is None:
                    continue
                after = (p.fix[0], p.fix[1], span[2]) if code != "E108" else (span[0], span[1], p.fix[2])
                changes.append(Change(i, p.line, source, code, span, after, rec["text"]))
                span = after
            new_ents.append(list(span) if span != tuple(ent) else ent)
        fixed.append({**rec, "entities": new_ents})
    return fixed, changes


def to_doc(nlp: Language, record: Any, labels: Iterable[str] | None = None) -> Doc:
    """Build a Doc with `doc.ents` from one record, or refuse.

    RAISES AnnotationError: listing every problem; no span is ever dropped.
    """
    return to_docs(nlp, [record], labels)[0]


def to_docs(nlp: Language, records: Iterable[Any], labels: Iterable[str] | None = None, *,
            source: str = "<records>", lines: Sequence[int] | None = None) -> list[Doc]:
    """Validate all records, then build one Doc per record with its entities set.

    RAISES AnnotationError: if any record has a problem (all are listed in `.problems`).
    """
    records = list(records)
    report = validate(records, nlp, labels, source=source, lines=lines)
    if not report.ok:
        raise AnnotationError(report.problems)
    docs = []
    for rec in records:
        doc = nlp.make_doc(rec["text"])
        ents: list[Any] = [doc.char_span(s, e, label=label) for s, e, label in sorted(rec["entities"])]
        doc.ents = ents  # validate() above made sure every span aligns (no None)
        docs.append(doc)
    return docs


def make_record(text: str, *pieces: tuple[str, str]) -> Record:
    """Build a record by naming entities instead of counting characters.

    text (str): the post.
    *pieces (tuple[str, str]): (entity text, label); each marks the first occurrence.
    RETURNS (Record): {"text": text, "entities": [[start, end, label], ...]}.
    RAISES ValueError: if a piece does not occur in the text.
    """
    entities = []
    for piece, label in pieces:
        start = text.find(piece)
        if start < 0:
            raise ValueError(f"'{piece}' does not occur in {text!r}: check the spelling and case")
        entities.append([start, start + len(piece), label])
    return {"text": text, "entities": entities}


def from_doc(doc: Doc) -> Record:
    """RETURNS (Record): the canonical record for `doc.ents`."""
    return {"text": doc.text, "entities": [[e.start_char, e.end_char, e.label_] for e in doc.ents]}
