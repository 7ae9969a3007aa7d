"""What one server costs: memory over many requests of new words, CPU of the worst request.

    python bench/serve_memory.py [--n 4000] [--model FOLDER] [--json]

Every request to `POST /entities` that contains words the model has never seen adds
their strings and lexemes to the pipeline's vocab, and nothing removes them: a server
that runs for weeks grows without bound. `course.serve` handles each request inside
spaCy's `nlp.memory_zone()`, which frees them when the request is answered. This script
sends `--n` requests made of new random words through the app (in-process HTTP client),
once without the zone and once with it, each in a fresh process, and prints the resident
memory (RSS) and the number of strings in the vocab before and after.

Beam scoring costs more than linear time in the number of tokens, and a text of `$` or
emoji has one token per character, so `max_chars` alone lets one 5 KB request cost seconds.
The script times the worst 5 KB requests with no token limit and with the default
`serve.MAX_TOKENS`, and the longest request that limit still accepts.

The model is a blank `ner` trained for a few epochs on the course's training posts (the
architecture of notebook 03), unless --model names a saved pipeline.

Measured here (2 shared cores, 4,000 requests): RSS +14.1 MB and vocab strings 4,222 →
30,722 without the zone, +1.5 MB and 2,486 → 2,486 with it (12.0 vs 12.6 ms CPU per
request). Worst 5 KB request: 13.0 s CPU (5,000 `$`, answered 200) → 0.004 s (422);
5 KB of emoji 0.70 s → 0.004 s; the worst request still accepted (512 tokens of `$`) 0.23 s.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORST = {"dollars": "$" * 5000, "emoji": "\U0001f600" * 1250}  # 5,000 bytes of UTF-8 each


def rss_mb() -> float:
    """RETURNS (float): this process's resident memory in MB (Linux /proc)."""
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def model(path: str | None):
    if path:
        from course.train import load_model

        return load_model(path)
    from course.formats import read_jsonl
    from course.train import train_blank

    records = list(read_jsonl(ROOT / "data" / "hardware_posts" / "train.jsonl"))[:120]
    return train_blank(records, n_iter=6, seed=0, progress=False).nlp


def client(nlp, **kwargs):
    from course import serve

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    return TestClient(serve.create_app(nlp, name="bench", **kwargs))


def new_words(n: int, seed: int = 0) -> list[str]:
    """`n` posts, each with four random words nobody has seen before."""
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(9))

    return [f"Selling my {word()} {word()} for ${i % 900 + 50} in {word()}, ask {word()}" for i in range(n)]


def memory_run(n: int, bounded: bool, model_path: str | None) -> dict:
    """One fresh process: RSS and vocab strings before and after `n` requests of new words."""
    nlp = model(model_path)
    http = client(nlp, bounded_memory=bounded)
    for text in new_words(200, seed=1):  # warm up: allocator, caches, first requests
        assert http.post("/entities", json={"text": text}).status_code == 200
    before, strings_before = rss_mb(), len(nlp.vocab.strings)
    start = time.process_time()
    for text in new_words(n):
        assert http.post("/entities", json={"text": text}).status_code == 200
    cpu = time.process_time() - start
    return {
        "bounded": bounded,
        "n": n,
        "rss_before_mb": round(before, 1),
        "rss_after_mb": round(rss_mb(), 1),
        "strings_before": strings_before,
        "strings_after": len(nlp.vocab.strings),
        "cpu_ms_per_request": round(cpu / n * 1000, 2),
    }


def cpu_run(model_path: str | None) -> dict:
    """CPU seconds and status of the worst 5 KB requests, without and with the token limit."""
    from course import serve

    nlp = model(model_path)
    runs = [serve.MAX_WORD_CHARS] * (serve.MAX_TOKENS // serve.MAX_WORD_CHARS) + [
        serve.MAX_TOKENS % serve.MAX_WORD_CHARS
    ]
    longest = " ".join("$" * n for n in runs if n)  # MAX_TOKENS tokens in runs the limit accepts
    worst = {**WORST, f"{serve.MAX_TOKENS} tokens of $ (the worst accepted)": longest}
    out: dict[str, Any] = {"max_tokens": serve.MAX_TOKENS}
    for label, kwargs in (("no_limit", {"max_tokens": None}), ("limit", {})):
        http = client(nlp, **kwargs)
        http.post("/entities", json={"text": "warm up"})
        for name, text in worst.items():
            start = time.process_time()
            status = http.post("/entities", json={"text": text}).status_code
            out[f"{label}: {name}"] = {"cpu_s": round(time.process_time() - start, 3), "status": status}
    return out


def run_child(args: list[str]) -> dict:
    """Run one measurement in a fresh process (RSS never shrinks, so runs must not share one)."""
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, encoding="utf-8", check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=4000, help="requests of new words per run")
    parser.add_argument("--model", help="a saved pipeline (default: train a small one)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child", choices=["unbounded", "bounded", "cpu"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    extra = ["--model", args.model] if args.model else []
    if args.child == "cpu":
        print(json.dumps(cpu_run(args.model)))
        return 0
    if args.child:
        print(json.dumps(memory_run(args.n, args.child == "bounded", args.model)))
        return 0
    result: dict[str, Any] = {
        "memory": [run_child(["--child", mode, "--n", str(args.n), *extra]) for mode in ("unbounded", "bounded")],
        "cpu": run_child(["--child", "cpu", *extra]),
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.n} requests of new words (RSS in MB, strings in the vocab):")
    for run in result["memory"]:
        name = "memory_zone per request" if run["bounded"] else "no memory zone (before)"
        print(
            f"  {name:<26} RSS {run['rss_before_mb']:7.1f} -> {run['rss_after_mb']:7.1f} "
            f"(+{run['rss_after_mb'] - run['rss_before_mb']:.1f})   strings {run['strings_before']} -> "
            f"{run['strings_after']}   {run['cpu_ms_per_request']} ms CPU/request"
        )
    print(f"worst requests (CPU seconds, HTTP status), token limit {result['cpu']['max_tokens']}:")
    for name, value in result["cpu"].items():
        if name != "max_tokens":
            print(f"  {name:<42} {value['cpu_s']:7.3f} s  {value['status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
