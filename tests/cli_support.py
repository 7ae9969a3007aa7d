"""Shared helpers for tests that run the command line: in-process (the `cli` fixture in
conftest.py) or as real `python` processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

# COURSE_DEBUG turns coded errors into tracebacks; the tests check the learner's view.
ENV = {k: v for k, v in os.environ.items() if k != "COURSE_DEBUG"}


class Result(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def run_python(args: list, cwd: Path) -> Result:
    """A real `python ARGS` process started in `cwd`."""
    done = subprocess.run(
        [sys.executable, *map(str, args)], cwd=cwd, env=ENV, capture_output=True, encoding="utf-8", timeout=600
    )
    return Result(done.returncode, done.stdout, done.stderr)


def assert_clean_exit(result: Result, code: int) -> None:
    """No traceback, no internal error, and the expected exit code."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert "N999" not in result.stderr, result.stderr
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)


def write_lines(path: Path, *rows) -> Path:
    """Write one JSONL line per row; a str row is written as it is (to plant broken lines)."""
    path.write_text(
        "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8"
    )
    return path
