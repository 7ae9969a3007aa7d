"""Exercises of notebook 06 (small and imbalanced data): EntityRuler patterns, position, overwrite_ents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..check import CheckResult, ruler_pattern
from . import Exercise, WrongAnswer, register, run_safely

if TYPE_CHECKING:
    from spacy.pipeline import EntityRecognizer, EntityRuler

NOTEBOOK = "06_small_and_imbalanced_data"

# --- 06.4 a price pattern with the currency after the number ------------------------------
PRICE_EXAMPLES = [
    ("[EU-PL] [H] RX 6700 XT [W] 1100 PLN, Krakow", [("1100 PLN", "PRICE")]),
    ("Phanteks NV7 for 160€ in Cologne", [("160€", "PRICE")]),
    ("Sennheiser HD 6XX, 55 quid posted", [("55 quid", "PRICE")]),
    ("Corsair RM850x, 850 watts, fully modular", []),
    ("selling 2 sticks of 8GB DDR4", []),
]


def _judge_price_after(pattern: Any) -> CheckResult:
    words = (
        next((t.get("LOWER", {}).get("IN") for t in pattern[1:2] if isinstance(t, dict)), None)
        if isinstance(pattern, list)
        else None
    )
    if isinstance(words, list) and any(isinstance(w, str) and w != w.lower() for w in words):
        upper = [w for w in words if isinstance(w, str) and w != w.lower()]
        return CheckResult(
            False,
            f"{upper} can never match: LOWER compares the lower-case form of the token.",
            "Write the currency words in lower case ('pln'); then '1100 PLN' and '1100 pln' both match.",
        )
    result = ruler_pattern(pattern, "PRICE", PRICE_EXAMPLES)
    if not result.passed and "160" in result.message:
        return CheckResult(
            False,
            result.message,
            "The tokenizer splits '160€' into '160' and '€': the sign is a token "
            "of its own, so it belongs in the list as it is.",
        )
    if not result.passed and "quid" in result.message:
        return CheckResult(False, result.message, "British sellers write 'quid' for pounds: add it to the list.")
    return result


register(
    Exercise(
        id="06.4",
        notebook=NOTEBOOK,
        title="Prices with the currency after the number",
        answer="price_after",
        judge=_judge_price_after,
        solution="""currencies_after = ["pln", "€", "£", "quid", "pounds", "eur", "euro", "euros", "usd", "cad", "aud",
                    "bucks", "dollars"]  # words in lower case, signs as they are
price_after = [{"LIKE_NUM": True}, {"LOWER": {"IN": currencies_after}}]""",
        wrong=(
            WrongAnswer(
                """currencies_after = ["PLN", "€", "quid"]
price_after = [{"LIKE_NUM": True}, {"LOWER": {"IN": currencies_after}}]""",
                "lower case",
                "upper-case word in LOWER",
            ),
            WrongAnswer(
                """currencies_after = ["pln", "eur", "quid"]
price_after = [{"LIKE_NUM": True}, {"LOWER": {"IN": currencies_after}}]""",
                "a token of its own",
                "€ forgotten",
            ),
            WrongAnswer(
                """currencies_after = ["pln", "€", "£", "eur"]
price_after = [{"LIKE_NUM": True}, {"LOWER": {"IN": currencies_after}}]""",
                "'quid'",
                "slang forgotten",
            ),
        ),
    )
)


# --- 06.3 a ZIP pattern of one token --------------------------------------------------------
ZIP_EXAMPLES = [
    ("Pickup in Austin 78701, cash only", [("78701", "ZIP")]),
    ("EVGA RTX 3080 for $450 shipped", []),
    ("ships from 10001 or 07302", [("10001", "ZIP"), ("07302", "ZIP")]),
    ("call 5551234 after six", []),
]


def _judge_zip(pattern: Any) -> CheckResult:
    import spacy

    result = ruler_pattern(pattern, "ZIP", ZIP_EXAMPLES)
    if result.passed or "SHAPE" in result.message or "rejected" in result.message:
        return result
    nlp = spacy.blank("en")
    cast("EntityRuler", nlp.add_pipe("entity_ruler")).add_patterns([{"label": "ZIP", "pattern": pattern}])
    found = [e.text for e in nlp("RTX 3080 for $450, zip 78701").ents]
    if "450" in found:
        return CheckResult(
            False,
            f"your pattern also finds {found}: every number, not only five digits.",
            "IS_DIGIT / LIKE_NUM hold for every number: add LENGTH 5.",
        )
    if "3080" in found:
        return CheckResult(
            False,
            f"your pattern also finds {found}: '3080' has the shape 'dddd' too.",
            "spaCy's SHAPE keeps at most four characters of a kind, so '3080' and '78701' both have "
            "shape 'dddd': add LENGTH 5.",
        )
    return result


register(
    Exercise(
        id="06.3",
        notebook=NOTEBOOK,
        title="A ZIP pattern of one token",
        answer="zip_pattern",
        judge=_judge_zip,
        solution="""zip_pattern = [{"IS_DIGIT": True, "LENGTH": 5}]  # or [{"SHAPE": "dddd", "LENGTH": 5}]""",
        wrong=(
            WrongAnswer("""zip_pattern = [{"SHAPE": "ddddd"}]""", "at most four characters", "SHAPE of five d's"),
            WrongAnswer("""zip_pattern = [{"IS_DIGIT": True}]""", "add LENGTH 5", "every number"),
            WrongAnswer("""zip_pattern = [{"SHAPE": "dddd"}]""", "'3080' has the shape", "shape alone"),
        ),
    )
)


# --- 06.5 / 06.6 where the ruler goes: before the ner, or last with overwrite_ents -----------
# The check needs a pipeline with an `ner` that makes a typical mistake, fast. A stand-in
# component named "ner" calls every five-digit number a PRICE and, like spaCy's trained
# `ner`, keeps entities that are already set and predicts only around them.
RULE_PATTERNS = [{"label": "ZIP", "pattern": [{"IS_DIGIT": True, "LENGTH": 5}]}]
_TEXT = "Pickup in Austin 78701, RTX 3080 for $450"


def _stand_in_ner():
    import spacy
    from spacy.language import Language
    from spacy.tokens import Span

    if "course_overeager_ner" not in Language.factories:

        @Language.component("course_overeager_ner")
        def overeager_ner(doc):
            taken = {t.i for e in doc.ents for t in e}
            new = [
                Span(doc, t.i, t.i + 1, label="PRICE")
                for t in doc
                if t.is_digit and len(t) in (3, 5) and t.i not in taken
            ]
            doc.set_ents(list(doc.ents) + new)
            return doc

    nlp = spacy.blank("en")
    nlp.add_pipe("course_overeager_ner", name="ner")
    return nlp


def _setup_rules() -> dict[str, Any]:
    return {"nlp": _stand_in_ner(), "patterns": RULE_PATTERNS}


def _run_pipeline(add: Any) -> tuple[Any, CheckResult | None]:
    nlp, failed = run_safely(add, _stand_in_ner(), [dict(p) for p in RULE_PATTERNS])
    if failed is not None:
        return None, failed
    if not hasattr(nlp, "pipe_names"):
        return None, CheckResult(
            False, f"your function returned {type(nlp).__name__}, not the pipeline.", "End with return nlp."
        )
    rulers = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "entity_ruler"]
    if not rulers:
        return None, CheckResult(
            False,
            f"the pipeline has no entity_ruler: {nlp.pipe_names}.",
            'Add it with nlp.add_pipe("entity_ruler", ...).',
        )
    ruler = nlp.get_pipe(rulers[0])
    if not ruler.patterns:
        return None, CheckResult(
            False,
            "the ruler has no patterns, so it finds nothing.",
            "Call ruler.add_patterns(patterns) on the component add_pipe returns.",
        )
    return nlp, None


def _ents(nlp) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(_TEXT).ents]


def _judge_first(add_rules_first: Any) -> CheckResult:
    nlp, failed = _run_pipeline(add_rules_first)
    if failed is not None:
        return failed
    names, ents = nlp.pipe_names, _ents(nlp)
    ruler = next(n for n in names if nlp.get_pipe_meta(n).factory == "entity_ruler")
    if names.index(ruler) > names.index("ner"):
        if ("78701", "ZIP") in ents:
            return CheckResult(
                False,
                f"the rules win, but the ruler runs after the ner: {names}.",
                "That is exercise 06.6 (overwrite_ents). Here put the ruler before='ner', so the ner "
                "sees the rules' entities and predicts around them.",
            )
        return CheckResult(
            False,
            f"'78701' came out as {ents[0] if ents else 'nothing'}: the ner labelled it first, "
            f"and the ruler, added last ({names}), keeps entities that are already set.",
            "Add the ruler before the ner: nlp.add_pipe('entity_ruler', before='ner').",
        )
    if ("78701", "ZIP") not in ents or ("450", "PRICE") not in ents:
        return CheckResult(False, f"the pipeline found {ents}.", "Add the ruler before='ner' and add the patterns.")
    return CheckResult(True, f"pipeline {names}: the rules set '78701' as ZIP and the ner kept it, adding only '450'.")


register(
    Exercise(
        id="06.5",
        notebook=NOTEBOOK,
        title="Put the entity_ruler before the ner",
        answer="add_rules_first",
        judge=_judge_first,
        setup=_setup_rules,
        solution='''def add_rules_first(nlp, patterns):
    """Add an entity_ruler with `patterns` before the ner, which keeps the rules' entities."""
    ruler = nlp.add_pipe("entity_ruler", before="ner")
    ruler.add_patterns(patterns)
    return nlp''',
        wrong=(
            WrongAnswer(
                """def add_rules_first(nlp, patterns):
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(patterns)
    return nlp""",
                "keeps entities that are already set",
                "added last",
            ),
            WrongAnswer(
                """def add_rules_first(nlp, patterns):
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(patterns)
    return nlp""",
                "exercise 06.6",
                "last with overwrite_ents: rules win, but not what was asked",
            ),
            WrongAnswer(
                """def add_rules_first(nlp, patterns):
    ruler = nlp.add_pipe("entity_ruler", before="ner")
    return nlp""",
                "has no patterns",
                "patterns forgotten",
            ),
        ),
    )
)


def _judge_last(add_rules_last: Any) -> CheckResult:
    nlp, failed = _run_pipeline(add_rules_last)
    if failed is not None:
        return failed
    names, ents = nlp.pipe_names, _ents(nlp)
    ruler = next(n for n in names if nlp.get_pipe_meta(n).factory == "entity_ruler")
    if names[-1] != ruler:
        return CheckResult(
            False,
            f"the ruler is not last: {names}.",
            "Here the ruler must run after the ner (added last, the default position) and win "
            "through its config instead.",
        )
    if ("78701", "ZIP") not in ents:
        return CheckResult(
            False,
            f"'78701' came out as {ents[0] if ents else 'nothing'}: the ruler kept the ner's "
            "entity because overwrite_ents is False (the default).",
            'Pass config={"overwrite_ents": True} to add_pipe.',
        )
    return CheckResult(
        True, f"pipeline {names}: the ruler replaced the ner's PRICE on '78701' by ZIP and left '450' alone."
    )


register(
    Exercise(
        id="06.6",
        notebook=NOTEBOOK,
        title="Let a ruler at the end overwrite the model",
        answer="add_rules_last",
        judge=_judge_last,
        setup=_setup_rules,
        solution='''def add_rules_last(nlp, patterns):
    """Add an entity_ruler at the end whose entities replace the model's where they overlap."""
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(patterns)
    return nlp''',
        wrong=(
            WrongAnswer(
                """def add_rules_last(nlp, patterns):
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": False})
    ruler.add_patterns(patterns)
    return nlp""",
                "overwrite_ents is False",
                "the default keeps the model's entities",
            ),
            WrongAnswer(
                """def add_rules_last(nlp, patterns):
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
    ruler.add_patterns(patterns)
    return nlp""",
                "the ruler is not last",
                "moved before the ner",
            ),
        ),
    )
)


# --- 06.1 · a fixed number of updates, whatever the size of the training set ---------------
# The check trains a tiny blank `ner` and counts the calls of nlp.update and their batches.
BUDGET_TEXTS = [
    ("RTX 3080 for $450", [(0, 8, "PRODUCT"), (13, 17, "PRICE")]),
    ("Steam Deck, $300 obo", [(0, 10, "PRODUCT"), (12, 16, "PRICE")]),
    ("selling a GTX 1080 in Austin", [(10, 18, "PRODUCT"), (22, 28, "LOCATION")]),
]
BUDGET_UPDATES, BUDGET_BATCH = 8, 2


def _budget_setup() -> dict[str, Any]:
    import itertools

    return {"itertools": itertools}


def _judge_budget(train_for_updates: Any) -> CheckResult:
    import spacy
    from spacy.training import Example

    nlp = spacy.blank("en")
    ner = cast("EntityRecognizer", nlp.add_pipe("ner"))
    for label in ("PRODUCT", "PRICE", "LOCATION"):
        ner.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(t), {"entities": e}) for t, e in BUDGET_TEXTS]
    optimizer = nlp.initialize(lambda: examples)
    batches: list[list[int]] = []
    update = nlp.update

    def counting_update(batch: Any, *args: Any, **kwargs: Any) -> Any:
        batch = list(batch)
        batches.append([next((i for i, eg in enumerate(examples) if eg is b), -1) for b in batch])
        return update(batch, *args, **kwargs)

    nlp.update = counting_update  # type: ignore[method-assign,assignment]
    losses, failed = run_safely(train_for_updates, nlp, examples, BUDGET_UPDATES, BUDGET_BATCH, optimizer)
    if failed is not None:
        return failed
    n, sizes = len(batches), sorted({len(b) for b in batches})
    call = f"train_for_updates(nlp, 3 examples, n_updates={BUDGET_UPDATES}, batch_size={BUDGET_BATCH})"
    if sizes and sizes != [BUDGET_BATCH]:
        return CheckResult(
            False,
            f"{call} made {n} updates of {sizes} examples.",
            "The two numbers are swapped: loop n_updates times, and take batch_size examples for each batch.",
        )
    if n == len(examples):
        return CheckResult(
            False,
            f"{call} made {n} updates: one per example, a single pass over the data.",
            "A pass is an epoch, and an epoch over a small set is a handful of updates: that is the "
            "unfair budget. Loop n_updates times; itertools.cycle starts the examples again.",
        )
    if n == BUDGET_UPDATES // BUDGET_BATCH:
        return CheckResult(
            False,
            f"{call} made {n} updates, n_updates // batch_size.",
            "n_updates counts calls of nlp.update, not examples: loop range(n_updates).",
        )
    if n != BUDGET_UPDATES:
        return CheckResult(False, f"{call} made {n} updates; expected {BUDGET_UPDATES}.", "Loop range(n_updates).")
    seen = {i for b in batches for i in b}
    if seen != set(range(len(examples))):
        return CheckResult(
            False,
            f"the updates only ever saw example(s) {sorted(seen)} of 0, 1, 2.",
            "You take the same first examples every time: take each batch from the stream, "
            "[next(stream) for _ in range(batch_size)].",
        )
    if not isinstance(losses, dict) or "ner" not in losses:
        return CheckResult(False, f"train_for_updates returned {losses!r}.", "Return the losses dict.")
    return CheckResult(
        True,
        f"{BUDGET_UPDATES} updates of {BUDGET_BATCH} examples, cycling through all 3: "
        f"each example was seen {BUDGET_UPDATES * BUDGET_BATCH / 3:.1f} times on average.",
    )


_BUDGET_HEAD = '''def train_for_updates(nlp, examples, n_updates, batch_size, optimizer):
    """Exactly n_updates calls of nlp.update with batch_size examples each, cycling through the examples."""
    stream = itertools.cycle(examples)  # example 1, 2, ..., n, 1, 2, ...
    losses = {}
'''

register(
    Exercise(
        id="06.1",
        notebook=NOTEBOOK,
        title="A fixed number of updates",
        answer="train_for_updates",
        judge=_judge_budget,
        setup=_budget_setup,
        solution=_BUDGET_HEAD
        + """    for _ in range(n_updates):
        batch = [next(stream) for _ in range(batch_size)]
        nlp.update(batch, sgd=optimizer, losses=losses)
    return losses""",
        wrong=(
            WrongAnswer(
                _BUDGET_HEAD
                + """    for _ in range(len(examples)):
        batch = [next(stream) for _ in range(batch_size)]
        nlp.update(batch, sgd=optimizer, losses=losses)
    return losses""",
                "A pass is an epoch",
                "one update per example: epoch thinking",
            ),
            WrongAnswer(
                _BUDGET_HEAD
                + """    for _ in range(n_updates // batch_size):
        batch = [next(stream) for _ in range(batch_size)]
        nlp.update(batch, sgd=optimizer, losses=losses)
    return losses""",
                "counts calls of nlp.update",
                "updates mistaken for examples",
            ),
            WrongAnswer(
                _BUDGET_HEAD
                + """    for _ in range(batch_size):
        batch = [next(stream) for _ in range(n_updates)]
        nlp.update(batch, sgd=optimizer, losses=losses)
    return losses""",
                "swapped",
                "the two numbers swapped",
            ),
            WrongAnswer(
                _BUDGET_HEAD
                + """    for _ in range(n_updates):
        batch = examples[:batch_size]
        nlp.update(batch, sgd=optimizer, losses=losses)
    return losses""",
                "same first examples",
                "always the first batch",
            ),
        ),
    )
)


# --- 06.2 · oversample the posts that contain a rare label ---------------------------------
# Each example's *predicted* doc carries entities of its own that differ from the gold ones,
# so an answer that reads eg.predicted picks the wrong posts and is recognised by that.
OVERSAMPLE_POSTS = [
    ("pics imgur.com/a/xYz12 RTX 3080", [(5, 22, "URL"), (23, 31, "PRODUCT")], []),
    ("Steam Deck for $300", [(0, 10, "PRODUCT"), (15, 19, "PRICE")], [(15, 19, "URL")]),
    ("GTX 1080, imgur.com/a/Q9x", [(0, 8, "PRODUCT"), (10, 25, "URL")], []),
    ("Ryzen 5 3600 in Austin", [(0, 12, "PRODUCT"), (16, 22, "LOCATION")], []),
]


def _oversample_examples() -> list:
    import spacy
    from spacy.training import Example

    nlp = spacy.blank("en")
    examples = []
    for text, gold, predicted in OVERSAMPLE_POSTS:
        example = Example.from_dict(nlp.make_doc(text), {"entities": gold})
        spans = [example.predicted.char_span(s, e, label=label) for s, e, label in predicted]
        example.predicted.ents = [span for span in spans if span is not None]
        examples.append(example)
    return examples


def _judge_oversample(oversample: Any) -> CheckResult:
    examples = _oversample_examples()
    got, failed = run_safely(oversample, list(examples), "URL", 2)
    if failed is not None:
        return failed
    if not isinstance(got, list):
        return CheckResult(False, f"oversample returned {type(got).__name__}, not a list.", "Return a list.")
    times = [sum(g is eg for g in got) for eg in examples]
    if len(got) != sum(times):
        return CheckResult(
            False,
            "the result holds things that are not the examples given.",
            "Return examples + copies of some of them.",
        )
    if times == [1, 3, 1, 1]:
        return CheckResult(
            False,
            "you copied the post whose *predicted* doc has a URL, and not the two whose gold entities do.",
            "eg.predicted is the doc a model fills in; the annotation is eg.reference: read eg.reference.ents.",
        )
    if times == [1, 1, 1, 1]:
        return CheckResult(
            False,
            "no example was copied: your test found a URL in none of them.",
            "Compare the label's name, ent.label_ (a string); ent.label is its hash, an int. "
            "And read the gold entities, eg.reference.ents.",
        )
    if len(set(times)) == 1:
        return CheckResult(
            False,
            f"every example occurs {times[0]} times: the imbalance is exactly what it was.",
            "Copy only the examples with an entity of `label`: the rare ones.",
        )
    if times == [2, 1, 2, 1]:
        return CheckResult(
            False,
            "each post with a URL occurs twice; oversample(examples, 'URL', 2) should give it 2 *extra* copies.",
            "Add `copies` copies to the original: examples + rare * copies.",
        )
    if times != [3, 1, 3, 1]:
        return CheckResult(
            False, f"the examples occur {times} times; expected [3, 1, 3, 1].", "Return examples + rare * copies."
        )
    return CheckResult(True, "the two posts with a URL now occur 3 times each, the others once.")


_OVERSAMPLE_DOC = '''def oversample(examples, label, copies):
    """The examples, plus `copies` extra copies of every example whose gold entities include `label`."""
'''

register(
    Exercise(
        id="06.2",
        notebook=NOTEBOOK,
        title="Oversample the posts with a rare label",
        answer="oversample",
        judge=_judge_oversample,
        solution=_OVERSAMPLE_DOC
        + """    rare = [eg for eg in examples if any(ent.label_ == label for ent in eg.reference.ents)]
    return examples + rare * copies""",
        wrong=(
            WrongAnswer(
                _OVERSAMPLE_DOC
                + """    rare = [eg for eg in examples if any(ent.label_ == label for ent in eg.predicted.ents)]
    return examples + rare * copies""",
                "the annotation is eg.reference",
                "reads the predicted doc",
            ),
            WrongAnswer(
                _OVERSAMPLE_DOC
                + """    rare = [eg for eg in examples if any(ent.label == label for ent in eg.reference.ents)]
    return examples + rare * copies""",
                "ent.label is its hash",
                "compares the hash with a string",
            ),
            WrongAnswer(
                _OVERSAMPLE_DOC
                + """    rare = [eg for eg in examples if any(ent.label_ == label for ent in eg.reference.ents)]
    return examples + examples * copies""",
                "the imbalance is exactly what it was",
                "copies everything",
            ),
            WrongAnswer(
                _OVERSAMPLE_DOC
                + """    rare = [eg for eg in examples if any(ent.label_ == label for ent in eg.reference.ents)]
    return examples + rare * (copies - 1)""",
                "*extra* copies",
                "one copy too few",
            ),
        ),
    )
)
