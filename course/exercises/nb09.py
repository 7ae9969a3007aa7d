"""Exercises of notebook 09 (from entities to listings)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..check import CheckResult
from . import Exercise, WrongAnswer, register, run_safely

NB = "09_listings"


def _doc(text: str, pieces: list[tuple[str, str]], parsed: bool = False):
    """A Doc of `text` with the given (entity text, label) as doc.ents; parsed by en_core_web_sm if asked."""
    import spacy

    nlp = _parser() if parsed else spacy.blank("en")
    doc = nlp(text) if parsed else nlp.make_doc(text)
    spans, start = [], 0
    for piece, label in pieces:
        at = text.index(piece, start)
        spans.append(doc.char_span(at, at + len(piece), label=label, alignment_mode="expand"))
        start = at + len(piece)
    doc.ents = spans
    return doc


@lru_cache(maxsize=1)
def _parser():
    from ..resources import load_pretrained

    return load_pretrained("en_core_web_sm")


# 09.1 ----------------------------------------------------------------------------------------------


def _judge_amount(amount: Any) -> CheckResult:
    cases = [("$450", 450.0), ("90 bucks", 90.0), ("$1,200", 1200.0), ("1.2k", 1200.0), ("£2.5k", 2500.0)]
    for text, want in cases:
        got, failed = run_safely(amount, text)
        if failed is not None:
            if "1,200" in failed.message:
                return CheckResult(
                    False,
                    "float() cannot read '1,200': the comma is a thousands separator.",
                    "Remove the thousands separator ',' before calling float().",
                )
            return failed
        if got == want:
            continue
        if text == "1.2k" and got == 12000.0:
            return CheckResult(
                False,
                "'1.2k' came out as 12000.0: the decimal point was removed too.",
                "Only the comma is a separator; '.' is the decimal point and must stay.",
            )
        if text in ("1.2k", "£2.5k") and isinstance(got, (int, float)) and abs(got - want / 10) < 1e-6:
            return CheckResult(
                False,
                f"{text!r} came out as {got!r}, ten times too small.",
                "k stands for a thousand: multiply by 1000.",
            )
        return CheckResult(
            False, f"amount({text!r}) returned {got!r}, expected {want!r}.", "Print the string at each step."
        )
    return CheckResult(True, "'$1,200' → 1200.0 and '1.2k' → 1200.0: separators out, k for thousand.")


register(
    Exercise(
        id="09.1",
        notebook=NB,
        title="Read the amount of a price",
        answer="amount",
        judge=_judge_amount,
        solution='''def amount(text):
    """The number in a price such as '$450', '$1,200', '1.2k' or '90 bucks', as a float."""
    number = text.strip().split()[0].lstrip("$£€")
    number = number.replace(",", "")
    if number.lower().endswith("k"):
        return float(number[:-1]) * 1000
    return float(number)''',
        wrong=(
            WrongAnswer(
                """def amount(text):
    number = text.strip().split()[0].lstrip("$£€")
    if number.lower().endswith("k"):
        return float(number[:-1]) * 1000
    return float(number)""",
                "thousands separator ','",
                "the comma left in",
            ),
            WrongAnswer(
                """def amount(text):
    number = text.strip().split()[0].lstrip("$£€")
    number = number.replace(",", "").replace(".", "")
    if number.lower().endswith("k"):
        return float(number[:-1]) * 1000
    return float(number)""",
                "decimal point",
                "the decimal point removed as well",
            ),
            WrongAnswer(
                """def amount(text):
    number = text.strip().split()[0].lstrip("$£€")
    number = number.replace(",", "")
    if number.lower().endswith("k"):
        return float(number[:-1]) * 100
    return float(number)""",
                "multiply by 1000",
                "k as a hundred",
            ),
        ),
    )
)


# 09.2 ----------------------------------------------------------------------------------------------

POST_2 = "RX 6800 $300 or $280 local, RX 6600 $150, pickup $10 off"
PIECES_2 = [("RX 6800", "PRODUCT"), ("$300", "PRICE"), ("$280", "PRICE"), ("RX 6600", "PRODUCT"), ("$150", "PRICE"),
            ("$10", "PRICE")]  # fmt: skip
WANT_2 = [("RX 6800", "$300"), ("RX 6600", "$150")]


def _judge_following(pair_following: Any) -> CheckResult:
    doc = _doc(POST_2, PIECES_2)
    got, failed = run_safely(pair_following, doc)
    if failed is not None:
        return failed
    got = [tuple(x) for x in got] if isinstance(got, list) else got
    if got == WANT_2:
        lonely, failed = run_safely(pair_following, _doc("Looking for an RTX 3060", [("RTX 3060", "PRODUCT")]))
        if failed is not None:
            return failed
        if [tuple(x) for x in lonely] != [("RTX 3060", None)]:
            return CheckResult(False, f"a post without a price gave {lonely!r}.", "Pair the product with None then.")
        return CheckResult(True, "each product takes the first price after it: $300 and $150.")
    if got == [("RX 6800", "$10"), ("RX 6600", "$10")]:
        return CheckResult(
            False,
            "you paired both products with '$10', the last price of the post.",
            "Take the first price after the product, not the last.",
        )
    if isinstance(got, list) and got and got[0] == ("RX 6800", "$300") and got[1:] != WANT_2[1:]:
        return CheckResult(
            False,
            f"you got {got!r}: the second product took a price that is not after it.",
            "price.start and product.end are token indices; ent.start_char counts characters, "
            "so do not compare the two (mixing character offsets with token indices).",
        )
    return CheckResult(
        False, f"you got {got!r}, expected {WANT_2!r}.", "Keep the prices that start at or after product.end."
    )


register(
    Exercise(
        id="09.2",
        notebook=NB,
        title="Pair each product with the next price",
        answer="pair_following",
        judge=_judge_following,
        solution='''def pair_following(doc):
    """(product text, price text or None) for each PRODUCT: the first PRICE that starts after it ends."""
    prices = [ent for ent in doc.ents if ent.label_ == "PRICE"]
    pairs = []
    for product in doc.ents:
        if product.label_ != "PRODUCT":
            continue
        after = [price for price in prices if price.start >= product.end]
        pairs.append((product.text, after[0].text if after else None))
    return pairs''',
        wrong=(
            WrongAnswer(
                """def pair_following(doc):
    prices = [ent for ent in doc.ents if ent.label_ == "PRICE"]
    pairs = []
    for product in doc.ents:
        if product.label_ != "PRODUCT":
            continue
        after = [price for price in prices if price.start >= product.end]
        pairs.append((product.text, after[-1].text if after else None))
    return pairs""",
                "not the last",
                "takes the last price",
            ),
            WrongAnswer(
                """def pair_following(doc):
    prices = [ent for ent in doc.ents if ent.label_ == "PRICE"]
    pairs = []
    for product in doc.ents:
        if product.label_ != "PRODUCT":
            continue
        after = [price for price in prices if price.start_char >= product.end]
        pairs.append((product.text, after[0].text if after else None))
    return pairs""",
                "mixing character offsets",
                "characters compared with tokens",
            ),
        ),
    )
)


# 09.3 ----------------------------------------------------------------------------------------------

POST_3 = "I have an RTX 3070 for $300. The Ryzen 5 5600 goes for $90."
PIECES_3 = [("RTX 3070", "PRODUCT"), ("$300", "PRICE"), ("Ryzen 5 5600", "PRODUCT"), ("$90", "PRICE")]


def _judge_sentence(same_sentence_prices: Any) -> CheckResult:
    doc = _doc(POST_3, PIECES_3, parsed=True)
    got, failed = run_safely(same_sentence_prices, doc)
    if failed is not None:
        return failed
    want = {"RTX 3070": ["$300"], "Ryzen 5 5600": ["$90"]}
    if got == want:
        return CheckResult(True, "each product keeps the price of its own sentence (doc.sents from the parser).")
    if got == {"RTX 3070": [], "Ryzen 5 5600": []}:
        return CheckResult(
            False, "no product got a price.", "Compare the sentences of the two spans: ent.sent == product.sent."
        )
    if isinstance(got, dict) and any(
        "RTX 3070" in v or "Ryzen 5 5600" in v for v in got.values() if isinstance(v, list)
    ):
        return CheckResult(False, f"you got {got!r}: products came out as prices.", "Keep only PRICE entities.")
    return CheckResult(False, f"you got {got!r}, expected {want!r}.", "Compare ent.sent with product.sent.")


register(
    Exercise(
        id="09.3",
        notebook=NB,
        title="Prices in the same sentence",
        answer="same_sentence_prices",
        judge=_judge_sentence,
        solution='''def same_sentence_prices(doc):
    """For each PRODUCT's text, the texts of the PRICEs in its sentence."""
    result = {}
    for product in doc.ents:
        if product.label_ == "PRODUCT":
            result[product.text] = [
                ent.text for ent in doc.ents if ent.label_ == "PRICE" and ent.sent == product.sent
            ]
    return result''',
        wrong=(
            WrongAnswer(
                """def same_sentence_prices(doc):
    result = {}
    for product in doc.ents:
        if product.label_ == "PRODUCT":
            result[product.text] = [ent.text for ent in doc.ents if ent.label_ == "PRICE" and ent.sent == product]
    return result""",
                "ent.sent == product.sent",
                "a sentence compared with the product span",
            ),
            WrongAnswer(
                """def same_sentence_prices(doc):
    result = {}
    for product in doc.ents:
        if product.label_ == "PRODUCT":
            result[product.text] = [ent.text for ent in doc.ents if ent.sent == product.sent]
    return result""",
                "Keep only PRICE",
                "no label filter",
            ),
        ),
    )
)


# 09.4 ----------------------------------------------------------------------------------------------


def _judge_f1(pair_f1: Any) -> CheckResult:
    gold = {("RTX 3080", "$400"), ("i7", "$120"), ("i7", "used")}
    predicted = {("RTX 3080", "$400"), ("RTX 3080", "$120")}
    got, failed = run_safely(pair_f1, predicted, gold)
    if failed is not None:
        return failed
    want = (0.5, 1 / 3, 0.4)
    close = isinstance(got, tuple) and len(got) == 3 and all(isinstance(x, (int, float)) for x in got)
    if close and all(abs(a - b) < 1e-9 for a, b in zip(got, want)):
        empty, failed = run_safely(pair_f1, set(), gold)
        if failed is not None and "ZeroDivision" in failed.message:
            return CheckResult(
                False,
                "with no predicted pair your function divides by zero.",
                "Return 0.0 for F1 when precision + recall is 0.",
            )
        if failed is not None:
            return failed
        if tuple(empty) != (0.0, 0.0, 0.0):
            return CheckResult(False, f"with no predicted pair you got {empty!r}.", "Every score is 0.0 then.")
        return CheckResult(True, "precision 0.5, recall 0.333, F1 0.4: the harmonic mean punishes the low recall.")
    if close and abs(got[1] - 0.5) < 1e-9:
        return CheckResult(
            False, f"recall came out as {got[1]!r}.", "Recall divides the true positives by the number of gold pairs."
        )
    if close and abs(got[2] - (0.5 + 1 / 3) / 2) < 1e-9:
        return CheckResult(
            False, f"F1 came out as {got[2]:.3f}, the plain average.", "F1 is the harmonic mean: 2 * p * r / (p + r)."
        )
    return CheckResult(
        False, f"you got {got!r}, expected (0.5, 0.333…, 0.4).", "Count the true positives with predicted & gold."
    )


register(
    Exercise(
        id="09.4",
        notebook=NB,
        title="Score pairs",
        answer="pair_f1",
        judge=_judge_f1,
        solution='''def pair_f1(predicted, gold):
    """Precision, recall and F1 of predicted pairs against gold pairs (sets); 0.0 when undefined."""
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1''',
        wrong=(
            WrongAnswer(
                """def pair_f1(predicted, gold):
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(predicted) if predicted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1""",
                "number of gold pairs",
                "recall divided by the predictions",
            ),
            WrongAnswer(
                """def pair_f1(predicted, gold):
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = (precision + recall) / 2
    return precision, recall, f1""",
                "harmonic mean",
                "arithmetic mean",
            ),
            WrongAnswer(
                """def pair_f1(predicted, gold):
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall)
    return precision, recall, f1""",
                "divides by zero",
                "no zero-division guard",
            ),
        ),
    )
)
