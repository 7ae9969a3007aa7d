"""course/errors.py: every code formats, every message says something, one-line errors.

The guard tests at the end scan every module of course/ (subpackages included): the
registry holds exactly the codes the package uses, every error class is a CourseError,
and every code is named in at least one test outside this file (the test that triggers it).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import string
from pathlib import Path

import pytest

import course
from course.errors import AnnotationError, CourseError, Errors, FormatError, Problem, ResourceError, TrainingError

CODES = sorted(name for name in vars(Errors) if re.fullmatch(r"N\d{3}", name))
COURSE = Path(__file__).resolve().parents[1] / "course"
TESTS = Path(__file__).resolve().parent
CODE_LITERAL = re.compile(r"""["'](N\d{3,4})["']""")  # "N101" or 'N101' in code, not N101 in prose
NOT_IN_REGISTRY = {"N999"}  # printed literally by the CLI for unexpected exceptions (a bug, not a case)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _plausible(code: str) -> dict[str, object]:
    message, hint = getattr(Errors, code)
    sample = {
        "start": 8,
        "end": 15,
        "line": 3,
        "length": 52,
        "count": 2,
        "fix_start": 8,
        "fix_end": 16,
        "other_start": 8,
        "other_end": 16,
    }
    return {name: sample.get(name, f"<{name}>") for name in _fields(message) | _fields(hint)}


def test_codes_are_found():
    assert len(CODES) >= 30
    assert {"N101", "N120", "N201", "N301", "N401", "N510"} <= set(CODES)


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


@pytest.mark.parametrize("code", [c for c in CODES if c.startswith("N1")])
def test_annotation_codes_build_problems(code):
    """N1xx reach the learner as Problems (validate), so build them the way validate does."""
    p = Problem.make(code, (2, 3, "posts.jsonl"), **_plausible(code))
    assert p.format().startswith(f"posts.jsonl:3: {code} ")
    assert p.message.strip() and p.hint.strip()


@pytest.mark.parametrize("code", [c for c in CODES if not c.startswith("N1")] + ["N120"])
def test_other_codes_raise_as_course_errors(code):
    err = CourseError(code, **_plausible(code))
    assert err.code == code
    assert err.message.strip() and err.hint.strip()
    assert str(err) == err.line() == f"{code} {err.message} — {err.hint}"


def test_escaped_braces_survive_formatting():
    err = CourseError("N100", kind="list")
    assert err.message == "record is a list, not a JSON object"
    assert '{"text": "...", "entities": [[start, end, "LABEL"]]}' in err.hint


def test_course_error_line_has_where_code_message_and_hint():
    err = FormatError("N201", where="posts.jsonl:3", path="posts.jsonl", cwd="/home/learner")
    assert err.line() == (
        "posts.jsonl:3: N201 file not found: posts.jsonl — check the path; relative paths start from /home/learner"
    )
    assert str(err) == err.line()
    assert err.fields == {"path": "posts.jsonl", "cwd": "/home/learner"}


def test_course_error_line_without_where_has_no_prefix():
    err = ResourceError("N304", name="en_core_web_xl", choices="en_core_web_sm")
    assert err.line() == ("N304 unknown pretrained resource 'en_core_web_xl' — choose one of: en_core_web_sm")


def test_missing_field_is_a_key_error_not_a_silent_placeholder():
    with pytest.raises(KeyError):
        CourseError("N201", path="x.jsonl")  # no cwd


def test_error_classes_keep_builtin_bases_for_except_clauses():
    assert issubclass(AnnotationError, ValueError) and issubclass(AnnotationError, CourseError)
    assert issubclass(FormatError, ValueError)
    assert issubclass(ResourceError, ImportError)
    assert issubclass(TrainingError, RuntimeError)


def _problem(code: str, line: int, **fields) -> Problem:
    return Problem.make(code, (line - 1, line, "posts.jsonl"), **fields)


def test_problem_format_is_file_line_code_message_hint():
    p = _problem("N104", 7, start=29, end=33, text="$450", label="PRICE")
    assert p.format() == (
        "posts.jsonl:7: N104 span [29, 33) '$450' (PRICE) is listed twice — "
        "delete the duplicate (course.annotations.fix does this)"
    )
    assert (p.index, p.line, p.source, p.span, p.fix, p.entity) == (6, 7, "posts.jsonl", None, None, None)


def test_annotation_error_counts_problems_and_shows_the_first():
    problems = [_problem("N111", 2), _problem("N109", 5, key="entities")]
    err = AnnotationError(problems)
    assert err.code == "N120" and err.problems == problems
    assert err.line().startswith("N120 2 annotation problem(s); the first: posts.jsonl:2: N111 text is empty")
    assert "spans are never dropped silently" in err.hint


def test_annotation_error_without_problems_still_formats():
    assert "0 annotation problem(s); the first: no details" in str(AnnotationError([]))


# --- guards: one registry, used in full, every code tested ------------------------------------


def package_sources() -> dict[str, str]:
    """RETURNS (dict[str, str]): path under course/ → source, for every module (subpackages too)."""
    return {str(p.relative_to(COURSE)): p.read_text(encoding="utf-8") for p in sorted(COURSE.rglob("*.py"))}


def used_codes() -> dict[str, set[str]]:
    """RETURNS (dict[str, set[str]]): code → the modules that name it as a string literal."""
    used: dict[str, set[str]] = {}
    for path, source in package_sources().items():
        for code in CODE_LITERAL.findall(source):
            used.setdefault(code, set()).add(path)
    return used


def test_the_scan_reads_every_module_including_subpackages():
    paths = set(package_sources())
    assert {"errors.py", "cli/data.py", "cli/models.py", "exercises/__init__.py"} <= paths
    used = used_codes()
    assert "cli/models.py" in used["N403"] and "quiz_bank.py" in used["N512"]


def test_every_code_raised_by_the_package_is_defined():
    """A typo like FormatError("E2100") would only show up as an AttributeError for a learner."""
    undefined = {
        code: sorted(paths) for code, paths in used_codes().items() if code not in CODES and code not in NOT_IN_REGISTRY
    }
    assert not undefined, f"codes used in course/ but missing from course.errors.Errors: {undefined}"


def test_every_code_in_the_registry_is_used():
    unused = sorted(set(CODES) - set(used_codes()))
    assert not unused, f"codes in course.errors.Errors that no module of course/ raises or reports: {unused}"


def test_every_code_is_triggered_by_a_test():
    """Each code is named in some test besides this file's formatting checks: the test that triggers it."""
    named = set()
    for path in TESTS.rglob("*.py"):
        if path.name != Path(__file__).name:
            named |= set(re.findall(r"N\d{3}", path.read_text(encoding="utf-8")))
    assert not sorted(set(CODES) - named), f"codes no test triggers: {sorted(set(CODES) - named)}"


def all_modules() -> list[str]:
    names = ["course"]
    for info in pkgutil.walk_packages(course.__path__, "course."):
        if not info.name.endswith("__main__"):  # running it would start the CLI
            names.append(info.name)
    return names


def test_every_error_class_is_a_course_error():
    classes = {}
    for name in all_modules():
        module = importlib.import_module(name)  # an import error here is a failure, never skipped
        for attr, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == name:
                classes[f"{name}.{attr}"] = value
    assert "course.quiz_bank.QuizError" in classes and "course.check.CheckFailed" in classes
    assert not [n for n, cls in classes.items() if not issubclass(cls, CourseError)]
