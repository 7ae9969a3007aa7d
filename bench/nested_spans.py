"""Validate one 45 KB record with 1,500 nested spans (issue 14.8): time and peak memory.

Runs the validation in a child process under a memory cap (default 2 GB, so the old
quadratic behaviour cannot take the shared machine down) and prints seconds and peak RSS.

    PYTHONPATH=$PWD python bench/nested_spans.py [--course-root DIR] [--cap-mb 2048]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import resource, sys, time
cap = int(sys.argv[1]) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
import spacy
from course.annotations import validate
nlp = spacy.blank("en")
words = [f"w{k:04d}" for k in range(7500)]
text = " ".join(words)
spans = [[k * 6, len(text) - k * 6, "PRODUCT"] for k in range(1500)]
spans = [[s, e - (1 if text[e - 1] == " " else 0), label] for s, e, label in spans]
started = time.perf_counter()
report = validate([{"text": text, "entities": spans}], nlp)
size = sum(len(p.message) + len(p.hint) for p in report.problems)
print(f"{time.perf_counter() - started:.1f} s, {len(report.problems)} problem(s), {size / 1e6:.1f} MB of messages, "
      f"text {len(text)} chars")
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--course-root", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--cap-mb", type=int, default=2048)
    args = parser.parse_args()
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(args.cap_mb)],
        capture_output=True,
        text=True,
        cwd=args.course_root,
        env={"PYTHONPATH": args.course_root, "PATH": "/usr/bin:/bin"},
        timeout=900,
    )
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    outcome = proc.stdout.strip() or (proc.stderr.strip().splitlines() or ["?"])[-1][:120]
    print(
        f"course from {args.course_root}: rc {proc.returncode}, wall {wall:.1f} s, peak RSS {peak:.0f} MB "
        f"(cap {args.cap_mb} MB): {outcome}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
