"""F1 of the course's three models on both test sets, trained with notebook 07's learner settings.

    python bench/model_scores.py [--json] [--write]

Trains a blank CNN, en_core_web_sm updated with rehearsal (25% silver sentences, or fewer if
data/general_news/rehearsal.txt has too few sentences for the training split), and the
MiniLM transformer on the full training split (dev picks the checkpoint), then scores each
once on the test split and once on test_shift (the second test set, written unlike the
training posts): strict micro and per-label F1, training time, size, words/second.
--write puts the "both test sets per label" table into bench/RESULTS.md (its own section
only). Takes about 5 minutes on 2 cores.
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

EPOCHS = {"blank": 6, "en_core_web_sm": 2, "transformer": 2}  # as in notebook 07, learner mode
TEST_SETS = ("test", "test_shift")
HEADING = "Both test sets per label (strict F1, learner-mode settings)"
# issue 19's targets: on test_shift, blank CNN >= 0.90 and the best model >= 0.92; on test, not below 0.94
TARGETS = {"blank_shift": 0.90, "best_shift": 0.92, "own_test": 0.94}


def rehearsal_share(n_posts: int, n_silver: int, share: float = 0.25) -> float:
    """RETURNS (float): notebook 07's silver share, lowered to what the rehearsal sentences allow (N441 otherwise)."""
    return min(share, n_silver / (n_posts + n_silver))


def scored(result: Any) -> dict[str, Any]:
    """RETURNS (dict): strict micro P/R/F and per-label F1 of a course.evaluate result, 3 decimals."""
    return {
        "micro": {k: round(v, 3) for k, v in result.micro.items()},
        "per_label": {label: {"f": round(s["f"], 3)} for label, s in result.per_label.items()},
    }


def both_sets_markdown(scores: dict[str, dict[str, Any]]) -> str:
    """The RESULTS.md section body: per-label F1 of every model on test and test_shift, and the targets.

    scores (dict): model name → the entry `main` prints (test scores at the top level,
        test_shift scores under "test_shift").
    RETURNS (str): markdown.
    """
    from results_md import markdown_table

    labels = sorted({label for s in scores.values() for label in s["per_label"]})
    header = ["label"] + [f"{name} · {t}" for name in scores for t in TEST_SETS]
    sets = {name: {"test": s, "test_shift": s["test_shift"]} for name, s in scores.items()}
    rows = [
        [label] + [sets[name][t]["per_label"].get(label, {}).get("f", "") for name in scores for t in TEST_SETS]
        for label in labels
    ]
    rows.append(["**micro**"] + [sets[name][t]["micro"]["f"] for name in scores for t in TEST_SETS])
    gaps = ", ".join(f"{name} {s['micro']['f'] - s['test_shift']['micro']['f']:+.3f}" for name, s in scores.items())
    blank = next((s for name, s in scores.items() if name.startswith("blank")), None)
    best_name, best = max(scores.items(), key=lambda item: item[1]["test_shift"]["micro"]["f"])
    checks = []
    if blank is not None:
        f = blank["test_shift"]["micro"]["f"]
        checks.append(
            f"blank CNN ≥ {TARGETS['blank_shift']} on test_shift: {f} ({'met' if f >= TARGETS['blank_shift'] else 'not met'})"
        )
    f = best["test_shift"]["micro"]["f"]
    checks.append(
        f"best model ≥ {TARGETS['best_shift']} on test_shift: {best_name} {f} ({'met' if f >= TARGETS['best_shift'] else 'not met'})"
    )
    low = min(s["micro"]["f"] for s in scores.values())
    checks.append(
        f"every model ≥ {TARGETS['own_test']} on test: lowest {low} ({'met' if low >= TARGETS['own_test'] else 'not met'})"
    )
    return "\n\n".join(
        [
            "Every model scored once on each test set. test_shift is written unlike the training posts "
            "(other platforms, lower case, prose, unusual products; data/README.md), so the gap between "
            "the two columns is how much a model learned the habits of one author.",
            markdown_table(header, rows),
            f"Micro-F1 gap, test minus test_shift: {gaps}.",
            "Targets of issue 19: " + "; ".join(checks) + ".",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--write", action="store_true", help="update this section of bench/RESULTS.md")
    args = parser.parse_args()
    settings.seed_everything()
    split = {
        name: formats.read_jsonl(settings.data_path("hardware_posts", f"{name}.jsonl"))
        for name in ("train", "dev", *TEST_SETS)
    }
    silver = finetune.silver_records(
        resources.load_pretrained("en_core_web_sm"), finetune.rehearsal_texts(), labels=finetune.GENERAL_LABELS
    )
    plans: dict[str, tuple[str, list, dict[str, Any]]] = {
        "blank CNN": ("blank", split["train"], {}),
        "en_core_web_sm + rehearsal": (
            "en_core_web_sm",
            finetune.rehearsal_mix(
                split["train"], silver, share=rehearsal_share(len(split["train"]), len(silver)), seed=0
            ),
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
            shift = evaluate(nlp, split["test_shift"], settings.LABELS)
            texts = [rec["text"] for rec in split["test"]]
            scores[name] = {
                **scored(result),
                "test_shift": scored(shift),
                "train_seconds": round(run.seconds),
                "size_mb": round(train.folder_size_mb(run.path), 1),
                "words_per_second": round(finetune.words_per_second(nlp, texts, repeats=2)),
            }
            print(f"{name}: micro-F1 test {result.micro['f']:.3f}, test_shift {shift.micro['f']:.3f}", file=sys.stderr)
    if args.write:
        from results_md import replace_section

        replace_section(HEADING, both_sets_markdown(scores))
    print(json.dumps(scores) if args.json else json.dumps(scores, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
