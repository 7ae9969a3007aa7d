"""Exercises of notebook 06 (small and imbalanced data): EntityRuler patterns, position, overwrite_ents."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..check import CheckResult, ruler_pattern
from . import Exercise, WrongAnswer, register, run_safely

if TYPE_CHECKING:
    from spacy.pipeline import EntityRuler

NOTEBOOK = "06_small_and_imbalanced_data"

# --- 06.2 a price pattern with the currency after the number ------------------------------
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
        id="06.2",
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


# --- 06.1 a ZIP pattern of one token --------------------------------------------------------
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
        id="06.1",
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


# --- 06.3 / 06.4 where the ruler goes: before the ner, or last with overwrite_ents -----------
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
                "That is exercise 06.4 (overwrite_ents). Here put the ruler before='ner', so the ner "
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
        id="06.3",
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
                "exercise 06.4",
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
        id="06.4",
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
