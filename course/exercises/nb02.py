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
    if failed:
        return failed
    if span is None:
        return CheckResult(False, "your function returned None for [13, 36), which cuts 'Ultra'.",
                           "That is what the default alignment_mode='strict' does with a misaligned span: "
                           "choose the mode that grows the span to whole tokens.")
    text = getattr(span, "text", None)
    if text == "EVGA RTX 3080 FTW3":
        return CheckResult(False, f"you got '{text}': the cut token 'Ultra' was dropped.",
                           "alignment_mode='contract' keeps only tokens completely inside the span; "
                           "the product needs the token the span cuts, so expand instead.")
    if text != "EVGA RTX 3080 FTW3 Ultra":
        return CheckResult(False, f"you got {text!r}, expected 'EVGA RTX 3080 FTW3 Ultra'.",
                           "Pass start, end and label through unchanged to doc.char_span.")
    if getattr(span, "label_", "") != "PRODUCT":
        return CheckResult(False, f"the span has label {getattr(span, 'label_', '')!r}, not 'PRODUCT'.",
                           "doc.char_span takes the label too: doc.char_span(start, end, label=label, ...).")
    return CheckResult(True, "[13, 36) grows to the whole token 'Ultra': 'EVGA RTX 3080 FTW3 Ultra' (PRODUCT).")


register(Exercise(
    id="02.1", notebook="02_annotation_and_validation", title="Snap a misaligned span to whole tokens",
    answer="snap", judge=_judge_snap, setup=_setup,
    solution='''def snap(doc, start, end, label):
    """The Span for [start, end), grown to whole tokens."""
    return doc.char_span(start, end, label=label, alignment_mode="expand")''',
    wrong=(
        WrongAnswer('''def snap(doc, start, end, label):
    return doc.char_span(start, end, label=label)''', "alignment_mode='strict'", "the default mode"),
        WrongAnswer('''def snap(doc, start, end, label):
    return doc.char_span(start, end, label=label, alignment_mode="contract")''', "'contract'",
                    "contract drops the cut token"),
        WrongAnswer('''def snap(doc, start, end, label):
    return doc.char_span(start, end, alignment_mode="expand")''', "takes the label too", "label forgotten"),
    ),
))
