"""A tiny, quickly trained NER model shared by test_active, test_serve and test_monitor.

Thirty template posts ("Selling my RTX 3080 for $450 in Austin") are enough for a blank
`ner` to be sure of posts shaped like them, and unsure of a scrambled one.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

from spacy.language import Language

PRODUCTS = ["RTX 3080", "GTX 1070", "Ryzen 5600X", "Steam Deck", "iPad Air"]
CITIES = ["Austin", "Denver", "Boston"]
PRICES = ["$450", "$120"]
LABELS = ["PRODUCT", "PRICE", "LOCATION"]
SCRAMBLED = "Austin Denver Boston RTX 450 Steam my for in"


def record(product: str, price: str, city: str) -> dict:
    text = f"Selling my {product} for {price} in {city}"
    spans = [(product, "PRODUCT"), (price, "PRICE"), (city, "LOCATION")]
    return {"text": text, "entities": [[text.rindex(t), text.rindex(t) + len(t), label] for t, label in spans]}


RECORDS = [record(p, pr, c) for p, c, pr in itertools.product(PRODUCTS, CITIES, PRICES)]


@lru_cache(maxsize=1)
def tiny_model() -> Language:
    """RETURNS (Language): a blank pipeline with a `ner` trained on RECORDS (cached per session)."""
    from course.train import train_blank

    return train_blank(RECORDS, labels=LABELS, n_iter=8, seed=0, progress=False).nlp
