"""Execute notebooks top to bottom in a fresh kernel and time each one.

    python bench/run_notebooks.py                 # learner mode, write outputs back (to commit)
    python bench/run_notebooks.py --fast --dry    # CI mode, time only, keep files unchanged
    python bench/run_notebooks.py 03_training     # one notebook (name prefix)

Writes timings as JSON to bench/timings-<mode>.json (read by bench/report.py).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path, *, fast: bool, write: bool, timeout: int = 1800) -> float:
    """Execute one notebook in a fresh kernel; RETURNS wall seconds."""
    nb = nbformat.read(path, as_version=4)
    env_backup = dict(os.environ)
    os.environ.update(PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
    os.environ.pop("COURSE_INSTRUCTOR", None)
    if fast:
        os.environ["COURSE_FAST"] = "1"
    else:
        os.environ.pop("COURSE_FAST", None)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
    seconds = time.perf_counter() - start
    if write:
        # Widget state would let a static viewer draw the widgets, but it is hundreds of KB per
        # notebook and changes on every run; JupyterLab redraws live widgets when cells run.
        nb.metadata.pop("widgets", None)
        nbformat.write(nb, path)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--fast", action="store_true", help="COURSE_FAST=1 (CI mode)")
    parser.add_argument("--dry", action="store_true", help="do not write outputs back")
    args = parser.parse_args()
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if args.names:
        paths = [p for p in paths if any(p.name.startswith(n) for n in args.names)]
    mode = "fast" if args.fast else "learner"
    out = ROOT / "bench" / f"timings-{mode}.json"
    timings = json.loads(out.read_text()) if out.exists() else {}
    for path in paths:
        seconds = run(path, fast=args.fast, write=not args.dry)
        timings[path.stem] = round(seconds, 1)
        print(f"{path.name}: {seconds:.1f} s ({mode})", flush=True)
        out.write_text(json.dumps(dict(sorted(timings.items())), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
