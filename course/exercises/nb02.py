"""Exercises of notebook 02 (annotation and validation)."""

from __future__ import annotations

from typing import Any

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

POST = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] $450 shipped"


def _setup() -> dict[str, Any]:
    import spacy

    return {"spacy": spacy, "nlp": spacy.blank("en"), "post": POST}


def _judge_snap(snap: Any) -> CheckResult:
    import spacy

    doc = spacy.blank("en").make_doc(POST)
    span, failed = run_safely(snap, doc, 13, 36, "PRODUCT")  # cuts 'Ultra' after 'Ultr'
    if failed is not None:
        return failed
    if span is None:
        return CheckResult(
            False,
            "your function returned None for [13, 36), which cuts 'Ultra'.",
            "That is what the default alignment_mode='strict' does with a misaligned span: "
            "choose the mode that grows the span to whole tokens.",
        )
    text = getattr(span, "text", None)
    if text == "EVGA RTX 3080 FTW3":
        return CheckResult(
            False,
            f"you got '{text}': the cut token 'Ultra' was dropped.",
            "alignment_mode='contract' keeps only tokens completely inside the span; "
            "the product needs the token the span cuts, so expand instead.",
        )
    if text != "EVGA RTX 3080 FTW3 Ultra":
        return CheckResult(
            False,
            f"you got {text!r}, expected 'EVGA RTX 3080 FTW3 Ultra'.",
            "Pass start, end and label through unchanged to doc.char_span.",
        )
    if getattr(span, "label_", "") != "PRODUCT":
        return CheckResult(
            False,
            f"the span has label {getattr(span, 'label_', '')!r}, not 'PRODUCT'.",
            "doc.char_span takes the label too: doc.char_span(start, end, label=label, ...).",
        )
    return CheckResult(True, "[13, 36) grows to the whole token 'Ultra': 'EVGA RTX 3080 FTW3 Ultra' (PRODUCT).")


register(
    Exercise(
        id="02.1",
        notebook="02_annotation_and_validation",
        title="Snap a misaligned span to whole tokens",
        answer="snap",
        judge=_judge_snap,
        setup=_setup,
        solution='''def snap(doc, start, end, label):
    """The Span for [start, end), grown to whole tokens."""
    return doc.char_span(start, end, label=label, alignment_mode="expand")''',
        wrong=(
            WrongAnswer(
                """def snap(doc, start, end, label):
    return doc.char_span(start, end, label=label)""",
                "alignment_mode='strict'",
                "the default mode",
            ),
            WrongAnswer(
                """def snap(doc, start, end, label):
    return doc.char_span(start, end, label=label, alignment_mode="contract")""",
                "'contract'",
                "contract drops the cut token",
            ),
            WrongAnswer(
                """def snap(doc, start, end, label):
    return doc.char_span(start, end, alignment_mode="expand")""",
                "takes the label too",
                "label forgotten",
            ),
        ),
    )
)


# 02.2 ----------------------------------------------------------------------------------------


def _setup_trainable() -> dict[str, Any]:
    import spacy
    from spacy.training import offsets_to_biluo_tags

    return {"offsets_to_biluo_tags": offsets_to_biluo_tags, "doc": spacy.blank("en").make_doc(POST)}


def _judge_trainable(trainable: Any) -> CheckResult:
    import warnings

    import spacy

    doc = spacy.blank("en").make_doc(POST)
    good = [(1, 7, "LOCATION"), (13, 37, "PRODUCT"), (52, 56, "PRICE")]
    bad = [(1, 7, "LOCATION"), (13, 36, "PRODUCT")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # W030 is what the learner's function is there to catch
        on_good, failed = run_safely(trainable, doc, good)
        if failed is not None:
            return failed
        on_bad, failed = run_safely(trainable, doc, bad)
        if failed is not None:
            return failed
    if on_good is True and on_bad is False:
        return CheckResult(
            True, "aligned spans pass; [13, 36) cuts 'Ultra', so its tokens are tagged '-' and it fails."
        )
    if on_good is True and on_bad is True:
        return CheckResult(
            False,
            "your function says True for [13, 36), which cuts 'Ultra'.",
            "offsets_to_biluo_tags returns one tag per token even when a span is misaligned; "
            "the sign of trouble is the tag '-' (missing), so look for it.",
        )
    if on_good is False:
        return CheckResult(
            False,
            "your function says False for spans that all align.",
            "'O' is a real tag: the token is outside every entity, which is information the "
            "model learns from. Only '-' means spaCy could not place a span.",
        )
    return CheckResult(
        False,
        f"your function returned {on_good!r} and {on_bad!r}; expected True and False.",
        "Return a bool: whether '-' is absent from the tags.",
    )


register(
    Exercise(
        id="02.2",
        notebook="02_annotation_and_validation",
        title="Would spaCy train on these offsets?",
        answer="trainable",
        judge=_judge_trainable,
        setup=_setup_trainable,
        solution='''def trainable(doc, entities):
    """Whether every (start, end, label) in `entities` can be turned into BILUO tags."""
    tags = offsets_to_biluo_tags(doc, entities)
    return "-" not in tags''',
        wrong=(
            WrongAnswer(
                """def trainable(doc, entities):
    tags = offsets_to_biluo_tags(doc, entities)
    return len(tags) == len(doc)""",
                "look for it",
                "always True",
            ),
            WrongAnswer(
                """def trainable(doc, entities):
    tags = offsets_to_biluo_tags(doc, entities)
    return "O" not in tags""",
                "'O' is a real tag",
                "confuses outside with missing",
            ),
        ),
    )
)


# 02.3 ----------------------------------------------------------------------------------------

RECORD = {
    "text": "WTB Ryzen 7 5800X3D, paying $260 shipped to 10001",
    "entities": [[4, 19, "PRODUCT"], [28, 32, "PRICE"], [44, 49, "ZIP"]],
}


_TOKENS_HINT = (
    "Span(doc, start, end) and doc[start:end] count tokens, but the record counts characters: "
    "use doc.char_span(start, end, label=label) to turn character offsets into a Span."
)


def _judge_to_doc(to_doc: Any) -> CheckResult:
    import copy

    import spacy

    doc, failed = run_safely(to_doc, spacy.blank("en"), copy.deepcopy(RECORD))
    if failed is not None and "E035" in failed.message:
        return CheckResult(False, failed.message, _TOKENS_HINT)
    if failed is not None:
        return failed
    ents = [(ent.text, ent.label_) for ent in getattr(doc, "ents", ())]
    want = [("Ryzen 7 5800X3D", "PRODUCT"), ("$260", "PRICE"), ("10001", "ZIP")]
    if ents == want:
        return CheckResult(True, f"doc.ents = {want}.")
    if not ents:
        return CheckResult(
            False,
            "doc.ents came out empty.",
            "A span without a label is not an entity, so doc.ents leaves it out: "
            "doc.char_span(start, end, label=label) gives the span its label.",
        )
    if ents and [t for t, _ in ents] != [t for t, _ in want]:
        return CheckResult(False, f"your spans are {[t for t, _ in ents]}.", _TOKENS_HINT)
    return CheckResult(
        False,
        f"expected {want}, got {ents}.",
        "Make the doc with nlp.make_doc(text), build one char_span per entity, assign doc.ents.",
    )


register(
    Exercise(
        id="02.3",
        notebook="02_annotation_and_validation",
        title="A record becomes a Doc with doc.ents",
        answer="to_doc",
        judge=_judge_to_doc,
        setup=lambda: {"nlp": __import__("spacy").blank("en")},
        solution='''def to_doc(nlp, record):
    """A Doc of record["text"] with doc.ents set from its [start, end, label] offsets."""
    doc = nlp.make_doc(record["text"])
    doc.ents = [doc.char_span(start, end, label=label) for start, end, label in record["entities"]]
    return doc''',
        wrong=(
            WrongAnswer(
                """def to_doc(nlp, record):
    doc = nlp.make_doc(record["text"])
    doc.ents = [doc.char_span(start, end) for start, end, label in record["entities"]]
    return doc""",
                "gives the span its label",
                "label forgotten",
            ),
            WrongAnswer(
                """def to_doc(nlp, record):
    from spacy.tokens import Span
    doc = nlp.make_doc(record["text"])
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in record["entities"]]
    return doc""",
                "count tokens, but the record counts characters",
                "token indices instead of characters",
            ),
        ),
    )
)


# 02.4 ----------------------------------------------------------------------------------------


def _judge_span_of(span_of: Any) -> CheckResult:
    text = "WTB Ryzen 7 5800X3D, paying $260 shipped to 10001"
    got, failed = run_safely(span_of, text, "$260", "PRICE")
    if failed is not None:
        return failed
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        return CheckResult(False, f"your function returned {got!r}.", "Return a triple (start, end, label).")
    start, end, label = got
    if (start, end, label) == (28, 32, "PRICE"):
        other, failed = run_safely(span_of, text, "10001", "ZIP")
        if failed is not None:
            return failed
        if tuple(other) == (44, 49, "ZIP"):
            return CheckResult(True, "text[28:32] == '$260' and text[44:49] == '10001'.")
    if (start, end) == (28, 31):
        return CheckResult(
            False,
            f"text[{start}:{end}] is {text[start:end]!r}: the last character is missing.",
            "The end offset is exclusive, like a Python slice: start + len(piece), without - 1.",
        )
    if (start, end) == (28, 4):
        return CheckResult(
            False,
            f"your end offset is {end}, the length of the piece.",
            "Offsets count from the start of the whole text: the end is start + len(piece).",
        )
    return CheckResult(
        False,
        f"expected (28, 32, 'PRICE') for '$260', got {tuple(got)!r}.",
        "text.index(piece) is where the piece starts.",
    )


register(
    Exercise(
        id="02.4",
        notebook="02_annotation_and_validation",
        title="Let Python count the offsets",
        answer="span_of",
        judge=_judge_span_of,
        setup=lambda: {},
        solution='''def span_of(text, piece, label):
    """The (start, end, label) of the first occurrence of `piece` in `text`, end exclusive."""
    start = text.index(piece)
    return (start, start + len(piece), label)''',
        wrong=(
            WrongAnswer(
                """def span_of(text, piece, label):
    start = text.index(piece)
    return (start, start + len(piece) - 1, label)""",
                "exclusive",
                "inclusive end",
            ),
            WrongAnswer(
                """def span_of(text, piece, label):
    start = text.index(piece)
    return (start, len(piece), label)""",
                "start of the whole text",
                "length instead of end",
            ),
        ),
    )
)


# 02.5 ----------------------------------------------------------------------------------------

# One label per token ('O' outside entities) for two annotators of the same 20 tokens: they agree on
# most 'O' tokens, and the few entity tokens are where they differ, as in real annotation.
KAPPA_A = ["O"] * 12 + ["PRODUCT", "PRODUCT", "PRODUCT", "PRICE", "O", "LOCATION", "CONDITION", "O"]
KAPPA_B = ["O"] * 12 + ["PRODUCT", "PRODUCT", "O", "PRICE", "O", "O", "PRODUCT", "CONDITION"]


def _kappa_variants(a: list[str], b: list[str]) -> dict[str, float]:
    """The right kappa and the figures the common mistakes give, for the judge to recognise."""
    from collections import Counter

    from ..agreement import cohen_kappa

    kappa, observed, _ = cohen_kappa(a, b)
    n = len(a)
    count_a = Counter(a)
    one_sided = sum(count_a[k] ** 2 for k in count_a) / (n * n)
    pairs = [(x, y) for x, y in zip(a, b) if x != "O" or y != "O"]
    entities_only = cohen_kappa([x for x, _ in pairs], [y for _, y in pairs])[0]
    return {
        "right": kappa,
        "observed": observed,
        "one_sided": (observed - one_sided) / (1 - one_sided),
        "entities_only": entities_only,
    }


def _judge_kappa(cohen_kappa: Any) -> CheckResult:
    want = _kappa_variants(KAPPA_A, KAPPA_B)
    got, failed = run_safely(cohen_kappa, list(KAPPA_A), list(KAPPA_B))
    if failed is not None:
        return failed
    if not isinstance(got, (int, float)):
        return CheckResult(False, f"your function returned {got!r}.", "Return kappa, one number.")

    def near(key: str) -> bool:
        return abs(got - want[key]) < 1e-6

    if near("right"):
        same, failed = run_safely(cohen_kappa, ["O", "PRICE", "O"], ["O", "PRICE", "O"])
        if failed is not None:
            return failed
        if isinstance(same, (int, float)) and abs(same - 1) < 1e-6:
            return CheckResult(
                True,
                f"kappa = {got:.3f}: the annotators agree on {want['observed']:.0%} of the tokens, but most "
                "of that agreement is 'O', which they would share by chance too.",
            )
        return CheckResult(False, f"two identical annotations give {same!r}, not 1.0.", "Check the last line.")
    if near("observed"):
        return CheckResult(
            False,
            f"you got {got:.3f}, the share of tokens with the same label (p_o).",
            "That forgets chance agreement: two annotators who both write 'O' almost everywhere agree on "
            "most tokens without trying. Subtract p_e and divide by what is left: (p_o - p_e) / (1 - p_e).",
        )
    if near("entities_only"):
        return CheckResult(
            False,
            f"you got {got:.3f}, computed over the tokens that at least one annotator labelled.",
            "Kappa counts every token, O included: agreeing that a token is outside every entity is "
            "agreement too, and p_e needs the full label distribution of each annotator.",
        )
    if near("one_sided"):
        return CheckResult(
            False,
            f"you got {got:.3f}: your p_e uses one annotator's label counts twice.",
            "Chance agreement on a label is p_A(label) * p_B(label): each annotator's own share, multiplied.",
        )
    return CheckResult(
        False,
        f"expected {want['right']:.3f}, got {got:.3f}.",
        "p_o = share of tokens with the same label; p_e = sum over labels of p_A(label) * p_B(label); "
        "kappa = (p_o - p_e) / (1 - p_e).",
    )


register(
    Exercise(
        id="02.5",
        notebook="02_annotation_and_validation",
        title="Cohen's kappa of two annotators' token labels",
        answer="cohen_kappa",
        judge=_judge_kappa,
        setup=lambda: {"Counter": __import__("collections").Counter},
        solution='''def cohen_kappa(labels_a, labels_b):
    """Cohen's kappa of two annotators' labels for the same tokens ('O' included)."""
    n = len(labels_a)
    observed = sum(a == b for a, b in zip(labels_a, labels_b)) / n
    count_a, count_b = Counter(labels_a), Counter(labels_b)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    return (observed - expected) / (1 - expected)''',
        wrong=(
            WrongAnswer(
                """def cohen_kappa(labels_a, labels_b):
    n = len(labels_a)
    return sum(a == b for a, b in zip(labels_a, labels_b)) / n""",
                "forgets chance agreement",
                "observed agreement only",
            ),
            WrongAnswer(
                """def cohen_kappa(labels_a, labels_b):
    pairs = [(a, b) for a, b in zip(labels_a, labels_b) if a != "O" or b != "O"]
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    count_a, count_b = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    return (observed - expected) / (1 - expected)""",
                "every token, O included",
                "entity tokens only",
            ),
            WrongAnswer(
                """def cohen_kappa(labels_a, labels_b):
    n = len(labels_a)
    observed = sum(a == b for a, b in zip(labels_a, labels_b)) / n
    count_a = Counter(labels_a)
    expected = sum(count_a[label] * count_a[label] for label in count_a) / (n * n)
    return (observed - expected) / (1 - expected)""",
                "each annotator's own share",
                "one annotator's distribution twice",
            ),
        ),
    )
)


# 02.6 ----------------------------------------------------------------------------------------

# Entity lists of three posts by two annotators. B's last post repeats a span A gave in another
# post, and two spans differ only in their label, so each common mistake gives its own figure.
SPANS_A = [
    [[0, 8, "PRODUCT"], [10, 14, "PRICE"]],
    [[0, 4, "CONDITION"], [5, 13, "PRODUCT"], [20, 27, "LOCATION"]],
    [[4, 11, "PRODUCT"], [15, 19, "PRICE"]],
]
SPANS_B = [
    [[0, 8, "PRODUCT"], [10, 14, "ZIP"]],
    [[0, 13, "PRODUCT"], [20, 27, "LOCATION"], [30, 35, "ZIP"]],
    [[0, 4, "CONDITION"], [4, 11, "PRODUCT"], [15, 19, "ZIP"]],
]


def _f1_variants() -> dict[str, float]:
    def f1(a: set, b: set) -> float:
        return 2 * len(a & b) / (len(a) + len(b))

    a = {(i, s, e, lab) for i, ents in enumerate(SPANS_A) for s, e, lab in ents}
    b = {(i, s, e, lab) for i, ents in enumerate(SPANS_B) for s, e, lab in ents}
    return {
        "right": f1(a, b),
        "no_label": f1({x[:3] for x in a}, {x[:3] for x in b}),
        "no_post": f1({x[1:] for x in a}, {x[1:] for x in b}),
        "precision": len(a & b) / len(b),
        "recall": len(a & b) / len(a),
    }


def _judge_span_f1(span_f1: Any) -> CheckResult:
    import copy

    want = _f1_variants()
    got, failed = run_safely(span_f1, copy.deepcopy(SPANS_A), copy.deepcopy(SPANS_B))
    if failed is not None:
        return failed
    if not isinstance(got, (int, float)):
        return CheckResult(False, f"your function returned {got!r}.", "Return the F1, one number.")

    def near(key: str) -> bool:
        return abs(got - want[key]) < 1e-6

    if near("right"):
        n_a, n_b = sum(map(len, SPANS_A)), sum(map(len, SPANS_B))
        return CheckResult(True, f"span F1 = {got:.3f}: 3 spans agree exactly, of {n_a} (A) and {n_b} (B).")
    if near("no_label"):
        return CheckResult(
            False,
            f"you got {got:.3f}: spans with the same offsets but another label counted as agreeing.",
            "Strict agreement needs the same start, end and label: keep the label in each span.",
        )
    if near("no_post"):
        return CheckResult(
            False,
            f"you got {got:.3f}: a span of one post matched a span of another post with the same offsets.",
            "Offsets count from the start of each post, so keep the post's index in every span: (i, start, end, label).",
        )
    if near("precision") or near("recall"):
        return CheckResult(
            False,
            f"you got {got:.3f}: the agreeing spans divided by one annotator's spans.",
            "Neither annotator is the reference, so count both: F1 = 2 * agreeing / (spans of A + spans of B).",
        )
    return CheckResult(
        False,
        f"expected {want['right']:.3f}, got {got:.3f}.",
        "Make a set of (post, start, end, label) per annotator; F1 = 2 * |both| / (|A| + |B|).",
    )


register(
    Exercise(
        id="02.6",
        notebook="02_annotation_and_validation",
        title="Span F1 between two annotators",
        answer="span_f1",
        judge=_judge_span_f1,
        setup=lambda: {},
        solution='''def span_f1(posts_a, posts_b):
    """Strict span F1 of two annotators; posts_a[i] and posts_b[i] are post i's [start, end, label] lists."""
    spans_a = {(i, start, end, label) for i, ents in enumerate(posts_a) for start, end, label in ents}
    spans_b = {(i, start, end, label) for i, ents in enumerate(posts_b) for start, end, label in ents}
    both = spans_a & spans_b
    return 2 * len(both) / (len(spans_a) + len(spans_b))''',
        wrong=(
            WrongAnswer(
                """def span_f1(posts_a, posts_b):
    spans_a = {(i, start, end) for i, ents in enumerate(posts_a) for start, end, label in ents}
    spans_b = {(i, start, end) for i, ents in enumerate(posts_b) for start, end, label in ents}
    both = spans_a & spans_b
    return 2 * len(both) / (len(spans_a) + len(spans_b))""",
                "keep the label",
                "label ignored",
            ),
            WrongAnswer(
                """def span_f1(posts_a, posts_b):
    spans_a = {(start, end, label) for ents in posts_a for start, end, label in ents}
    spans_b = {(start, end, label) for ents in posts_b for start, end, label in ents}
    both = spans_a & spans_b
    return 2 * len(both) / (len(spans_a) + len(spans_b))""",
                "keep the post's index",
                "spans of different posts matched",
            ),
            WrongAnswer(
                """def span_f1(posts_a, posts_b):
    spans_a = {(i, start, end, label) for i, ents in enumerate(posts_a) for start, end, label in ents}
    spans_b = {(i, start, end, label) for i, ents in enumerate(posts_b) for start, end, label in ents}
    both = spans_a & spans_b
    return len(both) / len(spans_b)""",
                "count both",
                "precision instead of F1",
            ),
        ),
    )
)
