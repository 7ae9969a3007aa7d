"""Exercise checks that answer with a hint instead of a bare AssertionError.

Each check returns a `CheckResult`; as the last line of a cell it shows
"✓ Well done: ..." or "✗ Not yet: ... Hint: ...". Learners leave `____` in the
blanks; a cell with blanks still runs, and its check asks to fill them in.
Solution cells call `.require()` to fail loudly (CheckFailed) in tests.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from spacy.pipeline import EntityRuler

from .errors import CourseError

__all__ = [
    "____",
    "CheckFailed",
    "CheckResult",
    "contains_blank",
    "entities",
    "labels",
    "ruler_pattern",
    "number",
    "predictions",
    "spans",
]


class _Blank:
    """The `____` placeholder (a singleton). Arithmetic, calls and attributes on it give
    `____` back, so `precision = ____ / (____ + fp)` runs and its check asks for the blank."""

    _instance: _Blank | None = None

    def __new__(cls) -> _Blank:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return "____"

    def __reduce__(self) -> str:
        return "____"

    def _absorb(self, *args: Any, **kwargs: Any) -> _Blank:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _absorb
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __pow__ = __rpow__ = _absorb
    __neg__ = __pos__ = __abs__ = __call__ = _absorb

    def __getattr__(self, name: str) -> _Blank:
        if name.startswith("_"):  # keep IPython's _repr_*_ / _ipython_display_ probes honest
            raise AttributeError(name)
        return self


____: Any = _Blank()  # typed Any: it stands in for a value of any type
BLANK_MESSAGE = "replace the ____ blanks with your code, then run the cell again."


def contains_blank(value: Any, _depth: int = 0) -> bool:
    """RETURNS (bool): whether `value` is or contains `____` (strings, Docs, containers)."""
    if _depth > 6:
        return False
    if value is ____ or isinstance(value, str):
        return value is ____ or "____" in value
    text = getattr(value, "text", None)
    if isinstance(text, str) and hasattr(value, "ents"):  # Doc or Span
        return "____" in text
    if isinstance(value, Mapping):
        return any(contains_blank(k, _depth + 1) or contains_blank(v, _depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(contains_blank(v, _depth + 1) for v in value)
    return False


class CheckFailed(CourseError, AssertionError):
    """N524, raised by `CheckResult.require()`; the message carries the hint. result (CheckResult)."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        super().__init__("N524", result=repr(result))


@dataclass(frozen=True)
class CheckResult:
    """Outcome of a check.

    passed (bool): whether the learner's answer is right.
    message (str): what was found.
    hint (str): what to try next (failures only).
    """

    passed: bool
    message: str
    hint: str = ""

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        if self.passed:
            return f"✓ Well done: {self.message}"
        return f"✗ Not yet: {self.message}" + (f" Hint: {self.hint}" if self.hint else "")

    __str__ = __repr__

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b3261e"
        head = "✓ Well done:" if self.passed else "✗ Not yet:"
        hint = f"<br><b>Hint:</b> {html.escape(self.hint)}" if self.hint and not self.passed else ""
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 8px">'
            f'<b style="color:{colour}">{head}</b> {html.escape(self.message)}{hint}</div>'
        )

    def require(self) -> CheckResult:
        """RETURNS (CheckResult): self if passed. RAISES CheckFailed: message and hint."""
        if not self.passed:
            raise CheckFailed(self)
        return self


def _blank() -> CheckResult:
    return CheckResult(False, BLANK_MESSAGE)


def _combine(problems: list[tuple[str, str]], limit: int = 3) -> CheckResult:
    """One failing result from (message, hint) pairs; hints deduplicated, in order."""
    shown = problems[:limit]
    message = " ".join(m for m, _ in shown)
    if len(problems) > limit:
        message += f" (and {len(problems) - limit} more problem(s))"
    hints = list(dict.fromkeys(h for _, h in shown if h))
    return CheckResult(False, message, " ".join(hints))


def _pairs(expected: Any) -> list[tuple[str, str]] | None:
    try:
        pairs = [(t, l) for t, l in expected]
    except (TypeError, ValueError):
        return None
    return pairs if all(isinstance(t, str) and isinstance(l, str) for t, l in pairs) else None


def _listing(pairs: Iterable[tuple[str, str]]) -> str:
    return ", ".join(f"'{t}' ({l})" for t, l in pairs)


def entities(doc: Any, expected: Sequence[tuple[str, str]]) -> CheckResult:
    """Compare doc.ents with the expected (text, label) pairs.

    doc (Doc): the processed text, e.g. `nlp(post)`.
    expected (list[tuple[str, str]]): e.g. [("RTX 3080", "PRODUCT"), ("$450", "PRICE")].
    RETURNS (CheckResult): fails with one hint per wrong label, boundary, miss or extra.
    """
    if contains_blank(doc) or contains_blank(expected):
        return _blank()
    pairs = _pairs(expected)
    if pairs is None:
        return CheckResult(
            False,
            "`expected` must be a list of (text, label) pairs.",
            "Write it like [('RTX 3080', 'PRODUCT'), ('$450', 'PRICE')].",
        )
    if not hasattr(doc, "ents") or not isinstance(getattr(doc, "text", None), str):
        return CheckResult(
            False,
            f"expected a spaCy Doc, got {type(doc).__name__}.",
            "Run the text through the pipeline first: doc = nlp(text).",
        )
    left = [(e.start_char, e.end_char, e.text, e.label_) for e in doc.ents]
    missing = []
    for text, label in pairs:
        hit = next((p for p in left if p[2] == text and p[3] == label), None)
        if hit is None:
            missing.append((text, label))
        else:
            left.remove(hit)
    problems = []
    for text, label in missing:
        same = next((p for p in left if p[2] == text), None)
        if same is not None:
            left.remove(same)
            problems.append(_wrong_label(text, same[3], label))
            continue
        spots = [(m.start(), m.end()) for m in re.finditer(re.escape(text), doc.text)]
        if not spots:
            problems.append(
                (
                    f"'{text}' does not occur in the text.",
                    "Check the spelling in `expected` and the text you passed to nlp().",
                )
            )
            continue
        near = next(((p, s) for p in left for s in spots if p[0] < s[1] and s[0] < p[1]), None)
        if near is None:
            problems.append(
                (
                    f"'{text}' ({label}) is missing.",
                    f"Check that {label} is one of the ner labels and that your training "
                    f"data or patterns contain examples like '{text}'.",
                )
            )
            continue
        (start, end, found, found_label), (s, e) = near
        left.remove(near[0])
        problems.append(_boundary(doc.text, (start, end, found, found_label), (s, e, text, label)))
    for _, _, text, label in left:
        problems.append(
            (f"Extra entity '{text}' ({label}).", "It is not in the expected list; a spurious entity costs precision.")
        )
    if problems:
        return _combine(problems)
    if not pairs:
        return CheckResult(True, "no entities, as expected.")
    return CheckResult(True, f"all {len(pairs)} entities match: {_listing(pairs)}.")


def _wrong_label(text: str, got: str, want: str) -> tuple[str, str]:
    if got.casefold() == want.casefold():
        return (f"'{text}' is tagged {got}, expected {want}.", f"Labels are case-sensitive: use '{want}' everywhere.")
    return (f"'{text}' is tagged but as {got}.", f"Did you add the {want} label to the ner component before training?")


def _boundary(text: str, found: tuple, want: tuple) -> tuple[str, str]:
    start, end, found_text, found_label = found
    s, e, want_text, label = want
    notes = []
    if start > s:
        notes.append(f"'{text[s:start]}' belongs in the {label} span")
    if end < e:
        notes.append(f"'{text[end:e]}' belongs in the {label} span")
    if start < s:
        notes.append(f"'{text[start:s]}' is not part of the {label} span")
    if end > e:
        notes.append(f"'{text[e:end]}' is not part of the {label} span")
    message = f"'{found_text}' found but expected '{want_text}' — check the boundaries ({'; '.join(notes)})."
    if found_label != label:
        message += f" It is also labelled {found_label}, not {label}."
    return message, (
        "A span counts only if start and end match exactly. Check the character "
        "offsets in your training data, or the tokens your patterns match."
    )


def spans(
    text: str, entities: Sequence[tuple[int, int, str]], expected: Sequence[tuple[str, str]], nlp: Any = None
) -> CheckResult:
    """Check character-offset annotations: text[start:end] must be the expected string.

    text (str): the post.
    entities (list[tuple[int, int, str]]): the learner's (start, end, label), end exclusive.
    expected (list[tuple[str, str]]): the (text, label) pairs, in reading order.
    nlp (Language | None): if given, also check that each span aligns with its tokens.
    RETURNS (CheckResult): fails with hints for off-by-one, whitespace, labels, overlaps.
    """
    if contains_blank(entities) or contains_blank(expected) or contains_blank(text):
        return _blank()
    pairs = _pairs(expected)
    try:
        given = sorted((s, e, l) for s, e, l in entities)
    except (TypeError, ValueError):
        given = None
    if pairs is None or given is None or not isinstance(text, str):
        return CheckResult(
            False,
            "`entities` must be (start, end, label) triples and `expected` (text, label) pairs.",
            "Example: entities = [(13, 21, 'PRODUCT')].",
        )
    if len(given) != len(pairs):
        return CheckResult(
            False,
            f"you gave {len(given)} span(s) but {len(pairs)} are expected.",
            "Write one (start, end, label) triple per entity.",
        )
    problems = []
    for (s, e, label), (want, want_label) in zip(given, pairs):
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (s, e)):
            problems.append(
                (
                    f"({s!r}, {e!r}, {label!r}): offsets must be integers.",
                    "Offsets count characters; use int values such as text.find(...).",
                )
            )
        elif not 0 <= s < e <= len(text):
            problems.append(
                (
                    f"({s}, {e}, {label!r}) is outside the text or empty.",
                    f"Offsets run from 0 to len(text) = {len(text)}, with start < end.",
                )
            )
        elif text[s:e] != want:
            problems.append(_offset_problem(text, s, e, label, want))
        elif label != want_label:
            problems.append(_wrong_label(want, label, want_label))
        elif nlp is not None and nlp.make_doc(text).char_span(s, e) is None:
            problems.append(
                (
                    f"({s}, {e}, {label!r}) '{want}' does not align with token boundaries.",
                    "doc.char_span() returns None for it and training drops it with "
                    "warning W030; try alignment_mode='expand' to see the nearest fit.",
                )
            )
    for (s1, e1, l1), (s2, e2, l2) in itertools.pairwise(given):
        if s2 < e1:
            problems.append(
                (
                    f"({s1}, {e1}, {l1!r}) and ({s2}, {e2}, {l2!r}) overlap.",
                    "doc.ents cannot overlap: keep one of the two spans.",
                )
            )
    if problems:
        return _combine(problems)
    return CheckResult(True, f"all {len(pairs)} spans are right: {_listing(pairs)}.")


def _offset_problem(text: str, s: int, e: int, label: str, want: str) -> tuple[str, str]:
    got = text[s:e]
    head = f"({s}, {e}, {label!r}) covers {got!r}"
    if got.strip() == want:
        return (
            f"{head}, with whitespace around '{want}'.",
            "Spans must start and end on a visible character; whitespace at the edges does not align with tokens.",
        )
    if text[s : e + 1] == want:
        return (
            f"{head}, one character short of '{want}'.",
            "The end offset is exclusive: text[start:end] stops before `end`, so end = start + len(entity).",
        )
    if text[s : e - 1] == want:
        return (
            f"{head}, one character more than '{want}'.",
            "The end offset is exclusive: end = start + len(entity), not one more.",
        )
    if (s and text[s - 1 : e] == want) or text[s + 1 : e] == want:
        return (
            f"{head}, but expected '{want}': the start is off by one.",
            "Offsets count from 0; the first character is text[0]. text.find() gives the start.",
        )
    if (s and text[s - 1 : e - 1] == want) or text[s + 1 : e + 1] == want:
        return (
            f"{head}, but expected '{want}': both offsets are shifted by one.",
            "Offsets count from 0, not 1: start = text.find(entity).",
        )
    if want not in text:
        return f"{head}, but '{want}' is not in the text at all.", "Check the expected string."
    return (
        f"{head}, but expected '{want}'.",
        f"Compute the offsets: start = text.find('{want}'), end = start + len('{want}').",
    )


def labels(nlp: Any, expected: Iterable[str], pipe: str = "ner", exact: bool = False) -> CheckResult:
    """Check that a pipeline component knows the expected labels.

    nlp (Language): the pipeline.
    expected (Iterable[str]): labels that must be there, e.g. ["PRODUCT", "PRICE"].
    pipe (str): component name, "ner" by default (an "entity_ruler" works too).
    exact (bool): also fail on labels that are not expected.
    RETURNS (CheckResult): fails with a hint to call add_label.
    """
    try:
        want = [expected] if isinstance(expected, str) else list(expected)
    except TypeError:
        return CheckResult(False, "`expected` must be a list of label names.", "Example: ['PRODUCT', 'PRICE'].")
    if contains_blank(want) or contains_blank(getattr(nlp, "pipe_names", [])):
        return _blank()
    if not hasattr(nlp, "pipe_names"):
        return CheckResult(
            False,
            f"expected a spaCy pipeline, got {type(nlp).__name__}.",
            "Create one with nlp = spacy.blank('en') or spacy.load(...).",
        )
    if pipe not in nlp.pipe_names:
        return CheckResult(
            False,
            f"the pipeline has no '{pipe}' component (it has: {', '.join(nlp.pipe_names) or 'nothing'}).",
            f"Add it with nlp.add_pipe('{pipe}').",
        )
    have = list(getattr(nlp.get_pipe(pipe), "labels", ()))
    if contains_blank(have):
        return _blank()
    problems = []
    for label in want:
        if label in have:
            continue
        twin = next((h for h in have if h.casefold() == label.casefold()), None)
        if twin:
            problems.append(
                (f"'{twin}' is there but '{label}' is expected.", f"Labels are case-sensitive: add '{label}'.")
            )
        else:
            problems.append(
                (
                    f"label '{label}' is missing.",
                    f"Call nlp.get_pipe('{pipe}').add_label('{label}') before you initialize and train.",
                )
            )
    if exact:
        for label in sorted(set(have) - set(want)):
            problems.append(
                (
                    f"label '{label}' is not expected.",
                    "Every label needs training examples; drop unused ones by starting from a fresh component.",
                )
            )
    if problems:
        return _combine(problems, limit=len(problems))
    return CheckResult(True, f"the {pipe} component has {', '.join(want)}.")


def number(
    value: Any, expected: float, tol: float = 0.01, name: str = "value", wrong: Mapping[float, str] | None = None
) -> CheckResult:
    """Check a computed number, e.g. a precision or recall, within an absolute tolerance.

    value (Any): the learner's number.
    expected (float): the right value.
    tol (float): allowed absolute difference.
    name (str): what the value is called in messages, e.g. "recall".
    wrong (Mapping[float, str] | None): known wrong values -> hint, e.g. {0.75: "that is precision"}.
    RETURNS (CheckResult): fails with the matching hint, never revealing `expected`.
    """
    if contains_blank(value):
        return _blank()
    try:
        v = float(value)
    except (TypeError, ValueError):
        return CheckResult(
            False,
            f"{name} should be a number, got {type(value).__name__}.",
            "Assign the result of the arithmetic, e.g. tp / (tp + fn).",
        )
    if math.isnan(v):
        return CheckResult(False, f"{name} is NaN.", "Did you divide 0 by 0? Check the counts.")
    if abs(v - expected) <= tol + 1e-12:
        return CheckResult(True, f"{name} = {v:.4g}.")
    for bad, hint in (wrong or {}).items():
        if abs(v - bad) <= tol + 1e-12:
            return CheckResult(False, f"{name} = {v:.4g} is not right.", hint)
    if expected and abs(v - expected * 100) <= tol * 100:
        return CheckResult(
            False, f"{name} = {v:.4g} looks like a percentage.", "Give it as a fraction between 0 and 1."
        )
    if v and abs(1 / v - expected) <= tol:
        return CheckResult(
            False,
            f"{name} = {v:.4g} is upside down.",
            "You divided the other way round: swap numerator and denominator.",
        )
    return CheckResult(
        False, f"{name} = {v:.4g} is not right.", "Recheck which counts go in the numerator and the denominator."
    )


def predictions(nlp: Any, examples: Sequence[tuple[str, Sequence[tuple[str, str]]]]) -> CheckResult:
    """Run a pipeline (e.g. one with an EntityRuler) on texts and check each with `entities`.

    nlp (Language): the pipeline.
    examples (list[tuple[str, list[tuple[str, str]]]]): (text, expected pairs) per post.
    RETURNS (CheckResult): the first failing text's result, prefixed with which text it is.
    """
    if contains_blank(examples):
        return _blank()
    for i, (text, expected) in enumerate(examples, 1):
        try:
            doc = nlp(text)
        except Exception as err:  # noqa: BLE001 - report, never crash the learner's cell
            return CheckResult(
                False,
                f"running nlp on text {i} raised {type(err).__name__}: {err}",
                "Run the cells above first (did you call nlp.initialize()?).",
            )
        result = entities(doc, expected)
        if not result.passed:
            short = text if len(text) <= 40 else text[:37] + "..."
            return CheckResult(False, f"text {i} ('{short}'): {result.message}", result.hint)
    return CheckResult(True, f"all {len(examples)} texts give the expected entities.")


def ruler_pattern(
    pattern: Any, label: str, examples: Sequence[tuple[str, Sequence[tuple[str, str]]]], lang: str = "en"
) -> CheckResult:
    """Check one EntityRuler token pattern on example texts.

    pattern (list[dict]): the learner's token pattern, e.g. [{"SHAPE": "dddd", "LENGTH": 5}].
    label (str): the label the pattern assigns.
    examples (list[tuple[str, list[tuple[str, str]]]]): (text, expected pairs) per text.
    RETURNS (CheckResult): as `predictions`, or a hint about the pattern's shape.
    """
    if contains_blank(pattern):
        return _blank()
    if not (isinstance(pattern, list) and pattern and all(isinstance(t, dict) for t in pattern)):
        return CheckResult(
            False,
            f"the pattern is {pattern!r}, not a list of token dicts.",
            "A token pattern is a list with one dict per token, e.g. [{'LOWER': 'rtx'}].",
        )
    for token in pattern:
        shape = next((v for k, v in token.items() if k.upper() == "SHAPE"), None)
        if isinstance(shape, str) and re.search(r"(.)\1{4}", shape):
            return CheckResult(
                False,
                f"SHAPE '{shape}' can never match: spaCy's shape keeps at most "
                "four characters of the same kind in a row ('78701' has shape 'dddd').",
                "Combine SHAPE 'dddd' with another attribute that counts characters.",
            )
    import spacy

    nlp = spacy.blank(lang)
    try:
        cast("EntityRuler", nlp.add_pipe("entity_ruler")).add_patterns([{"label": label, "pattern": pattern}])
        nlp("warm up")
    except Exception as err:  # noqa: BLE001 - spaCy raises several types for a bad pattern
        first = str(err).strip().splitlines()[0][:160]
        return CheckResult(
            False,
            f"spaCy rejected the pattern: {first}",
            "Token attributes are upper case (SHAPE, LENGTH, LOWER, IS_DIGIT...).",
        )
    return predictions(nlp, examples)
