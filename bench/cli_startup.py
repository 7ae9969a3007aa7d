"""How long does `python -m course validate` take to start, next to `python -m spacy info`?

Both commands run as fresh processes with the same interpreter, environment and
working directory, interleaved (course, spacy, course, spacy, ...) so a busy
machine slows both alike. The validated file has one valid post. Prints the median
wall time of each and the ratio course / spacy. Goal: ≤ 1.0×.

    python bench/cli_startup.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POST = {
    "text": "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra [W] $450 shipped",
    "entities": [[1, 7, "LOCATION"], [13, 37, "PRODUCT"], [42, 46, "PRICE"]],
}


def wall_time(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    """RETURNS (float): seconds for one `python ARGS` process; RAISES if it fails."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"`python {' '.join(args)}` exited {done.returncode}:\n{done.stderr}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (median reported)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # The course from this checkout, the same environment for both commands.
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("COURSE_DEBUG", None)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / "one.jsonl").write_text(json.dumps(POST) + "\n", encoding="utf-8")
        commands = {"course_validate": ["-m", "course", "validate", "one.jsonl"], "spacy_info": ["-m", "spacy", "info"]}
        for argv in commands.values():  # warm the file system cache; not counted
            wall_time(argv, cwd, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, argv in commands.items():
                times[name].append(wall_time(argv, cwd, env))
    result = {name: round(statistics.median(ts), 3) for name, ts in times.items()}
    result["repeat"] = args.repeat
    result["ratio"] = round(result["course_validate"] / result["spacy_info"], 3)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"python -m course validate (one line): median {result['course_validate']:.2f} s")
        print(f"python -m spacy info:                  median {result['spacy_info']:.2f} s")
        print(f"ratio (goal ≤ 1.0): {result['ratio']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
