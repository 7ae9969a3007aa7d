"""Measure everything the course claims about speed and accuracy; write bench/RESULTS.md.

    python bench/report.py            # everything (about 45 minutes on 2 cores)
    python bench/report.py --skip-notebooks
    python bench/report.py --reuse-timings   # notebook times from the last run_notebooks.py runs

Runs, each in its own process:
  bench/run_notebooks.py --dry [--fast]   every notebook's wall time, both modes
  bench/train_throughput.py --json        train_blank vs `spacy train`, words/second
  bench/validate_speed.py --json          validate vs offsets_to_biluo_tags, 10,000 docs
  bench/model_scores.py --json            F1 of each model on test and test_shift, learner settings
  bench/style_shift.py --json             generated vs hand-written training posts, 3 seeds
  bench/cli_startup.py --json             `python -m course validate` vs `python -m spacy info`
Machines are noisy, so speed is reported as ratios next to the raw numbers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
LIMITS = {"07_fine_tuning": 600}  # learner-mode seconds; everything else 300


def run_json(script: str, *args: str) -> dict:
    """Run a bench script with --json and parse the last line of its output."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, str(BENCH / script), *args, "--json"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def notebook_times() -> dict[str, dict[str, float]]:
    """Execute all notebooks in both modes (outputs not written back). RETURNS name → mode → s."""
    times: dict[str, dict[str, float]] = {}
    for flag, mode in (("--fast", "fast"), ("", "learner")):
        args = [sys.executable, str(BENCH / "run_notebooks.py"), "--dry"] + ([flag] if flag else [])
        subprocess.run(args, cwd=ROOT, check=True)
        for name, seconds in json.loads((BENCH / f"timings-{mode}.json").read_text()).items():
            times.setdefault(name, {})[mode] = seconds
    return times


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render(
    times: dict | None, throughput: dict, validation: dict, scores: dict, startup: dict, style: dict | None = None
) -> str:
    import model_scores
    import spacy
    import style_shift

    parts = [
        "# Benchmark results",
        f"Written by `make bench` on {dt.date.today():%Y-%m-%d}: {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}, spaCy {spacy.__version__}, one thread.",
    ]
    if times:
        rows = [
            [
                name,
                f"{t.get('fast', float('nan')):.0f}",
                f"{t.get('learner', float('nan')):.0f}",
                LIMITS.get(name, 300),
                "✓" if t.get("learner", 1e9) <= LIMITS.get(name, 300) and t.get("fast", 1e9) <= 90 else "✗",
            ]
            for name, t in sorted(times.items())
        ]
        parts += [
            "## Notebook execution time (seconds, fresh kernel, top to bottom)",
            table(["notebook", "fast mode", "learner mode", "learner limit", "within limits"], rows),
            "Fast mode (`COURSE_FAST=1`, what CI runs) must stay under 90 s per notebook.",
        ]
    parts += [
        "## Training throughput: `train_blank` vs `spacy train`",
        table(["", "value"], [[k, v] for k, v in throughput.items()]),
        f"Ratio (goal ≥ 0.9): **{throughput.get('ratio')}**",
        "## Validation speed: `annotations.validate` vs `offsets_to_biluo_tags`",
        table(["", "value"], [[k, v] for k, v in validation.items()]),
        f"Ratio (goal ≤ 1.2): **{validation.get('ratio')}**",
        "## CLI start-up: `python -m course validate` (one line) vs `python -m spacy info`",
        table(["", "value"], [[k, v] for k, v in startup.items()]),
        f"Ratio of the medians (goal ≤ 1.0): **{startup.get('ratio')}**",
        "## Test-set F1 per model (strict, learner-mode settings)",
    ]
    labels = sorted({label for s in scores.values() for label in s.get("per_label", {})})
    rows = [
        [
            name,
            s["micro"]["f"],
            *(s["per_label"].get(l, {}).get("f", "") for l in labels),
            s.get("train_seconds", ""),
            s.get("size_mb", ""),
            s.get("words_per_second", ""),
        ]
        for name, s in scores.items()
    ]
    parts.append(table(["model", "micro F1", *labels, "train s", "size MB", "words/s"], rows))
    if all("test_shift" in s for s in scores.values()):
        parts += [f"## {model_scores.HEADING}", model_scores.both_sets_markdown(scores)]
    if style:
        parts += [f"## {style_shift.HEADING}", style_shift.markdown(style)]
    return "\n\n".join(parts) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-notebooks", action="store_true", help="keep the notebook table out")
    parser.add_argument(
        "--reuse-timings",
        action="store_true",
        help="read bench/timings-{fast,learner}.json instead of running the notebooks",
    )
    args = parser.parse_args()
    times: dict | None
    if args.skip_notebooks:
        times = None
    elif args.reuse_timings:
        times = {}
        for mode in ("fast", "learner"):
            for name, seconds in json.loads((BENCH / f"timings-{mode}.json").read_text()).items():
                times.setdefault(name, {})[mode] = seconds
    else:
        times = notebook_times()
    report = render(
        times,
        run_json("train_throughput.py"),
        run_json("validate_speed.py"),
        run_json("model_scores.py"),
        run_json("cli_startup.py"),
        run_json("style_shift.py"),
    )
    (BENCH / "RESULTS.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
