"""The style shift, measured: template-generated vs hand-written training posts (issue 19.2).

    python bench/style_shift.py [--json] [--write] [--seeds 0 1 2] [--updates 400] [--size N]

Trains blank CNN NER models that differ only in where their training posts come from, each
with the same number of updates, over several seeds (course.experiments.style_shift_runs):

  generated only            N template-generated posts (data/hardware_posts/generated.jsonl)
  hand-written only         N hand-written training posts (N: the rarer kind, by default)
  all hand-written          every post of train.jsonl (the generated ones dropped: the
                            training split since issue 19)
  hand-written + generated  train.jsonl plus generated.jsonl (the generated ones kept: the
                            training split before issue 19)

and scores each on the hand-written dev split and on dev_shift (never on test or test_shift: the course
looks at test once, in notebook 07). Prints mean [min, max] of strict micro-F1 per variant;
--write stores the runs in bench/style_shift.json (notebook 05 reads them) and puts the table
into bench/RESULTS.md (its own section only). About 8 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course import experiments, formats, provenance, settings

HEADING = "Style shift: generated vs hand-written training posts (blank CNN, strict micro-F1)"
EVALS = ("dev", "dev_shift")  # a choice (keep the generated posts?), so development sets only
STORED = ROOT / "bench" / "style_shift.json"


def measure(seeds: list[int], n_updates: int, size: int | None) -> dict:
    """Run the comparison. RETURNS (dict): settings, one row per run, and mean/min/max per variant."""
    settings.seed_everything()
    read = lambda name: formats.read_jsonl(settings.data_path("hardware_posts", f"{name}.jsonl"))  # noqa: E731
    # the same experiment as when train held both kinds: its hand-written posts plus the generated ones
    train = read("train") + provenance.generated_records()
    origins = provenance.origins(train)
    size = size or min(origins.count("hand"), origins.count("generated"))
    runs = experiments.style_shift_runs(
        train, origins, {name: read(name) for name in EVALS}, seeds, size=size, n_updates=n_updates
    )
    summary = experiments.spread(runs, "variant", list(EVALS))
    return {
        "size": size,
        "n_updates": n_updates,
        "seeds": seeds,
        "runs": runs.round(4).to_dict(orient="records"),
        "summary": {
            variant: {
                e: {stat: float(summary.loc[variant, (e, stat)]) for stat in ("mean", "min", "max")} for e in EVALS
            }
            for variant in summary.index
        },
        "posts": {v: int(n) for v, n in runs.groupby("variant", sort=False)["posts"].first().items()},
    }


def markdown(result: dict) -> str:
    """RETURNS (str): the RESULTS.md section body for one `measure` result."""
    from results_md import markdown_table

    rows = [
        [variant, result["posts"][variant]]
        + [f"{s[e]['mean']:.3f} [{s[e]['min']:.3f}, {s[e]['max']:.3f}]" for e in EVALS]
        for variant, s in result["summary"].items()
    ]
    s = result["summary"]
    gap = {e: s[experiments.HAND_ONLY][e]["mean"] - s[experiments.GENERATED_ONLY][e]["mean"] for e in EVALS}
    keep = {e: s[experiments.ALL_POSTS][e]["mean"] - s[experiments.ALL_HAND][e]["mean"] for e in EVALS}
    return "\n\n".join(
        [
            f"{result['n_updates']} updates of 8 posts for every model, seeds {result['seeds']}; "
            "mean [min, max] over the seeds. Written by `python bench/style_shift.py --write`.",
            markdown_table(["training posts", "posts", *EVALS], rows),
            "Same size, hand-written minus generated: "
            + ", ".join(f"{gap[e]:+.3f} on {e}" for e in EVALS)
            + ". Keeping the generated posts (hand-written + generated minus all hand-written): "
            + ", ".join(f"{keep[e]:+.3f} on {e}" for e in EVALS)
            + ".",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--write", action="store_true", help="update this section of bench/RESULTS.md")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--updates", type=int, default=400, help="updates per model")
    parser.add_argument("--size", type=int, default=None, help="posts per same-size set (default: the rarer kind)")
    args = parser.parse_args(argv)
    result = measure(args.seeds, args.updates, args.size)
    if args.write:
        from results_md import replace_section

        replace_section(HEADING, markdown(result))
        STORED.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
