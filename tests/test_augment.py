"""course/augment.py: subsets, learning curves, gazetteers, entity swapping and spaCy's augmenters."""

from __future__ import annotations

import random

import pytest
from spacy.training.augment import create_lower_casing_augmenter

from course import augment
from course.annotations import make_record as rec, validate
from course.errors import AnnotationError, TrainingError
from course.settings import LABELS

POSTS = [
    rec(
        "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] $450",
        ("USA-TX", "LOCATION"),
        ("EVGA RTX 3080 FTW3 Ultra", "PRODUCT"),
        ("like new", "CONDITION"),
        ("$450", "PRICE"),
    ),
    rec(
        "Selling my Ryzen 5 5600X, used, $90 local in Austin",
        ("Ryzen 5 5600X", "PRODUCT"),
        ("used", "CONDITION"),
        ("$90", "PRICE"),
        ("Austin", "LOCATION"),
    ),
    rec(
        "WTB Steam Deck OLED 1TB, paying $450 shipped to 10001",
        ("Steam Deck OLED 1TB", "PRODUCT"),
        ("$450", "PRICE"),
        ("10001", "ZIP"),
    ),
    rec("Bump, still available"),
]


def test_label_counts_in_label_order(nlp):
    counts = augment.label_counts(POSTS)
    assert list(counts) == list(LABELS)
    assert counts == {"PRODUCT": 3, "PRICE": 3, "LOCATION": 2, "ZIP": 1, "CONDITION": 2, "URL": 0, "USERNAME": 0}
    assert augment.label_counts(POSTS, ["ZIP", "PRICE"]) == {"ZIP": 1, "PRICE": 3}


def test_nested_subsets_grow_and_contain_each_other():
    records = [rec(f"post number {i}") for i in range(20)]
    subsets = augment.nested_subsets(records, [5, 10, 20], seed=3)
    assert [len(s) for s in subsets.values()] == [5, 10, 20]
    assert subsets[10][:5] == subsets[5] and subsets[20][:10] == subsets[10]
    assert subsets[5] != records[:5]  # shuffled first
    assert augment.nested_subsets(records, [5], seed=3)[5] == subsets[5]  # reproducible
    with pytest.raises(TrainingError, match="N430"):
        augment.nested_subsets(records, [0, 5])
    with pytest.raises(TrainingError, match="N430"):
        augment.nested_subsets(records, [21])


def test_learning_curve_returns_one_row_per_size():
    curve = augment.learning_curve(POSTS * 3, POSTS[:2], [3, 6], n_iter=1)
    scores = curve.scores
    assert list(scores.index) == [3, 6] and scores.index.name == "posts"
    assert list(scores.columns) == [*LABELS, "micro", "seconds"]
    assert ((scores[list(LABELS) + ["micro"]] >= 0) & (scores[list(LABELS) + ["micro"]] <= 1)).all().all()
    assert (scores["seconds"] > 0).all()
    assert list(curve.models) == [3, 6] and curve.models[3] is not curve.models[6]
    assert set(curve.models[6].get_pipe("ner").labels) == set(LABELS)


def test_build_gazetteer_collects_distinct_surfaces():
    gaz = augment.build_gazetteer(POSTS)
    assert gaz["PRICE"] == ["$450", "$90"]
    assert gaz["PRODUCT"] == sorted(["EVGA RTX 3080 FTW3 Ultra", "Ryzen 5 5600X", "Steam Deck OLED 1TB"])
    assert gaz["URL"] == []
    assert list(augment.build_gazetteer(POSTS, ["ZIP"])) == ["ZIP"]


def test_swap_recomputes_every_later_offset(nlp):
    post = POSTS[0]
    gaz = {"PRODUCT": ["Radeon RX 6800 XT Reference"]}
    result = augment.swap_entities(post, gaz, random.Random(0), nlp=nlp)
    new = result.record
    assert result.swapped == 1 and result.kept == 0
    assert [(new["text"][s:e], l) for s, e, l in new["entities"]] == [
        ("USA-TX", "LOCATION"),
        ("Radeon RX 6800 XT Reference", "PRODUCT"),
        ("like new", "CONDITION"),
        ("$450", "PRICE"),
    ]
    assert validate([new], nlp).ok
    assert post["text"].startswith("[USA-TX] [H] EVGA")  # the input is not changed


def test_swap_only_chosen_labels_and_prob_zero(nlp):
    gaz = augment.build_gazetteer(POSTS)
    new = augment.swap_entities(POSTS[1], gaz, random.Random(1), labels=["PRICE"], nlp=nlp).record
    assert [new["text"][s:e] for s, e, l in new["entities"] if l != "PRICE"] == ["Ryzen 5 5600X", "used", "Austin"]
    assert [new["text"][s:e] for s, e, l in new["entities"] if l == "PRICE"] == ["$450"]
    same = augment.swap_entities(POSTS[1], gaz, random.Random(1), prob=0.0, nlp=nlp)
    assert same.swapped == 0 and same.record == {"text": POSTS[1]["text"], "entities": POSTS[1]["entities"]}
    with pytest.raises(TrainingError, match="N431"):
        augment.swap_entities(POSTS[1], gaz, random.Random(1), prob=1.5)


def test_swap_keeps_an_entity_when_the_replacement_would_not_align(nlp):
    # 'U.S' + '.' becomes the tokenizer exception 'U.S.', so the span would cut a token
    post = rec("Ships within Canada.", ("Canada", "LOCATION"))
    result = augment.swap_entities(post, {"LOCATION": ["U.S"]}, random.Random(0), labels=["LOCATION"], nlp=nlp)
    assert result.swapped == 0 and result.kept == 1
    assert result.record["text"] == post["text"]


def test_swap_augment_makes_valid_tagged_copies(nlp):
    gaz = augment.build_gazetteer(POSTS)
    new = augment.swap_augment(POSTS, gaz, n_copies=2, seed=0, nlp=nlp)
    assert len(new) == 6  # 3 posts with a product × 2 copies; the post without entities gives none
    assert all(r["augmented"] == "swap" for r in new)
    assert validate(new, nlp).ok
    assert all(r["text"] not in {p["text"] for p in POSTS} for r in new)
    assert new == augment.swap_augment(POSTS, gaz, n_copies=2, seed=0, nlp=nlp)
    assert new != augment.swap_augment(POSTS, gaz, n_copies=2, seed=1, nlp=nlp)
    with pytest.raises(TrainingError, match="N431"):
        augment.swap_augment(POSTS, gaz, n_copies=-1)
    with pytest.raises(AnnotationError):
        augment.swap_augment([{"text": "RTX 3080", "entities": [[0, 5, "PRODUCT"]]}], gaz)


def test_a_gazetteer_entry_with_bad_edges_is_e432(nlp):
    # "RTX 3090," aligns with the tokens, so the swap keeps it, but its comma breaks N113
    with pytest.raises(TrainingError) as err:
        augment.swap_augment(POSTS, {"PRODUCT": ["RTX 3090,"]}, nlp=nlp)
    assert err.value.code == "N432" and "N113" in str(err.value)


def test_apply_augmenter_lower_cases_and_keeps_offsets(nlp):
    out = augment.apply_augmenter(POSTS, create_lower_casing_augmenter(level=1.0), nlp, tag="lower")
    assert len(out) == len(POSTS)
    for old, new in zip(POSTS, out):
        assert new["text"] == old["text"].lower()
        assert new["entities"] == old["entities"]
        assert new.get("augmented") == ("lower" if old["text"] != old["text"].lower() else None)
    unchanged = augment.apply_augmenter(POSTS, create_lower_casing_augmenter(level=0.0), nlp)
    assert unchanged == [{"text": p["text"], "entities": p["entities"]} for p in POSTS]


def test_apply_augmenter_restores_the_global_random_state(nlp):
    random.seed(123)
    expected = random.random()
    random.seed(123)
    augment.apply_augmenter(POSTS, create_lower_casing_augmenter(level=0.5), nlp, seed=7)
    assert random.random() == expected


def test_lowercase_augment_copies_a_fraction(nlp):
    posts = POSTS[:3] * 4
    new = augment.lowercase_augment(posts, 0.5, seed=0, nlp=nlp)
    assert len(new) == 6
    assert all(r["text"] == r["text"].lower() and r["augmented"] == "lower" for r in new)
    assert validate(new, nlp).ok
    assert augment.lowercase_augment(posts, 0.0) == []
    with pytest.raises(TrainingError, match="N431"):
        augment.lowercase_augment(posts, 1.2)


def test_lowercase_whole_set(nlp):
    lowered = augment.lowercase(POSTS, nlp)
    assert [r["text"] for r in lowered] == [p["text"].lower() for p in POSTS]
    assert all("augmented" not in r for r in lowered)
    assert [r["entities"] for r in lowered] == [p["entities"] for p in POSTS]


def test_a_lower_cased_copy_that_would_cut_a_token_is_left_out_and_reported(nlp):
    # `CO.` tokenizes as `CO` + `.`, but `co.` is a tokenizer exception: the span `denver, co` would cut it
    post = {
        "text": "located near Denver, CO. Corsair 7000D $150",
        "entities": [[13, 23, "LOCATION"], [25, 38, "PRODUCT"]],
    }
    assert nlp.make_doc(post["text"].lower()).char_span(13, 23) is None
    skipped: list = []
    assert augment.lowercase([post, *POSTS], nlp, skipped=skipped) == augment.lowercase(POSTS, nlp)
    assert [rec["text"] for rec in skipped] == [post["text"].lower()]
    skipped = []
    assert augment.lowercase_augment([post], 1.0, nlp=nlp, skipped=skipped) == []
    assert len(skipped) == 1
