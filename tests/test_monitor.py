"""course/monitor.py: review queue, threshold table, drift signals."""

from __future__ import annotations

import spacy

from course import monitor, predict
from tiny_ner import LABELS, RECORDS, SCRAMBLED, tiny_model

SURE = [{"text": "RTX 3080", "label": "PRODUCT", "confidence": 0.97}]
UNSURE = SURE + [{"text": "450", "label": "PRICE", "confidence": 0.42}]


def test_review_reasons():
    assert monitor.review_reasons(SURE, 0.8) == []
    assert monitor.review_reasons(UNSURE, 0.8) == ["low confidence: '450' (PRICE 0.42)"]
    assert monitor.review_reasons([], 0.8) == ["no entities found"]
    assert monitor.needs_review([{"label": "ZIP", "confidence": 0.8}], 0.8) is False  # at the threshold: trusted
    assert monitor.needs_review(UNSURE, 0.4) is False


def test_threshold_table_costs_and_buys():
    model = tiny_model()
    gold = RECORDS[:6] + [{"text": SCRAMBLED, "entities": []}]
    table = monitor.threshold_table(predict.predict(model, [g["text"] for g in gold]), gold, (0.0, 0.5, 1.01))
    assert list(table.columns) == ["review_share", "auto_posts", "auto_exact", "auto_precision", "wrong_caught"]
    assert table.loc[1.01, "auto_posts"] == 0 and table.loc[1.01, "review_share"] == 1.0
    assert table.loc[0.0, "auto_posts"] >= 6 and table["review_share"].is_monotonic_increasing
    assert table.loc[0.5, "auto_exact"] >= 0.85
    assert table.loc[1.01, "wrong_caught"] in (0.0, 1.0)  # everything is reviewed: all caught (or none wrong)
    assert table["wrong_caught"].is_monotonic_increasing


class _Pred:
    def __init__(self, entities):
        self.entities = entities


def test_wrong_caught_counts_wrong_entities_in_reviewed_posts():
    gold = [{"text": "a", "entities": [[0, 3, "PRODUCT"]]}, {"text": "b", "entities": [[0, 3, "PRODUCT"]]}]
    preds = [
        _Pred([(0, 3, "PRODUCT", 0.99), (5, 8, "PRICE", 0.97)]),  # one wrong, sure: slips through
        _Pred([(0, 3, "ZIP", 0.6)]),
    ]  # one wrong, unsure: caught at 0.8
    table = monitor.threshold_table(preds, gold, (0.5, 0.8, 0.96, 1.0))
    assert table["wrong_caught"].tolist() == [0.0, 0.5, 0.5, 1.0]
    assert table.loc[0.8, "auto_posts"] == 1 and table.loc[0.8, "auto_exact"] == 0.0


def test_unknown_rate_and_vocabulary():
    nlp = spacy.blank("en")
    vocab = monitor.vocabulary(nlp, ["Selling my RTX 3080", "for $450"])
    assert {"selling", "rtx", "3080", "$", "450"} <= vocab
    assert monitor.unknown_rate(nlp, ["selling my RTX 5090"], vocab) == 0.25
    assert monitor.unknown_rate(nlp, [], vocab) == 0.0


def test_drift_table_compares_sets():
    model = tiny_model()
    vocab = monitor.vocabulary(model, [r["text"] for r in RECORDS])
    table = monitor.drift_table(
        model,
        {
            "like training": [r["text"] for r in RECORDS[:5]],
            "new": ["WTS RX 9070 XT 600 EUR Berlin", "Suche RTX 5090, 1900 EUR"],
        },
        vocab,
        labels=LABELS,
    )
    assert list(table.columns) == ["like training", "new"]
    assert table.loc["unknown-token rate", "like training"] == 0.0
    assert table.loc["unknown-token rate", "new"] > 0.5
    assert table.loc["PRODUCT per post", "like training"] == 1.0
    assert table.loc["review share", "like training"] == 0.0
