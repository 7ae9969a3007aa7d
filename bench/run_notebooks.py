"""Rebuild notebooks from their text sources and execute them top to bottom in a fresh kernel.

    python bench/run_notebooks.py                 # learner mode: rebuild every .ipynb from its .py (to commit)
    python bench/run_notebooks.py --fast --dry    # CI mode, time only, keep files unchanged
    python bench/run_notebooks.py 03_training     # one notebook (name prefix)
    python bench/run_notebooks.py --jobs 2        # two notebooks at a time

The py:percent file (notebooks/NN_topic.py) is the source; the .ipynb is built from it, so
nothing in an old .ipynb survives a rebuild. Writes timings as JSON to bench/timings-<mode>.json
(read by bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def sources(names: list[str]) -> list[Path]:
    """RETURNS (list[Path]): the notebooks' text sources, filtered by name prefixes."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
    if names:
        paths = [p for p in paths if any(p.name.startswith(n) for n in names)]
    return paths


def run(source: Path, *, fast: bool, write: bool, timeout: int = 1800) -> float:
    """Build the notebook from `source`, execute it in a fresh kernel, write the .ipynb.

    RETURNS (float): wall seconds of the execution.
    """
    nb = jupytext.read(source)
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    env.pop("COURSE_INSTRUCTOR", None)
    if fast:
        env["COURSE_FAST"] = "1"
    else:
        env.pop("COURSE_FAST", None)
    backup = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(source.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(backup)
    seconds = time.perf_counter() - start
    if write:
        for i, cell in enumerate(nb.cells):  # stable ids: a rebuild changes only what changed
            cell["id"] = f"c{i:03d}"
        # Widget state would let a static viewer draw the widgets, but it is hundreds of KB per
        # notebook and changes on every run; JupyterLab redraws live widgets when cells run.
        nb.metadata.pop("widgets", None)
        jupytext.write(nb, source.with_suffix(".ipynb"))
    return seconds


def _job(args: tuple[Path, bool, bool]) -> tuple[str, float]:
    source, fast, write = args
    return source.stem, run(source, fast=fast, write=write)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--fast", action="store_true", help="COURSE_FAST=1 (CI mode)")
    parser.add_argument("--dry", action="store_true", help="do not write outputs back")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks executed at once (default 1)")
    args = parser.parse_args()
    mode = "fast" if args.fast else "learner"
    out = ROOT / "bench" / f"timings-{mode}.json"
    timings = json.loads(out.read_text()) if out.exists() else {}
    jobs = [(path, args.fast, not args.dry) for path in sources(args.names)]
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, seconds in pool.map(_job, jobs):
            timings[name] = round(seconds, 1)
            print(f"{name}: {seconds:.1f} s ({mode})", flush=True)
            out.write_text(json.dumps(dict(sorted(timings.items())), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
