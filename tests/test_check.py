"""course.check: every check passes on the right input and fails with the specific hint."""

from __future__ import annotations

import copy
import pickle

import pytest
import spacy
from hypothesis import given, settings, strategies as st

from course import check
from course.check import CheckFailed, CheckResult, ____

POST = "[USA-TX] [H] EVGA RTX 3080 FTW3 Ultra, like new [W] $450 shipped"
BLANK = "✗ Not yet: replace the ____ blanks with your code, then run the cell again."


@pytest.fixture(scope="module")
def nlp():
    return spacy.blank("en")


def make_doc(nlp, ents):
    """Doc for POST with entities given as (text, label) — located by first occurrence."""
    doc = nlp(POST)
    spans = []
    for text, label in ents:
        start = POST.index(text)
        span = doc.char_span(start, start + len(text), label=label)
        assert span is not None, text
        spans.append(span)
    doc.ents = spans
    return doc


def at(text: str, label: str, offset: int = 0, extra: int = 0) -> tuple[int, int, str]:
    start = POST.index(text) + offset
    return start, start + len(text) + extra - offset, label


GOLD = [("USA-TX", "LOCATION"), ("RTX 3080", "PRODUCT"), ("$450", "PRICE")]


# --- CheckResult and the ____ sentinel -----------------------------------------------


def test_result_rendering_and_require():
    ok = CheckResult(True, "all good.")
    bad = CheckResult(False, "'$450' is missing.", "Add PRICE examples.")
    assert repr(ok) == str(ok) == "✓ Well done: all good."
    assert repr(bad) == "✗ Not yet: '$450' is missing. Hint: Add PRICE examples."
    assert bool(ok) and not bool(bad)
    assert "✓ Well done:" in ok._repr_html_() and "Hint:" not in ok._repr_html_()
    assert "✗ Not yet:" in bad._repr_html_() and "<b>Hint:</b> Add PRICE examples." in bad._repr_html_()
    assert "&#x27;$450&#x27; is missing." in bad._repr_html_()  # escaped
    assert ok.require() is ok
    with pytest.raises(CheckFailed, match=r"'\$450' is missing\. Hint: Add PRICE examples\.") as err:
        bad.require()
    assert err.value.code == "N524" and err.value.result is bad
    assert str(err.value).startswith("N524 the exercise check did not pass: ✗ Not yet:")
    assert issubclass(CheckFailed, AssertionError)


def test_blank_is_a_singleton_that_absorbs_operations():
    assert check._Blank() is ____ and repr(____) == str(____) == "____"
    assert copy.deepcopy(____) is ____ and pickle.loads(pickle.dumps(____)) is ____
    for value in (____ / 8, 6 / ____, ____ + 1, 2 * ____, -____, ____(1, x=2), ____.ents, f"{____:.2f}"):
        assert check.contains_blank(value)
    with pytest.raises(AttributeError):
        ____._repr_html_  # noqa: B018  IPython must not mistake the blank for a rich object


def test_contains_blank_looks_inside_containers(nlp):
    assert check.contains_blank([("RTX 3080", ____)])
    assert check.contains_blank({"labels": {"PRICE": [____]}})
    assert check.contains_blank(nlp("price is ____"))
    assert not check.contains_blank([("RTX 3080", "PRODUCT")])
    assert not check.contains_blank(nlp(POST))


@pytest.mark.parametrize(
    "call",
    [
        lambda nlp: check.entities(nlp(POST), [("RTX 3080", ____)]),
        lambda nlp: check.entities(____, GOLD),
        lambda nlp: check.entities(nlp("____ shipped"), GOLD),
        lambda nlp: check.spans(POST, [(____, 26, "PRODUCT")], [("RTX 3080", "PRODUCT")]),
        lambda nlp: check.labels(____, ["PRODUCT"]),
        lambda nlp: check.labels(nlp, [____]),
        lambda nlp: check.number(____ / (____ + 2), 0.6),
        lambda nlp: check.predictions(nlp, [(____, GOLD)]),
    ],
)
def test_every_check_asks_for_blanks(nlp, call):
    result = call(nlp)
    assert not result.passed and repr(result) == BLANK


def test_labels_detects_blank_added_as_label():
    nlp = spacy.blank("en")
    nlp.add_pipe("ner").add_label("____")
    assert repr(check.labels(nlp, ["PRODUCT"])) == BLANK


# --- entities ------------------------------------------------------------------------


def test_entities_pass(nlp):
    result = check.entities(make_doc(nlp, GOLD), GOLD)
    assert result.passed
    assert repr(result) == (
        "✓ Well done: all 3 entities match: 'USA-TX' (LOCATION), 'RTX 3080' (PRODUCT), '$450' (PRICE)."
    )
    assert check.entities(nlp(POST), []).passed


def test_entities_wrong_label_hints_add_label(nlp):
    result = check.entities(make_doc(nlp, [("USA-TX", "LOCATION"), ("RTX 3080", "ORG"), ("$450", "PRICE")]), GOLD)
    assert not result.passed
    assert result.message == "'RTX 3080' is tagged but as ORG."
    assert result.hint == "Did you add the PRODUCT label to the ner component before training?"


def test_entities_label_case(nlp):
    result = check.entities(make_doc(nlp, [("USA-TX", "LOCATION"), ("RTX 3080", "product"), ("$450", "PRICE")]), GOLD)
    assert "tagged product, expected PRODUCT" in result.message and "case-sensitive" in result.hint


def test_entities_missing(nlp):
    result = check.entities(make_doc(nlp, GOLD[:2]), GOLD)
    assert result.message == "'$450' (PRICE) is missing."
    assert "PRICE" in result.hint and "'$450'" in result.hint


def test_entities_boundary_too_short(nlp):
    result = check.entities(make_doc(nlp, [("USA-TX", "LOCATION"), ("RTX 3080", "PRODUCT"), ("450", "PRICE")]), GOLD)
    assert result.message == ("'450' found but expected '$450' — check the boundaries ('$' belongs in the PRICE span).")
    assert "start and end match exactly" in result.hint


def test_entities_boundary_too_long_and_wrong_label(nlp):
    ents = [("USA-TX", "LOCATION"), ("EVGA RTX 3080", "ORG"), ("$450", "PRICE")]
    result = check.entities(make_doc(nlp, ents), GOLD)
    assert "'EVGA RTX 3080' found but expected 'RTX 3080'" in result.message
    assert "'EVGA ' is not part of the PRODUCT span" in result.message
    assert "also labelled ORG, not PRODUCT" in result.message


def test_entities_extra(nlp):
    result = check.entities(make_doc(nlp, GOLD + [("like new", "CONDITION")]), GOLD)
    assert result.message == "Extra entity 'like new' (CONDITION)."
    assert "precision" in result.hint


def test_entities_several_problems_are_all_reported(nlp):
    result = check.entities(make_doc(nlp, [("RTX 3080", "ORG"), ("shipped", "CONDITION")]), GOLD)
    assert result.message == (
        "'USA-TX' (LOCATION) is missing. 'RTX 3080' is tagged but as ORG. "
        "'$450' (PRICE) is missing. (and 1 more problem(s))"
    )
    assert "Did you add the PRODUCT label" in result.hint and "Extra" not in result.message


def test_entities_bad_inputs(nlp):
    assert "does not occur in the text" in check.entities(nlp(POST), [("RTX 4090", "PRODUCT")]).message
    assert "expected a spaCy Doc, got str" in check.entities(POST, GOLD).message
    assert "(text, label) pairs" in check.entities(nlp(POST), ["RTX 3080"]).message


# --- spans ---------------------------------------------------------------------------


def test_spans_pass(nlp):
    result = check.spans(POST, [at(t, l) for t, l in GOLD], GOLD, nlp=nlp)
    assert result.passed and "all 3 spans are right" in repr(result)
    # order of the learner's spans does not matter
    assert check.spans(POST, [at(t, l) for t, l in reversed(GOLD)], GOLD).passed


@pytest.mark.parametrize(
    "span,message,hint",
    [
        (at("RTX 3080", "PRODUCT", extra=-1), "one character short of 'RTX 3080'", "end offset is exclusive"),
        (at("RTX 3080", "PRODUCT", extra=1), "with whitespace around 'RTX 3080'", "visible character"),
        (at("RTX 3080", "PRODUCT", offset=-1), "with whitespace around", "visible character"),
        (at("RTX 3080", "PRODUCT", offset=1), "the start is off by one", "Offsets count from 0"),
        (
            (POST.index("RTX 3080") + 1, POST.index("RTX 3080") + 9, "PRODUCT"),
            "both offsets are shifted by one",
            "count from 0, not 1",
        ),
        (at("RTX 3080", "product"), "tagged product, expected PRODUCT", "case-sensitive"),
        (at("RTX 3080", "ORG"), "'RTX 3080' is tagged but as ORG", "add the PRODUCT label"),
        ((0, 999, "PRODUCT"), "outside the text or empty", f"len(text) = {len(POST)}"),
        ((30, 30, "PRODUCT"), "outside the text or empty", "start < end"),
        ((13.0, 21, "PRODUCT"), "offsets must be integers", "int values"),
        ((0, 5, "PRODUCT"), "covers '[USA-', but expected 'RTX 3080'", "text.find('RTX 3080')"),
    ],
)
def test_spans_diagnoses(span, message, hint):
    result = check.spans(POST, [span], [("RTX 3080", "PRODUCT")])
    assert not result.passed
    assert message in result.message and hint in result.hint


def test_spans_one_character_too_long():
    text = "[W] $450, shipped"
    result = check.spans(text, [(4, 9, "PRICE")], [("$450", "PRICE")])
    assert "one character more than '$450'" in result.message and "not one more" in result.hint


def test_spans_misaligned_with_tokens(nlp):
    text = "[W] $450 shipped"
    result = check.spans(text, [(4, 7, "PRICE")], [("$45", "PRICE")], nlp=nlp)
    assert "does not align with token boundaries" in result.message
    assert "W030" in result.hint and "alignment_mode='expand'" in result.hint
    assert check.spans(text, [(4, 7, "PRICE")], [("$45", "PRICE")]).passed  # no nlp: no token check


def test_spans_overlap_and_count():
    product, inner = at("EVGA RTX 3080", "PRODUCT"), at("RTX 3080", "PRODUCT")
    result = check.spans(POST, [product, inner], [("EVGA RTX 3080", "PRODUCT"), ("RTX 3080", "PRODUCT")])
    assert "overlap" in result.message and "doc.ents cannot overlap" in result.hint
    result = check.spans(POST, [product], GOLD)
    assert result.message == "you gave 1 span(s) but 3 are expected."
    assert "(start, end, label) triples" in check.spans(POST, [(1, 2)], GOLD).message


@settings(database=None)
@given(st.text(min_size=1, max_size=40), st.data())
def test_spans_accepts_any_exact_slice(text, data):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    assert check.spans(text, [(start, end, "X")], [(text[start:end], "X")]).passed


# --- labels --------------------------------------------------------------------------


@pytest.fixture
def ner_nlp():
    nlp = spacy.blank("en")
    ner = nlp.add_pipe("ner")
    for label in ("PRODUCT", "price"):
        ner.add_label(label)
    return nlp


def test_labels_pass_and_missing(ner_nlp):
    assert repr(check.labels(ner_nlp, ["PRODUCT"])) == "✓ Well done: the ner component has PRODUCT."
    assert check.labels(ner_nlp, "PRODUCT").passed
    result = check.labels(ner_nlp, ["PRODUCT", "LOCATION"])
    assert result.message == "label 'LOCATION' is missing."
    assert "add_label('LOCATION')" in result.hint


def test_labels_case_and_exact(ner_nlp):
    result = check.labels(ner_nlp, ["PRICE"])
    assert "'price' is there but 'PRICE' is expected" in result.message and "case-sensitive" in result.hint
    assert not check.labels(ner_nlp, ["PRODUCT"], exact=True).passed
    assert "label 'price' is not expected" in check.labels(ner_nlp, ["PRODUCT"], exact=True).message
    assert check.labels(ner_nlp, ["PRODUCT", "price"], exact=True).passed


def test_labels_wrong_pipeline():
    nlp = spacy.blank("en")
    result = check.labels(nlp, ["PRODUCT"])
    assert "no 'ner' component" in result.message and "nlp.add_pipe('ner')" in result.hint
    assert "expected a spaCy pipeline, got dict" in check.labels({}, ["PRODUCT"]).message
    assert "list of label names" in check.labels(nlp, None).message


def test_labels_on_entity_ruler():
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ZIP", "pattern": "78701"}])
    assert check.labels(nlp, ["ZIP"], pipe="entity_ruler").passed


# --- number --------------------------------------------------------------------------

RECALL_HINTS = {0.75: "That is precision: TP / predictions. Recall divides by the gold count."}


def test_number_pass_and_wrong_values():
    assert repr(check.number(6 / 10, 0.6, name="recall")) == "✓ Well done: recall = 0.6."
    assert check.number(0.605, 0.6, tol=0.01).passed
    result = check.number(6 / 8, 0.6, name="recall", wrong=RECALL_HINTS)
    assert result.message == "recall = 0.75 is not right." and result.hint == RECALL_HINTS[0.75]


@pytest.mark.parametrize(
    "value,message,hint",
    [
        (60, "looks like a percentage", "fraction between 0 and 1"),
        (10 / 6, "is upside down", "swap numerator and denominator"),
        (0.3, "recall = 0.3 is not right.", "numerator and the denominator"),
        ("0.6x", "should be a number, got str", "tp / (tp + fn)"),
        (None, "should be a number, got NoneType", "tp / (tp + fn)"),
        (float("nan"), "recall is NaN", "divide 0 by 0"),
    ],
)
def test_number_diagnoses(value, message, hint):
    result = check.number(value, 0.6, name="recall", wrong=RECALL_HINTS)
    assert not result.passed and message in result.message and hint in result.hint
    assert "0.6 " not in repr(result) and not repr(result).endswith("0.6.")  # never gives it away


@settings(database=None)
@given(st.floats(-1e3, 1e3), st.floats(1e-6, 10))
def test_number_accepts_everything_within_tolerance(expected, tol):
    assert check.number(expected + tol * 0.999, expected, tol=tol).passed


# --- predictions ---------------------------------------------------------------------


def test_predictions_with_entity_ruler():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PRICE", "pattern": [{"ORTH": "$"}, {"LIKE_NUM": True}]}])
    good = [("[W] $450 shipped", [("$450", "PRICE")]), ("no price here", [])]
    assert repr(check.predictions(nlp, good)) == "✓ Well done: all 2 texts give the expected entities."
    bad = good + [("[W] 450 dollars", [("450 dollars", "PRICE")])]
    result = check.predictions(nlp, bad)
    assert result.message == "text 3 ('[W] 450 dollars'): '450 dollars' (PRICE) is missing."


def test_predictions_reports_pipeline_errors():
    nlp = spacy.blank("en")
    nlp.add_pipe("ner")  # never initialized
    result = check.predictions(nlp, [("[W] $450", [("$450", "PRICE")])])
    assert not result.passed and "raised" in result.message and "initialize()" in result.hint


# --- ruler_pattern ------------------------------------------------------------------

ZIP_EXAMPLES = [
    ("Selling RTX 3080 in Austin, TX 78701", [("78701", "ZIP")]),
    ("zip 94110, asking 450", [("94110", "ZIP")]),
]


def test_ruler_pattern_passes_for_a_right_pattern():
    assert check.ruler_pattern([{"SHAPE": "dddd", "LENGTH": 5}], "ZIP", ZIP_EXAMPLES).passed


@pytest.mark.parametrize(
    "pattern, needle",
    [
        ([{"SHAPE": "ddddd"}], "at most four"),
        ([{"IS_DIGIT": True}], "Extra entity '3080'"),
        ("x", "not a list of token dicts"),
        ([{"NOT_AN_ATTR": 1}], "rejected the pattern"),
    ],
)
def test_ruler_pattern_explains_wrong_patterns(pattern, needle):
    result = check.ruler_pattern(pattern, "ZIP", ZIP_EXAMPLES)
    assert not result.passed
    assert needle in result.message


def test_ruler_pattern_asks_for_blanks():
    result = check.ruler_pattern([{"SHAPE": check.____}], "ZIP", ZIP_EXAMPLES)
    assert not result.passed and "____" in result.message
