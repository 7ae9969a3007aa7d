"""bench/results_md.py, and the RESULTS.md sections of bench/model_scores.py and bench/style_shift.py."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCH))  # the bench scripts import each other as top-level modules
    try:
        yield {name: importlib.import_module(name) for name in ("results_md", "model_scores", "style_shift")}
    finally:
        sys.path.remove(str(BENCH))


def test_replace_section_keeps_the_other_sections(bench, tmp_path):
    path = tmp_path / "RESULTS.md"
    path.write_text("# Benchmark results\n\n## A\n\nold a\n\n## B\n\nold b\n", encoding="utf-8")
    bench["results_md"].replace_section("A", "new a", path)
    assert path.read_text() == "# Benchmark results\n\n## A\n\nnew a\n\n## B\n\nold b\n"
    bench["results_md"].replace_section("B", "new b", path)
    bench["results_md"].replace_section("C", "c", path)
    assert path.read_text() == "# Benchmark results\n\n## A\n\nnew a\n\n## B\n\nnew b\n\n## C\n\nc\n"


def _scores(test: float, shift: float) -> dict:
    def one(f):
        return {"micro": {"p": f, "r": f, "f": f}, "per_label": {"PRICE": {"f": f}, "ZIP": {"f": round(f - 0.1, 3)}}}

    return {**one(test), "test_shift": one(shift)}


def test_both_sets_table_reports_each_model_and_the_targets(bench):
    text = bench["model_scores"].both_sets_markdown(
        {"blank CNN": _scores(0.94, 0.87), "MiniLM transformer": _scores(0.95, 0.93)}
    )
    assert "| label | blank CNN · test | blank CNN · test_shift | MiniLM transformer · test |" in text
    assert "| PRICE | 0.94 | 0.87 | 0.95 | 0.93 |" in text and "| ZIP | 0.84 | 0.77 | 0.85 | 0.83 |" in text
    assert "blank CNN +0.070, MiniLM transformer +0.020" in text
    assert "blank CNN ≥ 0.9 on test_shift: 0.87 (not met)" in text
    assert "best model ≥ 0.92 on test_shift: MiniLM transformer 0.93 (met)" in text
    assert "every model ≥ 0.94 on test: lowest 0.94 (met)" in text


def test_style_shift_table_reports_the_gap_and_the_keep_or_drop_difference(bench):
    ex = bench["style_shift"].experiments
    means = {ex.GENERATED_ONLY: 0.5, ex.HAND_ONLY: 0.8, ex.ALL_HAND: 0.85, ex.ALL_POSTS: 0.83}
    result = {
        "n_updates": 10,
        "seeds": [0, 1, 2],
        "posts": {ex.GENERATED_ONLY: 5, ex.HAND_ONLY: 5, ex.ALL_HAND: 9, ex.ALL_POSTS: 14},
        "summary": {
            v: {e: {"mean": m, "min": m - 0.01, "max": m + 0.01} for e in ("dev", "dev_shift")}
            for v, m in means.items()
        },
    }
    text = bench["style_shift"].markdown(result)
    assert "| generated only | 5 | 0.500 [0.490, 0.510] | 0.500 [0.490, 0.510] |" in text
    assert "hand-written minus generated: +0.300 on dev, +0.300 on dev_shift" in text
    assert "(hand-written + generated minus all hand-written): -0.020 on dev" in text


def test_rehearsal_share_is_lowered_only_when_the_silver_sentences_run_out(bench):
    from course import finetune

    share = bench["model_scores"].rehearsal_share
    assert share(480, 176) == 0.25  # 160 silver needed, 176 there
    lowered = share(674, 176)
    assert lowered < 0.25 and finetune.n_rehearsal(674, lowered) <= 176
    finetune.rehearsal_mix([{"text": "x", "entities": []}] * 674, [{"text": "y", "entities": []}] * 176, share=lowered)
