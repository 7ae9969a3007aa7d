"""spancat vs NER on the nested spans of data/nested/: per-label P/R/F, several seeds.

    PYTHONPATH=$PWD python bench/spancat_vs_ner.py                # 3 seeds, dev only
    PYTHONPATH=$PWD python bench/spancat_vs_ner.py --test --json  # the one look at test, JSON rows

Three systems, each trained on the same 172 posts with the same epochs, batch size (8) and seed,
so each pipeline gets the same number of updates: spancat over every span (ngram sizes from the
span-length distribution of train), one NER on the outermost spans only, and one NER per nesting
layer (two pipelines, predictions pooled). All three are scored with spancat's own scorer
(Scorer.score_spans, allow_overlap=True) against the full nested gold. Notebook 10 trains each
once (seed 0, fewer epochs); test is scored only here, once, with --test, after the dev table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import spacy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course import nested


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--n-iter", type=int, default=10, help="epochs for every system (default 10)")
    parser.add_argument("--test", action="store_true", help="also score test (do this once, at the end)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON instead of tables")
    args = parser.parse_args(argv)
    train, dev = nested.load("train"), nested.load("dev")
    sets = {"dev": dev, **({"test": nested.load("test")} if args.test else {})}
    lengths = nested.span_lengths(spacy.blank("en"), train)
    sizes = nested.suggester_sizes(lengths)
    rows = nested.compare(train, sets, sizes=sizes, seeds=args.seeds, n_iter=args.n_iter)
    if args.json:
        print(json.dumps({"sizes": sizes, "n_iter": args.n_iter, "seeds": args.seeds, "rows": rows}, indent=1))
        return 0
    print(f"train {len(train)} posts, ngram sizes {sizes}, {args.n_iter} epochs, seeds {args.seeds}")
    updates = {r["system"]: r["updates"] for r in rows}
    print("updates per pipeline:", updates)
    for name in sets:
        print(f"\n{name} (mean over seeds; f_sd = sd of F1 across seeds)")
        print(nested.summary(rows, name).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
