"""course/rules.py: the first-draft and refined EntityRuler patterns, and how they are added."""

from __future__ import annotations

import pytest
import spacy

from course import rules
from course.evaluate import evaluate
from course.formats import read_jsonl
from course.settings import data_path

REFINED = rules.ruler_pipeline(refined=True)
BASIC = rules.ruler_pipeline()


def ents(nlp, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(text).ents]


@pytest.mark.parametrize(
    "text,price",
    [
        ("[W] $450 shipped", "$450"),
        ("asking $1,550 obo", "$1,550"),
        ("only $1.1k", "$1.1k"),
        ("[W] C$420, Toronto", "C$420"),
        ("A$730 in Adelaide", "A$730"),
        ("for 160€ in Cologne", "160€"),
        ("[W] 1400 PLN, Warsaw", "1400 PLN"),
        ("[W] $300 CAD local", "$300 CAD"),
        ("for AUD 75 in Perth", "AUD 75"),
        ("55 pounds for both", "55 pounds"),
        ("120 EUR each", "120 EUR"),
        ("EUR 120 each", "EUR 120"),
        ("€120 each", "€120"),
        ("£55 posted", "£55"),
        ("200 bucks", "200 bucks"),
        ("715 quid in Leeds", "715 quid"),
    ],
)
def test_refined_price_variants_from_the_guidelines(text, price):
    assert ents(REFINED, text) == [(price, "PRICE")]


@pytest.mark.parametrize(
    "text,price",
    [
        ("Asking CA$500 shipped", "CA$500"),
        ("AU$120 obo", "AU$120"),
        ("only CA$1,250.50", "CA$1,250.50"),
        ("CA$ 500 local", "CA$ 500"),
        ("US$300 firm", "US$300"),
        ("AU$1.2k or best", "AU$1.2k"),
    ],
)
def test_refined_prices_with_two_letter_dollar_signs(text, price):
    assert ents(REFINED, text) == [(price, "PRICE")]


def test_two_letter_dollar_prices_are_one_token_for_the_tokenizer(nlp):
    # why the sign list alone cannot match them: the token is the whole price
    assert [t.text for t in nlp("CA$500 AU$120 C$450")] == ["CA$500", "AU$120", "C$", "450"]
    assert ents(REFINED, "CA$500 each") == [("CA$500", "PRICE")]
    assert ents(REFINED, "CA$ each") == [] and ents(REFINED, "CAD$500") == []


def test_first_draft_misses_the_variants_the_refined_set_adds():
    assert ents(BASIC, "[W] C$420, Toronto") == []
    assert ents(BASIC, "for 160€ in Cologne") == []
    assert ents(BASIC, "[W] $300 CAD local") == [("$300", "PRICE")]  # wrong boundary


@pytest.mark.parametrize(
    "text,zip_code",
    [
        ("Austin, TX 78701", "78701"),
        ("shipped to zip 60614", "60614"),
        ("in Munich, 80331.", "80331"),
        ("(94110) only", "94110"),
        ("Bristol BS1 4DJ also fine", "BS1 4DJ"),
        ("Manchester M1 1AE.", "M1 1AE"),
        ("Postcode SW11 3BU, London", "SW11 3BU"),
        ("Toronto M4C 1B5", "M4C 1B5"),
        ("Montreal H2X 1Y4", "H2X 1Y4"),
    ],
)
def test_refined_zip_codes(text, zip_code):
    assert ents(REFINED, text) == [(zip_code, "ZIP")]


@pytest.mark.parametrize(
    "text",
    [
        "[H] i5-12600K, like new",
        "Intel i9-13900K [W] PayPal",
        "RTX 3080 for sale",
        "Samsung 980 Pro M2 2TB",
        "M2 8GB stick",
        "12600K",
        "DDR5 6000",
    ],
)
def test_refined_zip_ignores_model_numbers(text):
    assert [label for _, label in ents(REFINED, text)] == []


def test_first_draft_zip_fires_inside_model_numbers():
    assert ents(BASIC, "[H] i5-12600K, like new") == [("12600", "ZIP")]


def test_standalone_attribute():
    nlp = spacy.blank("en")
    doc = nlp("i5-12600K and 78701, zip 60614")
    flags = {t.text: t._.get(rules.STANDALONE) for t in doc}
    assert flags["12600"] is False and flags["78701"] is True and flags["60614"] is True


@pytest.mark.parametrize(
    "text,url",
    [
        ("Timestamps: https://imgur.com/a/Ps5sL1m — PS5", "https://imgur.com/a/Ps5sL1m"),
        ("Timestamps: imgur.com/a/edm4070t", "imgur.com/a/edm4070t"),
        ("pics (imgur.com/a/abc)", "imgur.com/a/abc"),
    ],
)
def test_refined_url_keeps_split_off_letters(text, url):
    assert ents(REFINED, text) == [(url, "URL")]


def test_usernames_in_both_sets():
    text = "thanks u/gpu_guy and /u/blue-falcon"
    expected = [("u/gpu_guy", "USERNAME"), ("/u/blue-falcon", "USERNAME")]
    assert ents(BASIC, text) == expected and ents(REFINED, text) == expected


def test_patterns_select_labels_and_set():
    assert {p["label"] for p in rules.patterns(["ZIP", "URL"])} == {"ZIP", "URL"}
    assert len(rules.patterns(["ZIP"])) == len(rules.PATTERNS["ZIP"])
    assert len(rules.patterns(["ZIP"], refined=True)) == len(rules.REFINED_PATTERNS["ZIP"])
    assert set(rules.REFINED_PATTERNS) == set(rules.PATTERNS) == set(rules.PATTERN_LABELS)


def test_add_ruler_position_and_name():
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")
    rules.add_ruler(nlp, ["ZIP"], before="ner", refined=True)
    assert nlp.pipe_names == ["entity_ruler", "ner"]
    assert rules.ruler_pipeline(["URL"]).pipe_names == ["entity_ruler"]


@pytest.mark.parametrize("split", ["dev", "test"])
def test_refined_rules_beat_first_draft_on_held_out_posts(split):
    records = read_jsonl(data_path("hardware_posts", f"{split}.jsonl"))
    labels = list(rules.PATTERN_LABELS)
    basic, refined = evaluate(BASIC, records, labels), evaluate(REFINED, records, labels)
    # The coverage posts of issue 19 hold prices only context makes prices ("asking 450",
    # "four fifty") and handles the patterns do not know ("U/Name", "u/Two-Hyphen-Name"), so
    # the rules miss about a tenth of the PRICEs there: high precision, not full recall. The
    # second coverage round (more prices in words and running text in dev) took dev to 0.93.
    assert refined.micro["f"] >= 0.92 and refined.micro["p"] >= 0.98
    assert refined.micro["f"] > basic.micro["f"] + 0.03
    assert refined.per_label["ZIP"]["f"] > basic.per_label["ZIP"]["f"]
