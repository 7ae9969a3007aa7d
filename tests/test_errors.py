"""course/errors.py: every code formats, every message says something, one-line errors."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from course.errors import (AnnotationError, CourseError, Errors, FormatError, Problem, ResourceError,
                           TrainingError)

CODES = sorted(name for name in vars(Errors) if re.fullmatch(r"E\d{3}", name))
COURSE = Path(__file__).resolve().parents[1] / "course"
# the modules whose error codes these tests cover (others are edited elsewhere)
MODULES = ("errors.py", "annotations.py", "files.py", "cli/__init__.py", "cli/common.py", "cli/data.py",
           "cli/models.py", "resources.py",
           *sorted(str(p.relative_to(COURSE)) for p in (COURSE / "formats").glob("*.py")))


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _plausible(code: str) -> dict[str, object]:
    message, hint = getattr(Errors, code)
    sample = {"start": 8, "end": 15, "line": 3, "length": 52, "count": 2, "fix_start": 8, "fix_end": 16,
              "other_start": 8, "other_end": 16}
    return {name: sample.get(name, f"<{name}>") for name in _fields(message) | _fields(hint)}


def test_codes_are_found():
    assert len(CODES) >= 30
    assert {"E101", "E120", "E201", "E301", "E401", "E501"} <= set(CODES)


@pytest.mark.parametrize("code", CODES)
def test_every_template_is_a_message_and_a_hint(code):
    entry = getattr(Errors, code)
    assert isinstance(entry, tuple) and len(entry) == 2, f"{code} must be (message, hint)"
    message, hint = entry
    assert message.strip() and hint.strip(), f"{code} has an empty message or hint"


@pytest.mark.parametrize("code", CODES)
def test_every_code_formats_with_its_own_fields(code):
    message, hint = getattr(Errors, code)
    fields = _plausible(code)
    text = message.format(**fields) + " — " + hint.format(**fields)  # KeyError/IndexError: broken template
    for value in fields.values():
        assert str(value) in text
    # no field left unfilled, no positional {} that str.format would reject
    assert not re.search(r"(?<!\{)\{[a-z_]*\}(?!\})", text)
    assert "\n" not in text, "errors print as exactly one line"


@pytest.mark.parametrize("code", [c for c in CODES if c.startswith("E1")])
def test_annotation_codes_build_problems(code):
    """E1xx reach the learner as Problems (validate), so build them the way validate does."""
    p = Problem.make(code, (2, 3, "posts.jsonl"), **_plausible(code))
    assert p.format().startswith(f"posts.jsonl:3: {code} ")
    assert p.message.strip() and p.hint.strip()


@pytest.mark.parametrize("code", [c for c in CODES if not c.startswith("E1")] + ["E120"])
def test_other_codes_raise_as_course_errors(code):
    err = CourseError(code, **_plausible(code))
    assert err.code == code
    assert err.message.strip() and err.hint.strip()
    assert str(err) == err.line() == f"{code} {err.message} — {err.hint}"


def test_escaped_braces_survive_formatting():
    err = CourseError("E100", kind="list")
    assert err.message == "record is a list, not a JSON object"
    assert '{"text": "...", "entities": [[start, end, "LABEL"]]}' in err.hint


def test_course_error_line_has_where_code_message_and_hint():
    err = FormatError("E201", where="posts.jsonl:3", path="posts.jsonl", cwd="/home/learner")
    assert err.line() == ("posts.jsonl:3: E201 file not found: posts.jsonl — "
                          "check the path; relative paths start from /home/learner")
    assert str(err) == err.line()
    assert err.fields == {"path": "posts.jsonl", "cwd": "/home/learner"}


def test_course_error_line_without_where_has_no_prefix():
    err = ResourceError("E304", name="en_core_web_xl", choices="en_core_web_sm")
    assert err.line() == ("E304 unknown pretrained resource 'en_core_web_xl' — "
                          "choose one of: en_core_web_sm")


def test_missing_field_is_a_key_error_not_a_silent_placeholder():
    with pytest.raises(KeyError):
        CourseError("E201", path="x.jsonl")  # no cwd


def test_error_classes_keep_builtin_bases_for_except_clauses():
    assert issubclass(AnnotationError, ValueError) and issubclass(AnnotationError, CourseError)
    assert issubclass(FormatError, ValueError)
    assert issubclass(ResourceError, ImportError)
    assert issubclass(TrainingError, RuntimeError)


def _problem(code: str, line: int, **fields) -> Problem:
    return Problem.make(code, (line - 1, line, "posts.jsonl"), **fields)


def test_problem_format_is_file_line_code_message_hint():
    p = _problem("E104", 7, start=29, end=33, text="$450", label="PRICE")
    assert p.format() == ("posts.jsonl:7: E104 span [29, 33) '$450' (PRICE) is listed twice — "
                          "delete the duplicate (course.annotations.fix does this)")
    assert (p.index, p.line, p.source, p.span, p.fix, p.entity) == (6, 7, "posts.jsonl", None, None, None)


def test_annotation_error_counts_problems_and_shows_the_first():
    problems = [_problem("E111", 2), _problem("E109", 5, key="entities")]
    err = AnnotationError(problems)
    assert err.code == "E120" and err.problems == problems
    assert err.line().startswith("E120 2 annotation problem(s); the first: posts.jsonl:2: E111 text is empty")
    assert "spans are never dropped silently" in err.hint


def test_annotation_error_without_problems_still_formats():
    assert "0 annotation problem(s); the first: no details" in str(AnnotationError([]))


def test_every_code_raised_by_the_package_is_defined():
    """A typo like FormatError("E2100") would only show up as an AttributeError for a learner."""
    used = set()
    for name in MODULES:
        used |= set(re.findall(r"""["'](E\d{3,4})["']""", (COURSE / name).read_text(encoding="utf-8")))
    used.discard("E999")  # printed literally by the CLI for unexpected exceptions
    assert used, "the scan found no codes: the pattern is broken"
    assert used <= set(CODES), f"undefined codes: {sorted(used - set(CODES))}"
