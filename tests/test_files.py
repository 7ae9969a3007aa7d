"""course/files.py: atomic writes, and the temp files an interrupted save leaves behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from course import files

ROOT = Path(__file__).resolve().parents[1]

# A writer that hangs inside the save (after the temp file exists), so it can be killed there.
HANG_IN_SAVE = (
    "import os, sys, time\n"
    "from course import files\n"
    "os.fsync = lambda fd: (print('writing', flush=True), time.sleep(60))\n"
    "files.atomic_write_text(sys.argv[1], 'new\\n')\n"
)


def _killed_mid_save(path: Path, sig: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HANG_IN_SAVE, str(path)], stdout=subprocess.PIPE, env=env, encoding="utf-8"
    )
    assert proc.stdout is not None  # stdout=PIPE
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(sig)
    proc.wait(timeout=30)


def test_temp_files_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text("old\n", encoding="utf-8")
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGKILL):
        _killed_mid_save(path, sig)
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    # each interrupted save already removed the one before it; the last one is left
    assert len(leftovers) == 1 and path.read_text(encoding="utf-8") == "old\n"
    files.atomic_write_text(path, "newer\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posts.jsonl"]
    assert path.read_text(encoding="utf-8") == "newer\n"


def test_only_the_courses_own_stale_temp_files_are_removed(tmp_path):
    path = tmp_path / "posts.jsonl"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True, encoding="utf-8"
        ).stdout.strip()
        names = {
            f".posts.jsonl.course-{dead}-abcd1234.tmp": True,  # its writer is gone
            ".posts.jsonl.k3j4h5g6.tmp": True,  # the old naming, and old (aged below)
            f".posts.jsonl.course-{sleeper.pid}-abcd1234.tmp": False,  # a save still running
            f".other.jsonl.course-{dead}-abcd1234.tmp": False,  # another file's business
            ".posts.jsonl.notes.tmp": False,  # not our naming
            "posts.jsonl.course-1-abcd1234.tmp": False,  # not hidden: not our naming
            ".posts.jsonl.fresh123.tmp": False,  # old naming, but recent: maybe a save in progress
        }
        for name in names:
            (tmp_path / name).write_text("x", encoding="utf-8")
        hour_ago = time.time() - 3600
        os.utime(tmp_path / ".posts.jsonl.k3j4h5g6.tmp", (hour_ago, hour_ago))
        folder = tmp_path / f".posts.jsonl.course-{dead}-dir12345.tmp"
        folder.mkdir()  # not a regular file: left alone
        removed = files.clean_stale_temp_files(path)
        assert sorted(p.name for p in removed) == sorted(n for n, gone in names.items() if gone)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [n for n, gone in names.items() if not gone] + [folder.name]
        )
        os.utime(tmp_path / f".posts.jsonl.course-{sleeper.pid}-abcd1234.tmp", (hour_ago, hour_ago))
        assert [p.name for p in files.clean_stale_temp_files(path)] == [
            f".posts.jsonl.course-{sleeper.pid}-abcd1234.tmp"
        ]  # too old to be a live save
    finally:
        sleeper.kill()
        sleeper.wait()
