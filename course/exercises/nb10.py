"""Exercises of notebook 10 (beyond flat NER: nested spans and spancat)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, cast

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

if TYPE_CHECKING:
    from spacy.pipeline import SpanCategorizer
    from spacy.tokens import Span

POST = "[H] EVGA RTX 3080 FTW3, like new [W] $450"
PRODUCT, BRAND = (4, 22), (4, 8)
OTHER = "WTS refurbished Lenovo ThinkPad T480 for $260"
OTHER_PRODUCT, OTHER_BRAND = (4, 36), (16, 22)


def _setup_doc() -> dict[str, Any]:
    import spacy

    return {"spacy": spacy, "nlp": spacy.blank("en"), "post": POST}


def _raised(failed: CheckResult, code: str) -> bool:
    return code in failed.message


def _judge_spans(brand_inside_product: Any) -> CheckResult:
    import spacy

    nlp = spacy.blank("en")
    for text, product, brand in ((POST, PRODUCT, BRAND), (OTHER, OTHER_PRODUCT, OTHER_BRAND)):
        doc, failed = run_safely(brand_inside_product, nlp.make_doc(text), product, brand)
        if failed is not None:
            if _raised(failed, "E1010"):
                return CheckResult(
                    False,
                    "spaCy refused the spans with [E1010]: a token may belong to one entity only.",
                    "doc.ents cannot overlap, and the brand lies inside the product; "
                    "a SpanGroup in doc.spans[...] can hold any overlap.",
                )
            return failed
        groups = dict(getattr(doc, "spans", {}) or {})
        if "sc" not in groups:
            keys = ", ".join(repr(k) for k in groups) or "none"
            return CheckResult(
                False,
                f"doc.spans has no 'sc' group (keys: {keys}).",
                "spancat's factory reads and writes doc.spans['sc'] unless you set spans_key: use that key.",
            )
        found = {(s.start_char, s.end_char, s.label_) for s in groups["sc"]}
        want = {(*product, "PRODUCT"), (*brand, "BRAND")}
        if want - found:
            missing = ", ".join(f"{text[s:e]!r} ({label})" for s, e, label in sorted(want - found))
            return CheckResult(
                False,
                f"doc.spans['sc'] is missing {missing}.",
                "The group must hold both spans, the product and the brand inside it, each with its label.",
            )
    return CheckResult(True, "doc.spans['sc'] holds the product and the brand inside it; doc.ents could not.")


register(
    Exercise(
        id="10.1",
        notebook="10_beyond_flat_ner",
        title="Keep a brand inside a product",
        answer="brand_inside_product",
        judge=_judge_spans,
        setup=_setup_doc,
        solution='''def brand_inside_product(doc, product, brand):
    """Store both spans ((start, end) character offsets) where spancat looks for them by default."""
    doc.spans["sc"] = [
        doc.char_span(product[0], product[1], label="PRODUCT"),
        doc.char_span(brand[0], brand[1], label="BRAND"),
    ]
    return doc''',
        wrong=(
            WrongAnswer(
                """def brand_inside_product(doc, product, brand):
    doc.ents = [
        doc.char_span(product[0], product[1], label="PRODUCT"),
        doc.char_span(brand[0], brand[1], label="BRAND"),
    ]
    return doc""",
                "doc.ents cannot overlap",
                "used doc.ents, which refuses nested spans",
            ),
            WrongAnswer(
                """def brand_inside_product(doc, product, brand):
    doc.spans["spans"] = [
        doc.char_span(product[0], product[1], label="PRODUCT"),
        doc.char_span(brand[0], brand[1], label="BRAND"),
    ]
    return doc""",
                "spans_key",
                "the SpanCategorizer class's own default key, not the factory's",
            ),
            WrongAnswer(
                """def brand_inside_product(doc, product, brand):
    doc.spans["sc"] = [doc.char_span(product[0], product[1], label="PRODUCT")]
    return doc""",
                "both spans",
                "kept only the outer span",
            ),
        ),
    )
)


# 10.2 ----------------------------------------------------------------------------------------


def _setup_example() -> dict[str, Any]:
    import spacy
    from spacy.training import Example

    return {"Example": Example, "nlp": spacy.blank("en"), "post": POST}


def _judge_example(nested_example: Any) -> CheckResult:
    import spacy

    nlp = spacy.blank("en")
    spans = [(4, 22, "PRODUCT"), (4, 8, "BRAND"), (24, 32, "CONDITION"), (37, 41, "PRICE")]
    eg, failed = run_safely(nested_example, nlp, POST, spans)
    if failed is not None:
        if _raised(failed, "E103"):
            return CheckResult(
                False,
                "spaCy raised [E103] conflicting doc.ents: the spans went in as entities.",
                "'entities' become doc.ents, which cannot overlap; nested spans go under 'spans'.",
            )
        if _raised(failed, "E879"):
            return CheckResult(
                False,
                "spaCy raised [E879]: 'spans' must map a key to a list of spans.",
                "Give a dict from the group's key to the list: {'spans': {key: spans}}.",
            )
        return failed
    reference = getattr(eg, "reference", None)
    if reference is None:
        return CheckResult(
            False, f"you returned {type(eg).__name__}, not an Example.", "Return Example.from_dict(...)."
        )
    if "sc" not in reference.spans:
        keys = ", ".join(repr(k) for k in reference.spans) or "none"
        return CheckResult(
            False,
            f"the reference has no doc.spans['sc'] (keys: {keys}).",
            "spancat trains on reference.spans[spans_key], and its factory's key is 'sc'.",
        )
    got = sorted((s.start_char, s.end_char, s.label_) for s in reference.spans["sc"])
    if got != sorted(spans):
        return CheckResult(False, f"reference.spans['sc'] holds {got}.", "Pass the spans through unchanged.")
    return CheckResult(True, "the reference holds all four spans, the brand inside the product, in spans['sc'].")


register(
    Exercise(
        id="10.2",
        notebook="10_beyond_flat_ner",
        title="An Example with nested spans",
        answer="nested_example",
        judge=_judge_example,
        setup=_setup_example,
        solution='''def nested_example(nlp, text, spans):
    """An Example whose reference holds `spans` [(start, end, label), ...] under the key "sc"."""
    return Example.from_dict(nlp.make_doc(text), {"spans": {"sc": spans}})''',
        wrong=(
            WrongAnswer(
                """def nested_example(nlp, text, spans):
    return Example.from_dict(nlp.make_doc(text), {"entities": spans})""",
                "cannot overlap",
                "entities are doc.ents",
            ),
            WrongAnswer(
                """def nested_example(nlp, text, spans):
    return Example.from_dict(nlp.make_doc(text), {"spans": spans})""",
                "dict from the group's key",
                "a bare list instead of {key: list}",
            ),
            WrongAnswer(
                """def nested_example(nlp, text, spans):
    return Example.from_dict(nlp.make_doc(text), {"spans": {"spans": spans}})""",
                "factory's key is 'sc'",
                "wrong key",
            ),
        ),
    )
)


# 10.3 ----------------------------------------------------------------------------------------


def _suggested(config: Any) -> tuple[set[int] | None, CheckResult | None]:
    import spacy

    nlp = spacy.blank("en")
    try:
        spancat = cast("SpanCategorizer", nlp.add_pipe("spancat", config=config))
    except Exception as err:  # noqa: BLE001 - the learner's config may be anything
        if "is not typing.List[int]" in str(err) or "sizes" in str(err):
            return None, CheckResult(
                False,
                f"spaCy refused the config: {' '.join(str(err).split())[:160]}",
                "sizes is a list of span lengths in tokens, e.g. [1, 2, 3], not one number.",
            )
        return None, CheckResult(False, f"nlp.add_pipe raised {type(err).__name__}.", "Check the config's keys.")
    doc = nlp.make_doc(" ".join(f"w{k}" for k in range(12)))
    found = spancat.suggester([doc]).dataXd.tolist()
    return {int(end - start) for start, end in found}, None


def _judge_sizes(spancat_config: Any) -> CheckResult:
    for lengths in (Counter({1: 40, 2: 31, 3: 9, 4: 6, 6: 2}), Counter({2: 10, 5: 3})):
        config, failed = run_safely(spancat_config, lengths)
        if failed is not None:
            return failed
        suggested, failed = _suggested(config)
        if failed is not None:
            return failed
        assert suggested is not None
        missed = sorted(set(lengths) - suggested)
        if missed and suggested == {1, 2, 3}:
            return CheckResult(
                False,
                f"the suggester proposes spans of 1, 2 and 3 tokens, so gold spans of {missed} token(s) are never candidates.",
                "That is spancat's default, sizes [1, 2, 3]; spancat can only label spans it was suggested. "
                "Cover every length in `lengths`.",
            )
        if missed and len(suggested) == 1:
            return CheckResult(
                False,
                f"the suggester proposes only spans of {sorted(suggested)} token(s).",
                "sizes lists every length to suggest, not only the longest: the short spans need sizes too.",
            )
        if missed:
            return CheckResult(
                False,
                f"spans of {missed} token(s) are never suggested.",
                "Every length that occurs in `lengths` must be among the sizes.",
            )
    return CheckResult(True, "every gold span length is among the suggested sizes, so none is out of reach.")


register(
    Exercise(
        id="10.3",
        notebook="10_beyond_flat_ner",
        title="Suggest every span length",
        answer="spancat_config",
        judge=_judge_sizes,
        solution='''def spancat_config(lengths):
    """Config for nlp.add_pipe("spancat", config=...) whose suggester proposes every length in `lengths`."""
    sizes = list(range(1, max(lengths) + 1))
    return {"spans_key": "sc", "suggester": {"@misc": "spacy.ngram_suggester.v1", "sizes": sizes}}''',
        wrong=(
            WrongAnswer(
                """def spancat_config(lengths):
    return {"spans_key": "sc", "suggester": {"@misc": "spacy.ngram_suggester.v1", "sizes": [1, 2, 3]}}""",
                "spancat's default",
                "kept the default sizes",
            ),
            WrongAnswer(
                """def spancat_config(lengths):
    return {"spans_key": "sc", "suggester": {"@misc": "spacy.ngram_suggester.v1", "sizes": max(lengths)}}""",
                "not one number",
                "an int instead of a list",
            ),
            WrongAnswer(
                """def spancat_config(lengths):
    return {"spans_key": "sc", "suggester": {"@misc": "spacy.ngram_suggester.v1", "sizes": [max(lengths)]}}""",
                "not only the longest",
                "only the longest length",
            ),
        ),
    )
)


# 10.4 ----------------------------------------------------------------------------------------


def _scores(brand_hits: int) -> dict[str, Any]:
    """spancat's scores (what nlp.evaluate returns for it) for two posts, BRAND found `brand_hits` times of 2."""
    import spacy
    from spacy.pipeline.spancat import spancat_score
    from spacy.training import Example

    nlp = spacy.blank("en")
    texts = [(POST, PRODUCT, BRAND, (37, 41)), (OTHER, OTHER_PRODUCT, OTHER_BRAND, (41, 45))]
    examples = []
    for k, (text, product, brand, price) in enumerate(texts):
        gold, pred = nlp.make_doc(text), nlp.make_doc(text)
        spans = [(*product, "PRODUCT"), (*brand, "BRAND"), (*price, "PRICE")]
        gold.spans["sc"] = cast("list[Span]", [gold.char_span(s, e, label=lab) for s, e, lab in spans])
        keep = [sp for sp in spans if sp[2] != "BRAND" or k < brand_hits]
        pred.spans["sc"] = cast("list[Span]", [pred.char_span(s, e, label=lab) for s, e, lab in keep])
        examples.append(Example(pred, gold))
    return spancat_score(examples, spans_key="sc")


def _judge_brand_f(brand_f: Any) -> CheckResult:
    for hits in (1, 2):
        scores = _scores(hits)
        want = scores["spans_sc_per_type"]["BRAND"]["f"]
        got, failed = run_safely(brand_f, scores)
        if failed is not None:
            if "ents_" in failed.message:
                return CheckResult(
                    False,
                    "there is no 'ents_per_type' in spancat's scores.",
                    "spancat's scores start with spans_sc_ (spans_<key>_), because it writes doc.spans['sc'], "
                    "not doc.ents.",
                )
            return failed
        if got == want:
            continue
        if got == scores["spans_sc_f"]:
            return CheckResult(
                False,
                f"you returned {got:.3f}, the overall F-score.",
                "spans_sc_f is the overall score, across labels; the per-label scores are in spans_sc_per_type.",
            )
        if got == scores["spans_sc_per_type"]["BRAND"].get("p"):
            return CheckResult(
                False,
                f"you returned {got:.3f}, BRAND's precision.",
                "Each label's entry holds 'p', 'r' and 'f': you need the F-score.",
            )
        return CheckResult(False, f"you returned {got!r}; BRAND's F-score is {want:.3f}.", "Look in spans_sc_per_type.")
    return CheckResult(True, "spans_sc_per_type['BRAND']['f'] is BRAND's F-score.")


register(
    Exercise(
        id="10.4",
        notebook="10_beyond_flat_ner",
        title="Read spancat's score for one label",
        answer="brand_f",
        judge=_judge_brand_f,
        solution='''def brand_f(scores):
    """BRAND's F-score in `scores`, the dict nlp.evaluate returns for a spancat pipeline."""
    return scores["spans_sc_per_type"]["BRAND"]["f"]''',
        wrong=(
            WrongAnswer(
                """def brand_f(scores):
    return scores["spans_sc_f"]""",
                "across labels",
                "the overall score",
            ),
            WrongAnswer(
                """def brand_f(scores):
    return scores["ents_per_type"]["BRAND"]["f"]""",
                "start with spans_sc_",
                "NER's key",
            ),
            WrongAnswer(
                """def brand_f(scores):
    return scores["spans_sc_per_type"]["BRAND"]["p"]""",
                "you need the F-score",
                "precision instead of F",
            ),
        ),
    )
)
