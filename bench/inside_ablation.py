"""Run the ablation grid of notebook 04 with several seeds and store every run as JSON.

    python bench/inside_ablation.py                  # 3 seeds, learner-mode epochs (writes bench/inside_ablation.json)
    python bench/inside_ablation.py --seeds 0 1 --epochs 2 --out /tmp/a.json

Notebook 04 trains each variant once (seed 0) while you watch; this script repeats the grid
with more seeds so that the notebook can tell a real difference from seed noise. Same
variants, epochs and data as the notebook (course.inside.VARIANTS, train.jsonl, dev.jsonl).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course import formats, inside, settings

DEFAULT_OUT = ROOT / "bench" / "inside_ablation.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=inside.ABLATION_EPOCHS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    train_records = formats.read_jsonl(settings.data_path("hardware_posts", "train.jsonl"))
    dev_records = formats.read_jsonl(settings.data_path("hardware_posts", "dev.jsonl"))
    runs = []
    for variant in inside.VARIANTS:
        frame = inside.run_ablation([variant], train_records, dev_records, epochs=args.epochs, seeds=args.seeds)
        runs.extend(frame.to_dict(orient="records"))
        print(frame[["variant", "seed", "micro", "cpu_seconds"]].to_string(index=False, header=False), flush=True)
    args.out.write_text(
        json.dumps({"epochs": args.epochs, "seeds": args.seeds, "runs": runs}, indent=1) + "\n", encoding="utf-8"
    )
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
