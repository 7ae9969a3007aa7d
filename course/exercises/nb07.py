"""Exercises of notebook 07 (fine-tuning): rehearsal share, sourcing and freezing a component,
choosing on dev, and batch inference with nlp.pipe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

if TYPE_CHECKING:
    from spacy.pipeline import EntityRecognizer, EntityRuler

NOTEBOOK = "07_fine_tuning"


# --- 07.1 · silver records with nlp.pipe --------------------------------------------------
# A ruler stands in for en_core_web_sm: it labels places (GPE), dates and a product.
SILVER_TEXTS = [
    "Prices in Austin rose in March",
    "The new iPhone sold out in Berlin on Monday",
    "Nothing happened",
]
SILVER_KEEP = {"GPE", "DATE"}


def _silver_model():
    return _ruler_pipeline(
        [
            {"label": "GPE", "pattern": "Austin"},
            {"label": "GPE", "pattern": "Berlin"},
            {"label": "DATE", "pattern": "March"},
            {"label": "DATE", "pattern": "Monday"},
            {"label": "PRODUCT", "pattern": "iPhone"},
        ]
    )


def _judge_silver(silver_records: Any) -> CheckResult:
    nlp = _silver_model()
    docs = list(nlp.pipe(SILVER_TEXTS))
    expected = [
        {"text": d.text, "entities": [[e.start_char, e.end_char, e.label_] for e in d.ents if e.label_ in SILVER_KEEP]}
        for d in docs
    ]
    got, failed = run_safely(silver_records, nlp, list(SILVER_TEXTS), set(SILVER_KEEP))
    if failed is not None:
        return failed
    got = list(got) if isinstance(got, (list, tuple)) else got
    if not isinstance(got, list) or len(got) != len(SILVER_TEXTS) or not all(isinstance(r, dict) for r in got):
        return CheckResult(
            False, f"silver_records returned {str(got)[:80]}, not one record per text.", "Append one dict per doc."
        )
    ents = [[tuple(e) for e in r.get("entities", [])] for r in got]
    want = [[tuple(e) for e in r["entities"]] for r in expected]
    if ents == want and [r.get("text") for r in got] == SILVER_TEXTS:
        return CheckResult(True, f"{sum(map(len, want))} silver entities kept, the PRODUCT dropped: {want[1]}.")
    tokens = [[(e.start, e.end, e.label_) for e in d.ents if e.label_ in SILVER_KEEP] for d in docs]
    if ents == tokens:
        return CheckResult(
            False,
            f"your offsets {ents[0]} are token positions (ent.start, ent.end).",
            "Records hold character offsets: ent.start_char and ent.end_char.",
        )
    labels = {e[2] for r in ents for e in r if len(e) == 3}
    if "PRODUCT" in labels:
        return CheckResult(
            False,
            "your records keep the PRODUCT too.",
            "Keep only the labels in `keep` (if ent.label_ in keep): the pretrained PRODUCT would compete with ours.",
        )
    if not any(ents):
        return CheckResult(
            False,
            "no entity was kept.",
            "Test the label's name, ent.label_ (a string), against keep; ent.label is its hash, an int.",
        )
    return CheckResult(False, f"the entities {ents} differ from {want}.", "[ent.start_char, ent.end_char, ent.label_].")


_SILVER_HEAD = '''def silver_records(nlp, texts, keep):
    """One record per text with the entities nlp predicts whose label is in `keep`."""
    records = []
    for doc in nlp.pipe(texts):
'''
_SILVER_TAIL = """
        records.append({"text": doc.text, "entities": entities})
    return records"""

register(
    Exercise(
        id="07.1",
        notebook=NOTEBOOK,
        title="Silver records with nlp.pipe",
        answer="silver_records",
        judge=_judge_silver,
        solution=_SILVER_HEAD
        + "        entities = [[ent.start_char, ent.end_char, ent.label_] for ent in doc.ents if ent.label_ in keep]"
        + _SILVER_TAIL,
        wrong=(
            WrongAnswer(
                _SILVER_HEAD
                + "        entities = [[ent.start, ent.end, ent.label_] for ent in doc.ents if ent.label_ in keep]"
                + _SILVER_TAIL,
                "token positions",
                "token indices instead of character offsets",
            ),
            WrongAnswer(
                _SILVER_HEAD
                + "        entities = [[ent.start_char, ent.end_char, ent.label_] for ent in doc.ents]"
                + _SILVER_TAIL,
                "keep the PRODUCT",
                "no label filter",
            ),
            WrongAnswer(
                _SILVER_HEAD
                + "        entities = [[ent.start_char, ent.end_char, ent.label_] for ent in doc.ents if ent.label in keep]"
                + _SILVER_TAIL,
                "ent.label is its hash",
                "the hash compared with strings",
            ),
        ),
    )
)


# --- 07.2 · how much rehearsal -------------------------------------------------------------


def _judge_n_silver(n_silver: Any) -> CheckResult:
    got, failed = run_safely(n_silver, 480, 0.25)
    if failed is not None:
        return failed
    if not isinstance(got, (int, float)):
        return CheckResult(
            False, f"n_silver(480, 0.25) returned {got!r}, not a number.", "Return a count: round(...) of your formula."
        )
    if abs(got - 120) < 0.5:
        return CheckResult(
            False,
            "n_silver(480, 0.25) returned 120: that is 25 % of the posts, not of the mix.",
            "With 120 silver sentences the mix has 600 records and silver is only 20 % of it. "
            "Solve r / (n_posts + r) = share for r.",
        )
    if abs(got - 640) < 0.5:
        return CheckResult(
            False,
            "n_silver(480, 0.25) returned 640: that is the size of the whole mix "
            "(480 posts + 160 silver), not the silver part.",
            "640 silver sentences next to 480 posts would make silver 57 % of a 1120-record mix. "
            "Subtract the posts, or solve r / (n_posts + r) = share for r.",
        )
    if abs(got - 360) < 0.5:
        return CheckResult(
            False,
            "n_silver(480, 0.25) returned 360: that is 75 % of the posts.",
            "The share is the silver part of the final mix: solve r / (n_posts + r) = share for r.",
        )
    for n, share, expected in [(480, 0.25, 160), (300, 0.4, 200), (100, 0.5, 100), (70, 0.3, 30)]:
        got, failed = run_safely(n_silver, n, share)
        if failed is not None:
            return failed
        if not isinstance(got, (int, float)) or abs(got - expected) >= 0.5:
            return CheckResult(
                False,
                f"n_silver({n}, {share}) returned {got!r}; expected {expected}.",
                "Solve r / (n_posts + r) = share for r: r = share · n_posts / (1 − share).",
            )
    return CheckResult(True, "160 silver sentences next to 480 posts: 160 / 640 = 25 % of the mix.")


register(
    Exercise(
        id="07.2",
        notebook=NOTEBOOK,
        title="How many silver sentences make 25 % of the mix?",
        answer="n_silver",
        judge=_judge_n_silver,
        solution='''def n_silver(n_posts, share):
    """How many silver sentences make up `share` of the final mix next to n_posts posts."""
    # r / (n_posts + r) = share  =>  r = share * n_posts / (1 - share)
    return round(share * n_posts / (1 - share))''',
        wrong=(
            WrongAnswer(
                """def n_silver(n_posts, share):
    return round(share * n_posts)""",
                "25 % of the posts, not of the mix",
                "a share of the posts",
            ),
            WrongAnswer(
                """def n_silver(n_posts, share):
    return round(n_posts / (1 - share))""",
                "size of the whole mix",
                "the total, not the silver part",
            ),
            WrongAnswer(
                """def n_silver(n_posts, share):
    return round((1 - share) * n_posts)""",
                "75 % of the posts",
                "the complement of the share",
            ),
        ),
    )
)


# --- small pipelines the checks share ------------------------------------------------------


def _ner_pipeline(labels: tuple[str, ...], name: str = "ner"):
    import spacy

    nlp = spacy.blank("en")
    ner = cast("EntityRecognizer", nlp.add_pipe("ner", name=name))
    for label in labels:
        ner.add_label(label)
    nlp.initialize()
    return nlp


def _ruler_pipeline(patterns: list[dict]):
    import spacy

    nlp = spacy.blank("en")
    cast("EntityRuler", nlp.add_pipe("entity_ruler")).add_patterns(patterns)
    return nlp


# --- 07.3 · source a trained component -----------------------------------------------------

OURS_LABELS = ("PRICE", "PRODUCT")


def _judge_add_our_ner(add_our_ner: Any) -> CheckResult:
    ours = _ner_pipeline(OURS_LABELS)
    for first, order in [(True, ["ner_ours", "ner"]), (False, ["ner", "ner_ours"])]:
        nlp = _ner_pipeline(("GPE",))
        got, failed = run_safely(add_our_ner, nlp, ours, first)
        if failed is not None:
            if "E007" in failed.message:
                return CheckResult(
                    False,
                    "spaCy refused: the pipeline already has a component called 'ner'.",
                    "Give the copy its own name: name='ner_ours'.",
                )
            return failed
        if got is not nlp:
            return CheckResult(
                False,
                f"add_our_ner returned {got!r}, not the pipeline.",
                "Add the component to nlp (nlp.add_pipe changes it in place) and return nlp.",
            )
        if "ner_ours" not in nlp.pipe_names:
            return CheckResult(
                False,
                f"there is no component 'ner_ours'; the pipeline is {nlp.pipe_names}.",
                "Pass name='ner_ours' to nlp.add_pipe.",
            )
        labels = tuple(sorted(nlp.get_pipe("ner_ours").labels))
        if labels != OURS_LABELS:
            return CheckResult(
                False,
                f"'ner_ours' has the labels {labels}, not those of ours {OURS_LABELS}.",
                "Without source=ours, add_pipe creates a new, untrained ner. "
                "source=ours copies the trained component, weights and labels.",
            )
        if nlp.pipe_names != order:
            return CheckResult(
                False,
                f"with first={first} the pipeline runs {nlp.pipe_names}; expected {order}.",
                "before='ner' puts the new component in front of the old one, after='ner' behind it: "
                "check which one you use for first=True.",
            )
    return CheckResult(True, "the trained ner is sourced as 'ner_ours', in front of or behind the old one.")


register(
    Exercise(
        id="07.3",
        notebook=NOTEBOOK,
        title="Source a trained ner next to the pipeline's own",
        answer="add_our_ner",
        judge=_judge_add_our_ner,
        solution='''def add_our_ner(nlp, ours, first):
    """Copy the trained ner of `ours` into nlp as "ner_ours", before nlp's "ner" if first, else after it."""
    where = {"before": "ner"} if first else {"after": "ner"}
    nlp.add_pipe("ner", name="ner_ours", source=ours, **where)
    return nlp''',
        wrong=(
            WrongAnswer(
                """def add_our_ner(nlp, ours, first):
    where = {"before": "ner"} if first else {"after": "ner"}
    nlp.add_pipe("ner", source=ours, **where)
    return nlp""",
                "its own name",
                "no name: clashes with the existing 'ner'",
            ),
            WrongAnswer(
                """def add_our_ner(nlp, ours, first):
    where = {"before": "ner"} if first else {"after": "ner"}
    nlp.add_pipe("ner", name="ner_ours", **where)
    return nlp""",
                "source=ours copies",
                "a new, untrained ner",
            ),
            WrongAnswer(
                """def add_our_ner(nlp, ours, first):
    where = {"after": "ner"} if first else {"before": "ner"}
    nlp.add_pipe("ner", name="ner_ours", source=ours, **where)
    return nlp""",
                "check which one you use",
                "before and after swapped",
            ),
        ),
    )
)


# --- 07.4 · freeze: update one component only ----------------------------------------------


def _freeze_setup() -> dict[str, Any]:
    from spacy.training import Example

    return {"Example": Example}


def _judge_train_step(train_step: Any) -> CheckResult:
    from spacy.training import Example

    nlp = _ner_pipeline(("GPE",))
    ours = nlp.add_pipe("ner", name="ner_ours")
    ours.add_label("PRODUCT")
    sgd = nlp.initialize()
    text = "Selling my RTX 3080 in Austin"
    examples = [Example.from_dict(nlp.make_doc(text), {"entities": [(11, 19, "PRODUCT")]})]
    old_before, ours_before = nlp.get_pipe("ner").to_bytes(), ours.to_bytes()
    losses, failed = run_safely(train_step, nlp, examples, sgd)
    if failed is not None:
        return failed
    old_changed = nlp.get_pipe("ner").to_bytes() != old_before
    ours_changed = ours.to_bytes() != ours_before
    if old_changed and not ours_changed:
        return CheckResult(
            False,
            "the old 'ner' changed and 'ner_ours' did not: you froze the wrong one.",
            "Update only 'ner_ours': exclude=['ner'], or nlp.select_pipes(enable='ner_ours').",
        )
    if old_changed:
        return CheckResult(
            False,
            "both components were updated: the old 'ner' changed too.",
            "Freeze the old one: nlp.update(..., exclude=['ner']), or run the update inside "
            "`with nlp.select_pipes(enable='ner_ours'):`.",
        )
    if not ours_changed:
        return CheckResult(
            False,
            "'ner_ours' did not change: no update reached it.",
            "Call nlp.update(examples, sgd=sgd, losses=losses, ...) once.",
        )
    if not isinstance(losses, dict) or not losses.get("ner_ours"):
        return CheckResult(
            False,
            f"train_step returned {losses!r}: the losses are missing.",
            "Pass losses=losses to nlp.update, so that it adds each component's loss to the dict.",
        )
    if "ner" in losses:
        return CheckResult(False, "the losses include the frozen 'ner'.", "Exclude it from the update.")
    return CheckResult(
        True, f"only 'ner_ours' learned (loss {float(losses['ner_ours']):.2f}); the old ner is untouched."
    )


register(
    Exercise(
        id="07.4",
        notebook=NOTEBOOK,
        title="Freeze a component in your own update loop",
        answer="train_step",
        judge=_judge_train_step,
        setup=_freeze_setup,
        solution='''def train_step(nlp, examples, sgd):
    """One update of "ner_ours" only; every other component stays frozen. RETURNS the losses."""
    losses = {}
    nlp.update(examples, sgd=sgd, losses=losses, exclude=["ner"])
    # or: with nlp.select_pipes(enable="ner_ours"): nlp.update(examples, sgd=sgd, losses=losses)
    return losses''',
        wrong=(
            WrongAnswer(
                """def train_step(nlp, examples, sgd):
    losses = {}
    nlp.update(examples, sgd=sgd, losses=losses)
    return losses""",
                "both components were updated",
                "nothing frozen",
            ),
            WrongAnswer(
                """def train_step(nlp, examples, sgd):
    losses = {}
    with nlp.select_pipes(disable="ner_ours"):
        nlp.update(examples, sgd=sgd, losses=losses)
    return losses""",
                "froze the wrong one",
                "the new component frozen instead of the old",
            ),
            WrongAnswer(
                """def train_step(nlp, examples, sgd):
    losses = {}
    nlp.update(examples, sgd=sgd, exclude=["ner"])
    return losses""",
                "Pass losses=losses",
                "losses not collected",
            ),
        ),
    )
)


# --- 07.5 · choose on dev, look at test once -----------------------------------------------


def _choice_data():
    from spacy.training import Example

    nlp = _ruler_pipeline([])
    post = "RTX 3080 for $450 in Austin"
    spans = {"PRODUCT": (0, 8), "PRICE": (13, 17), "LOCATION": (21, 27)}

    def examples(counts: dict[str, int]) -> list:
        out = []
        for label, n in counts.items():
            out += [Example.from_dict(nlp.make_doc(post), {"entities": [(*spans[label], label)]}) for _ in range(n)]
        return out

    models = {
        "sm": _ruler_pipeline([{"label": "PRODUCT", "pattern": "RTX 3080"}]),
        "cnn": _ruler_pipeline([{"label": "PRICE", "pattern": "$450"}]),
        "trf": _ruler_pipeline([{"label": "LOCATION", "pattern": "Austin"}]),
    }
    dev = examples({"PRODUCT": 3, "PRICE": 2, "LOCATION": 1})  # sm best, trf worst
    test = examples({"PRODUCT": 1, "PRICE": 3, "LOCATION": 2})  # cnn best
    return models, dev, test


def _judge_choose(choose_and_report: Any) -> CheckResult:
    models, dev, test = _choice_data()
    f_dev = {name: nlp.evaluate(dev)["ents_f"] for name, nlp in models.items()}
    f_test = {name: nlp.evaluate(test)["ents_f"] for name, nlp in models.items()}
    got, failed = run_safely(choose_and_report, models, dev, test)
    if failed is not None:
        return failed
    if not isinstance(got, tuple) or len(got) != 2:
        return CheckResult(
            False,
            f"choose_and_report returned {got!r}, not a pair (name, test F1).",
            "Return best, test_f1: two values.",
        )
    name, score = got
    if name == "cnn":
        return CheckResult(
            False,
            "you chose 'cnn', the best model on the TEST set; on dev it is 'sm'.",
            "Choosing on test turns the test score into one more tuning result: "
            "score dev_examples to choose, and use test_examples only for the final number.",
        )
    if name == "trf":
        return CheckResult(
            False,
            "you chose 'trf', the model with the lowest dev F1.",
            "max(dev_f, key=dev_f.get) gives the name with the highest score; min gives the lowest.",
        )
    if name != "sm":
        return CheckResult(
            False,
            f"you chose {name!r}; the best on dev is 'sm'.",
            "Pick the key of dev_f with the highest value: max(dev_f, key=dev_f.get).",
        )
    if isinstance(score, (int, float)) and abs(score - f_dev["sm"]) < 1e-9:
        return CheckResult(
            False,
            f"right model, but {score:.3f} is its dev F1, the score you chose it by.",
            "Report the chosen model's F1 on test_examples: the one, final look at the test set.",
        )
    if not isinstance(score, (int, float)) or abs(score - f_test["sm"]) > 1e-9:
        return CheckResult(
            False,
            f"right model, but the score {score!r} is not its test F1.",
            "Use models[best].evaluate(test_examples)['ents_f'].",
        )
    return CheckResult(
        True,
        f"chosen on dev: 'sm' (dev F1 {f_dev['sm']:.3f}); its test F1, looked at once: {score:.3f}. "
        f"On test 'cnn' would have looked better ({f_test['cnn']:.3f}): that is why you do not choose there.",
    )


register(
    Exercise(
        id="07.5",
        notebook=NOTEBOOK,
        title="Choose on dev, look at test once",
        answer="choose_and_report",
        judge=_judge_choose,
        solution='''def choose_and_report(models, dev_examples, test_examples):
    """Pick the model with the best entity F1 on dev. RETURNS (its name, its F1 on test)."""
    dev_f = {name: nlp.evaluate(dev_examples)["ents_f"] for name, nlp in models.items()}
    best = max(dev_f, key=dev_f.get)
    return best, models[best].evaluate(test_examples)["ents_f"]''',
        wrong=(
            WrongAnswer(
                """def choose_and_report(models, dev_examples, test_examples):
    test_f = {name: nlp.evaluate(test_examples)["ents_f"] for name, nlp in models.items()}
    best = max(test_f, key=test_f.get)
    return best, test_f[best]""",
                "best model on the TEST set",
                "chosen on test",
            ),
            WrongAnswer(
                """def choose_and_report(models, dev_examples, test_examples):
    dev_f = {name: nlp.evaluate(dev_examples)["ents_f"] for name, nlp in models.items()}
    best = min(dev_f, key=dev_f.get)
    return best, models[best].evaluate(test_examples)["ents_f"]""",
                "lowest dev F1",
                "min instead of max",
            ),
            WrongAnswer(
                """def choose_and_report(models, dev_examples, test_examples):
    dev_f = {name: nlp.evaluate(dev_examples)["ents_f"] for name, nlp in models.items()}
    best = max(dev_f, key=dev_f.get)
    return best, dev_f[best]""",
                "its dev F1",
                "reports the dev score",
            ),
        ),
    )
)


# --- 07.6 · batch inference ----------------------------------------------------------------

PIPE_TEXTS = ["RTX 3080 for $450", "Selling a Steam Deck", "$120 for my RTX 3080", "nothing here", "Steam Deck, $300"]


class _Spy:
    """Wraps a pipeline and records how the learner's code calls it (n_process runs as 1 here)."""

    def __init__(self, nlp: Any) -> None:
        self._nlp = nlp
        self.pipe_calls: list[dict] = []
        self.direct_calls = 0

    def pipe(self, texts: Any, *args: Any, **kwargs: Any):
        self.pipe_calls.append(dict(kwargs))
        return self._nlp.pipe(texts, *args, **{**kwargs, "n_process": 1})

    def __call__(self, text: str, **kwargs: Any):
        self.direct_calls += 1
        return self._nlp(text, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._nlp, name)


def _pipe_model():
    return _ruler_pipeline(
        [
            {"label": "PRODUCT", "pattern": "RTX 3080"},
            {"label": "PRODUCT", "pattern": "Steam Deck"},
            {"label": "PRICE", "pattern": [{"ORTH": "$"}, {"IS_DIGIT": True}]},
        ]
    )


def _judge_pipe(entities_of_many: Any) -> CheckResult:
    nlp = _pipe_model()
    spy = _Spy(nlp)
    got, failed = run_safely(entities_of_many, spy, PIPE_TEXTS)
    if failed is not None:
        return failed
    got = list(got) if got is not None and not isinstance(got, (str, bytes)) else got
    expected = [[(e.text, e.label_) for e in doc.ents] for doc in nlp.pipe(PIPE_TEXTS)]
    if spy.direct_calls:
        return CheckResult(
            False,
            f"your code called nlp(text) {spy.direct_calls} times, once per post.",
            "Call nlp.pipe(texts, ...) once: it processes the posts in batches.",
        )
    if not spy.pipe_calls:
        return CheckResult(
            False, "your code never called nlp.pipe.", "Use nlp.pipe(texts, batch_size=50, n_process=2)."
        )
    kwargs = spy.pipe_calls[-1]
    batch, procs = kwargs.get("batch_size"), kwargs.get("n_process")
    if batch is None and procs is None:
        return CheckResult(
            False,
            "nlp.pipe ran with its defaults (one process, the pipeline's default batch size).",
            "Pass batch_size=50 and n_process=2 as keyword arguments.",
        )
    if procs != 2:
        return CheckResult(
            False,
            f"nlp.pipe ran with n_process={procs!r}.",
            "Add n_process=2: two worker processes, each with its own copy of the model.",
        )
    if batch != 50:
        return CheckResult(False, f"nlp.pipe ran with batch_size={batch!r}.", "Add batch_size=50: posts per batch.")
    if got != expected:
        return CheckResult(
            False,
            f"the result {str(got)[:120]} is not one list of (text, label) pairs per post.",
            "Build [(ent.text, ent.label_) for ent in doc.ents] for every doc that nlp.pipe yields.",
        )
    return CheckResult(True, f"{len(PIPE_TEXTS)} posts in batches of 50 on 2 processes: {expected[0]} …")


register(
    Exercise(
        id="07.6",
        notebook=NOTEBOOK,
        title="Batch inference with nlp.pipe",
        answer="entities_of_many",
        judge=_judge_pipe,
        solution='''def entities_of_many(nlp, texts):
    """(text, label) pairs of every post, with nlp.pipe in batches of 50 on 2 worker processes."""
    docs = nlp.pipe(texts, batch_size=50, n_process=2)
    return [[(ent.text, ent.label_) for ent in doc.ents] for doc in docs]''',
        wrong=(
            WrongAnswer(
                """def entities_of_many(nlp, texts):
    docs = [nlp(text) for text in texts]
    return [[(ent.text, ent.label_) for ent in doc.ents] for doc in docs]""",
                "once per post",
                "a loop of nlp(text)",
            ),
            WrongAnswer(
                """def entities_of_many(nlp, texts):
    docs = nlp.pipe(texts)
    return [[(ent.text, ent.label_) for ent in doc.ents] for doc in docs]""",
                "Pass batch_size=50 and n_process=2",
                "defaults",
            ),
            WrongAnswer(
                """def entities_of_many(nlp, texts):
    docs = nlp.pipe(texts, batch_size=50)
    return [[(ent.text, ent.label_) for ent in doc.ents] for doc in docs]""",
                "Add n_process=2",
                "one process",
            ),
            WrongAnswer(
                """def entities_of_many(nlp, texts):
    docs = nlp.pipe(texts, n_process=2)
    return [[(ent.text, ent.label_) for ent in doc.ents] for doc in docs]""",
                "Add batch_size=50",
                "default batch size",
            ),
        ),
    )
)
