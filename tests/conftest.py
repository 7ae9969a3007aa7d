"""Shared fixtures for the course tests."""

from __future__ import annotations

import pytest
import spacy
from spacy.language import Language


@pytest.fixture(autouse=True)
def _progress_in_memory(monkeypatch):
    """Exercise checks and quiz answers record progress: keep it in memory, never in the checkout."""
    from course import quiz_progress

    monkeypatch.setenv("COURSE_PROGRESS_FILE", "")
    monkeypatch.delenv("COURSE_LEARNER", raising=False)
    monkeypatch.setattr(quiz_progress, "_PROGRESS", None)


@pytest.fixture(scope="session")
def nlp() -> Language:
    """A blank English pipeline: its tokenizer defines the token boundaries we validate against."""
    return spacy.blank("en")


@pytest.fixture
def cli(capsys, monkeypatch):
    """`cli(args, cwd)`: `course.cli.main(args)` run from `cwd`, as a cli_support.Result."""
    from cli_support import Result
    from course.cli import main

    def call(args, cwd) -> Result:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            code = main([str(a) for a in args])
        except SystemExit as stop:  # argparse: usage errors exit 2
            code = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1  # as sys.exit does
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return call
