"""Test-set F1 of the course's three models, trained with notebook 07's learner settings.

    python bench/model_scores.py [--json]

Trains a blank CNN, en_core_web_sm updated with rehearsal (25% silver sentences), and the
MiniLM transformer on the full training split (dev picks the checkpoint), then scores each
on the test split once: strict micro and per-label F1, training time, size, words/second.
Takes about 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course import finetune, formats, resources, settings, train
from course.evaluate import evaluate

EPOCHS = {"blank": 12, "en_core_web_sm": 8, "transformer": 5}  # as in notebook 07, learner mode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    settings.seed_everything()
    split = {
        name: formats.read_jsonl(settings.data_path("hardware_posts", f"{name}.jsonl"))
        for name in ("train", "dev", "test")
    }
    silver = finetune.silver_records(
        resources.load_pretrained("en_core_web_sm"), finetune.rehearsal_texts(), labels=finetune.GENERAL_LABELS
    )
    plans: dict[str, tuple[str, list, dict[str, Any]]] = {
        "blank CNN": ("blank", split["train"], {}),
        "en_core_web_sm + rehearsal": (
            "en_core_web_sm",
            finetune.rehearsal_mix(split["train"], silver, share=0.25, seed=0),
            {},
        ),
        "MiniLM transformer": ("transformer", split["train"], {"evals": 1}),
    }
    scores = {}
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        for name, (base, records, extra) in plans.items():
            run = finetune.train_pipeline(base, records, split["dev"], Path(tmp) / base, epochs=EPOCHS[base], **extra)
            nlp = train.load_model(run.path)
            result = evaluate(nlp, split["test"], settings.LABELS)
            texts = [rec["text"] for rec in split["test"]]
            scores[name] = {
                "micro": {k: round(v, 3) for k, v in result.micro.items()},
                "per_label": {label: {"f": round(s["f"], 3)} for label, s in result.per_label.items()},
                "train_seconds": round(run.seconds),
                "size_mb": round(train.folder_size_mb(run.path), 1),
                "words_per_second": round(finetune.words_per_second(nlp, texts, repeats=2)),
            }
            print(f"{name}: test micro-F1 {result.micro['f']:.3f}", file=sys.stderr)
    print(json.dumps(scores) if args.json else json.dumps(scores, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
