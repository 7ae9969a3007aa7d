"""Exercises of notebook 08 (capstone): pre-annotation records, the review filter, a tidy
DataFrame of entities, and a prediction function an API can return."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

if TYPE_CHECKING:
    from spacy.pipeline import EntityRuler

NOTEBOOK = "08_capstone"
POSTS = ["[USA-TX] [H] RTX 3080 [W] $450 in Austin", "WTB Steam Deck, paying $300", "nothing to see"]


def _model():
    import spacy

    nlp = spacy.blank("en")
    cast("EntityRuler", nlp.add_pipe("entity_ruler")).add_patterns(
        [
            {"label": "PRODUCT", "pattern": "RTX 3080"},
            {"label": "PRODUCT", "pattern": "Steam Deck"},
            {"label": "LOCATION", "pattern": "Austin"},
            {"label": "LOCATION", "pattern": "USA-TX"},
            {"label": "PRICE", "pattern": [{"ORTH": "$"}, {"IS_DIGIT": True}]},
        ]
    )
    return nlp


def _expected_spans(nlp, text: str) -> list[list]:
    return [[e.start_char, e.end_char, e.label_] for e in nlp(text).ents]


def _span_hint(got: list, nlp, text: str) -> CheckResult | None:
    """A hint for the usual offset and label mistakes in [start, end, label] lists, or None."""
    doc = nlp(text)
    if got == [[e.start, e.end, e.label_] for e in doc.ents]:
        return CheckResult(
            False,
            f"the spans {got} count tokens, not characters.",
            "Use character offsets: ent.start_char and ent.end_char (ent.start is a token index).",
        )
    if got == [[e.start_char, e.end_char, e.label] for e in doc.ents]:
        return CheckResult(
            False,
            f"the labels are numbers ({got[0][2] if got else '?'}): ent.label is a hash.",
            "Use ent.label_ (with the underscore) for the label's text.",
        )
    if got == [[e.start_char, e.end_char - 1, e.label_] for e in doc.ents]:
        return CheckResult(
            False,
            "every end offset is one short.",
            "ent.end_char is already exclusive (the character after the entity): use it unchanged.",
        )
    return None


# --- 08.1 · pre-annotate -------------------------------------------------------------------


def _judge_pre_annotate(pre_annotate: Any) -> CheckResult:
    nlp = _model()
    got, failed = run_safely(pre_annotate, nlp, POSTS)
    if failed is not None:
        return failed
    got = list(got) if got is not None and not isinstance(got, (str, dict)) else got
    if not isinstance(got, list) or len(got) != len(POSTS) or not all(isinstance(r, dict) for r in got):
        return CheckResult(
            False,
            f"pre_annotate returned {str(got)[:120]}, not one dict per post.",
            "Return a list with one {'text': ..., 'entities': [], 'suggestions': [...]} per text.",
        )
    first = got[0]
    spans = _expected_spans(nlp, POSTS[0])
    if first.get("entities") and not first.get("suggestions"):
        return CheckResult(
            False,
            "the model's entities went into 'entities', the gold annotation.",
            "Put them in 'suggestions' and leave 'entities' empty: a guess becomes gold only after "
            "a person accepts it.",
        )
    if first.get("text") != POSTS[0]:
        return CheckResult(False, f"the first record's text is {first.get('text')!r}.", "Keep doc.text as 'text'.")
    if first.get("entities") != []:
        return CheckResult(False, f"'entities' is {first.get('entities')!r}.", "Nobody has annotated yet: entities=[].")
    hint = _span_hint(first.get("suggestions"), nlp, POSTS[0])
    if hint is not None:
        return hint
    for text, record in zip(POSTS, got):
        if record.get("suggestions") != _expected_spans(nlp, text):
            return CheckResult(
                False,
                f"the suggestions for {text!r} are {record.get('suggestions')!r}.",
                "One [ent.start_char, ent.end_char, ent.label_] per entity of doc.ents.",
            )
    return CheckResult(True, f"records ready for review: {spans} as suggestions, entities left empty.")


register(
    Exercise(
        id="08.1",
        notebook=NOTEBOOK,
        title="Pre-annotate posts with nlp.pipe",
        answer="pre_annotate",
        judge=_judge_pre_annotate,
        solution='''def pre_annotate(nlp, texts):
    """One record per post: no gold entities yet, the model's as suggestions (character offsets)."""
    return [{"text": doc.text, "entities": [],
             "suggestions": [[ent.start_char, ent.end_char, ent.label_] for ent in doc.ents]}
            for doc in nlp.pipe(texts, batch_size=64)]''',
        wrong=(
            WrongAnswer(
                """def pre_annotate(nlp, texts):
    return [{"text": doc.text, "entities": [],
             "suggestions": [[ent.start, ent.end, ent.label_] for ent in doc.ents]}
            for doc in nlp.pipe(texts, batch_size=64)]""",
                "count tokens",
                "token offsets",
            ),
            WrongAnswer(
                """def pre_annotate(nlp, texts):
    return [{"text": doc.text, "entities": [[ent.start_char, ent.end_char, ent.label_] for ent in doc.ents],
             "suggestions": []}
            for doc in nlp.pipe(texts, batch_size=64)]""",
                "went into 'entities'",
                "guesses stored as gold",
            ),
            WrongAnswer(
                """def pre_annotate(nlp, texts):
    return [{"text": doc.text, "entities": [],
             "suggestions": [[ent.start_char, ent.end_char, ent.label] for ent in doc.ents]}
            for doc in nlp.pipe(texts, batch_size=64)]""",
                "ent.label_",
                "hash instead of text",
            ),
        ),
    )
)


# --- 08.2 · the review filter --------------------------------------------------------------


def _judge_needs_review(needs_review: Any) -> CheckResult:
    threshold = 0.8
    cases = [
        (
            [
                {"text": "RTX 3080", "label": "PRODUCT", "confidence": 0.97},
                {"text": "$450", "label": "PRICE", "confidence": 0.91},
            ],
            False,
            "A post whose entities are all above the threshold should be accepted automatically.",
        ),
        (
            [
                {"text": "RTX 3080", "label": "PRODUCT", "confidence": 0.97},
                {"text": "450", "label": "PRICE", "confidence": 0.42},
            ],
            True,
            "One unsure entity is enough: check every entity, e.g. any(e['confidence'] < threshold for e in entities).",
        ),
        (
            [],
            True,
            "When the model finds nothing, a person should look: any() of an empty list is False, "
            "so add `or not entities`.",
        ),
        (
            [{"text": "78701", "label": "ZIP", "confidence": threshold}],
            False,
            "An entity exactly at the threshold is trusted: compare with <, not <=.",
        ),
    ]
    for entities, expected, hint in cases:
        got, failed = run_safely(needs_review, entities, threshold)
        if failed is not None:
            return failed
        if not isinstance(got, bool):
            return CheckResult(
                False,
                f"needs_review returned {got!r}, not True or False.",
                "Return a boolean, e.g. the result of any(...) or a comparison.",
            )
        if got != expected:
            shown = ", ".join(f"{e['label']} {e['confidence']:.2f}" for e in entities) or "no entities"
            return CheckResult(False, f"for a post with [{shown}] it returned {got}.", hint)
    return CheckResult(True, f"the filter sends unsure and empty posts to review (threshold {threshold}).")


register(
    Exercise(
        id="08.2",
        notebook=NOTEBOOK,
        title="The review-queue filter",
        answer="needs_review",
        judge=_judge_needs_review,
        solution='''def needs_review(entities, threshold=0.8):
    """True if a person should look at this post before it is used."""
    # nothing found is suspicious too: any() of an empty list is False, hence `not entities`
    return not entities or any(ent["confidence"] < threshold for ent in entities)''',
        wrong=(
            WrongAnswer(
                """def needs_review(entities, threshold=0.8):
    return any(ent["confidence"] < threshold for ent in entities)""",
                "`or not entities`",
                "empty posts pass",
            ),
            WrongAnswer(
                """def needs_review(entities, threshold=0.8):
    return not entities or any(ent["confidence"] <= threshold for ent in entities)""",
                "not <=",
                "the threshold itself is trusted",
            ),
            WrongAnswer(
                """def needs_review(entities, threshold=0.8):
    return not entities or all(ent["confidence"] < threshold for ent in entities)""",
                "One unsure entity is enough",
                "all instead of any",
            ),
        ),
    )
)


# --- 08.3 · a tidy table of entities -------------------------------------------------------


def _table_setup() -> dict[str, Any]:
    import pandas as pd

    return {"pd": pd}


def _judge_entity_table(entity_table: Any) -> CheckResult:
    import pandas as pd

    nlp = _model()
    posts = pd.DataFrame({"post_id": [101, 205, 307], "text": POSTS})
    got, failed = run_safely(entity_table, nlp, posts)
    if failed is not None:
        return failed
    expected = pd.DataFrame(
        [
            {"post_id": pid, "label": e.label_, "entity": e.text, "start": e.start_char, "end": e.end_char}
            for pid, text in zip(posts["post_id"], posts["text"])
            for e in nlp(text).ents
        ]
    )
    if not isinstance(got, pd.DataFrame):
        return CheckResult(
            False, f"entity_table returned a {type(got).__name__}, not a DataFrame.", "Return pd.DataFrame(rows)."
        )
    if len(got) == 0:
        return CheckResult(
            False,
            "the table is empty: the texts never reached the model.",
            "Iterating over a DataFrame gives its column names: pass posts['text'] to nlp.pipe.",
        )
    if list(got.columns) != list(expected.columns):
        return CheckResult(False, f"the columns are {list(got.columns)}.", f"Use exactly {list(expected.columns)}.")
    if len(got) != len(expected):
        return CheckResult(False, f"{len(got)} rows for {len(expected)} entities.", "One row per entity of every doc.")
    if got["post_id"].tolist() != expected["post_id"].tolist():
        if got["post_id"].tolist() == [{101: 0, 205: 1, 307: 2}[p] for p in expected["post_id"]]:
            return CheckResult(
                False,
                "the post ids are positions (0, 1, 2), not the post_id column.",
                "Zip the docs with posts['post_id'], so each row keeps its post's id.",
            )
        return CheckResult(False, f"the post ids are {got['post_id'].tolist()}.", "Zip the docs with posts['post_id'].")
    if not got.reset_index(drop=True).equals(expected):
        return CheckResult(
            False,
            "the rows differ from doc.ents.",
            "label: ent.label_, entity: ent.text, start/end: ent.start_char/ent.end_char.",
        )
    return CheckResult(True, f"{len(got)} rows, one per entity, each with its post's id and character offsets.")


register(
    Exercise(
        id="08.3",
        notebook=NOTEBOOK,
        title="A tidy DataFrame from doc.ents",
        answer="entity_table",
        judge=_judge_entity_table,
        setup=_table_setup,
        solution='''def entity_table(nlp, posts):
    """One row per entity: post_id, label, entity, start, end (posts: a DataFrame with post_id and text)."""
    rows = []
    for post_id, doc in zip(posts["post_id"], nlp.pipe(posts["text"], batch_size=64)):
        for ent in doc.ents:
            rows.append({"post_id": post_id, "label": ent.label_, "entity": ent.text,
                         "start": ent.start_char, "end": ent.end_char})
    return pd.DataFrame(rows)''',
        wrong=(
            WrongAnswer(
                """def entity_table(nlp, posts):
    rows = []
    for post_id, doc in zip(range(len(posts)), nlp.pipe(posts["text"], batch_size=64)):
        for ent in doc.ents:
            rows.append({"post_id": post_id, "label": ent.label_, "entity": ent.text,
                         "start": ent.start_char, "end": ent.end_char})
    return pd.DataFrame(rows)""",
                "are positions",
                "positions instead of ids",
            ),
            WrongAnswer(
                """def entity_table(nlp, posts):
    rows = []
    for post_id, doc in zip(posts["post_id"], nlp.pipe(posts, batch_size=64)):
        for ent in doc.ents:
            rows.append({"post_id": post_id, "label": ent.label_, "entity": ent.text,
                         "start": ent.start_char, "end": ent.end_char})
    return pd.DataFrame(rows)""",
                "column names",
                "the DataFrame itself passed to nlp.pipe",
            ),
        ),
    )
)


# --- 08.4 · a prediction function for an API -----------------------------------------------


def _judge_predict(predict_entities: Any) -> CheckResult:
    nlp = _model()
    text = POSTS[0]
    got, failed = run_safely(predict_entities, nlp, text)
    if failed is not None:
        return failed
    if not isinstance(got, dict) or not isinstance(got.get("entities"), list):
        return CheckResult(
            False,
            f"predict_entities returned {str(got)[:120]}.",
            "Return {'text': text, 'entities': [...]}, one dict per entity.",
        )
    try:
        json.dumps(got)
    except TypeError as err:
        return CheckResult(
            False,
            f"the result cannot be sent as JSON ({err}).",
            "Return plain values: ent.text (a str), not the Span itself.",
        )
    ents = got["entities"]
    expected = [{"text": e.text, "label": e.label_, "start": e.start_char, "end": e.end_char} for e in nlp(text).ents]
    if not all(isinstance(e, dict) for e in ents) or len(ents) != len(expected):
        return CheckResult(
            False, f"{len(ents)} entities for {len(expected)} in the post.", "One dict per entity of doc.ents."
        )
    hint = _span_hint([[e.get("start"), e.get("end"), e.get("label")] for e in ents], nlp, text)
    if hint is not None:
        return hint
    if ents != expected or got.get("text") != text:
        return CheckResult(
            False,
            f"the first entity is {ents[0] if ents else None}; expected {expected[0]}.",
            "Keys text, label, start, end: ent.text, ent.label_, ent.start_char, ent.end_char.",
        )
    for other in POSTS[1:]:
        again, failed = run_safely(predict_entities, nlp, other)
        if failed is not None:
            return failed
        if not isinstance(again, dict) or again.get("entities") != [
            {"text": e.text, "label": e.label_, "start": e.start_char, "end": e.end_char} for e in nlp(other).ents
        ]:
            return CheckResult(
                False,
                f"the answer for {other!r} is wrong: {str(again)[:120]}.",
                "Run nlp on the text you were given, not on a fixed post.",
            )
    return CheckResult(True, f"JSON-ready: {json.dumps(expected[0])} …")


register(
    Exercise(
        id="08.4",
        notebook=NOTEBOOK,
        title="A prediction function an API can return",
        answer="predict_entities",
        judge=_judge_predict,
        solution='''def predict_entities(nlp, text):
    """What the service returns for one post: the text and its entities with character offsets."""
    doc = nlp(text)
    return {"text": text,
            "entities": [{"text": ent.text, "label": ent.label_, "start": ent.start_char, "end": ent.end_char}
                         for ent in doc.ents]}''',
        wrong=(
            WrongAnswer(
                """def predict_entities(nlp, text):
    doc = nlp(text)
    return {"text": text,
            "entities": [{"text": ent, "label": ent.label_, "start": ent.start_char, "end": ent.end_char}
                         for ent in doc.ents]}""",
                "not the Span itself",
                "a Span is not JSON",
            ),
            WrongAnswer(
                """def predict_entities(nlp, text):
    doc = nlp(text)
    return {"text": text,
            "entities": [{"text": ent.text, "label": ent.label_, "start": ent.start, "end": ent.end}
                         for ent in doc.ents]}""",
                "count tokens",
                "token offsets",
            ),
            WrongAnswer(
                """def predict_entities(nlp, text):
    doc = nlp(text)
    return {"text": text,
            "entities": [{"text": ent.text, "label": ent.label_, "start": ent.start_char, "end": ent.end_char - 1}
                         for ent in doc.ents]}""",
                "one short",
                "inclusive end",
            ),
        ),
    )
)
