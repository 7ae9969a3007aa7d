"""Pair a post's entities: which PRICE and which CONDITION belong to which PRODUCT.

Every method takes a Doc whose `doc.ents` are set (gold or predicted) and returns the pairs
it believes in, as (product, attribute) Spans; an attribute may pair with several products
(a bundle price, "both used") and a product with several attributes ("$330 local or $370
shipped"). An attribute may also pair with nothing (a shipping fee, a discount).

- ``nearest``: each attribute goes to the product closest in tokens (ties: the one before it).
- ``clause``: rules over clauses (split at . ! ? ; and line breaks) that read the words a post
  uses to point at a product: a reference ("CPU $120", "$300 for the GPU"), a bundle word
  ("both", "each", "for the pair"), a list of prices in product order ("$140 and $55"),
  else the nearest product before the attribute in its clause, then in the post, then after it.
- ``dependency``: the product closest in en_core_web_sm's dependency tree, within a sentence.
  Needs a parsed Doc (`parse` below); the other methods need only the tokenizer.
- ``learned``: a logistic regression over the pair features below, trained on gold pairs
  (`PairClassifier`), a pair kept when its probability is at least the threshold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc, Span, Token

from .normalise import product_family, product_key

ATTRIBUTES = ("PRICE", "CONDITION")
Pair = tuple[Span, Span]  # (product, attribute)

_BREAKS = {".", "!", "?", ";"}
_BUNDLE = {"both", "all", "pair", "bundle", "together", "everything", "combo", "either", "each", "ea", "lot"}
_REFERS = {  # words a post uses for a product instead of its name -> the product's family
    "card": "GPU",
    "gpu": "GPU",
    "graphics": "GPU",
    "cpu": "CPU",
    "processor": "CPU",
    "chip": "CPU",
    "psu": "PSU",
    "ram": "RAM",
    "memory": "RAM",
    "kit": "RAM",
    "ssd": "storage",
    "drive": "storage",
    "drives": "storage",
    "nvme": "storage",
    "case": "case",
    "board": "motherboard",
    "mobo": "motherboard",
    "motherboard": "motherboard",
    "monitor": "monitor",
    "screen": "monitor",
    "display": "monitor",
    "cooler": "cooler",
    "console": "console",
    "pad": "console",
    "controller": "console",
    "headset": "audio",
    "headphones": "audio",
    "nas": "computer",
    "laptop": "computer",
    "keyboard": "keyboard",
    "keycaps": "keyboard",
    "mouse": "mouse",
}
_SKIP = {"the", "my", "a", "an", "is", "are", "for", "at", "and", ",", ":", "-", "just", "only", "alone", "now"}


def clause_ids(doc: Doc) -> list[int]:
    """RETURNS (list[int]): per token, the number of its clause (a break token ends a clause)."""
    ids, current = [], 0
    for token in doc:
        ids.append(current)
        if token.text in _BREAKS or "\n" in token.text:
            current += 1
    return ids


def gap(a: Span, b: Span) -> int:
    """RETURNS (int): tokens between two spans (0 when adjacent or overlapping)."""
    return max(a.start - b.end, b.start - a.end, 0)


_ALIASES = {"fe": "founders"}
_NOT_FOR_A_PRODUCT = {"off", "extra", "shipping", "discount", "deposit", "fee"}  # '$10 off', '$20 shipping'
_JOINERS = {",", "or", "and", "+", "&", "/", "plus"}


def _word_refers(word: str, product: Span) -> bool:
    word = word.casefold()
    word = _ALIASES.get(word, word)
    stem = word[:-1] if len(word) > 3 and word.endswith("s") else word
    family = product_family(product.text)
    if family != "other" and family in (_REFERS.get(word), _REFERS.get(stem)):
        return True
    words = product_key(product.text).split()
    return len(stem) > 1 and (word in words or stem in words)


def _refers_to(token: Token, products: Sequence[Span]) -> list[Span]:
    if token.ent_type_ or token.is_punct or token.lower_ in _SKIP:
        return []
    by_name = [p for p in products if token.lower_ in product_key(p.text).split()]
    return by_name or [p for p in products if _word_refers(token.text, p)]


def after_reference(attribute: Span, products: Sequence[Span]) -> list[Span]:
    """The product named right after an attribute: '$90 for the Logitech G Pro', '$700 for the GPU'."""
    doc = attribute.doc
    after = doc[attribute.end : min(attribute.end + 4, len(doc))]
    if not after or after[0].lower_ != "for":
        return []
    for t in after[1:]:
        if t.ent_type_ == "PRODUCT":
            return [p for p in products if p.start <= t.i < p.end]
        if t.lower_ not in _SKIP:
            return _refers_to(t, products)
    return []


def references(attribute: Span, products: Sequence[Span], clauses: list[int], reach: int = 3) -> list[Span]:
    """Products that the closest word before `attribute` (within `reach` tokens, in its clause) names.

    'CPU $120', 'Sonnet is $380', 'drives $110 each'. A word names a product when it is one of the
    product's words ('Sonnet', 'Q5') or a word for its family ('card', 'CPU', 'drives').
    RETURNS (list[Span]): the products referred to (empty when no word names one).
    """
    doc = attribute.doc
    for t in reversed(doc[max(attribute.start - reach, 0) : attribute.start]):
        if clauses[t.i] != clauses[attribute.start] or t.ent_type_:
            break
        found = _refers_to(t, products)
        if found:
            return found
    return []


def bundle_after(attribute: Span) -> bool:
    """RETURNS (bool): '$150 for both', 'AUD 150 for the pair', '$260 for everything', '$90 together'."""
    doc = attribute.doc
    after = [t.lower_ for t in doc[attribute.end : attribute.end + 3]]
    if after[:1] == ["together"]:
        return True
    return after[:1] == ["for"] and any(w in _BUNDLE - {"each", "ea", "either"} for w in after[1:3])


def bundle_word(attribute: Span, clauses: list[int]) -> bool:
    """RETURNS (bool): 'both used', 'or all of it for $420', '$50 each': a bundle word next to `attribute`."""
    doc = attribute.doc
    before = [t for t in doc[max(attribute.start - 4, 0) : attribute.start] if clauses[t.i] == clauses[attribute.start]]
    after = doc[attribute.end : attribute.end + 3]
    if bundle_after(attribute) or (len(after) and after[0].lower_ in ("each", "ea")):
        return True
    return any(
        t.lower_ in _BUNDLE for t in before if not any(e.start > t.i for e in doc.ents if e.end <= attribute.start)
    )


def not_for_a_product(attribute: Span) -> bool:
    """RETURNS (bool): the attribute is a fee or a discount ('$10 off', '$20 shipping', '$25 extra')."""
    doc = attribute.doc
    return attribute.label_ == "PRICE" and attribute.end < len(doc) and doc[attribute.end].lower_ in _NOT_FOR_A_PRODUCT


def listed_before(attribute: Span, products: Sequence[Span], attributes: Sequence[Span]) -> list[Span]:
    """The list of products ('A, B or C', 'A + B') that the post's only price follows.

    RETURNS (list[Span]): the list (two or more products), or [] when the pattern does not apply.
    """
    if attribute.label_ != "PRICE" or sum(a.label_ == "PRICE" for a in attributes) != 1:
        return []
    before = [p for p in products if p.end <= attribute.start]
    if len(before) < 2 or len(before) != len(products):
        return []
    doc, run = attribute.doc, [before[-1]]
    for prev in reversed(before[:-1]):
        between = doc[prev.end : run[0].start]
        if len(between) > 2 or not any(t.lower_ in _JOINERS for t in between):
            break
        run.insert(0, prev)
    return run if len(run) >= 2 else []


def parallel(attribute: Span, products: Sequence[Span], attributes: Sequence[Span], clauses: list[int]) -> Span | None:
    """The k-th product for the k-th attribute of a list of as many ('$140 and $55', '$80 and $90').

    A list is two or more attributes of one label in one clause with no product between them, after
    exactly as many products.
    RETURNS (Span | None): the product in the same position, or None when the pattern does not apply.
    """
    same = [a for a in attributes if a.label_ == attribute.label_ and clauses[a.start] == clauses[attribute.start]]
    run: list[Span] = []
    for a in same:
        if run and any(run[-1].end <= p.start < a.start for p in products):
            if attribute in run:
                break
            run = []
        run.append(a)
    before = [p for p in products if p.end <= run[0].start]
    if len(run) < 2 or attribute not in run or len(before) != len(run):
        return None
    if any(before[0].start <= b.start < run[0].start for b in attributes if b.label_ == attribute.label_):
        return None  # the products already have prices of their own ('A $100, B $70, or $150 for both')
    return before[run.index(attribute)]


def _split(doc: Doc) -> tuple[list[Span], list[Span]]:
    ents = list(doc.ents)
    return [e for e in ents if e.label_ == "PRODUCT"], [e for e in ents if e.label_ in ATTRIBUTES]


def nearest_before(attribute: Span, products: Sequence[Span], clauses: list[int] | None = None) -> Span | None:
    """RETURNS (Span | None): the last product that ends before `attribute` (in its clause if `clauses`)."""
    before = [p for p in products if p.end <= attribute.start]
    if clauses is not None:
        before = [p for p in before if clauses[p.start] == clauses[attribute.start]]
    return before[-1] if before else None


def pair_nearest(doc: Doc) -> list[Pair]:
    """Each attribute with the product closest in tokens (ties: the one before it)."""
    products, attributes = _split(doc)
    if not products:
        return []
    return [(min(products, key=lambda p: (gap(p, a), p.start > a.start)), a) for a in attributes]


def _component(product: Span) -> bool:
    """A product named as part of the one before it: 'ThinkCentre M720q with i5-8500T'."""
    doc = product.doc
    return product.start > 0 and doc[product.start - 1].lower_ in ("with", "w/")


def pair_clause(doc: Doc) -> list[Pair]:
    """The clause rules of the module docstring, tried in order for each attribute."""
    products, attributes = _split(doc)
    if not products:
        return []
    clauses, pairs = clause_ids(doc), []
    heads = [p for p in products if not _component(p)] or products
    for a in attributes:
        if not_for_a_product(a):
            continue
        chosen = after_reference(a, products)
        if not chosen and bundle_after(a):
            chosen = _bundle(a, products, clauses)
        chosen = chosen or references(a, products, clauses)
        if not chosen and bundle_word(a, clauses):
            chosen = _bundle(a, products, clauses)
        if not chosen:
            listed = parallel(a, products, attributes, clauses)
            chosen = [listed] if listed is not None else []
        if not chosen and not any(clauses[p.start] == clauses[a.start] for p in products):
            chosen = references(a, products, clauses, reach=len(doc))
        chosen = chosen or listed_before(a, heads, attributes)
        if not chosen:
            before = nearest_before(a, heads, clauses) or nearest_before(a, heads)
            chosen = [before] if before is not None else [min(products, key=lambda p: gap(p, a))]
        pairs += [(p, a) for p in chosen]
    return pairs


def _bundle(a: Span, products: Sequence[Span], clauses: list[int]) -> list[Span]:
    in_clause = [p for p in products if clauses[p.start] == clauses[a.start] and p.end <= a.start]
    return in_clause if len(in_clause) >= 2 else list(products)


def parse(parser, doc: Doc) -> Doc:
    """Run a pipeline with a parser (en_core_web_sm) over `doc.text` and copy `doc.ents` onto it.

    RETURNS (Doc): the parsed Doc with the same entities (snapped to its tokens if they differ).
    """
    parsed = parser(doc.text)
    spans = [parsed.char_span(e.start_char, e.end_char, label=e.label_, alignment_mode="expand") for e in doc.ents]
    parsed.ents = [s for s in spans if s is not None]
    return parsed


def tree_distance(a: Token, b: Token) -> int:
    """RETURNS (int): edges on the dependency path between two tokens of one sentence (large if none)."""
    up_a = [a, *a.ancestors]
    up_b = [b, *b.ancestors]
    common = next((t for t in up_a if t in up_b), None)
    if common is None:
        return 1000
    return up_a.index(common) + up_b.index(common)


def pair_dependency(doc: Doc) -> list[Pair]:
    """Each attribute with the product closest in the dependency tree, within its sentence.

    doc (Doc): parsed (see `parse`), with entities. Outside a sentence with a product: the
        nearest product before the attribute, else the nearest one.
    """
    products, attributes = _split(doc)
    pairs = []
    for a in attributes:
        same = [p for p in products if p.sent == a.sent]
        if same:
            best = min(same, key=lambda p: (tree_distance(p.root, a.root), gap(p, a), p.start > a.start))
        elif products:
            best = nearest_before(a, products) or min(products, key=lambda p: gap(p, a))
        else:
            continue
        pairs.append((best, a))
    return pairs


# --- the learned pair classifier -------------------------------------------------------------------

FEATURES = (
    "bias",
    "after",
    "gap/10",
    "log gap",
    "products between",
    "same-label attributes between",
    "same clause",
    "nearest before",
    "nearest before in clause",
    "nearest",
    "nearest after",
    "referred to",
    "any reference",
    "named after",
    "bundle after",
    "bundle word",
    "bundle word and before",
    "listed in order",
    "any list",
    "list before",
    "component",
    "fee or discount",
    "condition",
    "products in post/5",
)


def pair_features(doc: Doc) -> tuple[list[Pair], np.ndarray]:
    """Every (product, attribute) candidate of a post and its feature row (FEATURES, in order).

    RETURNS (tuple[list[Pair], ndarray]): the candidates and a (n_candidates, len(FEATURES)) array.
    """
    products, attributes = _split(doc)
    clauses, rows, candidates = clause_ids(doc), [], []
    for a in attributes:
        refs = references(a, products, clauses)
        if not refs and not any(clauses[p.start] == clauses[a.start] for p in products):
            refs = references(a, products, clauses, reach=len(doc))
        named, bundle, bundle_next = after_reference(a, products), bundle_word(a, clauses), bundle_after(a)
        listed, run = parallel(a, products, attributes, clauses), listed_before(a, products, attributes)
        before, before_clause = nearest_before(a, products), nearest_before(a, products, clauses)
        after = [p for p in products if p.start >= a.end]
        closest = min(products, key=lambda p: (gap(p, a), p.start > a.start)) if products else None
        fee = not_for_a_product(a)
        for p in products:
            lo, hi = min(p.end, a.end), max(p.start, a.start)
            d = gap(p, a)
            rows.append([
                1.0, float(p.end <= a.start), min(d / 10, 3.0), math.log1p(d),
                float(sum(lo <= q.start < hi for q in products if q is not p)),
                float(sum(lo <= b.start < hi for b in attributes if b is not a and b.label_ == a.label_)),
                float(clauses[p.start] == clauses[a.start]), float(p is before), float(p is before_clause),
                float(p is closest), float(bool(after) and p is after[0]), float(p in refs), float(bool(refs)),
                float(p in named), float(bundle_next), float(bundle), float(bundle and p.end <= a.start),
                float(p is listed), float(listed is not None), float(p in run), float(_component(p)), float(fee),
                float(a.label_ == "CONDITION"), len(products) / 5,
            ])  # fmt: skip
            candidates.append((p, a))
    return candidates, np.array(rows, dtype=float).reshape(-1, len(FEATURES))


@dataclass
class PairClassifier:
    """Logistic regression over `pair_features`, fitted by gradient descent (numpy only).

    l2 (float): weight decay. steps (int), rate (float): gradient descent. threshold (float):
    the probability from which a pair is kept.
    """

    l2: float = 0.01
    steps: int = 2000
    rate: float = 0.5
    threshold: float = 0.5
    weights: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURES)))

    def fit(self, docs: Iterable[Doc], gold: Iterable[set[tuple]]) -> PairClassifier:
        """Learn from docs and their gold pairs (keys as `pair_key` gives them). RETURNS (PairClassifier): self."""
        xs, ys = [], []
        for doc, pairs in zip(docs, gold):
            candidates, x = pair_features(doc)
            xs.append(x)
            ys += [float(pair_key(p, a) in pairs) for p, a in candidates]
        x, y = np.vstack(xs), np.array(ys)
        w = np.zeros(x.shape[1])
        for _ in range(self.steps):
            p = 1 / (1 + np.exp(-x @ w))
            grad = x.T @ (p - y) / len(y) + self.l2 * np.r_[0.0, w[1:]]
            w -= self.rate * grad
        self.weights = w
        return self

    def probabilities(self, doc: Doc) -> list[tuple[Span, Span, float]]:
        """RETURNS (list[tuple]): (product, attribute, probability) for every candidate pair."""
        candidates, x = pair_features(doc)
        if not candidates:
            return []
        probs = 1 / (1 + np.exp(-x @ self.weights))
        return [(p, a, float(pr)) for (p, a), pr in zip(candidates, probs)]

    def __call__(self, doc: Doc) -> list[Pair]:
        """RETURNS (list[Pair]): the candidate pairs with probability >= threshold."""
        return [(p, a) for p, a, pr in self.probabilities(doc) if pr >= self.threshold]

    def table(self):
        """RETURNS (pandas.DataFrame): feature and weight, largest effect first."""
        import pandas as pd

        frame = pd.DataFrame({"feature": FEATURES, "weight": self.weights.round(2)})
        return frame.reindex(frame["weight"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def pair_key(product: Span, attribute: Span) -> tuple[int, int, int, int, str]:
    """RETURNS (tuple): (product start, end, attribute start, end, label) in characters: pairs compare by offsets."""
    return (product.start_char, product.end_char, attribute.start_char, attribute.end_char, attribute.label_)


RULES: dict[str, Callable[[Doc], list[Pair]]] = {
    "nearest": pair_nearest,
    "clause": pair_clause,
    "dependency": pair_dependency,
}
