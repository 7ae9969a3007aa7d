"""course/predict.py: the greedy entities, each with its beam confidence, and post uncertainty."""

from __future__ import annotations

import pytest
import spacy

from course.errors import TrainingError
from course.predict import Prediction, predict
from tiny_ner import RECORDS, SCRAMBLED, tiny_model


@pytest.fixture(scope="module")
def model():
    return tiny_model()


def test_predict_keeps_the_greedy_entities_and_scores_them(model):
    texts = [RECORDS[0]["text"], SCRAMBLED]
    preds = predict(model, texts)
    assert [p.text for p in preds] == texts
    for pred, doc in zip(preds, model.pipe(texts)):
        assert [(s, e, label) for s, e, label, _ in pred.entities] == [
            (ent.start_char, ent.end_char, ent.label_) for ent in doc.ents
        ]
        assert all(0.0 <= c <= 1.0 for *_, c in pred.entities + pred.candidates)
        assert 0.0 <= pred.uncertainty <= 1.0
    seen = preds[0]
    assert [(seen.text[s:e], label) for s, e, label, _ in seen.entities] == [
        ("RTX 3080", "PRODUCT"),
        ("$450", "PRICE"),
        ("Austin", "LOCATION"),
    ]
    assert min(c for *_, c in seen.entities) > 0.9  # a training post: every parse in the beam agrees


def test_candidates_are_sorted_best_first(model):
    pred = predict(model, [SCRAMBLED], beam_width=8)[0]
    confs = [c for *_, c in pred.candidates]
    assert confs == sorted(confs, reverse=True)


def test_empty_text_is_certain_and_has_no_entities(model):
    pred = predict(model, [""])[0]
    assert pred == Prediction("", [], [], 0.0)


def test_predict_needs_an_entity_recognizer():
    with pytest.raises(TrainingError) as err:
        predict(spacy.blank("en"), ["text"])
    assert err.value.code == "N405"
