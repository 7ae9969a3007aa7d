"""Token patterns for the pattern-like labels, served by spaCy's EntityRuler.

ZIP codes, links and usernames follow a shape, so a few patterns find them without
any training. Prices are half pattern ("$450", "120 EUR"), half context ("asking 180").
Notebooks 01, 05 and 07 use these patterns alone and next to a trained model.
"""
from __future__ import annotations

from typing import Iterable

import spacy
from spacy.language import Language

_NUMBER = {"TEXT": {"REGEX": r"^\d[\d,]*(\.\d+)?k?$"}}
_CURRENCY_SIGNS = ["$", "£", "€"]
_CURRENCY_WORDS = ["eur", "euro", "euros", "usd", "gbp", "cad", "aud", "bucks", "dollars", "quid"]
_CURRENCY_CODES = ["EUR", "USD", "GBP", "CAD", "AUD"]
_USER_PREFIX = [{"ORTH": {"IN": ["u", "/u"]}}, {"ORTH": "/"}]
_NAME_PART = {"TEXT": {"REGEX": r"^[A-Za-z0-9_]+$"}}

PATTERNS: dict[str, list[list[dict]]] = {
    # spaCy's SHAPE collapses runs longer than four, so '78701' has shape 'dddd' like '3080':
    # the length tells them apart.
    "ZIP": [[{"SHAPE": "dddd", "LENGTH": 5}]],
    # The tokenizer keeps a URL in one token and sets LIKE_URL on it.
    "URL": [[{"LIKE_URL": True}]],
    # 'u/name' and '/u/name' split into prefix, '/', and the name (hyphens split too).
    "USERNAME": [_USER_PREFIX + [_NAME_PART],
                 _USER_PREFIX + [_NAME_PART, {"ORTH": "-"}, _NAME_PART]],
    "PRICE": [[{"ORTH": {"IN": _CURRENCY_SIGNS}}, _NUMBER],
              [_NUMBER, {"LOWER": {"IN": _CURRENCY_WORDS}}],
              [{"ORTH": {"IN": _CURRENCY_CODES}}, _NUMBER]],
}
PATTERN_LABELS: tuple[str, ...] = tuple(PATTERNS)


def patterns(labels: Iterable[str] = PATTERN_LABELS) -> list[dict]:
    """RETURNS (list[dict]): EntityRuler patterns ({"label", "pattern"}) for `labels`."""
    return [{"label": label, "pattern": p} for label in labels for p in PATTERNS[label]]


def add_ruler(nlp: Language, labels: Iterable[str] = PATTERN_LABELS, *, name: str = "entity_ruler",
              before: str | None = None, overwrite_ents: bool = False) -> Language:
    """Add an EntityRuler with the course patterns to `nlp`.

    nlp (Language): the pipeline to extend (changed in place).
    labels (Iterable[str]): which pattern groups to add.
    name (str): component name.
    before (str | None): e.g. "ner": the ruler's entities are then kept and the model fills
        in the rest; None adds it last, where it only adds entities the model did not find.
    overwrite_ents (bool): let the ruler replace overlapping entities already set.
    RETURNS (Language): `nlp`, for chaining.
    """
    config = {"overwrite_ents": overwrite_ents}
    ruler = nlp.add_pipe("entity_ruler", name=name, before=before, config=config)
    ruler.add_patterns(patterns(labels))
    return nlp


def ruler_pipeline(labels: Iterable[str] = PATTERN_LABELS, lang: str = "en") -> Language:
    """RETURNS (Language): a blank pipeline whose only component is the rule-based ruler."""
    return add_ruler(spacy.blank(lang), labels)
