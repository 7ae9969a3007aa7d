"""Properties of the checks of notebooks 05 and 06 that the generic exercise tests do not cover."""

from __future__ import annotations

import itertools

import spacy

from course.exercises import nb05, nb06


def test_prf_counts_tell_every_wrong_formula_apart():
    # The old recall exercise used PRICE, where all formulas were near 1 and a tolerance of
    # 0.01 accepted two wrong ones. On the check's PRODUCT counts they differ clearly.
    tp, fp, fn = nb05.PRODUCT_COUNTS
    p, r = tp / (tp + fp), tp / (tp + fn)
    formulas = {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r),
        "tp/(tp+fp+fn)": tp / (tp + fp + fn),
        "(tp+fp)/(tp+fn)": (tp + fp) / (tp + fn),
        "mean": (p + r) / 2,
    }
    for (a, x), (b, y) in itertools.combinations(formulas.items(), 2):
        assert abs(x - y) > 0.01, (a, b)


def test_stand_in_ner_keeps_preset_entities_like_spacys_ner():
    nlp = nb06._stand_in_ner()
    assert [(e.text, e.label_) for e in nlp(nb06._TEXT).ents] == [("78701", "PRICE"), ("450", "PRICE")]
    first = nb06._stand_in_ner()
    first.add_pipe("entity_ruler", before="ner").add_patterns(nb06.RULE_PATTERNS)
    assert [(e.text, e.label_) for e in first(nb06._TEXT).ents] == [("78701", "ZIP"), ("450", "PRICE")]


def test_real_ner_keeps_preset_entities_too():
    # what the stand-in imitates: a trained ner predicts around entities a ruler set before it
    from tiny_ner import tiny_model

    model = tiny_model()
    nlp = spacy.blank("en")
    nlp.add_pipe("ner", source=model)
    nlp.add_pipe("entity_ruler", before="ner").add_patterns([{"label": "PRICE", "pattern": "Austin"}])
    ents = [(e.text, e.label_) for e in nlp("Selling my RTX 3080 for $450 in Austin").ents]
    assert ("Austin", "PRICE") in ents
