"""course/inside.py: configs that build what they claim, hash rows as thinc computes them, the
receptive field, a transition walk that ends in the pipeline's own entities, and the ablation
summaries."""

from __future__ import annotations

import numpy
import pandas as pd
import pytest
import spacy
from spacy.training import Example

from course import inside, train
from course.annotations import make_record
from course.errors import TrainingError

POST = "[USA-TX] [H] EVGA RTX 3080 FTW3, like new [W] $450 shipped"


def _layers(nlp):
    example = Example.from_dict(nlp.make_doc("RTX 3080 for $450"), {"entities": [(0, 8, "PRODUCT")]})
    nlp.initialize(lambda: [example])
    return [
        (node.name, tuple(node.get_param(p).shape for p in node.param_names if node.has_param(p)))
        for node in nlp.get_pipe("ner").model.walk()
    ]


def test_baseline_config_builds_spacys_default_network():
    assert _layers(inside.build_ner(inside.BASELINE)) == _layers(inside.build_ner())


def test_variants_change_only_what_they_say():
    base = inside.variant("baseline").tok2vec()
    assert base == inside.BASELINE
    no_shape = inside.variant("no SHAPE").tok2vec()
    assert no_shape["embed"]["attrs"] == ["NORM", "PREFIX", "SUFFIX"] and no_shape["embed"]["rows"] == [
        2000,
        1000,
        1000,
    ]
    assert no_shape["encode"] == base["encode"]
    assert inside.variant("depth 1").tok2vec()["encode"]["depth"] == 1
    assert inside.variant("window 2").tok2vec()["encode"]["window_size"] == 2
    assert inside.variant("rows ÷20").tok2vec()["embed"]["rows"] == [100, 50, 50, 50]
    tables = inside.hash_tables(inside.build_ner(inside.variant("NORM only").tok2vec()))
    assert [t["attr"] for t in tables] == ["NORM"]
    assert base == inside.BASELINE  # building variants never mutates the baseline


def test_bad_variants_raise_course_errors():
    with pytest.raises(TrainingError, match="N530"):
        inside.Variant("none", "drop all", drop=inside.ATTRS).tok2vec()
    with pytest.raises(TrainingError, match="N530"):
        inside.Variant("typo", "x", drop=("SHAPES",)).tok2vec()
    with pytest.raises(TrainingError, match="N531"):
        inside.variant("no such thing")


def test_hash_rows_are_the_rows_thinc_sums():
    nlp = inside.build_ner()
    _layers(nlp)  # initialise the tables
    token = nlp.make_doc(POST)[5]  # '3080'
    tables = [n for n in nlp.get_pipe("ner").model.walk() if n.name == "hashembed"]
    for info, table in zip(inside.hash_tables(nlp), tables):
        key = getattr(token, info["attr"].lower())
        rows = inside.hash_rows(key, info["seed"], info["rows"])
        assert len(rows) == 4 and all(0 <= r < info["rows"] for r in rows)
        output = table.predict(numpy.asarray([key], dtype="uint64"))
        expected = table.get_param("E")[rows].sum(axis=0)
        numpy.testing.assert_allclose(output[0], expected, rtol=1e-5)
    frame = inside.token_rows(nlp, token)
    assert list(frame["value"]) == [token.norm_, token.prefix_, token.suffix_, token.shape_]


def test_collision_stats():
    keys = list(range(1, 400))
    crowded = inside.collision_stats(keys, seed=8, rows=1)
    assert crowded["share_any"] == 1.0 and crowded["share_all"] == 1.0
    roomy = inside.collision_stats(keys, seed=8, rows=2000)
    assert roomy["keys"] == 399 and roomy["share_all"] < roomy["share_any"] and roomy["share_all"] < 0.01


def test_attribute_table():
    table = inside.attribute_table(spacy.blank("en")("RTX 3080 $450"))
    assert list(table["SHAPE"]) == ["XXX", "dddd", "$", "ddd"]
    assert next(iter(table["NORM"])) == "rtx" and list(table["SUFFIX"])[1] == "080"


def test_receptive_field():
    assert inside.receptive_field(10, 5, window=1, depth=1) == [4, 5, 6]
    assert inside.receptive_field(10, 5, window=1, depth=4) == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert inside.receptive_field(10, 1, window=2, depth=2) == [0, 1, 2, 3, 4, 5]
    assert inside.receptive_field(10, 3, window=1, depth=0) == [3]
    with pytest.raises(TrainingError, match="N532"):
        inside.receptive_field(5, 5, window=1, depth=1)
    assert inside.decision_field(20, 10, None, 1, 1) == [9, 10, 11]
    assert inside.decision_field(20, 10, 6, 1, 1) == [5, 6, 7, 8, 9, 10, 11]
    fig = inside.plot_receptive_field(["a", "b", "c", "d"], 1, 1, (1, 2))
    assert len(fig.axes) == 1


@pytest.fixture(scope="module")
def tiny_model():
    records = [
        make_record(
            POST,
            ("USA-TX", "LOCATION"),
            ("EVGA RTX 3080 FTW3", "PRODUCT"),
            ("like new", "CONDITION"),
            ("$450", "PRICE"),
        ),
        make_record(
            "Selling a Ryzen 5 5600X for $110 in Seattle 98101",
            ("Ryzen 5 5600X", "PRODUCT"),
            ("$110", "PRICE"),
            ("Seattle", "LOCATION"),
            ("98101", "ZIP"),
        ),
    ]
    return train.train_blank(records, n_iter=40, seed=0, progress=False).nlp


@pytest.mark.parametrize("text", [POST, "WTB RTX 4070 in Austin 78701 for $500", "x"])
def test_walk_ends_in_the_pipelines_entities(tiny_model, text):
    steps = inside.walk(tiny_model, text)
    doc = tiny_model(text)
    assert len(steps) == len(doc)  # one action per token
    assert list(steps[-1].entities) == [f"{e.text} ({e.label_})" for e in doc.ents]
    for step in steps:
        if step.open_entity:  # inside an entity only I-X / L-X of the same label are valid
            assert step.n_valid <= 2 and step.action[0] in "IL"  # on the last token only L-X
        else:
            assert step.action[0] in "BUO"
    table = inside.walk_table(steps)
    assert list(table.index) == list(range(1, len(steps) + 1))


def test_walker_moves_within_bounds(tiny_model):
    steps = inside.walk(tiny_model, POST)
    walker = inside.Walker(steps)
    assert walker.go(-3).startswith("start") and walker.position == 0
    assert walker.go(999).startswith(f"step {len(steps)}/{len(steps)}")
    assert "entities so far" in walker.go(2)


def test_walk_needs_a_ner():
    with pytest.raises(TrainingError, match="N405"):
        inside.walk(spacy.blank("en"), POST)


def _runs() -> pd.DataFrame:
    rows = []
    for seed, base in enumerate((0.80, 0.82, 0.81)):
        rows.append({"variant": "baseline", "seed": seed, "micro": base, "ZIP": 0.9, "PRICE": 0.8, "cpu_seconds": 10.0})
        rows.append(
            {
                "variant": "worse",
                "seed": seed,
                "micro": base - 0.05,
                "ZIP": 0.5 + seed / 100,
                "PRICE": 0.8,
                "cpu_seconds": 8.0,
            }
        )
        rows.append(
            {
                "variant": "noisy",
                "seed": seed,
                "micro": base + (0.01 if seed else -0.01),
                "ZIP": 0.9,
                "PRICE": 0.8,
                "cpu_seconds": 9.0,
            }
        )
    return pd.DataFrame(rows)


def test_summarize_and_noise_report():
    runs = _runs()
    table = inside.summarize(runs, labels=["ZIP", "PRICE"])
    assert table.loc["worse", "Δ micro"] == pytest.approx(-0.05)
    assert table.loc["worse", "labels moved most (Δ F1)"].startswith("ZIP -0.39")
    assert table.loc["baseline", "labels moved most (Δ F1)"] == ""
    report = inside.noise_report(runs, labels=["ZIP", "PRICE"])
    worse = next(line for line in report.splitlines() if line.startswith("worse"))
    noisy = next(line for line in report.splitlines() if line.startswith("noisy"))
    assert "→ lower" in worse and "ZIP -0.39" in worse and "PRICE" not in worse
    assert "within noise" in noisy
    with pytest.raises(TrainingError, match="N533"):
        inside.summarize(runs[runs["variant"] != "baseline"], labels=["ZIP"])
    assert len(inside.plot_ablation(runs, labels=["ZIP", "PRICE"]).axes) == 3  # dots, heatmap, colorbar


def test_verdict_rule():
    assert inside.verdict([-0.03, -0.02, -0.04], spread=0.02) == "lower"
    assert inside.verdict([0.03, 0.04, 0.05], spread=0.02) == "higher"
    assert inside.verdict([-0.03, 0.01, -0.04], spread=0.02) == "within noise"
    assert inside.verdict([-0.01, -0.01, -0.01], spread=0.02) == "within noise"
    assert inside.verdict([-0.5], spread=0.0) == "within noise"  # one seed never decides


def test_stored_runs_cover_every_variant(tmp_path):
    stored = inside.load_stored()
    assert set(stored["runs"]["variant"]) == {v.name for v in inside.VARIANTS}
    assert sorted(set(stored["runs"]["seed"])) == sorted(stored["seeds"]) and len(stored["seeds"]) >= 3
    assert stored["epochs"] == inside.ABLATION_EPOCHS
    line = inside.compare_with_stored(stored, {"baseline": float(stored["runs"]["micro"].iloc[0])})
    assert "→ same" in line
    with pytest.raises(TrainingError, match="N534"):
        inside.load_stored(tmp_path / "missing.json")


def test_wordpiece_alignment_covers_every_token():
    transformers = pytest.importorskip("transformers")
    from course import resources

    try:
        path = resources.minilm_path()
    except Exception:  # noqa: BLE001 - weights not installed
        pytest.skip("MiniLM weights not installed")
    tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    doc = spacy.blank("en")(POST)
    table = inside.wordpiece_table(doc, tokenizer)
    assert list(table["spaCy token"]) == [t.text for t in doc]
    for token, pieces in zip(doc, table["wordpieces"]):
        assert pieces.replace("##", "").replace(" ", "") == token.text.lower()
    positions = [p for ps in table["positions"] for p in ps]
    assert positions == sorted(positions) and 0 not in positions  # [CLS] belongs to no token
