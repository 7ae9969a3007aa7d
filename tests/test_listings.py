"""course/normalise.py, course/pairing.py, course/listings.py and `python -m course listings`."""

from __future__ import annotations

import json

import pytest
import spacy

from cli_support import assert_clean_exit, write_lines
from course import listings, pairing
from course.annotations import make_record, to_doc
from course.errors import AnnotationError, ListingError
from course.normalise import dollar_currency, normalise_price, product_family, product_key
from course.settings import data_path

NLP = spacy.blank("en")

PRICES = [  # text, dollar of the post, amount, currency, per item
    ("$450", "USD", 450.0, "USD", False),
    ("$450", None, 450.0, None, False),  # a bare $ says "some dollar": unknown without a location tag
    ("450 shipped", "USD", 450.0, None, False),
    ("C$420", "USD", 420.0, "CAD", False),
    ("$300 CAD", "USD", 300.0, "CAD", False),
    ("120 EUR", None, 120.0, "EUR", False),
    ("EUR 345", None, 345.0, "EUR", False),
    ("160€", None, 160.0, "EUR", False),
    ("330 euros", None, 330.0, "EUR", False),
    ("90 bucks", "CAD", 90.0, "CAD", False),
    ("150 dollars", None, 150.0, None, False),
    ("1.2k", None, 1200.0, None, False),
    ("$1.6k", "USD", 1600.0, "USD", False),
    ("$1,550 obo", "USD", 1550.0, "USD", False),
    ("75 each", None, 75.0, None, True),
    ("$50 ea", "USD", 50.0, "USD", True),
    ("£80", None, 80.0, "GBP", False),
    ("140 quid", None, 140.0, "GBP", False),
    ("AUD 150", None, 150.0, "AUD", False),
    ("A$400", "USD", 400.0, "AUD", False),
    ("1400 PLN", None, 1400.0, "PLN", False),
    ("eighty quid", None, 80.0, "GBP", False),
    ("two hundred bucks", "USD", 200.0, "USD", False),
    ("thirty five bucks", None, 35.0, None, False),
    ("five fifty", "USD", 550.0, None, False),
    ("one twenty shipped", None, 120.0, None, False),
    ("nine hundred", None, 900.0, None, False),
    ("500$", "USD", 500.0, "USD", False),
    ("US $119.99", None, 119.99, "USD", False),
    # more currencies: symbols, words and ISO codes before or after the number
    ("$4,500 MXN", "USD", 4500.0, "MXN", False),  # the code after '$' says which '$'
    ("1900 AED", "USD", 1900.0, "AED", False),
    ("4500 Kč", None, 4500.0, "CZK", False),
    ("HK$1,350", "USD", 1350.0, "HKD", False),
    ("S$650", "USD", 650.0, "SGD", False),
    ("S$1,050", None, 1050.0, "SGD", False),
    ("R$ 1.300", None, 1300.0, "BRL", False),
    ("R650", None, 650.0, "ZAR", False),
    ("R400", "USD", 400.0, "ZAR", False),
    ("RM 2,300", None, 2300.0, "MYR", False),
    ("Rs 52,000", None, 52000.0, "INR", False),
    ("Rs. 14,000", None, 14000.0, "INR", False),
    ("₹5,500", None, 5500.0, "INR", False),
    ("¥85,000", None, 85000.0, "JPY", False),
    ("₱18,500", None, 18500.0, "PHP", False),
    ("9,900 baht", None, 9900.0, "THB", False),
    ("850 $", "CAD", 850.0, "CAD", False),  # a '$' after the number, like '500$'
    ("850 $", None, 850.0, None, False),
    ("4500 kr", "USD", 4500.0, None, False),  # krona or krone: the country is unknown
    ("1200 kr", None, 1200.0, None, False),
    ("two hundred and fifty", None, 250.0, None, False),
    ("one thousand and fifty bucks", "USD", 1050.0, "USD", False),
    # continental markers: a dot before three digits groups thousands, a comma before one or two is decimal
    ("1.100 kr", None, 1100.0, None, False),
    ("8.900 kr", None, 8900.0, None, False),
    ("1.100 kr each", None, 1100.0, None, True),
    ("R$ 2.000", None, 2000.0, "BRL", False),
    ("€1.150", None, 1150.0, "EUR", False),
    ("1.050 €", None, 1050.0, "EUR", False),
    ("CHF 1.200", None, 1200.0, "CHF", False),
    ("5,49 €", None, 5.49, "EUR", False),
    ("1.234,56 €", None, 1234.56, "EUR", False),
    ("1,200 €", None, 1200.0, "EUR", False),  # a comma before three digits groups thousands everywhere
    ("€1.5k", None, 1500.0, "EUR", False),  # before a k the dot is a decimal point
    ("1.234.567", None, 1234567.0, None, False),  # several dot groups: thousands, whatever the marker
    # US/UK markers or none: the dot stays a decimal point, the comma groups thousands
    ("$1.2k", "USD", 1200.0, "USD", False),
    ("$119.99", "USD", 119.99, "USD", False),
    ("$1,200.50", "USD", 1200.5, "USD", False),
    ("1,200", None, 1200.0, None, False),
    ("£3.50", None, 3.5, "GBP", False),
    ("£1.500", None, 1.5, "GBP", False),
    ("1.500", None, 1.5, None, False),
    ("9.99", None, 9.99, None, False),
    ("$50/ea", "USD", 50.0, "USD", True),
]


@pytest.mark.parametrize("text,dollar,amount,currency,per_item", PRICES)
def test_normalise_price_table(text, dollar, amount, currency, per_item):
    price = normalise_price(text, dollar)
    assert price is not None and (price.amount, price.currency, price.per_item) == (amount, currency, per_item)


@pytest.mark.parametrize(
    "text",
    ["free", "best offer", "$400-450", "xyz 20", "20 apples", "", "$", "bucks", "hundred", "bucks 50",
     "R 650",  # a lone R is the rand only right before the digits
     "5,49", "$1,50",  # a decimal comma needs a continental marker
     "C$300 CAD", "450€ quid", "$50 €",  # two markers
     "two hundred and", "and fifty"],
)  # fmt: skip
def test_unreadable_prices_are_none_not_a_guess(text):
    assert normalise_price(text, "USD") is None


def test_covers_every_price_of_the_course_data():
    texts = set()
    for split in ("train", "dev", "test", "dev_shift", "test_shift"):
        for line in data_path("hardware_posts", f"{split}.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            texts |= {rec["text"][s:e] for s, e, label in rec["entities"] if label == "PRICE"}
    unread = sorted(t for t in texts if normalise_price(t, "USD") is None)
    assert len(unread) <= len(texts) // 50, unread  # at most 2 % left as None


def test_dollar_currency_comes_from_a_country_tag_only():
    assert [dollar_currency(x) for x in ("USA-TX", "CAN-ON", "AUS", "UK", "Portland", None)] == [
        "USD", "CAD", "AUD", None, None, None,
    ]  # fmt: skip


def test_product_key_groups_spellings_of_one_product():
    same = ["Nvidia GeForce RTX 3080", "rtx 3080", "RTX3080", "EVGA  RTX 3080", "GeForce RTX 3080"]
    assert {product_key(t) for t in same} == {"rtx 3080"}
    assert product_key("Intel Core i7-12700K") == product_key("i7 12700K") == "i7 12700k"
    assert product_key("Asus") == "asus"  # never empty
    assert product_key("Keychron Q1 Pro") != product_key("Keychron Q1")


def test_product_family():
    assert [product_family(t) for t in ("RTX 3080", "Ryzen 7 5800X3D", "Noctua NH-D15", "Herman Miller Sayl")] == [
        "GPU", "CPU", "cooler", "other",
    ]  # fmt: skip


# --- pairing on crafted posts ------------------------------------------------------------------


def pairs_of(method: str, text: str, *pieces) -> set[tuple[str, str]]:
    doc = to_doc(NLP, make_record(text, *pieces))
    return {(p.text, a.text) for p, a in listings.pair_doc(doc, method)}


def test_each_price_after_its_product():
    got = pairs_of("clause", "RTX 3070 $300, Ryzen 5 5600 $90", ("RTX 3070", "PRODUCT"), ("$300", "PRICE"),
                   ("Ryzen 5 5600", "PRODUCT"), ("$90", "PRICE"))  # fmt: skip
    assert got == {("RTX 3070", "$300"), ("Ryzen 5 5600", "$90")}


def test_shared_price_goes_to_both_products_and_nearest_does_not():
    text = "GTX 1070 and GTX 1060, 140 for both"
    pieces = (("GTX 1070", "PRODUCT"), ("GTX 1060", "PRODUCT"), ("140", "PRICE"))
    assert pairs_of("clause", text, *pieces) == {("GTX 1070", "140"), ("GTX 1060", "140")}
    assert pairs_of("nearest", text, *pieces) == {("GTX 1060", "140")}


def test_each_or_both():
    text = "Logitech G305 and Razer Viper, 75 each or 140 for both"
    pieces = (("Logitech G305", "PRODUCT"), ("Razer Viper", "PRODUCT"), ("75", "PRICE"), ("140", "PRICE"))
    want = {(p, a) for p in ("Logitech G305", "Razer Viper") for a in ("75", "140")}
    assert pairs_of("clause", text, *pieces) == want
    post = listings.build(doc := to_doc(NLP, make_record(text, *pieces)), listings.pair_doc(doc, "clause"))
    assert [(x.price, x.amount, x.per_item) for x in post.listings] == [("75", 75.0, True)] * 2


def test_reference_words_and_fees():
    text = "[H] RX 6800, i5-12400F [W] PayPal. CPU $120, GPU $300, +$20 shipping"
    pieces = (("RX 6800", "PRODUCT"), ("i5-12400F", "PRODUCT"), ("$120", "PRICE"), ("$300", "PRICE"), ("$20", "PRICE"))
    assert pairs_of("clause", text, *pieces) == {("i5-12400F", "$120"), ("RX 6800", "$300")}


def test_prices_listed_in_product_order():
    text = "[H] Ryzen 7 5800X, Ryzen 5 3600X [W] PayPal. $140 and $55 shipped."
    pieces = (("Ryzen 7 5800X", "PRODUCT"), ("Ryzen 5 3600X", "PRODUCT"), ("$140", "PRICE"), ("$55", "PRICE"))
    assert pairs_of("clause", text, *pieces) == {("Ryzen 7 5800X", "$140"), ("Ryzen 5 3600X", "$55")}


def test_dependency_needs_a_parse_and_unknown_methods_are_refused():
    doc = to_doc(NLP, make_record("RTX 3080 $400", ("RTX 3080", "PRODUCT"), ("$400", "PRICE")))
    with pytest.raises(ListingError, match="N627"):
        listings.pair_doc(doc, "dependency")
    with pytest.raises(ListingError, match="N626"):
        listings.pair_doc(doc, "closest")
    with pytest.raises(ListingError, match="N626"):
        listings.pair_doc(doc, "learned")  # without a classifier


def test_learned_classifier_fits_the_tuning_pairs():
    tune = listings.load_pairs(data_path("listings", "pairs_tune.jsonl"), NLP)
    clf = listings.train_classifier(NLP, tune)
    docs = [listings.gold_doc(NLP, r) for r in tune]
    fitted = listings.score([clf(d) for d in docs], [listings.gold_keys(r) for r in tune])
    untrained = listings.score([pairing.PairClassifier()(d) for d in docs], [listings.gold_keys(r) for r in tune])
    assert fitted.f1 > untrained.f1 and fitted.f1 > 0.8


def test_post_level_entities_and_shared_bundle_price():
    rec = make_record(
        "[USA-TX] [H] RTX 3080, i7-9700K [W] $480 for both, u/seller_sam, 78701",
        ("USA-TX", "LOCATION"), ("RTX 3080", "PRODUCT"), ("i7-9700K", "PRODUCT"), ("$480", "PRICE"),
        ("u/seller_sam", "USERNAME"), ("78701", "ZIP"),
    )  # fmt: skip
    doc = to_doc(NLP, rec)
    post = listings.build(doc, listings.pair_doc(doc, "clause")).to_json()
    assert post["location"] == "USA-TX" and post["zip"] == "78701" and post["username"] == "u/seller_sam"
    assert [x["product"] for x in post["listings"]] == ["RTX 3080", "i7-9700K"]
    assert all(x["price"] == "$480" and x["amount"] == 480.0 and x["currency"] == "USD" for x in post["listings"])
    assert set(post["listings"][0]) == {"product", "price", "amount", "currency", "condition"}


# --- gold pairs ----------------------------------------------------------------------------------


def test_gold_pair_set_is_large_enough_and_mostly_multi_product():
    parts = [listings.load_pairs(data_path("listings", f"pairs_{p}.jsonl"), NLP) for p in ("tune", "heldout")]
    records = parts[0] + parts[1]
    multi = [r for r in records if max(sum(e[2] == lab for e in r["entities"]) for lab in ("PRODUCT", "PRICE")) >= 2]
    assert len(records) >= 80 and len(multi) * 2 >= len(records)
    assert not {r["text"] for r in parts[0]} & {r["text"] for r in parts[1]}  # held out means held out
    train = {json.loads(line)["text"] for line in data_path("hardware_posts", "train.jsonl").open(encoding="utf-8")}
    assert not train & {r["text"] for r in parts[1]}  # NER never trained on a held-out text


def test_score_counts_pairs_by_offsets():
    rec = {**make_record("A1 $5, B2 $6", ("A1", "PRODUCT"), ("$5", "PRICE"), ("B2", "PRODUCT"), ("$6", "PRICE")),
           "pairs": [[0, 1], [2, 3]]}  # fmt: skip
    doc = listings.gold_doc(NLP, rec)
    ents = list(doc.ents)
    s = listings.score([[(ents[0], ents[1]), (ents[0], ents[3])]], [listings.gold_keys(rec)])
    assert (s.tp, s.fp, s.fn) == (1, 1, 1) and s.precision == s.recall == s.f1 == 0.5
    assert listings.score([[]], [set()]).f1 == 0.0


BASE = make_record("RTX 3080 $400 used", ("RTX 3080", "PRODUCT"), ("$400", "PRICE"), ("used", "CONDITION"))


@pytest.mark.parametrize(
    "pairs,code",
    [(None, "N620"), ([[0]], "N621"), ([["0", 1]], "N621"), ([[0, 5]], "N622"), ([[1, 0]], "N623"),
     ([[0, 1], [0, 1]], "N624")],
)  # fmt: skip
def test_bad_pairs_are_coded_problems(pairs, code, tmp_path):
    rec = dict(BASE) if pairs is None else {**BASE, "pairs": pairs}
    assert [p.code for p in listings.check_pairs([rec])][:1] == [code]
    path = write_lines(tmp_path / "pairs.jsonl", {**BASE, "pairs": [[0, 1]]}, rec)
    with pytest.raises(AnnotationError) as err:
        listings.load_pairs(path, NLP)
    assert err.value.problems[0].code == code and err.value.problems[0].line == 2


def test_bad_entities_in_a_pair_file_are_reported_by_line(tmp_path):
    path = write_lines(tmp_path / "pairs.jsonl", {**BASE, "entities": [[0, 5, "PRODUCT"]], "pairs": []}, "{oops")
    with pytest.raises(AnnotationError) as err:
        listings.load_pairs(path, NLP)
    assert [p.code for p in err.value.problems] == ["N101", "N203"]


# --- the command -----------------------------------------------------------------------------------

POSTS = [
    make_record("[USA-TX] [H] RTX 3080, i7-9700K [W] $480 for both", ("USA-TX", "LOCATION"),
                ("RTX 3080", "PRODUCT"), ("i7-9700K", "PRODUCT"), ("$480", "PRICE")),
    make_record("Anyone selling a cheap PSU?"),
]  # fmt: skip


def test_from_annotations_json_is_one_object_per_line(cli, tmp_path):
    path = write_lines(tmp_path / "posts.jsonl", *POSTS)
    result = cli(["listings", "--from-annotations", path, "--json"], tmp_path)
    assert_clean_exit(result, 0)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in rows] == [p["text"] for p in POSTS]
    assert set(rows[0]) == {"text", "listings", "location", "zip", "username"}
    assert rows[0]["listings"][1] == {
        "product": "i7-9700K", "price": "$480", "amount": 480.0, "currency": "USD", "condition": None,
    }  # fmt: skip
    assert rows[1]["listings"] == []


@pytest.mark.parametrize("method", ["nearest", "learned"])
def test_from_annotations_other_methods_and_text_output(cli, tmp_path, method):
    path = write_lines(tmp_path / "posts.jsonl", *POSTS)
    result = cli(["listings", "--from-annotations", path, "--method", method], tmp_path)
    assert_clean_exit(result, 0)
    assert "line 1:" in result.stdout and "i7-9700K" in result.stdout and "location USA-TX" in result.stdout


def test_from_annotations_refuses_bad_annotations(cli, tmp_path):
    path = write_lines(tmp_path / "posts.jsonl", POSTS[0], {"text": "RTX 3080 $400", "entities": [[0, 5, "PRODUCT"]]})
    result = cli(["listings", "--from-annotations", path, "--json"], tmp_path)
    assert_clean_exit(result, 1)
    assert "posts.jsonl:2: N101" in result.stdout and result.stdout.count("\n") == 1  # no listing half-printed


@pytest.mark.parametrize(
    "args", [["listings"], ["listings", "model-only"], ["listings", "m", "f", "--from-annotations", "x"]]
)
def test_usage_errors_are_n625_exit_2(cli, tmp_path, args):
    result = cli(args, tmp_path)
    assert_clean_exit(result, 2)
    assert "N625" in result.stderr


def test_model_mode_reads_text_and_jsonl_and_refuses_bad_lines(cli, tmp_path):
    from tiny_ner import tiny_model

    tiny_model().to_disk(tmp_path / "model")
    (tmp_path / "posts.txt").write_text(
        "Selling my RTX 3080 for $450 in Austin\n\nSelling my Steam Deck for $120 in Boston\n"
    )
    result = cli(["listings", tmp_path / "model", tmp_path / "posts.txt", "--json"], tmp_path)
    assert_clean_exit(result, 0)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2 and rows[0]["text"].startswith("Selling my RTX 3080")
    assert all("listings" in r for r in rows)
    bad = write_lines(tmp_path / "posts.jsonl", {"text": "Selling my RTX 3080 for $450"}, {"txt": "x"}, "{oops")
    result = cli(["listings", tmp_path / "model", bad], tmp_path)
    assert_clean_exit(result, 1)
    assert "posts.jsonl:2: N628" in result.stdout and "posts.jsonl:3: N203" in result.stdout
    result = cli(["listings", tmp_path / "model", tmp_path / "missing.txt"], tmp_path)
    assert_clean_exit(result, 2)
    assert "N201" in result.stderr


def test_from_annotations_starts_without_torch_unless_it_parses():
    from course.cli.light import is_tokenizer_only

    assert is_tokenizer_only(["listings", "--from-annotations", "x.jsonl", "--method", "learned"])
    assert not is_tokenizer_only(["listings", "--from-annotations", "x.jsonl", "--method", "dependency"])
    assert not is_tokenizer_only(["listings", "--from-annotations", "x.jsonl", "--method=dependency"])
    assert not is_tokenizer_only(["listings", "model", "x.txt"])
