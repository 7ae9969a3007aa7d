"""Is the plain training loop as fast as `spacy train`? Words per second of both, like for like.

Trains the blank CNN NER on data/hardware_posts/train.jsonl with
`course.train.train_blank` (the hand-written loop of notebook 03) and with
`course.train.train_config("blank")` (spaCy's own training loop, in-process, with
course/configs/blank_ner.cfg), then prints both rates and the ratio
train_blank / spacy train. Goal: ≥ 0.9.

What makes the comparison fair:

* Same data, tokenizer and architecture: blank_ner.cfg spells out what
  `spacy.blank("en").add_pipe("ner")` builds (HashEmbedCNN width 96, depth 4, under a
  transition-based parser with hidden width 64), with the same optimizer (Adam,
  learn rate 0.001, L2 0.01, gradient clip 1.0) and dropout 0.2.
* Same epochs and the same batch schedule: shuffled every epoch, minibatches of
  compounding(4, 32, 1.001) examples, one schedule running across all epochs (spaCy's
  batcher keeps its size generator between epochs, and train_blank does the same).
* Only the update loop is timed. train_blank times its own loop (shuffling, batching,
  nlp.update), not building the examples or initializing. spacy train always scores dev
  and saves a checkpoint after its first step, so a logger registered here starts the
  clock after that step and stops it when the loop ends, before the final save; words are
  counted from the second step on. `training.eval_frequency` is set past the last step so
  no other evaluation happens inside the timed part. Converting to DocBin, initializing
  and saving are outside both timings.
* The machine may be shared, so the ratio uses CPU time of the timed part (time.process_time,
  one thread everywhere), which other people's programs disturb far less than wall time;
  wall-clock rates are printed as well. Runs alternate (loop, spacy train, loop, ...) and
  the fastest of --repeat runs of each is kept.

The test F1 of both final models is printed too, as a check that both learned the same
thing (they differ a little: shuffling order and dropout masks are not the same draws).

    python bench/train_throughput.py [--epochs 3] [--repeat 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # before numpy loads
    os.environ.setdefault(_var, "1")

import spacy
from spacy.language import Language

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course.evaluate import evaluate
from course.formats import read_jsonl
from course.settings import LABELS
from course.train import train_blank, train_config

CLOCK: dict = {}


@spacy.registry.loggers("course_bench.step_clock.v1")
def step_clock():
    """A spacy train logger that only takes times: from after step 0 to the end of the loop."""

    def setup(nlp, stdout=sys.stdout, stderr=sys.stderr):
        CLOCK.clear()
        CLOCK["nlp"] = nlp

        def log_step(info):
            if info is not None and info["step"] == 0:  # after spaCy's first evaluation and save
                CLOCK["words0"] = info["words"]
                CLOCK["start"] = (time.perf_counter(), time.process_time())

        def finalize():
            CLOCK["end"] = (time.perf_counter(), time.process_time())

        return log_step, finalize

    return setup


def run_loop(train: list[dict], epochs: int, seed: int) -> tuple[float, float, int, Language]:
    """RETURNS: wall seconds, CPU seconds, words, pipeline of one train_blank run."""
    result = train_blank(train, n_iter=epochs, seed=seed, progress=False)
    return result.seconds, result.cpu_seconds, result.words, result.nlp


def run_spacy(train: list[dict], dev: list[dict], epochs: int, seed: int) -> tuple[float, float, int, Language]:
    """RETURNS: wall seconds, CPU seconds, words, pipeline of one spacy train run (loop only)."""
    tokenizer = spacy.blank("en").tokenizer
    n_words = sum(len(tokenizer(r["text"])) for r in train)
    overrides = {"training.logger": {"@loggers": "course_bench.step_clock.v1"}, "training.eval_frequency": 10**9}
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        train_config(
            "blank", train, dev, Path(tmp) / "model", epochs=epochs, seed=seed, overrides=overrides, quiet=True
        )
    (wall0, cpu0), (wall1, cpu1) = CLOCK["start"], CLOCK["end"]
    return wall1 - wall0, cpu1 - cpu0, epochs * n_words - CLOCK["words0"], CLOCK["nlp"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = ROOT / "data" / "hardware_posts"
    train, dev, test = (read_jsonl(folder / f"{split}.jsonl") for split in ("train", "dev", "test"))
    runs: dict[str, list[tuple[float, float, int, Language]]] = {"train_blank": [], "spacy_train": []}
    for _ in range(args.repeat):
        runs["train_blank"].append(run_loop(train, args.epochs, args.seed))
        runs["spacy_train"].append(run_spacy(train, dev, args.epochs, args.seed))
    cpu_wps = {name: max(words / cpu for _, cpu, words, _ in rs) for name, rs in runs.items()}
    wall_wps = {name: max(words / wall for wall, _, words, _ in rs) for name, rs in runs.items()}
    f1 = {name: evaluate(rs[-1][3], test, LABELS).micro["f"] for name, rs in runs.items()}
    result = {
        "docs": len(train),
        "epochs": args.epochs,
        "repeat": args.repeat,
        "train_blank_wps": round(cpu_wps["train_blank"]),
        "spacy_train_wps": round(cpu_wps["spacy_train"]),
        "ratio": round(cpu_wps["train_blank"] / cpu_wps["spacy_train"], 3),
        "train_blank_wall_wps": round(wall_wps["train_blank"]),
        "spacy_train_wall_wps": round(wall_wps["spacy_train"]),
        "wall_ratio": round(wall_wps["train_blank"] / wall_wps["spacy_train"], 3),
        "train_blank_test_f1": round(f1["train_blank"], 3),
        "spacy_train_test_f1": round(f1["spacy_train"], 3),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{len(train)} posts × {args.epochs} epochs, best of {args.repeat}, words per CPU second: "
            f"train_blank {cpu_wps['train_blank']:.0f}, spacy train {cpu_wps['spacy_train']:.0f}, "
            f"ratio {result['ratio']:.2f}× (goal ≥ 0.9)"
        )
        print(
            f"wall clock: train_blank {wall_wps['train_blank']:.0f} words/s, spacy train "
            f"{wall_wps['spacy_train']:.0f} words/s, ratio {result['wall_ratio']:.2f}×"
        )
        print(f"test micro F1: train_blank {f1['train_blank']:.3f}, spacy train {f1['spacy_train']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
