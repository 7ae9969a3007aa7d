"""course/active.py: pre-annotation, selection strategies, the simulation."""

from __future__ import annotations

import pandas as pd
import pytest

from course import active
from course.active import ActiveError
from course.annotator import Annotator
from course.predict import Prediction
from tiny_ner import LABELS, RECORDS, SCRAMBLED, tiny_model


@pytest.fixture(scope="module")
def model():
    return tiny_model()


def test_uncertainty_ranks_the_known_uncertain_post_first(model):
    pool = [RECORDS[0]["text"], RECORDS[7]["text"], SCRAMBLED, RECORDS[12]["text"]]
    assert active.select("uncertainty", model, pool, 1) == [2]
    # certain posts tie at ~0: they follow in pool order, so the ranking is deterministic
    assert active.select("uncertainty", model, pool, 4) == [2, 0, 1, 3]


def test_uncertainty_selection_is_by_score_with_ties_by_position(monkeypatch):
    scores = [0.1, 0.7, 0.1, 0.9, 0.0]
    fake = [Prediction(f"post {i}", [], [], u) for i, u in enumerate(scores)]
    monkeypatch.setattr(active, "predict", lambda nlp, texts, **kw: fake[: len(texts)])
    assert active.select("uncertainty", None, [p.text for p in fake], 3) == [3, 1, 0]


def test_random_selection_is_deterministic_given_the_seed():
    pool = [f"post {i}" for i in range(50)]
    first = active.select("random", None, pool, 10, seed=3)
    assert first == active.select("random", None, pool, 10, seed=3)
    assert first != active.select("random", None, pool, 10, seed=4)
    assert len(set(first)) == 10 and all(0 <= i < 50 for i in first)
    assert sorted(active.select("random", None, pool[:4], 10)) == [0, 1, 2, 3]  # k larger than the pool


def test_unknown_strategy_is_a_coded_error():
    with pytest.raises(ActiveError) as err:
        active.select("longest", None, ["a"], 1)
    assert err.value.code == "N460" and "uncertainty" in str(err.value)


def test_pre_annotated_records_open_in_the_annotator(model, tmp_path):
    records = active.pre_annotate(model, [RECORDS[0]["text"], SCRAMBLED])
    assert records[0]["entities"] == [] and set(records[0]) == {"text", "entities", "suggestions"}
    ranked = active.pre_annotate(model, [RECORDS[0]["text"], SCRAMBLED], by_uncertainty=True)
    assert [r["text"] for r in ranked] == [SCRAMBLED, RECORDS[0]["text"]]
    assert [s[:3] for s in records[0]["suggestions"]] == list(RECORDS[0]["entities"])
    ann = Annotator(tmp_path / "pre.jsonl", records, labels=LABELS)
    assert [(t, label) for t, label, _ in ann.suggestions] == [
        ("RTX 3080", "PRODUCT"),
        ("$450", "PRICE"),
        ("Austin", "LOCATION"),
    ]
    assert ann.accept() and ann.spans == [("RTX 3080", "PRODUCT"), ("$450", "PRICE"), ("Austin", "LOCATION")]


def test_simulate_tiny_run_has_both_curves_and_is_reproducible():
    kwargs = dict(start=6, k=4, rounds=2, n_iter=2, seed=1, labels=LABELS)
    frame = active.simulate(RECORDS[:24], RECORDS[24:], **kwargs)
    assert list(frame.columns) == ["strategy", "round", "n_train", "precision", "recall", "f1", "seconds"]
    assert sorted(frame["strategy"].unique()) == ["random", "uncertainty"]
    assert frame.groupby("strategy")["n_train"].apply(list).to_dict() == {
        "random": [6, 10, 14],
        "uncertainty": [6, 10, 14],
    }
    first = frame[frame["round"] == 0]["f1"]
    assert first.nunique() == 1  # both strategies start from the same model
    curves = active.curves(frame)
    assert list(curves.index) == [6, 10, 14] and list(curves.columns) == ["random", "uncertainty"]
    again = active.simulate(RECORDS[:24], RECORDS[24:], **kwargs)
    pd.testing.assert_frame_equal(frame.drop(columns="seconds"), again.drop(columns="seconds"))
    fig = active.plot_simulation(frame)
    assert len(fig.axes[0].lines) == 2
    assert fig.axes[0].get_ylim()[0] == 0  # no zoomed axis that inflates a small gap


def test_simulate_refuses_more_than_it_has():
    with pytest.raises(ActiveError) as err:
        active.simulate(RECORDS[:10], RECORDS[10:], start=6, k=4, rounds=2)
    assert err.value.code == "N461" and "14" in str(err.value)


def test_simulate_reports_origins_and_the_hand_written_control():
    origins = ["generated" if i % 3 == 0 else "hand" for i in range(24)]
    frame = active.simulate(
        RECORDS[:24],
        RECORDS[24:],
        start=6,
        k=4,
        rounds=2,
        n_iter=1,
        seed=1,
        labels=LABELS,
        strategies=("random", "random_hand"),
        origins=origins,
    )
    assert {"hand_picked", "hand_train"} <= set(frame.columns)
    control = frame[frame["strategy"] == "random_hand"]
    assert control["hand_picked"].iloc[1:].tolist() == [1.0, 1.0]  # the control picks hand-written posts only
    assert frame[frame["round"] == 0]["hand_picked"].isna().all()
    start_share = frame.loc[frame["round"] == 0, "hand_train"].iloc[0]
    assert control["hand_train"].iloc[-1] == pytest.approx((round(start_share * 6) + 8) / 14, abs=1e-3)
    assert control["n_train"].tolist() == [6, 10, 14]


def test_simulate_needs_origins_for_the_control():
    with pytest.raises(ActiveError) as err:
        active.simulate(RECORDS[:24], RECORDS[24:], start=6, k=4, rounds=2, strategies=("random_hand",))
    assert err.value.code == "N562"
    with pytest.raises(ActiveError) as err:
        active.simulate(RECORDS[:24], RECORDS[24:], start=6, k=4, rounds=2, origins=["hand"] * 3)
    assert err.value.code == "N562"
