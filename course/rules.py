"""Token patterns for the pattern-like labels, served by spaCy's EntityRuler.

ZIP codes, links and usernames follow a shape, so a few patterns find them without
any training. Prices are half pattern ("$450", "120 EUR"), half context ("asking 180").
Notebooks 01, 06 and 08 use these patterns alone and next to a trained model.

Two pattern sets:

* `PATTERNS`, the first draft of notebook 01: one obvious pattern per shape.
* `REFINED_PATTERNS`, the second draft of notebook 06, written after reading the
  first draft's errors on the training posts: UK and Canadian postcodes, no ZIP inside
  model numbers such as `i5-12600K`, prices such as `C$420`, `160€`, `1400 PLN` and
  `$300 CAD`, and links whose last letter the tokenizer split off. Pass
  `refined=True` to `patterns`, `add_ruler` or `ruler_pipeline` to use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

import spacy
from spacy.language import Language
from spacy.tokens import Token

if TYPE_CHECKING:
    from spacy.pipeline import EntityRuler

_NUMBER = {"TEXT": {"REGEX": r"^\d[\d,]*(\.\d+)?k?$"}}
_CURRENCY_SIGNS = ["$", "£", "€"]
_CURRENCY_WORDS = ["eur", "euro", "euros", "usd", "gbp", "cad", "aud", "bucks", "dollars", "quid"]
_CURRENCY_CODES = ["EUR", "USD", "GBP", "CAD", "AUD"]
_USER_PREFIX: list[dict] = [{"ORTH": {"IN": ["u", "/u"]}}, {"ORTH": "/"}]
_NAME_PART: dict = {"TEXT": {"REGEX": r"^[A-Za-z0-9_]+$"}}

PATTERNS: dict[str, list[list[dict]]] = {
    # spaCy's SHAPE collapses runs longer than four, so '78701' has shape 'dddd' like '3080':
    # the length tells them apart.
    "ZIP": [[{"SHAPE": "dddd", "LENGTH": 5}]],
    # The tokenizer keeps a URL in one token and sets LIKE_URL on it.
    "URL": [[{"LIKE_URL": True}]],
    # 'u/name' and '/u/name' split into prefix, '/', and the name (hyphens split too).
    "USERNAME": [_USER_PREFIX + [_NAME_PART], _USER_PREFIX + [_NAME_PART, {"ORTH": "-"}, _NAME_PART]],
    "PRICE": [
        [{"ORTH": {"IN": _CURRENCY_SIGNS}}, _NUMBER],
        [_NUMBER, {"LOWER": {"IN": _CURRENCY_WORDS}}],
        [{"ORTH": {"IN": _CURRENCY_CODES}}, _NUMBER],
    ],
}
PATTERN_LABELS: tuple[str, ...] = tuple(PATTERNS)

# --- the refined set ------------------------------------------------------------------
# A token pattern sees one token at a time, so "five digits, but not glued to 'i5-' or 'K'"
# needs a custom attribute: Token._.course_standalone is False for a token written without
# a space next to a letter, digit or hyphen ('12600' in 'i5-12600K').
STANDALONE = "course_standalone"


def _standalone(token: Token) -> bool:
    doc, i = token.doc, token.i
    if i > 0 and not doc[i - 1].whitespace_ and (doc[i - 1].text[-1:].isalnum() or doc[i - 1].text == "-"):
        return False
    if not token.whitespace_ and i + 1 < len(doc):
        first = doc[i + 1].text[:1]
        if first.isalnum() or first == "-":
            return False
    return True


if not Token.has_extension(STANDALONE):
    Token.set_extension(STANDALONE, getter=_standalone)

_SIGNS_REFINED = ["$", "£", "€", "C$", "A$", "CA$", "AU$", "US$"]
# The tokenizer splits 'C$450', 'A$730' and 'US$300' after the sign (they are in its
# exceptions) but keeps 'CA$500' and 'AU$120' as ONE token, so a sign-then-number pattern
# never sees them; one regex on the whole token does. ('CA$ 500', with a space, is two tokens.)
_GLUED_PRICE = {"TEXT": {"REGEX": r"^(CA|AU)\$\d[\d,]*(\.\d+)?k?$"}}
_CODES_REFINED = [*_CURRENCY_CODES, "PLN", "CHF", "SEK", "NZD"]
_WORDS_REFINED = [*_CURRENCY_WORDS, "pln", "pounds", "zloty", "chf"]
# UK inward codes never use C, I, K, M, O, V; '2TB' or '8GB' after 'M2' is a spec, not a postcode.
_UK_OUTWARD = {"TEXT": {"REGEX": r"^[A-Z]{1,2}\d[A-Z\d]?$"}}
_UK_INWARD = {"TEXT": {"REGEX": r"^\d(?!(TB|GB|MB)$)[ABD-HJLNP-UW-Z]{2}$"}}

REFINED_PATTERNS: dict[str, list[list[dict]]] = {
    "ZIP": [
        [{"TEXT": {"REGEX": r"^\d{5}$"}, "_": {STANDALONE: True}}],  # US and German: 78701, 80331
        [_UK_OUTWARD, _UK_INWARD],  # UK: SW11 3BU, M1 1AE
        [{"TEXT": {"REGEX": r"^[A-Z]\d[A-Z]$"}}, {"TEXT": {"REGEX": r"^\d[A-Z]\d$"}}],
    ],  # CA: M4C 1B5
    # 'imgur.com/a/Ps5sL1m' is split before its last letter ('m' looks like a unit after a
    # digit), so a URL token followed without a space by letters takes them along.
    "URL": [[{"LIKE_URL": True}], [{"LIKE_URL": True, "SPACY": False}, {"IS_ALPHA": True}]],
    "USERNAME": PATTERNS["USERNAME"],
    "PRICE": [
        [{"ORTH": {"IN": _SIGNS_REFINED}}, _NUMBER],  # $450, C$420
        [_GLUED_PRICE],  # CA$500 (one token)
        [_NUMBER, {"ORTH": {"IN": ["€", "£"]}}],  # 160€
        [_NUMBER, {"LOWER": {"IN": _WORDS_REFINED}}],  # 1400 PLN, 55 quid
        [{"ORTH": {"IN": _CODES_REFINED}}, _NUMBER],  # AUD 75
        [{"ORTH": {"IN": _SIGNS_REFINED}}, _NUMBER, {"ORTH": {"IN": _CODES_REFINED}}],  # $300 CAD
        [_GLUED_PRICE, {"ORTH": {"IN": _CODES_REFINED}}],
    ],  # CA$500 CAD
}


def _pattern_set(refined: bool) -> dict[str, list[list[dict]]]:
    return REFINED_PATTERNS if refined else PATTERNS


def patterns(labels: Iterable[str] = PATTERN_LABELS, refined: bool = False) -> list[dict]:
    """EntityRuler patterns for some labels.

    labels (Iterable[str]): which pattern groups, from PATTERN_LABELS.
    refined (bool): use REFINED_PATTERNS (notebook 06) instead of PATTERNS (notebook 01).
    RETURNS (list[dict]): {"label", "pattern"} dicts for `EntityRuler.add_patterns`.
    """
    table = _pattern_set(refined)
    return [{"label": label, "pattern": p} for label in labels for p in table[label]]


def add_ruler(
    nlp: Language,
    labels: Iterable[str] = PATTERN_LABELS,
    *,
    name: str = "entity_ruler",
    before: str | None = None,
    overwrite_ents: bool = False,
    refined: bool = False,
) -> Language:
    """Add an EntityRuler with the course patterns to `nlp`.

    nlp (Language): the pipeline to extend (changed in place).
    labels (Iterable[str]): which pattern groups to add.
    name (str): component name.
    before (str | None): e.g. "ner": the ruler's entities are then kept and the model fills
        in the rest; None adds it last, where it only adds entities the model did not find.
    overwrite_ents (bool): let the ruler replace overlapping entities already set.
    refined (bool): use REFINED_PATTERNS. A pipeline saved with them needs `import course.rules`
        before `spacy.load`, because the ZIP pattern uses the Token._.course_standalone attribute.
    RETURNS (Language): `nlp`, for chaining.
    """
    config = {"overwrite_ents": overwrite_ents}
    ruler = cast("EntityRuler", nlp.add_pipe("entity_ruler", name=name, before=before, config=config))
    ruler.add_patterns(patterns(labels, refined=refined))
    return nlp


def ruler_pipeline(labels: Iterable[str] = PATTERN_LABELS, lang: str = "en", refined: bool = False) -> Language:
    """RETURNS (Language): a blank pipeline whose only component is the rule-based ruler."""
    return add_ruler(spacy.blank(lang), labels, refined=refined)
