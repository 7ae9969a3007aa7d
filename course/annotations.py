"""Canonical annotation records: validate every problem, apply only safe fixes, build Docs.

A record is `{"text": str, "entities": [[start, end, label], ...]}` with character
offsets and an exclusive end, so `text[start:end]` is the entity. Nothing here drops
or changes a learner's span silently: `validate` reports, `fix` changes only what is
unambiguous and lists every change, and `to_doc` refuses invalid records.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from spacy.language import Language
from spacy.tokens import Doc

from .errors import AnnotationError, Problem

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan

Span = tuple[int, int, str]
Record = dict[str, Any]
_KINDS = {list: "list", str: "string", int: "number", float: "number", bool: "boolean", type(None): "null"}


@dataclass
class ValidationReport:
    """Every problem found, in input order. Truthy when there are none."""

    problems: list[Problem]
    n_records: int
    warnings: list[Problem] = field(default_factory=list)  # worth a look, but the data is usable

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

    def warning_lines(self) -> list[str]:
        """RETURNS (list[str]): one 'FILE:LINE: warning CODE message — hint' line per warning."""
        return [p.format().replace(f": {p.code} ", f": warning {p.code} ", 1) for p in self.warnings]

    def to_frame(self):
        """RETURNS (pandas.DataFrame): line, code, message and hint per problem."""
        import pandas as pd

        rows = [{"line": p.line, "code": p.code, "message": p.message, "hint": p.hint} for p in self.problems]
        return pd.DataFrame(rows, columns=["line", "code", "message", "hint"])

    def __str__(self) -> str:
        head = f"{self.n_records} record(s), {len(self.problems)} problem(s)"
        if self.warnings:
            head += f", {len(self.warnings)} warning(s)"
        return "\n".join([head, *self.lines(), *self.warning_lines()])

    def _repr_html_(self) -> str:
        if self.ok:
            return f"<p>✓ {self.n_records} record(s), no problems.</p>"
        return f"<p>✗ {self.n_records} record(s), {len(self.problems)} problem(s)</p>" + self.to_frame().to_html(
            index=False
        )


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
            return "removed" if span is None else f"[{span[0]}, {span[1]}) {self.text[span[0] : span[1]]!r} {span[2]}"

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


_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def _balanced(texts: list[str], i: int) -> bool:
    """True if the bracket token at position i has its partner inside `texts`, e.g. 'Aqua (Water)'."""
    t = texts[i]
    if t in _PAIRS:
        depth = 0
        for other in texts[i:]:
            depth += (other == t) - (other == _PAIRS[t])
            if depth == 0:
                return True
    elif t in _CLOSERS:
        depth = 0
        for other in reversed(texts[: i + 1]):
            depth += (other == t) - (other == _CLOSERS[t])
            if depth == 0:
                return True
    return False


def _edge_punctuation(span) -> dict | None:
    """Fields for N113 if the span starts or ends with a stray bracket or punctuation token.

    A bracket whose partner is inside the span belongs to the entity ('Aqua (Water)',
    '( Tom ) Seaver') and is left alone.
    """
    if span[0].text not in _EDGE_PUNCT and span[-1].text not in _EDGE_PUNCT:
        return None  # the common case, without listing the tokens of a long span
    tokens = list(span)
    texts = [t.text for t in tokens]
    lo, hi = 0, len(tokens)
    while lo < hi and texts[lo] in _EDGE_PUNCT and not _balanced(texts[lo:hi], 0):
        lo += 1
    while hi > lo and texts[hi - 1] in _EDGE_PUNCT and not _balanced(texts[lo:hi], hi - 1 - lo):
        hi -= 1
    inner = tokens[lo:hi]
    if not any(t.text.strip() and t.text not in _EDGE_PUNCT for t in inner):
        inner = []  # nothing but punctuation (and whitespace)
    if len(inner) == len(tokens):
        return None
    stray = texts[:lo] + texts[hi:] if inner else texts
    first = tokens[0].text in _EDGE_PUNCT
    fields = {
        "side": "starts" if first else "ends",
        "punct": (tokens[0] if first else tokens[-1]).text,
        "fix": None,
        "advice": "the span is nothing but punctuation: delete it",
        "bracket": any(t in _PAIRS or t in _CLOSERS for t in stray),
    }
    if inner:
        start, end = inner[0].idx, inner[-1].idx + len(inner[-1])
        fields["fix"] = (start, end)
        fields["advice"] = (
            f"use [{start}, {end}) '{_short(span.doc.text[start:end])}' (course.annotations.fix does this)"
        )
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
    return case_map_from_counts(seen)


def case_map_from_counts(seen: Counter, labels: Iterable[str] | None = None) -> dict[str, str]:
    """Map casefolded labels to the most used spelling (ties: upper case), or to `labels`."""
    if labels is not None:
        return {label.casefold(): label for label in labels}
    best: dict[str, str] = {}
    for label, n in seen.items():
        key, cur = label.casefold(), best.get(label.casefold())
        rank = (n, label.isupper(), label)
        if cur is None or rank > (seen[cur], cur.isupper(), cur):
            best[key] = label
    return best


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


MAX_OVERLAPS = 20  # N103 problems per record; the rest are counted in one N133
_SHORT = 40  # characters of a span's text shown in a message


def _short(text: str, limit: int = _SHORT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _bad_label(label: str) -> str | None:
    """What is wrong with a label's characters (whitespace, control, unpaired surrogate), or None."""
    for ch in label:
        if ch.isspace():
            return f"whitespace {ch!r}"
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return f"the control or invalid character {ch!a}"
    return None


def make_doc(nlp: Language, record: Record) -> Doc:
    """The Doc for a record: its own tokens when it carries "words" (and "spaces"), else nlp's tokenizer."""
    words = record.get("words")
    if isinstance(words, list):
        return Doc(nlp.vocab, words=words, spaces=record.get("spaces"))
    return nlp.make_doc(record["text"])


def _words_problem(rec: Record, at: tuple[int, int, str]) -> Problem | None:
    """N134 if a record's own tokens ("words", "spaces") do not spell its text."""
    words, spaces = rec.get("words"), rec.get("spaces")
    if words is None:
        return None
    ok = (
        isinstance(words, list)
        and words
        and all(isinstance(w, str) and w and not w.isspace() for w in words)
        and (
            spaces is None
            or (isinstance(spaces, list) and len(spaces) == len(words) and all(isinstance(x, bool) for x in spaces))
        )
    )
    if ok:
        spaces = spaces if spaces is not None else [True] * len(words)
        ok = "".join(w + (" " if sp else "") for w, sp in zip(words, spaces)) == rec["text"]
    return None if ok else Problem.make("N134", at)


def _safe_snap(doc: Doc, start: int, end: int, near: tuple[int, int]) -> bool:
    """True if snapping [start, end) to `near` only completes or trims the words it touched.

    Unsafe (a suggestion to confirm): moving over anything but letters and digits
    ('M&M' → 'M&M.'), or adding/removing more characters than the span held of the
    edge tokens ('wd' → 'crowd').
    """
    text, moved, touched = doc.text, 0, set()
    for old, new, inside in ((start, near[0], start), (end, near[1], end - 1)):
        if old == new:
            continue
        piece = text[min(old, new) : max(old, new)].strip()
        if not piece.isalnum():
            return False
        moved += len(piece)
        token = doc.char_span(inside, inside + 1, alignment_mode="expand")
        if token is not None:
            touched.add((token.start_char, token.end_char))
    held = sum(max(0, min(e, end) - max(s, start)) for s, e in touched)
    return moved <= held


def _check_spans(
    text: str,
    ents: list,
    at: tuple[int, int, str],
    nlp: Language,
    allowed: set[str] | None,
    case_map: dict[str, str],
    rec: Record,
    entity_lines: Sequence[int] | None = None,
) -> tuple[list[Problem], list[Problem]]:
    """Problems and warnings of one record's spans, checked one by one and then against each other."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    good: list[tuple[int, Span]] = []
    doc: Doc | None = None

    def where(k: int) -> tuple[int, int, str]:
        if entity_lines is not None and k < len(entity_lines):
            return (at[0], entity_lines[k], at[2])
        return at

    for k, ent in enumerate(ents):
        here = where(k)
        if not (
            isinstance(ent, (list, tuple))
            and len(ent) == 3
            and _is_int(ent[0])
            and _is_int(ent[1])
            and isinstance(ent[2], str)
            and ent[2]
        ):  # spaCy drops a span whose label is ""
            problems.append(
                Problem.make(
                    "N110",
                    here,
                    entity=k,
                    what=f"entity #{k}",
                    expected='[start, end, "LABEL"] with integer offsets and a non-empty label',
                    got=_short(repr(ent), 80),
                    fix_hint=_ENTITY_HINT,
                )
            )
            continue
        start, end, label = ent[0], ent[1], ent[2]
        bad_label = _bad_label(label)
        if bad_label is not None:
            problems.append(Problem.make("N130", here, entity=k, label=_short(ascii(label)), what=bad_label))
            continue
        span, fields = (start, end, label), dict(start=start, end=end, label=label)
        if start >= end:
            problems.append(Problem.make("N106", here, span=span, entity=k, **fields))
            continue
        if start < 0 or end > len(text):
            problems.append(Problem.make("N105", here, span=span, entity=k, length=len(text), **fields))
            continue
        good.append((k, span))
        sub = text[start:end]
        short = _short(sub)
        expected = case_map.get(label.casefold())
        if expected is not None and expected != label:
            problems.append(
                Problem.make(
                    "N108",
                    here,
                    span=span,
                    fix=(start, end, expected),
                    entity=k,
                    text=short,
                    expected=expected,
                    **fields,
                )
            )
        elif allowed is not None and label not in allowed:
            problems.append(
                Problem.make(
                    "N107", here, span=span, entity=k, text=short, allowed=", ".join(sorted(allowed)), **fields
                )
            )
        if not sub.strip():
            problems.append(Problem.make("N112", here, span=span, entity=k, **fields))
            continue
        s, e = start + len(sub) - len(sub.lstrip()), end - (len(sub) - len(sub.rstrip()))
        if (s, e) != (start, end):
            side = " and ".join(w for w, moved in (("leading", s != start), ("trailing", e != end)) if moved)
            problems.append(
                Problem.make(
                    "N102",
                    here,
                    span=span,
                    fix=(s, e, label),
                    entity=k,
                    text=short,
                    side=side,
                    fix_start=s,
                    fix_end=e,
                    fix_text=_short(text[s:e]),
                    **fields,
                )
            )
        doc = doc if doc is not None else make_doc(nlp, rec)
        aligned = doc.char_span(s, e)
        if aligned is not None:
            punct = _edge_punctuation(aligned)
            if punct is not None:
                inner, bracket = punct.pop("fix"), punct.pop("bracket")
                # a half-included bracket ('[USA-CA') or a span of only punctuation is an error; sentence
                # punctuation at the edge ('Corp .') is a warning: gold corpora such as CoNLL-2003 keep it
                (warnings if inner and not bracket else problems).append(
                    Problem.make(
                        "N113",
                        here,
                        span=span,
                        entity=k,
                        text=short,
                        **punct,
                        **fields,
                        fix=(*inner, label) if inner else None,
                    )
                )
            continue
        near = nearest_aligned(doc, s, e)
        tokens = doc.char_span(s, e, alignment_mode="expand")
        covered = " ".join(repr(t.text) for t in tokens[:6]) if tokens is not None else "?"
        safe = near is not None and _safe_snap(doc, s, e, near)
        if near is None:
            hint = (
                f"no token-aligned span is close (tokens here: {_short(covered)}); "
                "annotate whole tokens or add a space to the text"
            )
        elif safe:
            hint = (
                f"nearest aligned span: [{near[0]}, {near[1]}) '{_short(text[near[0] : near[1]])}'; "
                "use course.annotations.fix() or correct the offsets"
            )
        else:
            hint = (
                f"nearest aligned span: [{near[0]}, {near[1]}) '{_short(text[near[0] : near[1]])}', but that "
                "changes which words are covered, so fix() leaves it to you: correct the offsets by hand"
            )
        problems.append(
            Problem.make(
                "N101",
                here,
                span=span,
                entity=k,
                text=short,
                suggestion=hint,
                fix=(near[0], near[1], label) if near is not None and safe else None,
                **fields,
            )
        )
    problems.extend(_overlaps(text, good, where))
    return problems, warnings


def _overlaps(text: str, good: list[tuple[int, Span]], where) -> list[Problem]:
    """N104 for exact duplicates; at most one N103 per span, MAX_OVERLAPS per record, then one N133."""
    problems: list[Problem] = []
    seen: set[Span] = set()
    open_spans: list[tuple[int, Span]] = []  # spans that may still overlap what comes next
    extra = 0
    for k, span in sorted(good, key=lambda item: (item[1][0], item[1][1], item[0])):
        if span in seen:
            problems.append(
                Problem.make(
                    "N104",
                    where(k),
                    span=span,
                    entity=k,
                    text=_short(text[span[0] : span[1]]),
                    start=span[0],
                    end=span[1],
                    label=span[2],
                )
            )
            continue
        seen.add(span)
        open_spans = [(j, o) for j, o in open_spans if o[1] > span[0]]
        if open_spans:
            _, other = max(open_spans, key=lambda item: item[1][1])  # the one it shares most with
            if sum(p.code == "N103" for p in problems) >= MAX_OVERLAPS:
                extra += 1
            else:
                others = len(open_spans) - 1
                problems.append(
                    Problem.make(
                        "N103",
                        where(k),
                        span=span,
                        entity=k,
                        start=other[0],
                        end=other[1],
                        label=other[2],
                        text=_short(text[other[0] : other[1]]),
                        other_start=span[0],
                        other_end=span[1],
                        other_label=span[2],
                        other_text=_short(text[span[0] : span[1]]),
                        more=f" (and {others} other span(s))" if others else "",
                    )
                )
        open_spans.append((k, span))
        if len(open_spans) > 4 * MAX_OVERLAPS:  # nested spans: keep the widest, the rest end sooner
            open_spans = sorted(open_spans, key=lambda item: -item[1][1])[: 2 * MAX_OVERLAPS]
    if extra:
        first = next(p for p in problems if p.code == "N103")
        problems.append(Problem.make("N133", (first.index, first.line, first.source), count=extra, cap=MAX_OVERLAPS))
    return problems


def _check_record(
    rec: Any,
    at: tuple[int, int, str],
    nlp: Language,
    allowed: set[str] | None,
    case_map: dict[str, str],
    entity_lines: Sequence[int] | None = None,
) -> tuple[list[Problem], list[Problem]]:
    if not isinstance(rec, dict):
        return [Problem.make("N100", at, kind=_KINDS.get(type(rec), type(rec).__name__))], []
    missing = [key for key in ("text", "entities") if key not in rec]
    problems = [Problem.make("N109", at, key=key) for key in missing]
    text, ents = rec.get("text"), rec.get("entities", [])
    if "text" in rec and not isinstance(text, str):
        problems.append(
            Problem.make(
                "N110",
                at,
                what="'text'",
                expected="a string",
                got=_KINDS.get(type(text), "?"),
                fix_hint='put the whole post in "text" as one string',
            )
        )
    if not isinstance(ents, list):
        problems.append(
            Problem.make(
                "N110", at, what="'entities'", expected="a list", got=_KINDS.get(type(ents), "?"), fix_hint=_ENTITY_HINT
            )
        )
    if problems:
        return problems, []
    assert isinstance(text, str)  # otherwise N109 or N110 above returned
    if not text.strip():
        if not text:
            problems.append(Problem.make("N111", at))
        elif ents:
            problems.append(Problem.make("N135", at, length=len(text)))
        else:  # nothing to lose: an empty document (Prodigy exports keep such tasks), worth a look
            return problems, [Problem.make("N135", at, length=len(text))]
    surrogate = next((i for i, ch in enumerate(text) if "\ud800" <= ch <= "\udfff"), None)
    if surrogate is not None:
        return problems + [Problem.make("N131", at, offset=surrogate, char=ascii(text[surrogate]))], []
    if len(text) > nlp.max_length:
        return problems + [Problem.make("N132", at, length=len(text), limit=nlp.max_length)], []
    words = _words_problem(rec, at)
    if words is not None:
        return problems + [words], []
    found, warnings = _check_spans(text, ents, at, nlp, allowed, case_map, rec, entity_lines)
    return problems + found, warnings


def validate(
    records: Iterable[Any],
    nlp: Language,
    labels: Iterable[str] | None = None,
    *,
    source: str = "<records>",
    lines: Sequence[int] | None = None,
    entity_lines: Sequence[Sequence[int] | None] | None = None,
    case_map: dict[str, str] | None = None,
    first_index: int = 0,
) -> ValidationReport:
    """Check every record and report all problems, not just the first.

    records (Iterable): canonical records (anything else is reported, not raised).
    nlp (Language): pipeline whose tokenizer defines the token boundaries (a record's own
        "words"/"spaces" take precedence, e.g. from a CoNLL file).
    labels (Iterable[str] | None): allowed labels; None accepts any but checks case consistency.
    source (str): file name used in messages.
    lines (Sequence[int] | None): 1-based line of each record in `source`.
    entity_lines (Sequence | None): per record, the line of each entity (CoNLL), or None.
    case_map, first_index: for checking a large file chunk by chunk (formats.stream): the
        label spellings of the whole file, and the position of the first record in it.
    RETURNS (ValidationReport): the problems, in input order, and the warnings (N113).
    """
    records = list(records)
    allowed = set(labels) if labels is not None else None
    case_map = case_map if case_map is not None else _label_case_map(records, allowed)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for i, rec in enumerate(records):
        at = (first_index + i, lines[i] if lines is not None else i + 1, source)
        ent_lines = entity_lines[i] if entity_lines is not None and i < len(entity_lines) else None
        found, warned = _check_record(rec, at, nlp, allowed, case_map, ent_lines)
        problems.extend(found)
        warnings.extend(warned)
    return ValidationReport(problems, len(records), warnings)


def fix(
    records: Iterable[Any],
    nlp: Language,
    labels: Iterable[str] | None = None,
    *,
    source: str = "<records>",
    lines: Sequence[int] | None = None,
) -> FixReport:
    """Apply only the safe fixes and report each one; leave the rest to a human.

    Safe: strip whitespace (N102), snap to the nearest token-aligned span (N101),
    move edge brackets and punctuation out of a span (N113), drop an exact duplicate
    (N104), and correct label case (N108). Overlaps, unknown
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
    p: Problem | None
    for p in report.problems + report.warnings:
        if p.entity is not None:
            by_entity.setdefault((p.index, p.entity), {})[p.code] = p
    fixed, changes = [], []
    for i, rec in enumerate(records):
        if not (isinstance(rec, dict) and isinstance(rec.get("text"), str) and isinstance(rec.get("entities"), list)):
            fixed.append(rec)  # record-level problems (N109/N110): spans were not checked, nothing to fix
            continue
        new_ents = []
        for k, ent in enumerate(rec["entities"]):
            found = by_entity.get((i, k), {})
            if "N104" in found:
                dup = found["N104"]
                changes.append(Change(i, dup.line, source, "N104", cast(Span, dup.span), None, rec["text"]))
                continue
            if "N110" in found:
                new_ents.append(ent)
                continue
            span = tuple(ent)
            for code in ("N102", "N101", "N113", "N108"):
                p = found.get(code)
                if p is None or p.fix is None:
                    continue
                after = (p.fix[0], p.fix[1], span[2]) if code != "N108" else (span[0], span[1], p.fix[2])
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


def to_docs(
    nlp: Language,
    records: Iterable[Any],
    labels: Iterable[str] | None = None,
    *,
    source: str = "<records>",
    lines: Sequence[int] | None = None,
) -> list[Doc]:
    """Validate all records, then build one Doc per record with its entities set.

    RAISES AnnotationError: if any record has a problem (all are listed in `.problems`).
    """
    records = list(records)
    report = validate(records, nlp, labels, source=source, lines=lines)
    if not report.ok:
        raise AnnotationError(report.problems)
    docs = []
    for rec in records:
        doc = make_doc(nlp, rec)
        # validated above: every span aligns to tokens, so char_span returns no None
        doc.ents = cast(
            "list[SpacySpan]", [doc.char_span(s, e, label=label) for s, e, label in sorted(rec["entities"])]
        )
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
