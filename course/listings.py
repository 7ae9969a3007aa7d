"""From entities to listings: gold pairs, pairing methods, listings, and how well pairing works.

A **listing** is one PRODUCT of a post with its price (if any), its condition (if any) and the
post's LOCATION, ZIP and USERNAME. Pairing decides which PRICE and CONDITION go with which
PRODUCT (course/pairing.py has the methods); prices are read by course/normalise.py.

Gold pairs (data/listings/README.md): a canonical record plus `"pairs": [[p, a], ...]`, where
`p` is the position of a PRODUCT and `a` that of a PRICE or CONDITION in its `entities` list,
counted from 0. A price paired with several products is shared: `per_item` (its text or the
word after it says "each") means every product costs that much, otherwise it is one price for
the products together (a bundle). A product may have several prices ("$330 local or $370
shipped"); its listing shows the first price that is its own (paired with it alone, or per
item), else the first shared one.

Scores count pairs by character offsets and labels, so the same code scores pairs found on
gold entities and pairs found on a model's entities: a predicted pair is right only if both
of its entities are exactly a gold pair's entities.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span

from .annotations import to_doc, validate
from .errors import AnnotationError, ListingError, Problem
from .normalise import Price, dollar_currency, normalise_price, product_family, product_key
from .pairing import ATTRIBUTES, RULES, Pair, PairClassifier, pair_key
from .settings import LABELS

__all__ = [
    "METHODS", "Listing", "PostListings", "build", "check_pairs", "gold_keys", "load_pairs", "pair_doc",
    "score", "train_classifier",
]  # fmt: skip

METHODS = ("nearest", "clause", "dependency", "learned")


@dataclass(frozen=True)
class Listing:
    """One product of a post and what belongs to it.

    product (str), price (str | None), condition (str | None): entity texts. amount (float | None),
    currency (str | None): the price, normalised. per_item (bool): the price is "each".
    shared_with (int): how many other products share this price (0: its own price).
    """

    product: str
    key: str
    family: str
    price: str | None
    amount: float | None
    currency: str | None
    condition: str | None
    per_item: bool = False
    shared_with: int = 0

    def to_json(self) -> dict[str, Any]:
        """RETURNS (dict): the listing in the CLI's JSON shape."""
        return {
            "product": self.product,
            "price": self.price,
            "amount": self.amount,
            "currency": self.currency,
            "condition": self.condition,
        }


@dataclass(frozen=True)
class PostListings:
    """The listings of one post and its post-level entities."""

    text: str
    listings: list[Listing]
    location: str | None
    zip: str | None
    username: str | None

    def to_json(self) -> dict[str, Any]:
        """RETURNS (dict): `{"text", "listings", "location", "zip", "username"}`, as `listings --json` prints it."""
        return {
            "text": self.text,
            "listings": [listing.to_json() for listing in self.listings],
            "location": self.location,
            "zip": self.zip,
            "username": self.username,
        }

    def rows(self) -> list[dict[str, Any]]:
        """RETURNS (list[dict]): one flat row per listing, for a pandas DataFrame."""
        post = {"location": self.location, "zip": self.zip, "username": self.username, "text": self.text}
        return [{**vars(listing), **post} for listing in self.listings]


def _first(doc: Doc, label: str) -> str | None:
    return next((e.text for e in doc.ents if e.label_ == label), None)


def _location(doc: Doc) -> str | None:
    """The post's location: a title tag such as [USA-TX] if there is one, else the first LOCATION."""
    locations = [e for e in doc.ents if e.label_ == "LOCATION"]
    tagged = [e for e in locations if e.start > 0 and doc[e.start - 1].text == "["]
    return (tagged or locations)[0].text if locations else None


def build(doc: Doc, pairs: Sequence[Pair]) -> PostListings:
    """Turn a post's entities and pairs into listings.

    doc (Doc): the post with `doc.ents`. pairs (Sequence[Pair]): (product, attribute) spans.
    RETURNS (PostListings): one listing per PRODUCT, in text order.
    """
    location = _location(doc)
    dollar = dollar_currency(location)
    by_attribute: dict[tuple[int, int], int] = {}
    for _, a in pairs:
        by_attribute[(a.start, a.end)] = by_attribute.get((a.start, a.end), 0) + 1
    listings = []
    for product in (e for e in doc.ents if e.label_ == "PRODUCT"):
        mine = sorted((a for p, a in pairs if (p.start, p.end) == (product.start, product.end)), key=lambda a: a.start)
        prices = [(a, _read(a, dollar)) for a in mine if a.label_ == "PRICE"]
        own = [(a, pr) for a, pr in prices if by_attribute[(a.start, a.end)] == 1 or (pr and pr.per_item)]
        chosen: list[tuple[Span | None, Price | None]] = [*(own or prices)] or [(None, None)]
        price, value = chosen[0]
        condition = next((a.text for a in mine if a.label_ == "CONDITION"), None)
        listings.append(
            Listing(
                product=product.text,
                key=product_key(product.text),
                family=product_family(product.text),
                price=price.text if price is not None else None,
                amount=value.amount if value else None,
                currency=value.currency if value else None,
                condition=condition,
                per_item=bool(value and value.per_item),
                shared_with=by_attribute[(price.start, price.end)] - 1 if price is not None else 0,
            )
        )
    return PostListings(doc.text, listings, location, _first(doc, "ZIP"), _first(doc, "USERNAME"))


def _read(price: Span, dollar: str | None) -> Price | None:
    """Normalise a PRICE span, reading an 'each'/'ea' right after it (the guideline leaves it outside)."""
    doc = price.doc
    after = doc[price.end].text if price.end < len(doc) else ""
    return normalise_price(f"{price.text} {after}" if after.casefold() in ("each", "ea") else price.text, dollar)


# --- gold pairs ------------------------------------------------------------------------------------


def check_pairs(
    records: Sequence[Any], *, source: str = "<records>", lines: Sequence[int] | None = None
) -> list[Problem]:
    """Problems with the `pairs` of records whose entities are valid (N620–N624).

    RETURNS (list[Problem]): one per bad pair (or missing list), naming the record's line.
    """
    problems = []
    for i, rec in enumerate(records):
        at = (i, lines[i] if lines is not None else i + 1, source)
        pairs = rec.get("pairs") if isinstance(rec, dict) else None
        if not isinstance(pairs, list):
            problems.append(Problem.make("N620", at))
            continue
        ents, seen = rec["entities"], set()
        for pair in pairs:
            if not (isinstance(pair, list) and len(pair) == 2 and all(type(x) is int for x in pair)):
                problems.append(Problem.make("N621", at, pair=repr(pair)))
                continue
            bad = next((x for x in pair if not 0 <= x < len(ents)), None)
            if bad is not None:
                problems.append(Problem.make("N622", at, pair=pair, index=bad, count=len(ents), last=len(ents) - 1))
                continue
            for index, expected in zip(pair, ("PRODUCT", " or ".join(ATTRIBUTES))):
                start, end, label = ents[index]
                if label not in expected.split(" or "):
                    text = rec["text"][start:end]
                    problems.append(
                        Problem.make("N623", at, pair=pair, index=index, text=text, label=label, expected=expected)
                    )
            if tuple(pair) in seen:
                problems.append(Problem.make("N624", at, pair=pair))
            seen.add(tuple(pair))
    return problems


def load_pairs(path: str | os.PathLike, nlp) -> list[dict[str, Any]]:
    """Read and check a gold pair file: entities with course.annotations.validate, pairs with `check_pairs`.

    path (str | PathLike): JSONL, one record with `pairs` per line. nlp: its tokenizer is used.
    RETURNS (list[dict]): the records.
    RAISES AnnotationError: listing every problem (entities N1xx, pairs N62x, unreadable lines N203).
    """
    from .formats import load

    loaded = load(path, "jsonl", nlp)
    report = validate(loaded.records, nlp, LABELS, source=str(path), lines=loaded.lines)
    bad = {p.index for p in report.problems}
    keep = [i for i in range(len(loaded.records)) if i not in bad]
    pair_problems = check_pairs(
        [loaded.records[i] for i in keep], source=str(path), lines=[loaded.lines[i] for i in keep]
    )
    problems = sorted(loaded.problems + report.problems + pair_problems, key=lambda p: p.line)
    if problems:
        raise AnnotationError(problems)
    return loaded.records


def gold_keys(record: dict[str, Any]) -> set[tuple]:
    """RETURNS (set[tuple]): the record's gold pairs as `pairing.pair_key` tuples (character offsets)."""
    ents = record["entities"]
    return {(*ents[p][:2], *ents[a][:2], ents[a][2]) for p, a in record["pairs"]}


def gold_doc(nlp, record: dict[str, Any]) -> Doc:
    """RETURNS (Doc): the record's text with its gold entities (validated by course.annotations.to_doc)."""
    return to_doc(nlp, record)


# --- methods and scores -----------------------------------------------------------------------------


def train_classifier(nlp, records: Iterable[dict[str, Any]], **options: Any) -> PairClassifier:
    """Fit a PairClassifier on gold records (their entities and pairs).

    options: PairClassifier's l2, steps, rate, threshold. RETURNS (PairClassifier): fitted.
    """
    records = list(records)
    docs = [gold_doc(nlp, r) for r in records]
    return PairClassifier(**options).fit(docs, [gold_keys(r) for r in records])


def pair_doc(doc: Doc, method: str, classifier: PairClassifier | None = None) -> list[Pair]:
    """Pair one post's entities with a named method.

    method (str): one of METHODS. classifier (PairClassifier | None): needed for "learned".
    RETURNS (list[Pair]): (product, attribute) spans.
    RAISES ListingError: N626 for an unknown method (or "learned" without a classifier), N627
        for "dependency" on a Doc without a parse.
    """
    if method == "learned" and classifier is not None:
        return classifier(doc)
    if method not in RULES:
        raise ListingError("N626", method=method, choices=", ".join(METHODS))
    if method == "dependency" and not doc.has_annotation("DEP"):
        raise ListingError("N627", text=doc.text[:40])
    return RULES[method](doc)


@dataclass(frozen=True)
class PairScore:
    """Pairing precision, recall and F1 (zero division gives 0.0), with the counts behind them."""

    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score(predicted: Iterable[Iterable[Pair]], gold: Iterable[set[tuple]]) -> PairScore:
    """Compare predicted pairs with gold pairs, post by post, by character offsets and labels.

    predicted (Iterable): per post, the (product, attribute) spans a method returned.
    gold (Iterable[set]): per post, `gold_keys(record)`.
    RETURNS (PairScore): counts over all posts.
    """
    tp = fp = fn = 0
    for pairs, want in zip(predicted, gold):
        got = {pair_key(p, a) for p, a in pairs}
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    return PairScore(tp, fp, fn)
