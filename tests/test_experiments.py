"""course/experiments.py: fixed-update training, multi-seed learning curves and comparisons."""

from __future__ import annotations

import pytest
import spacy

from course import experiments
from course.errors import TrainingError
from tiny_ner import LABELS, RECORDS


def test_train_updates_makes_exactly_n_updates_of_full_batches(monkeypatch):
    seen = []
    update = spacy.language.Language.update

    def counting(self, examples, **kwargs):
        seen.append(len(examples))
        return update(self, examples, **kwargs)

    monkeypatch.setattr(spacy.language.Language, "update", counting)
    nlp = experiments.train_updates(RECORDS[:3], n_updates=5, batch_size=4, labels=LABELS)
    assert seen == [4] * 5  # 3 posts, batches of 4: passes run into each other, no short batch
    assert set(nlp.get_pipe("ner").labels) == set(LABELS)


def test_train_updates_is_reproducible_and_seed_dependent():
    def ents(seed):
        nlp = experiments.train_updates(RECORDS, n_updates=6, batch_size=4, seed=seed, labels=LABELS)
        return [
            (e.text, e.label_)
            for t in ("Selling my RTX 3080 for $450 in Austin", "GTX 1070 for $120")
            for e in nlp(t).ents
        ], nlp.get_pipe("ner").model.get_ref("lower").get_param("W").sum()

    assert ents(0)[1] == ents(0)[1]
    assert ents(0)[1] != ents(1)[1]


def test_train_updates_refuses_bad_arguments():
    with pytest.raises(TrainingError, match="N408"):
        experiments.train_updates(RECORDS, n_updates=0, labels=LABELS)
    with pytest.raises(TrainingError, match="N408"):
        experiments.train_updates(RECORDS, n_updates=2, batch_size=0, labels=LABELS)
    with pytest.raises(TrainingError, match="N403"):
        experiments.train_updates([], n_updates=2, labels=LABELS)


def test_learning_curve_runs_one_row_per_size_seed_and_pipeline():
    calls = []

    def add_on(nlp):
        calls.append(nlp)
        return nlp

    runs, models = experiments.learning_curve_runs(
        RECORDS,
        RECORDS[:4],
        [3, 6],
        seeds=[0, 1],
        n_updates=2,
        batch_size=2,
        labels=LABELS,
        add_ons={"same": add_on},
        keep=1,
    )
    assert len(runs) == 2 * 2 * 2 and len(calls) == 4
    assert list(runs.columns) == ["posts", "seed", "pipeline", *LABELS, "micro"]
    assert sorted(set(runs["pipeline"])) == ["model", "same"]
    model_rows = runs[runs.pipeline == "model"].reset_index(drop=True)
    same_rows = runs[runs.pipeline == "same"].reset_index(drop=True)
    assert model_rows[LABELS + ["micro"]].equals(same_rows[LABELS + ["micro"]])  # the add-on changed nothing
    assert sorted(models) == [3, 6] and models[3] is calls[2]  # kept from seed 1
    with pytest.raises(TrainingError, match="N430"):
        experiments.learning_curve_runs(RECORDS, RECORDS, [len(RECORDS) + 1], seeds=[0], n_updates=1)


def test_training_set_runs_and_spread():
    runs = experiments.training_set_runs(
        {"a": RECORDS[:4], "b": RECORDS[:8]},
        {"dev": RECORDS[:3], "other": RECORDS[3:6]},
        seeds=[0, 1, 2],
        n_updates=2,
        batch_size=2,
        labels=LABELS,
    )
    assert list(runs.columns) == ["variant", "seed", "posts", "dev", "other"]
    assert list(runs["variant"]) == ["a"] * 3 + ["b"] * 3 and list(runs["posts"]) == [4] * 3 + [8] * 3
    table = experiments.spread(runs, "variant", ["dev"])
    assert list(table.index) == ["a", "b"]
    a = runs[runs.variant == "a"]["dev"]
    assert table.loc["a", ("dev", "min")] == round(a.min(), 3) and table.loc["a", ("dev", "max")] == round(a.max(), 3)
    assert table.loc["a", ("dev", "mean")] == round(a.mean(), 3)


# --- the style shift ----------------------------------------------------------------------------
ORIGINS = ["generated" if i % 3 else "hand" for i in range(len(RECORDS))]  # 10 hand, 20 generated


def _kind(records):
    return {ORIGINS[RECORDS.index(r)] for r in records}


def test_style_shift_variants_sample_each_kind_by_seed():
    variants = experiments.style_shift_variants(RECORDS, ORIGINS, 6, seed=0)
    assert list(variants) == ["generated only", "hand-written only", "all hand-written", "hand-written + generated"]
    assert [len(v) for v in variants.values()] == [6, 6, 10, 30]
    assert _kind(variants["generated only"]) == {"generated"}
    assert _kind(variants["hand-written only"]) == _kind(variants["all hand-written"]) == {"hand"}
    assert variants["hand-written + generated"] == RECORDS
    again = experiments.style_shift_variants(RECORDS, ORIGINS, 6, seed=0, whole=False)
    assert (
        list(again) == ["generated only", "hand-written only"] and again["generated only"] == variants["generated only"]
    )
    other = experiments.style_shift_variants(RECORDS, ORIGINS, 6, seed=1, whole=False)
    assert other["generated only"] != variants["generated only"]


@pytest.mark.parametrize("size", [0, 11])  # 10 hand-written posts: 11 is one too many
def test_style_shift_variants_refuse_a_size_out_of_range(size):
    with pytest.raises(TrainingError, match="N570"):
        experiments.style_shift_variants(RECORDS, ORIGINS, size, seed=0)


@pytest.mark.parametrize("origins", [ORIGINS[:-1], ["hand"] * 29 + ["template"]])
def test_style_shift_variants_refuse_origins_that_do_not_match(origins):
    with pytest.raises(TrainingError, match="N571"):
        experiments.style_shift_variants(RECORDS, origins, 3, seed=0)


def test_style_shift_runs_train_each_variant_on_its_own_posts(monkeypatch):
    trained = []
    train_updates = experiments.train_updates

    def recording(records, **kwargs):
        trained.append((_kind(records), len(records), kwargs["n_updates"], kwargs["seed"]))
        return train_updates(records, **kwargs)

    monkeypatch.setattr(experiments, "train_updates", recording)
    runs = experiments.style_shift_runs(
        RECORDS,
        ORIGINS,
        {"dev": RECORDS[:4], "shift": RECORDS[4:8]},
        [0, 1, 2],
        size=5,
        n_updates=2,
        batch_size=2,
        labels=LABELS,
    )
    assert list(runs.columns) == ["variant", "seed", "posts", "dev", "shift"]
    names = ["generated only", "hand-written only", "all hand-written", "hand-written + generated"]
    assert list(runs["variant"]) == [n for n in names for _ in range(3)] and list(runs["seed"]) == [0, 1, 2] * 4
    assert list(runs["posts"]) == [5] * 6 + [10] * 3 + [30] * 3
    assert runs[["dev", "shift"]].apply(lambda c: c.between(0, 1)).all().all()
    assert {(frozenset(kind), n) for kind, n, _, _ in trained} == {
        (frozenset({"generated"}), 5),
        (frozenset({"hand"}), 5),
        (frozenset({"hand"}), 10),
        (frozenset({"hand", "generated"}), 30),
    }
    assert {u for _, _, u, _ in trained} == {2} and sorted(s for *_, s in trained) == [0] * 4 + [1] * 4 + [2] * 4
