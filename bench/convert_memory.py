"""Time and peak memory of `python -m course convert` on a large generated JSONL (issue 14.13).

Generates N records (default 200,000: the machine's 2 cores are shared), then runs in
separate child processes: reading the file with `json` alone (the floor), and
`convert` to .spacy and to .conll, each with its own peak RSS. `--course-root` points at
another checkout (e.g. the code before the change) to compare. Extrapolate linearly.

    PYTHONPATH=$PWD python bench/convert_memory.py [--records 200000] [--course-root DIR] [--cap-mb 8192]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import resource, runpy, sys, time
cap = int(sys.argv[1]) * 2**20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
mode, args = sys.argv[2], sys.argv[3:]
started = time.perf_counter()
code = 0
try:
    if mode == "json":
        import json
        with open(args[0], encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle]
    else:
        sys.argv = ["course", *args]
        try:
            runpy.run_module("course", run_name="__main__")
        except SystemExit as exit:
            code = exit.code or 0
except MemoryError:
    code = "MemoryError"
print(f"RESULT {time.perf_counter() - started:.1f} {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} "
      f"{code}", file=sys.stderr)
"""

PRODUCTS = ["RTX 3080", "GTX 1080 Ti", "Steam Deck OLED", "Ryzen 7 5800X", "ThinkPad X1", "iPad Air"]
PLACES = ["Austin", "Berlin", "München", "Portland", "Lyon"]


def generate(path: Path, n: int) -> None:
    rng = random.Random(0)
    with open(path, "w", encoding="utf-8") as handle:
        for k in range(n):
            product, place, price = rng.choice(PRODUCTS), rng.choice(PLACES), f"${rng.randint(20, 999)}"
            text = f"[H] {product} like new [W] {price} shipped from {place} #{k}"
            ents = [[4, 4 + len(product), "PRODUCT"]]
            p = text.index(price)
            ents.append([p, p + len(price), "PRICE"])
            q = text.index(place)
            ents.append([q, q + len(place), "LOCATION"])
            handle.write(json.dumps({"text": text, "entities": ents}, ensure_ascii=False) + "\n")


def run(root: str, cap: int, mode: str, *args: str) -> tuple[float, float, str]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(cap), mode, *args],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"},
        timeout=3600,
    )
    line = next((x for x in proc.stderr.splitlines() if x.startswith("RESULT ")), "RESULT nan nan crashed")
    _, seconds, rss, code = line.split(" ", 3)
    return float(seconds), float(rss), code


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--course-root", default=str(Path(__file__).resolve().parents[1]))
    parser.add_argument("--cap-mb", type=int, default=8192)
    parser.add_argument("--outputs", default="spacy,conll")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "big.jsonl"
        generate(src, args.records)
        print(f"{args.records} records, {src.stat().st_size / 1e6:.0f} MB; course from {args.course_root}")
        base_s, base_mb, _ = run(args.course_root, args.cap_mb, "json", str(src))
        print(f"  json alone      {base_s:7.1f} s  {base_mb:6.0f} MB")
        for fmt in args.outputs.split(","):
            s, mb, code = run(
                args.course_root, args.cap_mb, "convert", "convert", str(src), str(Path(tmp) / f"out.{fmt}")
            )
            print(
                f"  convert → {fmt:<5} {s:7.1f} s  {mb:6.0f} MB  rc {code}  "
                f"(×{s / base_s:.1f} time, ×{mb / base_mb:.1f} memory of json alone)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
