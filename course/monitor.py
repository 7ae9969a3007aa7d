"""Production patterns around a model: confidence thresholds, a review queue, drift signals.

* **Confidence** is the beam probability of each predicted entity (`course.predict.predict`).
* **Review queue**: a post goes to a person when any entity is below the threshold, or
  when the model found nothing at all (`review_reasons`). `threshold_table` shows, on
  annotated posts, what each threshold costs (posts to review) and buys (how many of
  the posts nobody looks at are entirely right, and how many of the model's wrong
  entities a person gets to see).
* **Drift**: signals that need no labels. The share of tokens never seen in training
  (`unknown_rate`), the label mix, the mean confidence and the review share of new
  posts, next to the same numbers for posts like the training data (`drift_table`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import pandas as pd
from spacy.language import Language

from .annotations import Record
from .predict import predict
from .settings import LABELS

if TYPE_CHECKING:
    from spacy.tokenizer import Tokenizer

DEFAULT_THRESHOLD = 0.8
Entity = Mapping[str, Any]  # at least "label" and "confidence"; "text" for messages


def review_reasons(entities: Sequence[Entity], threshold: float = DEFAULT_THRESHOLD) -> list[str]:
    """Why a post needs a human, if it does.

    entities (Sequence[Entity]): the post's entities with "label" and "confidence".
    threshold (float): an entity below it is not trusted (one exactly at it is).
    RETURNS (list[str]): one reason per problem; empty: accept automatically.
    """
    if not entities:
        return ["no entities found"]
    return [
        f"low confidence: {e.get('text', '?')!r} ({e['label']} {e['confidence']:.2f})"
        for e in entities
        if e["confidence"] < threshold
    ]


def needs_review(entities: Sequence[Entity], threshold: float = DEFAULT_THRESHOLD) -> bool:
    """RETURNS (bool): whether the post goes to the review queue (see `review_reasons`)."""
    return bool(review_reasons(entities, threshold))


def threshold_table(
    predictions: Sequence, gold: Sequence[Record], thresholds: Iterable[float] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
) -> pd.DataFrame:
    """What each threshold costs and buys, on posts with known answers.

    predictions (Sequence[Prediction]): `course.predict.predict` output for the gold texts.
    gold (Sequence[Record]): the annotated posts, in the same order.
    RETURNS (DataFrame): per threshold: review_share (posts sent to a person),
        auto_posts (posts accepted automatically), auto_exact (share of those whose
        entities are all exactly right), auto_precision (entity precision in them) and
        wrong_caught (share of all wrongly predicted entities that sit in a post sent to
        review, so a person sees them; 0.0 if no entity is wrong).
    """
    rows = []
    for t in thresholds:
        auto, n_wrong, caught = [], 0, 0
        for p, g in zip(predictions, gold):
            review = needs_review([{"label": l, "confidence": c} for _, _, l, c in p.entities], t)
            wrong = len({tuple(e[:3]) for e in p.entities} - {tuple(e) for e in g["entities"]})
            n_wrong += wrong
            caught += wrong if review else 0
            if not review:
                auto.append((p, g))
        exact = sum({tuple(e[:3]) for e in p.entities} == {tuple(e) for e in g["entities"]} for p, g in auto)
        n_pred = sum(len(p.entities) for p, _ in auto)
        right = sum(len({tuple(e[:3]) for e in p.entities} & {tuple(e) for e in g["entities"]}) for p, g in auto)
        rows.append(
            {
                "threshold": t,
                "review_share": 1 - len(auto) / len(gold) if gold else 0.0,
                "auto_posts": len(auto),
                "auto_exact": exact / len(auto) if auto else 0.0,
                "auto_precision": right / n_pred if n_pred else 0.0,
                "wrong_caught": caught / n_wrong if n_wrong else 0.0,
            }
        )
    return pd.DataFrame(rows).set_index("threshold").round(3)


# --- drift ------------------------------------------------------------------------------


def _tokenizer(nlp: Language) -> Tokenizer:
    return cast("Tokenizer", nlp.tokenizer)  # typed as a callable by spaCy; a Tokenizer has .pipe


def vocabulary(nlp: Language, texts: Iterable[str]) -> set[str]:
    """RETURNS (set[str]): the lowercased tokens of `texts` (e.g. the training posts)."""
    return {t.lower_ for doc in _tokenizer(nlp).pipe(texts) for t in doc if not t.is_space}


def unknown_rate(nlp: Language, texts: Iterable[str], vocab: set[str]) -> float:
    """RETURNS (float): share of the tokens of `texts` that are not in `vocab` (0.0 if none)."""
    counts = Counter(t.lower_ in vocab for doc in _tokenizer(nlp).pipe(texts) for t in doc if not t.is_space)
    total = counts[True] + counts[False]
    return counts[False] / total if total else 0.0


def drift_table(
    nlp: Language,
    sets: Mapping[str, Sequence[str]],
    vocab: set[str],
    threshold: float = DEFAULT_THRESHOLD,
    labels: Sequence[str] = LABELS,
) -> pd.DataFrame:
    """Label-free signals for several sets of posts, side by side.

    sets (Mapping[str, Sequence[str]]): name → texts, e.g. {"dev": ..., "this week": ...}.
    vocab (set[str]): tokens seen in training (`vocabulary`).
    RETURNS (DataFrame): rows = unknown-token rate, review share, mean confidence and
        entities per post for each label; one column per set; 3 decimals.
    """
    columns = {}
    for name, texts in sets.items():
        preds = predict(nlp, texts)
        confs = [c for p in preds for *_, c in p.entities]
        per_label = Counter(l for p in preds for _, _, l, _ in p.entities)
        n = max(len(preds), 1)
        column = {
            "unknown-token rate": unknown_rate(nlp, texts, vocab),
            "review share": sum(
                needs_review([{"label": l, "confidence": c} for _, _, l, c in p.entities], threshold) for p in preds
            )
            / n,
            "mean confidence": sum(confs) / len(confs) if confs else 0.0,
        }
        column.update({f"{label} per post": per_label[label] / n for label in labels})
        columns[name] = column
    return pd.DataFrame(columns).round(3)
