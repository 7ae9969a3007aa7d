"""course/nested.py: nested markup, validation with overlap allowed, layers, suggester sizes, scoring."""

from __future__ import annotations

from collections import Counter

import pytest
import spacy

from course import nested
from course.errors import AnnotationError
from course.nested import NestedError

POST = "[H] EVGA RTX 3080 FTW3, like new [W] $450"
REC = {"text": POST, "spans": [[4, 22, "PRODUCT"], [4, 8, "BRAND"], [24, 32, "CONDITION"], [37, 41, "PRICE"]]}


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def codes(report):
    return [p.code for p in report.problems]


def test_markup_reads_nested_spans():
    rec = nested.from_markup("[H] {{{{EVGA|BRAND}} RTX 3080 FTW3|PRODUCT}}, {{like new|CONDITION}} [W] {{$450|PRICE}}")
    assert rec == REC


@pytest.mark.parametrize("line", ["{{EVGA RTX|PRODUCT}} {{$450", "EVGA|BRAND}} RTX"])
def test_unbalanced_markup_is_N640(line):
    with pytest.raises(NestedError) as err:
        nested.from_markup(line)
    assert err.value.code == "N640"


def test_nesting_is_valid_and_doc_spans_hold_it(nlp):
    assert nested.validate([REC], nlp).ok
    doc = nested.to_doc(nlp, REC)
    assert [(s.text, s.label_) for s in doc.spans["sc"]][:2] == [("EVGA RTX 3080 FTW3", "PRODUCT"), ("EVGA", "BRAND")]
    with pytest.raises(ValueError, match="E1010"):  # what doc.ents says to the same spans
        doc.ents = list(doc.spans["sc"])


def test_shape_problems_are_N641(nlp):
    report = nested.validate([{"text": POST, "entities": []}, "a string", {"text": 3, "spans": []}], nlp)
    assert codes(report) == ["N641", "N641", "N641"]


def test_crossing_spans_are_N642_and_two_labels_N643(nlp):
    crossing = {"text": POST, "spans": [[4, 17, "PRODUCT"], [9, 22, "PRODUCT"]]}  # 'EVGA RTX 3080' / 'RTX 3080 FTW3'
    twice = {"text": POST, "spans": [[4, 8, "BRAND"], [4, 8, "PRODUCT"]]}
    assert codes(nested.validate([crossing, twice], nlp)) == ["N642", "N643"]


def test_span_checks_of_annotations_still_apply(nlp):
    bad = {"text": POST, "spans": [[4, 21, "PRODUCT"], [4, 8, "MAKER"], [37, 60, "PRICE"], [4, 8, "MAKER"]]}
    found = codes(nested.validate([bad], nlp))
    assert "N101" in found and "N107" in found and "N105" in found and "N104" in found
    assert "N103" not in found  # overlap is allowed here
    assert not any("annotations.fix" in p.hint for p in nested.validate([bad], nlp).problems)  # it reads flat records


def test_load_refuses_a_bad_file(tmp_path):
    (tmp_path / "dev.jsonl").write_text('{"text": "EVGA card", "spans": [[0, 3, "BRAND"]]}\n', encoding="utf-8")
    with pytest.raises(AnnotationError) as err:
        nested.load("dev", folder=tmp_path)
    assert err.value.problems[0].code == "N101"


def test_make_examples_put_spans_in_the_reference(nlp):
    (eg,) = nested.make_examples(nlp, [REC])
    assert len(eg.reference.spans["sc"]) == 4 and not eg.predicted.spans
    with pytest.raises(AnnotationError):
        nested.make_examples(nlp, [{"text": POST, "spans": [[4, 21, "PRODUCT"]]}])


def test_layers_cut_by_depth():
    deeper = {"text": POST, "spans": [*REC["spans"], [4, 6, "BRAND"]]}  # 'EV' inside 'EVGA' inside the product
    assert nested.depth(deeper) == [0, 1, 0, 0, 2]
    outer, inner, innermost = nested.layers(deeper)
    assert [e[2] for e in outer["entities"]] == ["PRODUCT", "CONDITION", "PRICE"]
    assert inner["entities"] == [[4, 8, "BRAND"]] and innermost["entities"] == [[4, 6, "BRAND"]]
    assert len(nested.layers(REC, 3)) == 3
    with pytest.raises(NestedError) as err:
        nested.layers(deeper, 2)
    assert err.value.code == "N644"


def test_suggester_sizes_cover_the_lengths(nlp):
    lengths = nested.span_lengths(nlp, [REC])
    assert lengths == {
        "BRAND": Counter({1: 1}),
        "CONDITION": Counter({2: 1}),
        "PRICE": Counter({2: 1}),
        "PRODUCT": Counter({4: 1}),
    }
    assert nested.suggester_sizes(lengths) == [1, 2, 3, 4]
    assert nested.suggester_sizes(Counter({1: 90, 2: 9, 7: 1}), coverage=0.95) == [1, 2]
    for bad in ({}, Counter({1: 3})):
        with pytest.raises(NestedError) as err:
            nested.suggester_sizes(bad, coverage=0.0 if bad else 1.0)
        assert err.value.code == "N645"


def test_spancat_config_is_applied():
    spancat = nested.spancat_pipeline([1, 2, 5]).get_pipe("spancat")
    assert spancat.key == "sc" and set(spancat.labels) == set(nested.LABELS)
    doc = spacy.blank("en")("a b c d e")
    assert sorted({int(e - s) for s, e in spancat.suggester([doc]).dataXd}) == [1, 2, 5]


def test_score_counts_nested_spans(nlp):
    perfect = nested.to_doc(nlp, REC)
    no_brand = nested.to_doc(nlp, {**REC, "spans": [s for s in REC["spans"] if s[2] != "BRAND"]})
    assert nested.score([perfect], [REC])["spans_sc_f"] == 1.0
    scores = nested.score([no_brand], [REC])
    assert scores["spans_sc_per_type"]["BRAND"] == {"p": 0.0, "r": 0.0, "f": 0.0}
    assert scores["spans_sc_r"] == pytest.approx(0.75) and scores["spans_sc_p"] == 1.0


def test_every_system_trains_and_predicts_into_doc_spans():
    rows = nested.compare([REC] * 3, {"dev": [REC]}, sizes=[1, 2, 3, 4], n_iter=1)
    assert {r["system"] for r in rows} == set(nested.SYSTEMS)
    assert {r["updates"] for r in rows} == {1}  # 3 posts, batch size 8: one update per pipeline
    table = nested.summary(rows, "dev")
    assert list(table.columns) == ["p", "r", "f", "f_sd", "seeds"] and len(table) == 3 * 5
    with pytest.raises(NestedError) as err:
        nested.train_system("crf", [REC], [1], n_iter=1, seed=0)
    assert err.value.code == "N646"


def test_outer_layer_ner_cannot_predict_a_nested_brand():
    trained = nested.train_layers([REC] * 4, n_layers=1, n_iter=2)
    (doc,) = trained.predict([POST])
    assert "BRAND" not in {s.label_ for s in doc.spans["sc"]}  # it never saw one: layer 0 has none


def test_stored_comparison_loads_or_says_how_to_make_it(tmp_path):
    stored = nested.load_stored()
    assert set(nested.summary(stored["rows"], "dev").index.get_level_values("system")) == set(nested.SYSTEMS)
    with pytest.raises(NestedError) as err:
        nested.load_stored(tmp_path / "missing.json")
    assert err.value.code == "N647"


def test_outer_only_is_layer_0_of_the_layered_system():
    texts = [POST, "[H] refurbished Lenovo ThinkPad T480 [W] $260"]
    alone = nested.train_layers([REC] * 4, n_layers=1, n_iter=2, seed=3)
    shared = nested.outer_only(nested.train_layers([REC] * 4, n_layers=2, n_iter=2, seed=3))
    assert shared.name == alone.name and shared.updates == alone.updates
    spans = [[(s.start, s.end, s.label_) for s in d.spans["sc"]] for d in alone.predict(texts)]
    assert [[(s.start, s.end, s.label_) for s in d.spans["sc"]] for d in shared.predict(texts)] == spans
    bytes_alone = alone.pipelines[0].get_pipe("ner").to_bytes()
    assert shared.pipelines[0].get_pipe("ner").to_bytes() == bytes_alone


def test_committed_data_is_the_build_of_its_markup_and_big_enough():
    import importlib.util

    from course.settings import data_path

    path = data_path("scripts", "build_nested.py")
    spec = importlib.util.spec_from_file_location("build_nested", path)
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    sizes = {}
    for split, minimum in (("train", 150), ("dev", 50), ("test", 50)):
        built = build.read(split)
        assert nested.load(split) == built, f"data/nested/{split}.jsonl is stale: run data/scripts/build_nested.py"
        assert len(built) >= minimum
        sizes[split] = len(built)
        assert sum(d > 0 for r in built for d in nested.depth(r)) >= len(built)  # nesting is the point
    texts = [r["text"] for split in sizes for r in build.read(split)]
    assert len(texts) == len(set(texts)), "a post repeats across splits"
