"""Exercises of notebook 05 (evaluation): nlp.evaluate, P/R/F by hand, displaCy, an error analysis."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, cast

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

if TYPE_CHECKING:
    from spacy.pipeline import EntityRuler
    from spacy.tokens import Span

NOTEBOOK = "05_evaluation"
# A "model" that needs no training: a ruler that finds $-prices and five-digit numbers (as ZIP).
_PATTERNS: list[dict[str, Any]] = [
    {"label": "PRICE", "pattern": [{"ORTH": "$"}, {"LIKE_NUM": True}]},
    {"label": "ZIP", "pattern": [{"IS_DIGIT": True, "LENGTH": 5}]},
]
# Gold: 3 PRICE (the ruler finds 2 of them exactly), 2 ZIP (it finds 1) and one number it calls a ZIP.
_RECORDS: list[dict[str, Any]] = [
    {"text": "Selling a Ryzen 5 5600X for $110 in Seattle 98101", "entities": [[28, 32, "PRICE"], [44, 49, "ZIP"]]},
    {"text": "WTB Steam Deck, up to $300, local to 10001", "entities": [[22, 26, "PRICE"]]},
    {"text": "Price drop to 90 bucks, ships from 78701", "entities": [[14, 22, "PRICE"], [35, 40, "ZIP"]]},
    {"text": "Order 12345 arrived, nothing for sale", "entities": []},
]


def _ruler_model():
    import spacy

    nlp = spacy.blank("en")
    cast("EntityRuler", nlp.add_pipe("entity_ruler")).add_patterns(_PATTERNS)
    return nlp


def _expected_scores(nlp) -> dict:
    from spacy.training import Example

    return nlp.evaluate([Example.from_dict(nlp.make_doc(r["text"]), {"entities": r["entities"]}) for r in _RECORDS])


def _setup_score() -> dict[str, Any]:
    import spacy
    from spacy.training import Example

    return {"spacy": spacy, "Example": Example, "nlp": _ruler_model(), "records": _RECORDS}


def _judge_score(score: Any) -> CheckResult:
    nlp = _ruler_model()
    got, failed = run_safely(score, nlp, _RECORDS)
    if failed is not None:
        return failed
    if isinstance(got, float):
        return CheckResult(
            False,
            f"your function returned one number ({got:.3f}).",
            "Return the whole dict that nlp.evaluate gives: it holds ents_p, ents_r, ents_f "
            "and ents_per_type, and the cells below read them.",
        )
    if not isinstance(got, dict) or "ents_f" not in got:
        return CheckResult(
            False,
            f"your function returned {type(got).__name__}, not the dict of nlp.evaluate.",
            "Return nlp.evaluate(examples).",
        )
    want = _expected_scores(nlp)
    if got.get("ents_p") == 1.0 and got.get("ents_r") == 1.0 and want["ents_f"] < 1.0:
        return CheckResult(
            False,
            "every score is 1.0, but this ruler misses a price and a ZIP code.",
            "You compared the model with itself: the reference side of each Example must come "
            "from the annotations (Example.from_dict with the record's entities), not from nlp(text).",
        )
    if not got.get("ents_f") and not got.get("ents_r"):
        return CheckResult(
            False,
            "every score is 0: the reference docs seem to have no entities.",
            "The reference needs the annotated entities: {'entities': rec['entities']}.",
        )
    keys = ("ents_p", "ents_r", "ents_f")
    if any(abs(float(got.get(k) or 0.0) - float(want[k])) > 1e-9 for k in keys):
        return CheckResult(
            False,
            "your scores differ from spaCy's: "
            + ", ".join(f"{k} {float(got.get(k) or 0.0):.3f} (expected {float(want[k]):.3f})" for k in keys)
            + ".",
            "Build one Example per record from nlp.make_doc(text) and the record's entities, "
            "and pass the list to nlp.evaluate.",
        )
    return CheckResult(
        True,
        f"precision {want['ents_p']:.3f}, recall {want['ents_r']:.3f}, F1 {want['ents_f']:.3f} "
        "on the check's four posts, exactly spaCy's numbers.",
    )


register(
    Exercise(
        id="05.3",
        notebook=NOTEBOOK,
        title="Score a pipeline with nlp.evaluate",
        answer="score",
        judge=_judge_score,
        setup=_setup_score,
        solution='''def score(nlp, records):
    """spaCy's scores of `nlp` on annotated records: the dict that nlp.evaluate returns."""
    examples = [Example.from_dict(nlp.make_doc(rec["text"]), {"entities": rec["entities"]}) for rec in records]
    return nlp.evaluate(examples)''',
        wrong=(
            WrongAnswer(
                """def score(nlp, records):
    examples = [Example(nlp(rec["text"]), nlp(rec["text"])) for rec in records]
    return nlp.evaluate(examples)""",
                "compared the model with itself",
                "the prediction used as the reference",
            ),
            WrongAnswer(
                """def score(nlp, records):
    examples = [Example.from_dict(nlp.make_doc(rec["text"]), {"entities": []}) for rec in records]
    return nlp.evaluate(examples)""",
                "needs the annotated entities",
                "reference without entities",
            ),
            WrongAnswer(
                """def score(nlp, records):
    examples = [Example.from_dict(nlp.make_doc(rec["text"]), {"entities": rec["entities"]}) for rec in records]
    return nlp.evaluate(examples)["ents_f"]""",
                "Return the whole dict",
                "only F1 returned",
            ),
        ),
    )
)


# --- 05.2 precision, recall and F1 by hand --------------------------------------------
# PRODUCT in the worked example: 2 right, 2 false alarms, 1 miss. Here every wrong formula
# gives a clearly different number: P 0.5, R 0.667, F1 0.571, TP/(TP+FP+FN) 0.4,
# (P+R)/2 0.583 is the closest, 0.012 away from F1, so F1 is compared to 1e-6.
PRODUCT_COUNTS = (2, 2, 1)
_CASES = [PRODUCT_COUNTS, (9, 3, 4), (6, 0, 3)]


def _reference_prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    from spacy.scorer import PRFScore

    score = PRFScore(tp=tp, fp=fp, fn=fn)
    return score.precision, score.recall, score.fscore


def _judge_prf(precision_recall_f1: Any) -> CheckResult:
    tp, fp, fn = PRODUCT_COUNTS
    got, failed = run_safely(precision_recall_f1, tp, fp, fn)
    if failed is not None:
        return failed
    if not (isinstance(got, tuple) and len(got) == 3):
        return CheckResult(
            False,
            f"your function returned {got!r}, not (precision, recall, f1).",
            "Return the three numbers as a tuple: return precision, recall, f1.",
        )
    p, r, f = (float(x) for x in got)
    close = lambda a, b: abs(a - b) < 1e-6  # noqa: E731
    if close(p, tp / (tp + fn)) and close(r, tp / (tp + fp)):
        return CheckResult(
            False,
            f"for TP={tp}, FP={fp}, FN={fn} you got precision {p:.3f} and recall {r:.3f}: the two are swapped.",
            "Precision looks at the predictions (TP + FP), recall at the gold spans (TP + FN).",
        )
    for name, value, right in (("precision", p, tp / (tp + fp)), ("recall", r, tp / (tp + fn))):
        if close(value, tp / (tp + fp + fn)):
            return CheckResult(
                False,
                f"your {name} is TP / (TP + FP + FN) = {value:.3f}.",
                f"Each count belongs in only one of the two: {name} leaves "
                f"{'FN' if name == 'precision' else 'FP'} out.",
            )
        if not close(value, right):
            return CheckResult(
                False,
                f"for TP={tp}, FP={fp}, FN={fn} your {name} is {value:.3f}, expected {right:.3f}.",
                "Precision = TP / (TP + FP), recall = TP / (TP + FN).",
            )
    if close(f, (p + r) / 2):
        return CheckResult(
            False,
            f"your F1 is {f:.3f}, the arithmetic mean of precision and recall.",
            "F1 is the harmonic mean: 2 · P · R / (P + R), which stays low if either is low.",
        )
    for case in _CASES:
        got, failed = run_safely(precision_recall_f1, *case)
        if failed is not None:
            return failed
        if not all(close(float(a), b) for a, b in zip(got, _reference_prf(*case))):
            return CheckResult(
                False,
                f"for TP, FP, FN = {case} you got {tuple(round(float(x), 3) for x in got)}.",
                "F1 = 2 · P · R / (P + R).",
            )
    try:
        zero = precision_recall_f1(0, 0, 3)
    except ZeroDivisionError:
        return CheckResult(
            False,
            "with TP=0, FP=0, FN=3 (a label the model never predicts) your code divides by zero.",
            "When there is nothing to divide by (0 / 0), return 0.0, as spaCy does: "
            "e.g. tp / (tp + fp) if tp + fp else 0.0, and the same for F1.",
        )
    if tuple(float(x) for x in zero) != (0.0, 0.0, 0.0):
        return CheckResult(False, f"with TP=0, FP=0, FN=3 you got {zero!r}.", "Nothing right means 0.0 for all three.")
    return CheckResult(
        True,
        f"for PRODUCT (TP={tp}, FP={fp}, FN={fn}): precision {tp / (tp + fp):.3f}, "
        f"recall {tp / (tp + fn):.3f}, F1 {_reference_prf(*PRODUCT_COUNTS)[2]:.3f}; and 0 / 0 gives 0.",
    )


_PRF_SOLUTION = '''def precision_recall_f1(tp, fp, fn):
    """Precision, recall and F1 from the counts; 0.0 where there is nothing to divide by."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1'''

register(
    Exercise(
        id="05.2",
        notebook=NOTEBOOK,
        title="Precision, recall and F1 by hand",
        answer="precision_recall_f1",
        judge=_judge_prf,
        solution=_PRF_SOLUTION,
        wrong=(
            WrongAnswer(
                _PRF_SOLUTION.replace("tp / (tp + fp) if tp + fp", "tp / (tp + fn) if tp + fn", 1).replace(
                    "recall = tp / (tp + fn) if tp + fn", "recall = tp / (tp + fp) if tp + fp"
                ),
                "the two are swapped",
                "precision and recall swapped",
            ),
            WrongAnswer(
                _PRF_SOLUTION.replace(
                    "recall = tp / (tp + fn) if tp + fn", "recall = tp / (tp + fp + fn) if tp + fp + fn"
                ),
                "recall leaves FP out",
                "FP counted in recall",
            ),
            WrongAnswer(
                _PRF_SOLUTION.replace("2 * precision * recall / (precision + recall)", "(precision + recall) / 2"),
                "harmonic mean",
                "arithmetic mean instead of F1",
            ),
            WrongAnswer(
                """def precision_recall_f1(tp, fp, fn):
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    return precision, recall, 2 * precision * recall / (precision + recall)""",
                "nothing to divide by",
                "no zero-division rule",
            ),
        ),
    )
)


# --- 05.1 displaCy: gold vs predicted ----------------------------------------------------
_DISPLAY_TEXT = "WTB Steam Deck 512GB, up to $300, local to 10001"


def _display_docs():
    import spacy

    nlp = spacy.blank("en")
    gold, pred = nlp.make_doc(_DISPLAY_TEXT), nlp.make_doc(_DISPLAY_TEXT)
    # offsets on token boundaries of this text: char_span returns no None
    gold.ents = cast(
        "list[Span]", [gold.char_span(*span) for span in ((4, 20, "PRODUCT"), (28, 32, "PRICE"), (43, 48, "ZIP"))]
    )
    pred.ents = cast("list[Span]", [pred.char_span(*span) for span in ((4, 14, "PRODUCT"), (28, 32, "PRICE"))])
    return gold, pred


def _setup_display() -> dict[str, Any]:
    from spacy import displacy

    gold, pred = _display_docs()
    return {"displacy": displacy, "gold_doc": gold, "pred_doc": pred}


def _judge_display(gold_vs_predicted: Any) -> CheckResult:
    gold, pred = _display_docs()
    markup, failed = run_safely(gold_vs_predicted, gold, pred)
    if failed is not None:
        return failed
    if markup is None:
        return CheckResult(
            False,
            "your function returned None: displaCy displayed the markup instead of returning it.",
            "Pass jupyter=False to displacy.render to get the HTML back as a string.",
        )
    if not isinstance(markup, str):
        return CheckResult(
            False,
            f"your function returned {type(markup).__name__}, not the HTML string.",
            "Return what displacy.render(..., jupyter=False) gives.",
        )
    if "<svg" in markup or "<mark" not in markup:
        return CheckResult(
            False,
            "the markup is a dependency tree (an <svg>), not highlighted entities.",
            "displacy.render draws dependencies by default: pass style='ent'.",
        )
    if "gold" not in markup or "predicted" not in markup:
        return CheckResult(
            False,
            "the markup shows only one of the two docs.",
            "Render both docs at once, in a list: [gold_doc, pred_doc].",
        )
    if markup.index("predicted") < markup.index("gold"):
        return CheckResult(
            False, "the prediction comes first.", "Put the gold doc first, as the notebook does: [gold_doc, pred_doc]."
        )
    if markup.count("<mark") != len(gold.ents) + len(pred.ents):
        return CheckResult(
            False,
            f"the markup highlights {markup.count('<mark')} entities, expected {len(gold.ents) + len(pred.ents)}.",
            "Render the docs as they are, with style='ent'.",
        )
    return CheckResult(True, "gold first, then the prediction: the missed ZIP and the short product stand out.")


register(
    Exercise(
        id="05.1",
        notebook=NOTEBOOK,
        title="displaCy: gold vs predicted",
        answer="gold_vs_predicted",
        judge=_judge_display,
        setup=_setup_display,
        solution='''def gold_vs_predicted(gold_doc, pred_doc):
    """displaCy entity markup (HTML) of the gold doc, then of the predicted doc."""
    gold_doc.user_data["title"] = "gold"
    pred_doc.user_data["title"] = "predicted"
    return displacy.render([gold_doc, pred_doc], style="ent", jupyter=False)''',
        wrong=(
            WrongAnswer(
                """def gold_vs_predicted(gold_doc, pred_doc):
    gold_doc.user_data["title"] = "gold"
    pred_doc.user_data["title"] = "predicted"
    return displacy.render([gold_doc, pred_doc], jupyter=False)""",
                "style='ent'",
                "default style is dep",
            ),
            WrongAnswer(
                """def gold_vs_predicted(gold_doc, pred_doc):
    gold_doc.user_data["title"] = "gold"
    pred_doc.user_data["title"] = "predicted"
    return displacy.render(pred_doc, style="ent", jupyter=False)""",
                "both docs at once",
                "only one doc",
            ),
            WrongAnswer(
                """def gold_vs_predicted(gold_doc, pred_doc):
    gold_doc.user_data["title"] = "gold"
    pred_doc.user_data["title"] = "predicted"
    return displacy.render([pred_doc, gold_doc], style="ent", jupyter=False)""",
                "gold doc first",
                "order swapped",
            ),
        ),
    )
)


# --- 05.4 an error analysis: missed gold spans by label ------------------------------------
def _analysis_examples():
    import spacy
    from spacy.training import Example

    nlp = spacy.blank("en")
    posts = [  # (text, gold, predicted)
        (
            "[H] EVGA RTX 3080 FTW3 [W] $450",
            [(4, 22, "PRODUCT"), (27, 31, "PRICE")],
            [(9, 22, "PRODUCT"), (27, 31, "PRICE")],
        ),  # boundary: PRODUCT missed
        (
            "Ryzen 5 5600X, pickup Seattle 98101",
            [(0, 13, "PRODUCT"), (22, 29, "LOCATION"), (30, 35, "ZIP")],
            [(0, 13, "PRODUCT"), (22, 29, "LOCATION"), (30, 35, "PRICE")],
        ),  # wrong label: ZIP missed
        (
            "Bump, 90 bucks, heatware.com/u/12044",
            [(6, 14, "PRICE"), (16, 36, "URL")],
            [(0, 4, "PRODUCT"), (6, 14, "PRICE")],
        ),  # URL missed, PRODUCT spurious
    ]
    examples = []
    for text, gold, pred in posts:
        example = Example.from_dict(nlp.make_doc(text), {"entities": gold})
        # offsets on token boundaries: char_span returns no None
        example.predicted.ents = cast("list[Span]", [example.predicted.char_span(s, e, label=l) for s, e, l in pred])
        examples.append(example)
    return examples


def _setup_analysis() -> dict[str, Any]:
    return {"Counter": Counter, "examples": _analysis_examples()}


def _judge_analysis(missed_by_label: Any) -> CheckResult:
    examples = _analysis_examples()
    got, failed = run_safely(missed_by_label, examples)
    if failed is not None:
        return failed
    got = dict(got or {})
    want = {"PRODUCT": 1, "ZIP": 1, "URL": 1}
    if got == want:
        return CheckResult(True, "1 PRODUCT (boundary), 1 ZIP (labelled PRICE) and 1 URL (not found) were missed.")
    spurious = {"PRODUCT": 2, "PRICE": 1}
    if got == spurious:
        return CheckResult(
            False,
            f"you counted {got}: those are the predictions that are wrong.",
            "Loop over the gold entities (eg.reference.ents) and count those not among the predictions; "
            "wrong predictions are false positives, not misses.",
        )
    if any(k not in ("PRODUCT", "PRICE", "LOCATION", "ZIP", "URL") for k in got):
        return CheckResult(
            False,
            f"your counter's keys are {sorted(got)[:3]}…, not labels.",
            "Count by label: missed[ent.label_] += 1.",
        )
    if got == {"URL": 1}:
        return CheckResult(
            False,
            "you counted only the URL: the PRODUCT with a wrong boundary and the ZIP called PRICE are misses too.",
            "Compare exact (start_char, end_char, label) triples: a gold span counts as found only "
            "if the prediction has the same start, end and label.",
        )
    if not got:
        return CheckResult(
            False,
            "your counter is empty.",
            "Add 1 for each gold entity whose (start_char, end_char, label_) is not in the set of predicted triples.",
        )
    return CheckResult(
        False,
        f"you counted {got}, expected {want}.",
        "For each gold entity, check (ent.start_char, ent.end_char, ent.label_) in the predicted set.",
    )


register(
    Exercise(
        id="05.4",
        notebook=NOTEBOOK,
        title="Error analysis: missed gold spans by label",
        answer="missed_by_label",
        judge=_judge_analysis,
        setup=_setup_analysis,
        solution='''def missed_by_label(examples):
    """Count, per label, the gold entities that the prediction did not get exactly right."""
    missed = Counter()
    for eg in examples:
        predicted = {(e.start_char, e.end_char, e.label_) for e in eg.predicted.ents}
        for ent in eg.reference.ents:
            if (ent.start_char, ent.end_char, ent.label_) not in predicted:
                missed[ent.label_] += 1
    return missed''',
        wrong=(
            WrongAnswer(
                """def missed_by_label(examples):
    missed = Counter()
    for eg in examples:
        gold = {(e.start_char, e.end_char, e.label_) for e in eg.reference.ents}
        for ent in eg.predicted.ents:
            if (ent.start_char, ent.end_char, ent.label_) not in gold:
                missed[ent.label_] += 1
    return missed""",
                "false positives, not misses",
                "counted the spurious predictions",
            ),
            WrongAnswer(
                """def missed_by_label(examples):
    missed = Counter()
    for eg in examples:
        predicted = {(e.start_char, e.end_char, e.label_) for e in eg.predicted.ents}
        for ent in eg.reference.ents:
            if (ent.start_char, ent.end_char, ent.label_) not in predicted:
                missed[ent.text] += 1
    return missed""",
                "Count by label",
                "counted by text",
            ),
            WrongAnswer(
                """def missed_by_label(examples):
    missed = Counter()
    for eg in examples:
        predicted = [e for e in eg.predicted.ents]
        for ent in eg.reference.ents:
            if not any(p.start_char < ent.end_char and ent.start_char < p.end_char for p in predicted):
                missed[ent.label_] += 1
    return missed""",
                "Compare exact",
                "any overlap counted as found",
            ),
        ),
    )
)


# --- 05.5 one model, two test sets: the gap ------------------------------------------------
# Posts in another style: prices without "$" and a pound price the ruler misses, the ZIPs it finds.
_OTHER_RECORDS: list[dict[str, Any]] = [
    {"text": "selling my 1070, 90 bucks, pickup 98101", "entities": [[17, 25, "PRICE"], [34, 39, "ZIP"]]},
    {"text": "asking $40 or 35 local", "entities": [[7, 10, "PRICE"], [14, 16, "PRICE"]]},
    {"text": "wts keyboard for £60, zip 10115", "entities": [[17, 20, "PRICE"], [26, 31, "ZIP"]]},
]


def _setup_gap() -> dict[str, Any]:
    import spacy
    from spacy.training import Example

    return {
        "spacy": spacy,
        "Example": Example,
        "nlp": _ruler_model(),
        "own_records": _RECORDS,
        "other_records": _OTHER_RECORDS,
    }


def _f1(nlp, records: list[dict[str, Any]], key: str = "ents_f") -> float:
    from spacy.training import Example

    examples = [Example.from_dict(nlp.make_doc(r["text"]), {"entities": r["entities"]}) for r in records]
    return float(nlp.evaluate(examples)[key] or 0.0)


def _judge_gap(f1_gap: Any) -> CheckResult:
    nlp = _ruler_model()
    got, failed = run_safely(f1_gap, nlp, _RECORDS, _OTHER_RECORDS)
    if failed is not None:
        return failed
    if not (isinstance(got, tuple) and len(got) == 3):
        return CheckResult(
            False,
            f"your function returned {got!r}, not (own_f1, other_f1, gap).",
            "Return the three numbers as a tuple.",
        )
    own, other, gap = (float(x) for x in got)
    want_own, want_other = _f1(nlp, _RECORDS), _f1(nlp, _OTHER_RECORDS)
    close = lambda a, b: abs(a - b) < 1e-9  # noqa: E731
    if own == other == 1.0:
        return CheckResult(
            False,
            "both F1 scores are 1.0, but the ruler misses prices on both sets.",
            "You compared the model with itself: the reference side of each Example must come from the "
            "record's entities (Example.from_dict), not from nlp(text).",
        )
    for key, name in (("ents_p", "precision"), ("ents_r", "recall")):
        if (
            close(own, _f1(nlp, _RECORDS, key))
            and close(other, _f1(nlp, _OTHER_RECORDS, key))
            and not close(own, want_own)
        ):
            return CheckResult(
                False,
                f"your scores are the {name} (spaCy's {key}), not F1.",
                "F1 is under the key 'ents_f' of the dict nlp.evaluate returns.",
            )
    if not (close(own, want_own) and close(other, want_other)):
        return CheckResult(
            False,
            f"your F1 scores are {own:.3f} and {other:.3f}, expected {want_own:.3f} and {want_other:.3f}.",
            "Score each set on its own: one list of Examples per set, one nlp.evaluate call per list.",
        )
    if close(gap, other - own) and not close(gap, own - other):
        return CheckResult(
            False,
            f"your gap is {gap:+.3f}: other minus own.",
            "The gap is how much the model loses on the other posts: own F1 minus other F1, positive when it does worse there.",
        )
    if not close(gap, own - other):
        return CheckResult(False, f"your gap is {gap:+.3f}, expected {own - other:+.3f}.", "gap = own_f1 - other_f1.")
    return CheckResult(
        True,
        f"F1 {want_own:.3f} on the first set, {want_other:.3f} on the posts in another style: "
        f"a gap of {want_own - want_other:+.3f}.",
    )


_GAP_SOLUTION = '''def f1_gap(nlp, own_records, other_records):
    """F1 of `nlp` on two annotated sets, and how much lower it is on the second."""
    scores = []
    for records in (own_records, other_records):
        examples = [Example.from_dict(nlp.make_doc(r["text"]), {"entities": r["entities"]}) for r in records]
        scores.append(nlp.evaluate(examples)["ents_f"])
    own_f1, other_f1 = scores
    return own_f1, other_f1, own_f1 - other_f1'''

register(
    Exercise(
        id="05.5",
        notebook=NOTEBOOK,
        title="One model, two test sets: the gap",
        answer="f1_gap",
        judge=_judge_gap,
        setup=_setup_gap,
        solution=_GAP_SOLUTION,
        wrong=(
            WrongAnswer(
                _GAP_SOLUTION.replace(
                    "return own_f1, other_f1, own_f1 - other_f1", "return own_f1, other_f1, other_f1 - own_f1"
                ),
                "own F1 minus other F1",
                "gap with the wrong sign",
            ),
            WrongAnswer(
                _GAP_SOLUTION.replace('["ents_f"]', '["ents_p"]'),
                "under the key 'ents_f'",
                "precision taken for F1",
            ),
            WrongAnswer(
                _GAP_SOLUTION.replace(
                    'Example.from_dict(nlp.make_doc(r["text"]), {"entities": r["entities"]})',
                    'Example(nlp(r["text"]), nlp(r["text"]))',
                ),
                "compared the model with itself",
                "the prediction used as the reference",
            ),
        ),
    )
)


# --- 05.6 which labels lose most: per-label F1 from ents_per_type ----------------------------
# Two score dicts in the shape nlp.evaluate returns (only the keys the exercise reads).
_OWN_SCORES: dict[str, Any] = {
    "ents_f": 0.9,
    "ents_per_type": {
        "PRICE": {"p": 1.0, "r": 0.9, "f": 0.947},
        "LOCATION": {"p": 0.9, "r": 0.8, "f": 0.847},
        "URL": {"p": 1.0, "r": 1.0, "f": 1.0},
    },
}
_OTHER_SCORES: dict[str, Any] = {
    "ents_f": 0.7,
    "ents_per_type": {
        "PRICE": {"p": 0.9, "r": 0.5, "f": 0.643},
        "LOCATION": {"p": 0.6, "r": 0.75, "f": 0.667},
        "ZIP": {"p": 1.0, "r": 1.0, "f": 1.0},
    },
}
_WANT_DROP = {"PRICE": 0.947 - 0.643, "LOCATION": 0.847 - 0.667}


def _setup_drop() -> dict[str, Any]:
    import copy

    return {"own_scores": copy.deepcopy(_OWN_SCORES), "other_scores": copy.deepcopy(_OTHER_SCORES)}


def _judge_drop(f1_drop_per_label: Any) -> CheckResult:
    import copy

    got, failed = run_safely(f1_drop_per_label, copy.deepcopy(_OWN_SCORES), copy.deepcopy(_OTHER_SCORES))
    if failed is not None:
        if "KeyError" in failed.message:
            return CheckResult(
                False,
                failed.message,
                "A label is in ents_per_type only if the set has it (in the gold or the predictions): "
                "compare only the labels that are in both dicts.",
            )
        return failed
    if not isinstance(got, dict):
        return CheckResult(False, f"your function returned {type(got).__name__}, not a dict.", "Return {label: drop}.")
    if set(got) != set(_WANT_DROP):
        return CheckResult(
            False,
            f"your dict has the labels {sorted(got)}, expected {sorted(_WANT_DROP)}.",
            "Compare only the labels that are in both dicts: a label missing from one set has no F1 there.",
        )
    values = {label: float(v) for label, v in got.items()}
    close = lambda a, b: abs(a - b) < 1e-9  # noqa: E731
    if all(close(values[k], -v) for k, v in _WANT_DROP.items()):
        return CheckResult(
            False,
            f"your drops are negative ({values['PRICE']:+.3f} for PRICE): other minus own.",
            "The drop is own F1 minus other F1, positive where the model does worse on the other posts.",
        )
    for key, name in (("p", "precision"), ("r", "recall")):
        want = {k: _OWN_SCORES["ents_per_type"][k][key] - _OTHER_SCORES["ents_per_type"][k][key] for k in _WANT_DROP}
        if all(close(values[k], want[k]) for k in want):
            return CheckResult(
                False,
                f"your drops are differences of {name}.",
                "Each label's F1 is under the key 'f': scores['ents_per_type'][label]['f'].",
            )
    if not all(close(values[k], v) for k, v in _WANT_DROP.items()):
        return CheckResult(
            False,
            f"your drops are { ({k: round(v, 3) for k, v in values.items()}) }.",
            "For each label in both: own['ents_per_type'][label]['f'] - other['ents_per_type'][label]['f'].",
        )
    return CheckResult(
        True,
        f"PRICE loses {_WANT_DROP['PRICE']:.3f} and LOCATION {_WANT_DROP['LOCATION']:.3f}; URL and ZIP are in one set only.",
    )


_DROP_SOLUTION = '''def f1_drop_per_label(own_scores, other_scores):
    """Per label in both score dicts: F1 on the own set minus F1 on the other set."""
    own, other = own_scores["ents_per_type"], other_scores["ents_per_type"]
    return {label: own[label]["f"] - other[label]["f"] for label in own if label in other}'''

register(
    Exercise(
        id="05.6",
        notebook=NOTEBOOK,
        title="Which labels lose most: per-label F1",
        answer="f1_drop_per_label",
        judge=_judge_drop,
        setup=_setup_drop,
        solution=_DROP_SOLUTION,
        wrong=(
            WrongAnswer(
                _DROP_SOLUTION.replace(" for label in own if label in other}", " for label in own}"),
                "compare only the labels that are in both dicts",
                "a label missing from the other set",
            ),
            WrongAnswer(
                _DROP_SOLUTION.replace('own[label]["f"] - other[label]["f"]', 'other[label]["f"] - own[label]["f"]'),
                "own F1 minus other F1",
                "drop with the wrong sign",
            ),
            WrongAnswer(
                _DROP_SOLUTION.replace('own[label]["f"] - other[label]["f"]', 'own[label]["p"] - other[label]["p"]'),
                "under the key 'f'",
                "precision taken for F1",
            ),
        ),
    )
)
